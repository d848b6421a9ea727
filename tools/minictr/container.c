#include "tools/minictr/container.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "tools/minictr/mounts.h"
#include "tools/minictr/net.h"
#include "tools/minictr/pty.h"
#include "tools/minictr/simple_spec.h"
#include "tools/minictr/sysfilter.h"

#define EXIT_SETUP 125

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

double ctr_ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static int fail(struct err *e)
{
	fprintf(stderr, "minictr: error: %s\n", e->msg);
	return EXIT_SETUP;
}

static int become_root(struct err *e)
{
	/* Our ids are unmapped until the parent wrote the maps; now take root
	 * of the namespace. setgroups is denied when mapping only ourselves. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return err_sys(e, "setgroups");
	if (setresgid(0, 0, 0) < 0)
		return err_sys(e, "setresgid 0");
	if (setresuid(0, 0, 0) < 0)
		return err_sys(e, "setresuid 0");
	return 0;
}

/* The environment COMMAND sees: a fixed base plus --env, later wins. */
static void build_env(const struct ctr_opts *o, const char **env, size_t max)
{
	static const char *const base[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root",
		"TERM=xterm",
		"container=minictr",
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]) && n + 1 < max; i++)
		env[n++] = base[i];
	for (unsigned i = 0; i < o->n_env && n + 1 < max; i++) {
		size_t klen = (size_t)(strchr(o->env[i], '=') - o->env[i]) + 1;
		size_t j;
		for (j = 0; j < n; j++)
			if (!strncmp(env[j], o->env[i], klen))
				break;
		env[j] = o->env[i];
		if (j == n)
			n++;
	}
	env[n] = NULL;
}

/* Exec COMMAND; on failure report like a shell does (127 not found, 126 other). */
static int exec_command(const struct ctr_opts *o)
{
	const char *env[CTR_MAX_ENV + 8];

	build_env(o, env, sizeof(env) / sizeof(env[0]));
	/* Nothing minictr or its caller had open reaches COMMAND (a pipe to
	 * init stays usable until the exec). */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		fprintf(stderr, "minictr: error: close_range: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	if (setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1) == 0)
		execvpe(o->argv[0], o->argv, (char *const *)(void *)env);
	fprintf(stderr, "minictr: error: exec %s: %s\n", o->argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static int status_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* PID 1: start COMMAND, forward signals to it, reap every orphan, and exit
 * with COMMAND's status (the kernel then kills whatever is left). */
static int run_init(const struct ctr_child *c, const sigset_t *oldmask)
{
	int pfd[2];
	struct timespec exec_at;
	sigset_t set;
	pid_t cmd;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("minictr: error: pipe");
		return EXIT_SETUP;
	}
	cmd = fork();
	if (cmd < 0) {
		perror("minictr: error: fork");
		return EXIT_SETUP;
	}
	if (cmd == 0) {
		close(pfd[0]);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		clock_gettime(CLOCK_MONOTONIC, &exec_at);
		if (c->o->boot_time &&
		    write(pfd[1], &exec_at, sizeof(exec_at)) != (ssize_t)sizeof(exec_at))
			_exit(EXIT_SETUP);
		int code = exec_command(c->o); /* the pipe closes on a successful exec */
		if (c->o->boot_time && write(pfd[1], "x", 1) < 0) /* ...else says it failed */
			code = EXIT_SETUP;
		_exit(code);
	}
	close(pfd[1]);
	if (c->o->boot_time) {
		/* The timestamp, then EOF once exec succeeded (CLOEXEC). */
		ssize_t n = read(pfd[0], &exec_at, sizeof(exec_at));
		char probe;
		if (n == (ssize_t)sizeof(exec_at) && read(pfd[0], &probe, 1) == 0) {
			double ms = (double)(exec_at.tv_sec - c->start.tv_sec) * 1e3 +
				    (double)(exec_at.tv_nsec - c->start.tv_nsec) / 1e6;
			fprintf(stderr, "minictr: boot-time-ms=%.1f\n", ms);
		}
	}
	close(pfd[0]);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);
			if (p <= 0)
				break;
			if (p == cmd)
				return status_code(st);
		}
	}
}

