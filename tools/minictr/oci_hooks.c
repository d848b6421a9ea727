#include "tools/minictr/oci_hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* execve wants char *const[]; the spec's strings are const. */
union argv_cast {
	const char *const *c;
	char *const *m;
};

/* In the child: nothing of ours but stdin (the state pipe), stdout, stderr
 * survives exec; signals as a fresh process has them. */
static void child_setup(int in)
{
	sigset_t none;

	setpgid(0, 0);
	if (in != STDIN_FILENO)
		dup2(in, STDIN_FILENO);
	else
		fcntl(STDIN_FILENO, F_SETFD, 0); /* the pipe landed on 0: keep it */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 4096; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_exec(const struct oci_hook *h, int in, int errfd)
{
	const char *argv_path[] = { h->path, NULL };
	const char *env_none[] = { NULL };
	union argv_cast argv = { .c = h->args && h->n_args ? h->args : argv_path };
	union argv_cast envp = { .c = h->env ? h->env : env_none };
	int err;

	child_setup(in);
	execve(h->path, argv.m, envp.m);
	err = errno;
	if (write(errfd, &err, sizeof(err)) < 0) {
		/* nothing left to tell: the exit status says it */
	}
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* The hook's side of things while it runs: feed stdin, wait for its exit. */
struct run {
	pid_t pid;
	int in;	   /* write end of the state pipe, -1 once done with it */
	int pidfd; /* -1: poll in short ticks instead */
	const char *state;
	size_t len, off;
};

/* Write what the pipe takes now. A hook that closed its stdin (EPIPE) or
 * got everything: close our end, so it sees EOF. */
static void feed(struct run *r)
{
	while (r->off < r->len) {
		ssize_t w = write(r->in, r->state + r->off, r->len - r->off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0)
			break;
		r->off += (size_t)w;
	}
	close(r->in);
	r->in = -1;
}

/* 1 when the hook has exited (status filled), 0 at the deadline, -errno
 * when it cannot be waited for (SIGCHLD ignored: the kernel reaped it). */
static int wait_hook(struct run *r, long long deadline, int *status)
{
	for (;;) {
		struct pollfd p[2];
		nfds_t n = 0;
		pid_t w = waitpid(r->pid, status, WNOHANG);

		if (w == r->pid)
			return 1;
		if (w < 0 && errno != EINTR)
			return -errno;
		long long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		if (r->pidfd >= 0)
			p[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		/* Without a pidfd, ticks; with one, a bound that fits poll's int. */
		if (left > (r->pidfd >= 0 ? 1000 : 10))
			left = r->pidfd >= 0 ? 1000 : 10;
		if (r->in >= 0)
			p[n++] = (struct pollfd){ .fd = r->in, .events = POLLOUT };
		if (poll(p, n, (int)left) > 0 && r->in >= 0 && p[n - 1].revents)
			feed(r);
	}
}

/* SIGPIPE blocked while we write to a hook that may have gone away; one it
 * raised is taken back, a SIGPIPE pending before is left alone. */
struct sigpipe_guard {
	sigset_t old;
	bool was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &g->old);
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t pipe_set, pending;
	struct timespec zero = { 0, 0 };

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	if (!g->was_pending && sigismember(&pending, SIGPIPE))
		sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &g->old, NULL);
}

static int hook_status(const struct oci_hook *h, const char *which, size_t i, int status,
		       struct err *e)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return err_set(e, EIO, "hooks.%s[%zu] %s: exit status %d", which, i, h->path,
			       WEXITSTATUS(status));
	return err_set(e, EIO, "hooks.%s[%zu] %s: killed by signal %d", which, i, h->path,
		       WTERMSIG(status));
}

/* Start the hook; *pid on success. An execve failure is reported here
 * (through a close-on-exec pipe the child writes errno to). */
static int spawn(const struct oci_hook *h, const char *which, size_t i, int in_read, pid_t *pid,
		 struct err *e)
{
	_cleanup_close_ int er = -1, ew = -1;
	int fds[2], err = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_sys(e, "hooks.%s[%zu] %s: pipe", which, i, h->path);
	er = fds[0];
	ew = fds[1];
	*pid = fork();
	if (*pid < 0)
		return err_sys(e, "hooks.%s[%zu] %s: fork", which, i, h->path);
	if (*pid == 0)
		child_exec(h, in_read, ew);
	close(take_fd(&ew));
	while (read(er, &err, sizeof(err)) < 0 && errno == EINTR)
		;
	if (err) {
		waitpid(*pid, NULL, 0);
		return err_set(e, err, "hooks.%s[%zu] %s: execve: %s", which, i, h->path,
			       strerror(err));
	}
	return 0;
}

static int run_one(const struct oci_hook *h, const char *which, size_t i, const char *state,
		   size_t len, struct err *e)
{
	int timeout = h->timeout > 0 ? h->timeout : OCI_HOOK_DEFAULT_TIMEOUT_S;
	long long deadline = now_ms() + timeout * 1000LL;
	struct run r = { .in = -1, .pidfd = -1, .state = state, .len = len };
	struct sigpipe_guard g;
	int fds[2], status = 0, rc, exited;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_sys(e, "hooks.%s[%zu] %s: pipe", which, i, h->path);
	rc = spawn(h, which, i, fds[0], &r.pid, e);
	close(fds[0]);
	if (rc < 0) {
		close(fds[1]);
		return rc;
	}
	r.in = fds[1];
	fcntl(r.in, F_SETFL, O_NONBLOCK);
	r.pidfd = (int)syscall(SYS_pidfd_open, r.pid, 0);
	sigpipe_block(&g);
	feed(&r);
	exited = wait_hook(&r, deadline, &status);
	sigpipe_restore(&g);
	if (r.in >= 0)
		close(r.in);
	if (r.pidfd >= 0)
		close(r.pidfd);
	if (exited < 0)
		return err_set(e, exited, "hooks.%s[%zu] %s: wait: %s", which, i, h->path,
			       strerror(-exited));
	if (!exited) {
		/* The group: what the hook started must not outlive the timeout. */
		kill(-r.pid, SIGKILL);
		kill(r.pid, SIGKILL);
		while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR)
			;
		return err_set(e, ETIMEDOUT, "hooks.%s[%zu] %s: timed out after %d s%s", which, i,
			       h->path, timeout, h->timeout > 0 ? "" : " (the default bound)");
	}
	return hook_status(h, which, i, status, e);
}

int oci_hooks_run(const struct oci_hook_list *l, const char *which, const char *state, size_t len,
		  struct err *e)
{
	if (!state)
		len = 0;
	for (size_t i = 0; l && i < l->n; i++) {
		int r = run_one(&l->hooks[i], which, i, state, len, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int oci_hooks_run_each(const struct oci_hook_list *l, const char *which, const char *state,
		       size_t len, void (*warn)(const char *msg, void *arg), void *arg)
{
	int failed = 0;

	if (!state)
		len = 0;
	for (size_t i = 0; l && i < l->n; i++) {
		struct err e = { 0 };
		if (run_one(&l->hooks[i], which, i, state, len, &e) < 0) {
			warn(e.msg, arg);
			failed++;
		}
	}
	return failed;
}
