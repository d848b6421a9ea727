/* The container's first process (cloned by oci_create.c): joins what it
 * must join itself, waits for its id maps and cgroup, builds its file
 * system (oci_rootfs.c) with the createContainer hooks before pivot_root,
 * hands out its terminal, takes the spec's identity, reports ready and
 * blocks on exec.fifo until `minictr start`; then the startContainer hooks,
 * the seccomp filter, exec. Errors before ready go to the runtime, which
 * prints them; after it, to the process's stderr (exit 127). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "tools/minictr/oci_console.h"
#include "tools/minictr/oci_hooks.h"
#include "tools/minictr/oci_proc.h"
#include "tools/minictr/oci_rootfs.h"
#include "tools/minictr/oci_runtime.h"
#include "tools/minictr/oci_seccomp.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define EXIT_INIT_FAIL 127

struct init_run {
	const struct oci_init_args *a;
	char *state; /* the state JSON the runtime sent, for the hooks */
	char exe[PATH_MAX];
	void *seccomp;		 /* built filter, or NULL */
	struct oci_process proc; /* the spec's, less CAP_SYS_CHROOT under a chroot */
};

int oci_sync_send(int fd, char type, const char *text, struct err *e)
{
	size_t n = strlen(text);
	char *buf;
	ssize_t w;

	if (n > OCI_SYNC_MAX - 2)
		n = OCI_SYNC_MAX - 2;
	if (!(buf = malloc(n + 1)))
		return err_set(e, ENOMEM, "out of memory");
	buf[0] = type;
	memcpy(buf + 1, text, n);
	w = send(fd, buf, n + 1, MSG_NOSIGNAL);
	free(buf);
	if (w != (ssize_t)(n + 1))
		return err_sys(e, "sync with the %s",
			       type == OCI_SYNC_GO ? "container" : "runtime");
	return 0;
}