/* Changing credentials clears PR_SET_PDEATHSIG: set it again, then make sure
 * minictr did not die before that (it holds the pipe's write end open until
 * it exits; getppid() says nothing across a PID namespace). */
static int still_supervised(int go_fd, struct err *e)
{
	struct pollfd p = { .fd = go_fd, .events = POLLIN };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return err_sys(e, "PR_SET_PDEATHSIG");
	if (poll(&p, 1, 0) != 0)
		return err_set(e, ECANCELED, "minictr exited while the container started");
	return 0;
}

static int setup(const struct ctr_child *c, struct err *e)
{
	const struct ctr_opts *o = c->o;
	char go;
	int r;

	/* A session of our own: COMMAND has no controlling terminal to push
	 * input into (TIOCSTI) nor the caller's process group to signal. */
	if (setsid() < 0)
		return err_sys(e, "setsid");
	if (c->tty_fd >= 0 && (r = pty_attach(c->tty_fd, e)) < 0)
		return r;
	/* Die with minictr; wait until it has written our id maps, put us in
	 * the cgroup and plugged in the network. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return err_sys(e, "PR_SET_PDEATHSIG");
	if (read(c->go_fd, &go, 1) != 1)
		return err_set(e, ECANCELED, "minictr stopped before the container started");
	if ((o->namespaces & CTR_NS_USER) && (r = become_root(e)) < 0)
		return r;
	if ((r = still_supervised(c->go_fd, e)) < 0)
		return r;
	close(c->go_fd);
	/* After joining the cgroup, so the namespace's root is the container's. */
	if ((o->namespaces & CTR_NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return err_sys(e, "unshare cgroup namespace");
	if (o->namespaces & CTR_NS_UTS) {
		const char *h = o->hostname ? o->hostname : "minictr";
		if (sethostname(h, strlen(h)) < 0)
			return err_sys(e, "sethostname %s", h);
	}
	if (o->namespaces & CTR_NS_NET) {
		if ((r = net_link_up("lo", e)) < 0)
			return r;
		if (o->bridge && (r = net_link_up("eth0", e)) < 0)
			return r;
		if (o->ip4 && (r = net_addr_add("eth0", o->ip4, o->ip4_prefix, e)) < 0)
			return r;
		if (o->gw4 && (r = net_route_default(o->gw4, e)) < 0)
			return r;
	}
	struct mounts_cfg mc = { .o = o,
				 .lower = c->lower,
				 .lower_fd = c->lower_fd,
				 .scratch = c->scratch,
				 .vol_fds = c->vol_fds,
				 .gid5_mapped = c->gid5_mapped };
	if ((r = mounts_setup(&mc, e)) < 0)
		return r;
	bool chrooted = r > 0;
	if (chrooted && o->verbose)
		fprintf(stderr, "minictr: root is an initramfs: chroot instead of pivot_root, "
				"CAP_SYS_CHROOT dropped\n");
	if (o->workdir && chdir(o->workdir) < 0)
		return err_sys(e, "workdir %s", o->workdir);
	if ((r = simple_identity(chrooted, (o->namespaces & CTR_NS_USER) != 0, e)) < 0)
		return r;
	/* Last: the filter refuses mount and unshare, which set-up needed. */
	return o->unconfined ? 0 : sysfilter_install(e);
}

int ctr_child_main(const struct ctr_child *c)
{
	struct err e = { 0 };
	sigset_t all, none;

	/* minictr blocked the forwarded signals before cloning us. */
	sigemptyset(&none);
	if (setup(c, &e) < 0)
		return fail(&e);
	if (!c->o->init) {
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (c->o->boot_time)
			fprintf(stderr, "minictr: boot-time-ms=%.1f\n", ctr_ms_since(&c->start));
		return exec_command(c->o);
	}
	sigemptyset(&all);
	sigaddset(&all, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&all, forwarded[i]);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_NAME, "minictr-init");
	return run_init(c, &none);
}
