#include "vmm/jail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/caps.h"
#include "common/cgroup.h"
#include "common/root.h"
#include "vmm/console.h"
#include "vmm/exit_status.h"

#define JAIL_HOSTNAME "minivmm"

int jail_check(const struct vmm_options *o, struct err *e)
{
	struct stat st, root;

	if (!o->jail_dir)
		return 0;
	if (geteuid() != 0)
		return err_set(e, EPERM,
			       "--jail needs root: it creates namespaces and switches to "
			       "--uid/--gid");
	if (stat(o->jail_dir, &st) < 0)
		return err_sys(e, "--jail %s", o->jail_dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "--jail %s is not a directory", o->jail_dir);
	if (stat("/", &root) == 0 && root.st_dev == st.st_dev && root.st_ino == st.st_ino)
		return err_set(e, EINVAL, "--jail %s is the host's root: it would hide nothing",
			       o->jail_dir);
	return 0;
}

/* The VMM's own cgroup, when a limit was asked for: the guest's RAM is
 * charged to it, so --jail-mem bounds the whole VMM. */
static int make_cgroup(const struct vmm_options *o, struct cgroup *cg, struct err *e)
{
	char name[32];
	struct cg_spec spec = {
		.tool = "minivmm",
		.name = name,
		.limits = { .mem_bytes = o->jail_mem, .cpu_millis = o->jail_cpu_millis },
		.verbose = o->verbose,
	};

	memset(cg, 0, sizeof(*cg));
	if (!o->jail_mem && !o->jail_cpu_millis)
		return 0;
	snprintf(name, sizeof(name), "vmm-%d", (int)getpid());
	return cg_create(cg, &spec, e);
}

/* New root, no way back: DIR bind-mounted on itself becomes "/", read-only
 * and without devices, set-uid or executables (the VMM needs none of them:
 * everything it uses is already open). */
static int enter_dir(const char *dir, struct err *e)
{
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(e, "make the mounts private");
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "bind-mount %s", dir);
	r = root_enter(dir, e);
	if (r < 0)
		return r;
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return err_sys(e, "make the new root read-only");
	return 0;
}

static int become_user(uid_t uid, gid_t gid, struct err *e)
{
	int r = caps_bound_to(0, e);

	if (r < 0)
		return r;
	if (setgroups(0, NULL) < 0)
		return err_sys(e, "drop supplementary groups");
	if (setresgid(gid, gid, gid) < 0)
		return err_sys(e, "switch to gid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) < 0)
		return err_sys(e, "switch to uid %u", (unsigned)uid);
	/* A non-root uid has no capabilities left; say so to the kernel anyway,
	 * and check it. */
	r = caps_set(0, e);
	if (r == 0 && caps_effective() != 0)
		r = err_set(e, EPERM, "capabilities left after switching to uid %u", (unsigned)uid);
	return r;
}

/* The jailed side, PID 1 of its namespace. sync_fd: the parent writes one
 * byte once we are in the cgroup and keeps it open while it lives. */
static int jail_child(const struct vmm_options *o, int sync_fd, struct err *e)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };
	char byte;
	int r;

	/* The VM must not outlive the process the caller waits for. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return err_sys(e, "jail: PR_SET_PDEATHSIG");
	if (read(sync_fd, &byte, 1) != 1)
		return err_set(e, ECHILD, "jail: the parent minivmm went away");
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		return err_sys(e, "jail: new mount, IPC and UTS namespaces");
	r = enter_dir(o->jail_dir, e);
	if (r == 0 && sethostname(JAIL_HOSTNAME, strlen(JAIL_HOSTNAME)) < 0)
		r = err_sys(e, "sethostname");
	if (r == 0)
		r = become_user((uid_t)o->jail_uid, (gid_t)o->jail_gid, e);
	if (r < 0)
		return err_wrap(e, "jail %s", o->jail_dir);
	/* Changing credentials cleared the death signal: set it again, then
	 * make sure the parent did not die in between. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return err_sys(e, "jail: PR_SET_PDEATHSIG");
	if (poll(&p, 1, 0) != 0)
		return err_set(e, ECHILD, "jail: the parent minivmm went away");
	close(sync_fd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "jail: PR_SET_NO_NEW_PRIVS");
	return 0;
}

static int status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return EXIT_SIGNAL_BASE + WTERMSIG(wstatus);
	return EXIT_RUNTIME_FAILURE;
}

/* Stand in for the VMM until it ends: relay the signals that stop it (they
 * are blocked here, as in the VMM, and read synchronously). */
static int wait_relaying(pid_t child)
{
	const struct timespec tick = { .tv_sec = 1 };
	sigset_t set;
	int wstatus;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		int sig = sigtimedwait(&set, NULL, &tick);
		pid_t w;

		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			kill(child, sig);
		w = waitpid(child, &wstatus, WNOHANG);
		if (w == child)
			return status_of(wstatus);
		if (w < 0 && errno != EINTR)
			return EXIT_RUNTIME_FAILURE;
	}
}

int jail_enter(const struct vmm_options *o, int *status, struct err *e)
{
	struct cgroup cg;
	int sync[2], r;
	pid_t child;

	if (!o->jail_dir)
		return 0;
	r = make_cgroup(o, &cg, e);
	if (r < 0)
		return err_wrap(e, "jail");
	if (pipe2(sync, O_CLOEXEC) < 0) {
		r = err_sys(e, "jail: pipe");
		cg_destroy(&cg);
		return r;
	}
	/* Only children enter a new PID namespace: the VMM goes on in one. */
	child = unshare(CLONE_NEWPID) < 0 ? -1 : fork();
	if (child < 0) {
		r = err_sys(e, "jail: new PID namespace");
		close(sync[0]);
		close(sync[1]);
		cg_destroy(&cg);
		return r;
	}
	if (child == 0) {
		close(sync[1]);
		return jail_child(o, sync[0], e);
	}
	close(sync[0]);
	r = cg_add_pid(&cg, child, e);
	if (r == 0 && write(sync[1], "", 1) != 1)
		r = err_sys(e, "jail: start the VMM");
	if (r < 0)
		kill(child, SIGKILL);
	*status = wait_relaying(child);
	close(sync[1]);
	console_restore_terminal();
	cg_destroy(&cg);
	return r < 0 ? err_wrap(e, "jail") : 1;
}
