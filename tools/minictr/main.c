/* minictr: run COMMAND in a container. This process stays outside as the
 * supervisor: it prepares the image and cgroup, clones the namespaced child,
 * writes its id maps, plugs in its network, forwards signals, and cleans up
 * on every path. The container side is in container.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/err.h"
#include "tools/minictr/container.h"
#include "tools/minictr/fsutil.h"
#include "tools/minictr/idmap.h"
#include "tools/minictr/idmount.h"
#include "tools/minictr/image.h"
#include "tools/minictr/mounts.h"
#include "tools/minictr/net.h"
#include "tools/minictr/oci_runtime.h"
#include "tools/minictr/opts.h"
#include "tools/minictr/pty.h"
#include "tools/minictr/simple_spec.h"

#define EXIT_SETUP 125

struct run {
	struct ctr_opts o;
	struct timespec start;
	struct idmap map;
	struct cgroup cg;
	char name[32];
	char lower[PATH_MAX];
	int lower_fd; /* an idmapped mount of the image, or -1 */
	char scratch[PATH_MAX];
	char veth[16];
	int vol_fds[CTR_MAX_VOLUMES];
	int life_fd;	/* write end of the start pipe, open until we exit, or -1 */
	struct pty pty; /* -t */
	pid_t child;
};

/* Take each volume as a detached bind mount (open_tree), with our own rights:
 * the container's root may be an unprivileged host uid that cannot even look
 * the path up. Without the privilege for that (not root), -1: the container
 * binds the path itself. */
static int open_volumes(struct run *rn, struct err *e)
{
	for (unsigned i = 0; i < rn->o.n_vols; i++) {
		const char *host = rn->o.vols[i].host;
		int fd = (int)syscall(SYS_open_tree, AT_FDCWD, host,
				      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fd < 0 && errno != EPERM)
			return err_sys(e, "volume %s", host);
		rn->vol_fds[i] = fd;
		if (fd >= 0 && rn->o.vols[i].readonly && mounts_tree_rdonly(fd, e) < 0)
			return err_wrap(e, "volume %s", host);
	}
	return 0;
}

static int write_maps(const struct run *rn, struct err *e)
{
	char path[64], text[256];
	int r;

	if ((r = idmap_format(&rn->map, text, sizeof(text), e)) < 0)
		return r;
	/* An unprivileged caller may map only itself, and only with setgroups denied. */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)rn->child);
		if ((r = write_text(path, "deny", e)) < 0)
			return r;
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)rn->child);
	if ((r = write_text(path, text, e)) < 0)
		return r;
	if (geteuid() != 0) {
		struct idmap g;
		idmap_single(&g, (uint32_t)getegid(), 1);
		if ((r = idmap_format(&g, text, sizeof(text), e)) < 0)
			return r;
	}
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)rn->child);
	return write_text(path, text, e);
}

static int runtime_dir(struct run *rn, struct err *e)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char base[PATH_MAX];
	int r;

	if (geteuid() == 0 || !xdg || !*xdg)
		snprintf(base, sizeof(base), "%s",
			 geteuid() == 0 ? "/run/minictr" : "/tmp/minictr");
	else
		snprintf(base, sizeof(base), "%s/minictr", xdg);
	if ((r = mkdir_p(base, 0755, e)) < 0)
		return r;
	remove_stale(base);
	if (snprintf(rn->scratch, sizeof(rn->scratch), "%s/%s", base, rn->name) >=
	    (int)sizeof(rn->scratch))
		return err_set(e, ENAMETOOLONG, "runtime path too long");
	if (mkdir(rn->scratch, 0700) < 0) {
		r = err_sys(e, "mkdir %s", rn->scratch);
		rn->scratch[0] = '\0';
		return r;
	}
	return 0;
}

static int cgroup_setup(struct run *rn, struct err *e)
{
	const struct ctr_opts *o = &rn->o;
	struct cg_spec s = {
		.tool = "minictr",
		.name = rn->name,
		.limits = { .mem_bytes = o->mem_bytes,
			    .cpu_millis = o->cpu_millis,
			    .pids_max = o->pids_max,
			    .io_weight = o->io_weight },
		/* Without a user namespace the device filter needs a cgroup of its own. */
		.required = !(o->namespaces & CTR_NS_USER),
		.verbose = o->verbose,
	};

	return cg_create(&rn->cg, &s, e);
}