int oci_sync_recv(int fd, char *buf, size_t cap, struct err *e)
{
	ssize_t n;
	int type;

	do
		n = recv(fd, buf, cap - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return err_sys(e, "sync receive");
	buf[n] = '\0';
	type = (unsigned char)buf[0];
	/* The text after the type byte, with its NUL. */
	memmove(buf, buf + 1, (size_t)n);
	return type;
}

void oci_cloexec_from(int first)
{
	struct rlimit rl;

	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* Kernels before 5.11 (or a filter that denies it): one by one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	for (int fd = first; fd < (int)rl.rlim_cur; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Join a namespace by path (user and mount: the ones the runtime cannot
 * join for us without changing its own view). */
static int join_ns(const char *path, int type, const char *what, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(e, "linux.namespaces %s: open %s", what, path);
	if (setns(fd, type) < 0)
		return err_sys(e, "linux.namespaces %s: join %s", what, path);
	return 0;
}

/* The namespaces made after a user namespace joined by path (so they
 * belong to it), except pid, which the clone made. */
static int unshare_under_joined_user(const struct oci_spec *s, struct err *e)
{
	static const int FLAGS[OCI_NS_COUNT] = {
		[OCI_NS_NETWORK] = CLONE_NEWNET,
		[OCI_NS_MOUNT] = CLONE_NEWNS,
		[OCI_NS_IPC] = CLONE_NEWIPC,
		[OCI_NS_UTS] = CLONE_NEWUTS,
	};
	int flags = 0;

	for (size_t i = 0; i < s->linux_.n_namespaces; i++)
		if (!s->linux_.namespaces[i].path)
			flags |= FLAGS[s->linux_.namespaces[i].type];
	if (flags && unshare(flags) < 0)
		return err_sys(e, "new namespaces in the joined user namespace");
	return 0;
}

static int wait_go(struct init_run *ir, struct err *e)
{
	char *buf = malloc(OCI_SYNC_MAX);
	int type;

	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	type = oci_sync_recv(ir->a->sync_fd, buf, OCI_SYNC_MAX, e);
	if (type != OCI_SYNC_GO) {
		free(buf);
		return type < 0 ? type : err_set(e, EPROTO, "no go from the runtime");
	}
	ir->state = buf;
	return 0;
}

/* Become root of the namespaces (the user namespace's id 0, when mapped). */
static int become_root(const struct init_run *ir, struct err *e)
{
	if (!ir->a->new_userns && !ir->a->userns_path)
		return 0;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return err_sys(e, "become root in the user namespace (is id 0 mapped?)");
	return 0;
}

static int enter_namespaces(struct init_run *ir, struct err *e)
{
	const struct oci_init_args *a = ir->a;
	int r;

	if (a->userns_path && (r = join_ns(a->userns_path, CLONE_NEWUSER, "user", e)) < 0)
		return r;
	if ((r = wait_go(ir, e)) < 0)
		return r;
	if ((r = become_root(ir, e)) < 0)
		return r;
	if (a->userns_path && (r = unshare_under_joined_user(a->spec, e)) < 0)
		return r;
	if (a->mntns_path && (r = join_ns(a->mntns_path, CLONE_NEWNS, "mount", e)) < 0)
		return r;
	/* Now in the container's cgroup: its namespace's root is that group. */
	if (a->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return err_sys(e, "new cgroup namespace");
	return 0;
}

/* Before pivot_root: the runtime's hooks (when there are any), then
 * createContainer in the container's namespaces. */
static int before_pivot(void *arg, struct err *e)
{
	struct init_run *ir = arg;
	const struct oci_hooks *h = &ir->a->spec->hooks;
	char reply[512];
	int r, type;

	if (h->prestart.n || h->create_runtime.n) {
		if ((r = oci_sync_send(ir->a->sync_fd, OCI_SYNC_HOOKS, "", e)) < 0)
			return r;
		type = oci_sync_recv(ir->a->sync_fd, reply, sizeof(reply), e);
		if (type == OCI_SYNC_ERROR)
			return err_set(e, EINVAL, "%s", reply);
		if (type != OCI_SYNC_HOOKS_OK)
			return type < 0 ? type : err_set(e, EPROTO, "no answer on the hooks");
	}
	return oci_hooks_run(&h->create_container, "createContainer", ir->state, strlen(ir->state),
			     e);
}

static const char *env_path(const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			return p->env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int oci_find_exe(const struct oci_process *p, char *exe, size_t len, struct err *e)
{
	const char *name = p->args[0], *dirs = env_path(p);

	if (strchr(name, '/')) {
		snprintf(exe, len, "%s", name);
		if (access(exe, X_OK) < 0)
			return err_sys(e, "process.args[0] %s", name);
		return 0;
	}
	while (*dirs) {
		size_t n = strcspn(dirs, ":");
		struct stat st;
		if (snprintf(exe, len, "%.*s/%s", (int)n, dirs, name) < (int)len &&
		    stat(exe, &st) == 0 && S_ISREG(st.st_mode) && access(exe, X_OK) == 0)
			return 0;
		dirs += n + (dirs[n] == ':');
	}
	return err_set(e, ENOENT, "process.args[0] %s: executable file not found in $PATH", name);
}

static int set_up_console(const struct init_run *ir, struct err *e)
{
	const struct oci_process *p = &ir->a->spec->process;
	_cleanup_close_ int master = -1;
	int slave = -1, r;

	if (!p->terminal)
		return 0;
	if ((r = oci_console_open(p->console_height, p->console_width, &master, &slave, e)) < 0)
		return err_wrap(e, "process.terminal");
	if ((r = oci_console_send(ir->a->console_fd, master, e)) < 0 ||
	    (r = oci_console_attach(slave, e)) < 0) {
		close(slave);
		return err_wrap(e, "process.terminal");
	}
	if (slave > 2)
		close(slave);
	return 0;
}

/* Everything up to the wait for start. */
static int prepare(struct init_run *ir, struct err *e)
{
	const struct oci_init_args *a = ir->a;
	const struct oci_process *p = &a->spec->process;
	struct oci_rootfs_cfg rc = {
		.spec = a->spec,
		.rootfs = a->rootfs,
		.in_userns = a->new_userns || a->userns_path,
		.before_pivot = before_pivot,
		.arg = ir,
	};
	int r;

	if ((r = enter_namespaces(ir, e)) < 0 || (r = oci_hostname_apply(a->spec, e)) < 0)
		return r;
	if ((r = oci_proc_oom_score_adj(p, 0, e)) < 0 || (r = oci_proc_rlimits(p, e)) < 0)
		return r;
	/* Relative bind sources are the bundle's (runc's rule). */
	if (chdir(a->bundle) < 0)
		return err_sys(e, "bundle %s", a->bundle);
	/* Also writes linux.sysctl, before /proc/sys may turn read-only. */
	if ((r = oci_rootfs_setup(&rc, e)) < 0)
		return r;
	ir->proc = *p;
	if (r == 1) {
		/* A chroot (an initramfs root cannot be pivoted away), which
		 * CAP_SYS_CHROOT would let the process leave. */
		uint64_t bit = 1ull << CAP_SYS_CHROOT;
		ir->proc.caps.bounding &= ~bit;
		ir->proc.caps.effective &= ~bit;
		ir->proc.caps.permitted &= ~bit;
		ir->proc.caps.inheritable &= ~bit;
		ir->proc.caps.ambient &= ~bit;
	}
	if ((r = set_up_console(ir, e)) < 0)
		return r;
	if (chdir(p->cwd) < 0)
		return err_sys(e, "process.cwd %s", p->cwd);
	if ((r = oci_find_exe(p, ir->exe, sizeof(ir->exe), e)) < 0)
		return r;
	if (a->spec->linux_.has_seccomp &&
	    (r = oci_seccomp_build(&a->spec->linux_.seccomp, &ir->seccomp, e)) < 0)
		return r;
	/* Without no_new_privs the filter can only go on while we still hold
	 * CAP_SYS_ADMIN: before the identity (runc's order). */
	/* Before the filter: a profile older than close_range denies it. */
	oci_cloexec_from(3 + a->preserve_fds);
	if (ir->seccomp && !p->no_new_privileges && (r = oci_seccomp_load(ir->seccomp, e)) < 0)
		return r;
	return oci_proc_identity(&ir->proc, e);
}

/* The state as it is once start has been called (for startContainer). */
static char *state_with_status(const char *state, const char *status)
{
	json_t *o = json_loads(state, 0, NULL);
	char *text;

	if (!o)
		return NULL;
	json_object_set_new(o, "status", json_string(status));
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	return text;
}

/* Block until `minictr start` opens the fifo for reading; the open end is
 * returned. */
static int wait_start(const struct init_run *ir, int *fifo, struct err *e)
{
	do
		*fifo = openat(ir->a->state_dir_fd, "exec.fifo", O_WRONLY | O_CLOEXEC);
	while (*fifo < 0 && errno == EINTR);
	return *fifo < 0 ? err_sys(e, "open exec.fifo") : 0;
}

static int start_container_hooks(const struct init_run *ir, struct err *e)
{
	const struct oci_hook_list *h = &ir->a->spec->hooks.start_container;
	char *created;
	int r;

	if (!h->n)
		return 0;
	if (!(created = state_with_status(ir->state, "created")))
		return err_set(e, ENOMEM, "out of memory");
	r = oci_hooks_run(h, "startContainer", created, strlen(created), e);
	free(created);
	return r;
}

int oci_init_main(const struct oci_init_args *a)
{
	struct init_run ir = { .a = a };
	const struct oci_process *p = &a->spec->process;
	struct err e = { 0 };
	sigset_t none;
	int r, fifo = -1;

	/* `run` blocks every signal while it starts us: the process gets none blocked. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prepare(&ir, &e) < 0) {
		oci_sync_send(a->sync_fd, OCI_SYNC_ERROR, e.msg, &e);
		return EXIT_INIT_FAIL;
	}
	if (oci_sync_send(a->sync_fd, OCI_SYNC_READY, "", &e) < 0)
		return EXIT_INIT_FAIL;
	close(a->sync_fd);
	/* start reads our byte, then waits for the fifo's end of file: the
	 * close-on-exec descriptor closes when the program runs, so its
	 * poststart hooks come after the exec (and after startContainer). */
	r = wait_start(&ir, &fifo, &e);
	if (r == 0)
		r = start_container_hooks(&ir, &e);
	if (r == 0 && write(fifo, "0", 1) != 1)
		r = err_sys(&e, "write exec.fifo");
	if (r == 0 && ir.seccomp && p->no_new_privileges)
		r = oci_seccomp_load(ir.seccomp, &e);
	if (r == 0) {
		oci_execve(ir.exe, p->args, p->env);
		err_sys(&e, "exec %s", ir.exe);
	}
	dprintf(2, "minictr: error: %s\n", e.msg);
	return EXIT_INIT_FAIL;
}