static void cleanup(struct run *rn)
{
	struct err ignored;

	if (rn->veth[0])
		net_link_delete(rn->veth, &ignored);
	cg_destroy(&rn->cg);
	/* The tmpfs and overlay lived in the container's mount namespace only. */
	if (rn->scratch[0])
		rmdir(rn->scratch);
	for (unsigned i = 0; i < rn->o.n_vols; i++)
		if (rn->vol_fds[i] >= 0)
			close(rn->vol_fds[i]);
	if (rn->lower_fd >= 0)
		close(rn->lower_fd);
	if (rn->life_fd >= 0)
		close(rn->life_fd);
	pty_close(&rn->pty);
}

/* The image as the overlay's lower layer: an idmapped mount where owners must
 * be shifted and the kernel allows it (no copy, no start-up cost growing with
 * the image), else the image itself or a shifted copy (image.c). */
static int image_pick(struct run *rn, uint32_t shift, struct err *e)
{
	const struct ctr_opts *o = &rn->o;
	struct stat st;
	int r;

	if (shift && stat(o->rootfs, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct err why = { 0 };

		if (idmount_open(o->rootfs, &rn->map, &rn->lower_fd, &why) == 0) {
			if (o->verbose)
				fprintf(stderr, "minictr: image %s through an idmapped mount\n",
					o->rootfs);
			return 0;
		}
		rn->lower_fd = -1;
		if (o->verbose)
			fprintf(stderr, "minictr: no idmapped mount (%s): a shifted copy instead\n",
				why.msg);
	}
	r = image_resolve(o->rootfs, shift ? &rn->map : NULL, o->verbose, rn->lower,
			  sizeof(rn->lower), e);
	if (r < 0 || geteuid() != 0)
		return r;
	/* As root, hand the container a detached nodev mount: it lives in our
	 * 0700 cache, which the container's root cannot look up. */
	if ((r = idmount_open(rn->lower, NULL, &rn->lower_fd, e)) < 0) {
		rn->lower_fd = -1;
		return err_wrap(e, "image");
	}
	return 0;
}

/* Host ids in the container (--no-user) make every host device node a way
 * out: only the minimal /dev may be opened or made. In a user namespace the
 * kernel already refuses mknod, so the filter is best effort there. */
static int device_filter(struct run *rn, struct err *e)
{
	bool needed = !(rn->o.namespaces & CTR_NS_USER);
	struct err why = { 0 };

	if (rn->cg.path[0] && geteuid() == 0 && simple_device_filter_attach(rn->cg.path, &why) == 0)
		return 0;
	if (needed && !rn->cg.path[0])
		return err_set(e, EOPNOTSUPP,
			       "--no-user needs a cgroup v2 hierarchy for the device filter");
	if (needed && geteuid() != 0)
		return err_set(e, EPERM, "--no-user needs root for the device filter");
	if (needed) {
		*e = why;
		return err_wrap(e, "--no-user");
	}
	if (rn->o.verbose)
		fprintf(stderr, "minictr: no device filter (%s)\n",
			why.msg[0] ? why.msg : "no cgroup");
	return 0;
}

static unsigned long clone_flags(unsigned ns)
{
	unsigned long f = CLONE_NEWNS;

	if (ns & CTR_NS_USER)
		f |= CLONE_NEWUSER;
	if (ns & CTR_NS_PID)
		f |= CLONE_NEWPID;
	if (ns & CTR_NS_UTS)
		f |= CLONE_NEWUTS;
	if (ns & CTR_NS_IPC)
		f |= CLONE_NEWIPC;
	if (ns & CTR_NS_NET)
		f |= CLONE_NEWNET;
	return f; /* the cgroup namespace comes later, once the child is in its cgroup */
}

/* Wait for the container, forwarding SIGTERM/SIGINT/SIGHUP/SIGQUIT sent to
 * us, the terminal's too: the container is in a session of its own. */
static int supervise(struct run *rn, const sigset_t *set)
{
	if (rn->pty.master >= 0) {
		int status = pty_relay(&rn->pty, rn->child, set);
		return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	}
	for (;;) {
		siginfo_t si;
		int status;
		int sig = sigwaitinfo(set, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(rn->child, sig);
			continue;
		}
		pid_t p = waitpid(rn->child, &status, WNOHANG);
		if (p == rn->child)
			return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	}
}

static int start(struct run *rn, struct err *e)
{
	const struct ctr_opts *o = &rn->o;
	int go[2], r;
	uint32_t shift = 0;

	if (o->namespaces & CTR_NS_USER) {
		if (o->map_set)
			idmap_single(&rn->map, o->map_host_id, o->map_count);
		else
			idmap_default(&rn->map, (uint32_t)geteuid());
		if (geteuid() == 0)
			shift = (uint32_t)idmap_to_host(&rn->map, 0);
	}
	if ((r = open_volumes(rn, e)) < 0)
		return r;
	if ((r = image_pick(rn, shift, e)) < 0)
		return r;
	if ((r = runtime_dir(rn, e)) < 0)
		return r;
	if ((r = cgroup_setup(rn, e)) < 0)
		return r;
	if ((r = device_filter(rn, e)) < 0)
		return r;
	if (o->tty && (r = pty_open(&rn->pty, e)) < 0)
		return r;
	if (pipe2(go, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	rn->child = (pid_t)syscall(SYS_clone, clone_flags(o->namespaces) | SIGCHLD, NULL, NULL,
				   NULL, 0);
	if (rn->child < 0) {
		r = err_sys(e, "clone the container's namespaces");
		close(go[0]);
		close(go[1]);
		return r;
	}
	if (rn->child == 0) {
		close(go[1]);
		if (rn->pty.master >= 0)
			close(rn->pty.master);
		struct ctr_child c = { .o = o,
				       .lower = rn->lower,
				       .lower_fd = rn->lower_fd,
				       .scratch = rn->scratch,
				       .go_fd = go[0],
				       .tty_fd = rn->pty.slave,
				       .vol_fds = rn->vol_fds,
				       .start = rn->start,
				       .gid5_mapped = !(o->namespaces & CTR_NS_USER) ||
						      idmap_to_host(&rn->map, 5) >= 0 };
		_exit(ctr_child_main(&c));
	}
	close(go[0]);
	if (rn->pty.slave >= 0) {
		close(rn->pty.slave);
		rn->pty.slave = -1;
	}
	r = cg_add_pid(&rn->cg, rn->child, e);
	if (r == 0 && (o->namespaces & CTR_NS_USER))
		r = write_maps(rn, e);
	if (r == 0 && o->bridge) {
		snprintf(rn->veth, sizeof(rn->veth), "mc%d", (int)rn->child);
		r = net_veth_create(rn->veth, o->bridge, rn->child, e);
		if (r < 0)
			rn->veth[0] = '\0';
	}
	if (r == 0 && write(go[1], "g", 1) != 1)
		r = err_sys(e, "start the container");
	/* Held open while we live: the child checks it after its last
	 * credential change (see container.c). */
	rn->life_fd = go[1];
	if (r < 0) {
		/* Closing the pipe without a byte makes the child give up. */
		kill(rn->child, SIGKILL);
		waitpid(rn->child, NULL, 0);
		return r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct run rn;
	struct err e = { 0 };
	sigset_t set;
	int status;

	/* runc's command line (create, start, ...): engines drive us with it. */
	if (oci_cli_is_oci(argc, argv))
		return oci_main(argc, argv);
	memset(&rn, 0, sizeof(rn));
	for (unsigned i = 0; i < CTR_MAX_VOLUMES; i++)
		rn.vol_fds[i] = -1;
	rn.lower_fd = -1;
	rn.life_fd = -1;
	rn.pty.master = rn.pty.slave = -1;
	clock_gettime(CLOCK_MONOTONIC, &rn.start);
	if (ctr_parse_args(argc, argv, &rn.o, &e) < 0) {
		fprintf(stderr, "minictr: error: %s\n", e.msg);
		return EXIT_SETUP;
	}
	if (rn.o.help) {
		ctr_usage(argv[0], 0);
		return 0;
	}
	snprintf(rn.name, sizeof(rn.name), "ctr-%d", (int)getpid());
	/* Block what we forward before the child exists, so none is lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (rn.o.tty)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (start(&rn, &e) < 0) {
		cleanup(&rn);
		fprintf(stderr, "minictr: error: %s\n", e.msg);
		return EXIT_SETUP;
	}
	status = supervise(&rn, &set);
	if (rn.o.mem_report) {
		uint64_t peak;
		if (cg_memory_peak(&rn.cg, &peak, &e) == 0)
			fprintf(stderr, "minictr: mem-peak-kib=%llu\n",
				(unsigned long long)(peak / 1024));
		else
			fprintf(stderr, "minictr: mem-peak-kib=unknown (%s)\n", e.msg);
	}
	cleanup(&rn);
	return status;
}
