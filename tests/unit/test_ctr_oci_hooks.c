/* OCI hooks (the state on stdin, args and env, failures and timeouts named)
 * and the console socket (a pty master sent over SCM_RIGHTS, a terminal
 * made controlling). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/minictr/oci_console.h"
#include "tools/minictr/oci_hooks.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char dir[64]; /* a temporary directory per test */

static int setup_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/minictr-hooks-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	ssize_t r;

	assert_true(fd >= 0);
	while (used < len && (r = read(fd, buf + used, len - used)) > 0)
		used += (size_t)r;
	close(fd);
	return used;
}

/* A hook: sh -c SCRIPT with $0 = "hook", $1 = dir, env as given. */
static struct oci_hook sh_hook(const char **argv, const char *script, const char **env)
{
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = script;
	argv[3] = "hook";
	argv[4] = dir;
	argv[5] = NULL;
	return (struct oci_hook){ .path = "/bin/sh", .args = argv, .n_args = 5, .env = env };
}

static void test_state_on_stdin_args_env(void **state)
{
	static const char st[] = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}";
	const char *argv[6], *env[] = { "FOO=bar baz", "OTHER=1", NULL };
	struct oci_hook h = sh_hook(argv,
				    "cat > \"$1/state\" && printf '%s|%s|%s' \"$0\" \"$FOO\" "
				    "\"$OTHER\" > \"$1/seen\"",
				    env);
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	char p[128], buf[4096];
	size_t n;

	(void)state;
	if (oci_hooks_run(&l, "prestart", st, strlen(st), &e) < 0)
		fail_msg("%s", e.msg);
	snprintf(p, sizeof(p), "%s/state", dir);
	n = read_file(p, buf, sizeof(buf));
	assert_int_equal(n, strlen(st));
	assert_memory_equal(buf, st, n);
	snprintf(p, sizeof(p), "%s/seen", dir);
	n = read_file(p, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	assert_string_equal(buf, "hook|bar baz|1");
}

/* No env: an empty environment, not ours. No args: argv is {path}. */
static void test_defaults(void **state)
{
	const char *argv[6];
	struct oci_hook h[2];
	struct oci_hook_list l = { h, 2 };
	struct err e = { 0 };

	(void)state;
	setenv("MINICTR_HOOK_TEST", "leaked", 1);
	h[0] = sh_hook(argv, "[ -z \"$MINICTR_HOOK_TEST\" ] || exit 9", NULL);
	/* /bin/true with no args at all. */
	h[1] = (struct oci_hook){ .path = "/bin/true" };
	if (oci_hooks_run(&l, "createRuntime", "{}", 2, &e) < 0)
		fail_msg("%s", e.msg);
	unsetenv("MINICTR_HOOK_TEST");
}

static void test_exit_status_named(void **state)
{
	const char *a0[6], *a1[6], *a2[6];
	struct oci_hook h[3];
	struct oci_hook_list l = { h, 3 };
	struct err e = { 0 };
	char p[128];

	(void)state;
	h[0] = sh_hook(a0, "exit 0", NULL);
	h[1] = sh_hook(a1, "exit 3", NULL);
	h[2] = sh_hook(a2, "touch \"$1/third\"", NULL);
	assert_int_equal(oci_hooks_run(&l, "poststart", "{}", 2, &e), -EIO);
	assert_string_equal(e.msg, "hooks.poststart[1] /bin/sh: exit status 3");
	/* The first failure stops the list. */
	snprintf(p, sizeof(p), "%s/third", dir);
	assert_int_equal(access(p, F_OK), -1);
}

static void count_warning(const char *msg, void *arg)
{
	int *n = arg;

	assert_string_equal(msg, "hooks.poststop[1] /bin/sh: exit status 3");
	(*n)++;
}

/* poststart/poststop: a failure is a warning and the later hooks still run. */
static void test_run_each_goes_on(void **state)
{
	const char *a0[6], *a1[6], *a2[6];
	struct oci_hook h[3];
	struct oci_hook_list l = { h, 3 };
	int warnings = 0;
	char p[128];

	(void)state;
	h[0] = sh_hook(a0, "exit 0", NULL);
	h[1] = sh_hook(a1, "exit 3", NULL);
	h[2] = sh_hook(a2, "touch \"$1/third-each\"", NULL);
	assert_int_equal(oci_hooks_run_each(&l, "poststop", "{}", 2, count_warning, &warnings), 1);
	assert_int_equal(warnings, 1);
	snprintf(p, sizeof(p), "%s/third-each", dir);
	assert_int_equal(access(p, F_OK), 0);
	unlink(p);
}

static void test_signal_named(void **state)
{
	const char *argv[6];
	struct oci_hook h;
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };

	(void)state;
	h = sh_hook(argv, "kill -TERM $$", NULL);
	assert_int_equal(oci_hooks_run(&l, "poststop", "{}", 2, &e), -EIO);
	assert_string_equal(e.msg, "hooks.poststop[0] /bin/sh: killed by signal 15");
}

static void test_exec_failure_named(void **state)
{
	struct oci_hook h = { .path = "/nonexistent/hook" };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(oci_hooks_run(&l, "createContainer", "{}", 2, &e), -ENOENT);
	assert_string_equal(e.msg, "hooks.createContainer[0] /nonexistent/hook: execve: No such "
				   "file or directory");
}

static void test_timeout_kills(void **state)
{
	const char *argv[] = { "sleep", "10", NULL };
	struct oci_hook h = { .path = "/bin/sleep", .args = argv, .n_args = 2, .timeout = 1 };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	double t0 = now_s(), took;

	(void)state;
	assert_int_equal(oci_hooks_run(&l, "startContainer", "{}", 2, &e), -ETIMEDOUT);
	took = now_s() - t0;
	assert_string_equal(e.msg, "hooks.startContainer[0] /bin/sleep: timed out after 1 s");
	assert_true(took >= 0.9 && took < 2.5);
}

/* Gone, or a zombie waiting for whoever inherited it. */
static bool dead(pid_t pid)
{
	char path[64], line[512] = "";
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	r = read(fd, line, sizeof(line) - 1);
	close(fd);
	const char *paren = r > 0 ? strrchr(line, ')') : NULL;
	return !paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X';
}

/* What the hook started goes with it: its process group is killed. */
static void test_timeout_kills_group(void **state)
{
	const char *argv[6];
	struct oci_hook h;
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	char p[128], buf[32];
	size_t n;
	pid_t bg;

	(void)state;
	h = sh_hook(argv, "sleep 30 & echo $! > \"$1/bg\"; wait", NULL);
	h.timeout = 1;
	assert_int_equal(oci_hooks_run(&l, "prestart", "{}", 2, &e), -ETIMEDOUT);
	snprintf(p, sizeof(p), "%s/bg", dir);
	n = read_file(p, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	bg = (pid_t)atoi(buf);
	assert_true(bg > 0);
	for (int i = 0; i < 100 && !dead(bg); i++)
		usleep(10000);
	assert_true(dead(bg));
}

/* A hook that never reads a state larger than a pipe holds: no hang, no
 * SIGPIPE for us. */
static void test_unread_large_state(void **state)
{
	const char *a0[6];
	struct oci_hook h[2];
	struct oci_hook_list l = { h, 2 };
	struct err e = { 0 };
	size_t big = 4 << 20;
	char *st = malloc(big);
	sigset_t pending;
	double t0 = now_s();

	(void)state;
	assert_non_null(st);
	memset(st, 'x', big);
	h[0] = (struct oci_hook){ .path = "/bin/true" };
	h[1] = sh_hook(a0, "sleep 0.2; exec 0<&-; sleep 0.2", NULL);
	h[1].timeout = 10;
	if (oci_hooks_run(&l, "prestart", st, big, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(now_s() - t0 < 5);
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
	free(st);
}

/* None of our descriptors reaches the hook. */
static void test_no_fd_leak(void **state)
{
	const char *argv[6];
	struct oci_hook h;
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	int fd = open("/dev/null", O_RDONLY); /* not close-on-exec */

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 47), 47);
	h = sh_hook(argv, "[ ! -e /proc/$$/fd/47 ] || exit 7", NULL);
	if (oci_hooks_run(&l, "prestart", "{}", 2, &e) < 0)
		fail_msg("%s", e.msg);
	close(47);
	close(fd);
}

static void test_empty_list(void **state)
{
	struct oci_hook_list l = { NULL, 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(oci_hooks_run(&l, "prestart", "{}", 2, &e), 0);
	assert_int_equal(oci_hooks_run(NULL, "prestart", NULL, 0, &e), 0);
}

/* ---- console ---- */

/* Receive one descriptor and its payload as runc's RecvFd does. */
static int recv_fd(int sock, char *name, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { .iov_base = name, .iov_len = len - 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	int fd;

	assert_true(n > 0);
	name[n] = '\0';
	if (!h)
		fail_msg("no descriptor came");
	assert_int_equal(h->cmsg_level, SOL_SOCKET);
	assert_int_equal(h->cmsg_type, SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(h), sizeof(fd));
	return fd;
}

static void assert_pty_master(int fd, unsigned rows, unsigned cols)
{
	char name[64];
	struct winsize ws;

	assert_int_equal(ptsname_r(fd, name, sizeof(name)), 0);
	assert_true(strncmp(name, "/dev/pts/", 9) == 0);
	assert_int_equal(ioctl(fd, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_row, rows);
	assert_int_equal(ws.ws_col, cols);
}

static void test_console_send_socketpair(void **state)
{
	struct err e = { 0 };
	int sp[2], master, slave, got;
	char name[256];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	if (oci_console_open(24, 80, &master, &slave, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(isatty(slave));
	assert_true(fcntl(master, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(slave, F_GETFD) & FD_CLOEXEC);
	if (oci_console_send(sp[0], master, &e) < 0)
		fail_msg("%s", e.msg);
	got = recv_fd(sp[1], name, sizeof(name));
	assert_string_equal(name, OCI_CONSOLE_NAME);
	assert_pty_master(got, 24, 80);
	/* The same terminal: what the slave writes, the received master reads. */
	assert_int_equal(write(slave, "hi\n", 3), 3);
	char buf[16] = "";
	assert_true(read(got, buf, sizeof(buf)) >= 2);
	assert_memory_equal(buf, "hi", 2);
	close(got);
	close(master);
	close(slave);
	close(sp[0]);
	close(sp[1]);
}

static int listen_at(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int d, n;

	assert_true(s >= 0);
	if (strlen(path) < sizeof(a.sun_path)) {
		strcpy(a.sun_path, path);
	} else { /* bind a long path the same way: through its directory */
		const char *slash = strrchr(path, '/');
		char parent[PATH_MAX];
		memcpy(parent, path, (size_t)(slash - path));
		parent[slash - path] = '\0';
		d = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
		assert_true(d >= 0);
		n = snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", d, slash + 1);
		assert_true(n > 0 && (size_t)n < sizeof(a.sun_path));
	}
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 1), 0);
	return s;
}

static void send_over_path(const char *path)
{
	struct err e = { 0 };
	int l = listen_at(path), c, a, master, slave, got;
	char name[256];

	c = oci_console_connect(path, &e);
	if (c < 0)
		fail_msg("%s", e.msg);
	assert_true(fcntl(c, F_GETFD) & FD_CLOEXEC);
	a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	if (oci_console_open(0, 132, &master, &slave, &e) < 0)
		fail_msg("%s", e.msg);
	if (oci_console_send(c, master, &e) < 0)
		fail_msg("%s", e.msg);
	got = recv_fd(a, name, sizeof(name));
	assert_pty_master(got, 0, 132);
	close(got);
	close(master);
	close(slave);
	close(a);
	close(c);
	close(l);
}

static void test_console_socket_path(void **state)
{
	char path[PATH_MAX];
	struct err e = { 0 };

	(void)state;
	snprintf(path, sizeof(path), "%s/console.sock", dir);
	send_over_path(path);
	/* Longer than sun_path: an engine's runtime directory can be. */
	snprintf(path, sizeof(path), "%s/%0120d", dir, 0);
	assert_int_equal(mkdir(path, 0700), 0);
	strcat(path, "/console.sock");
	assert_true(strlen(path) > sizeof(((struct sockaddr_un *)0)->sun_path));
	send_over_path(path);
	/* Nobody listening. */
	snprintf(path, sizeof(path), "%s/none.sock", dir);
	assert_true(oci_console_connect(path, &e) < 0);
	assert_true(strstr(e.msg, "none.sock") != NULL);
}

/* In a child, as the container's init would: a terminal of its own, made
 * controlling, on fds 0-2. Exit status: the first check that failed. */
static int attach_child(void)
{
	struct err e = { 0 };
	int master, slave;

	if (oci_console_open(30, 100, &master, &slave, &e) < 0)
		return 1;
	if (oci_console_attach(slave, &e) < 0)
		return 2;
	for (int fd = 0; fd < 3; fd++)
		if (!isatty(fd))
			return 3;
	if (getsid(0) != getpid())
		return 4;
	if (tcgetsid(0) != getpid())
		return 5; /* the controlling terminal of our session */
	int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (tty < 0)
		return 6;
	close(tty);
	if (fcntl(slave, F_GETFD) >= 0)
		return 7; /* closed once on 0-2 */
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 30 || ws.ws_col != 100)
		return 8;
	return 0;
}

static void test_console_attach(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(attach_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_on_stdin_args_env, setup_dir,
						teardown_dir),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_exit_status_named, setup_dir, teardown_dir),
		cmocka_unit_test(test_signal_named),
		cmocka_unit_test_setup_teardown(test_run_each_goes_on, setup_dir, teardown_dir),
		cmocka_unit_test(test_exec_failure_named),
		cmocka_unit_test(test_timeout_kills),
		cmocka_unit_test_setup_teardown(test_timeout_kills_group, setup_dir, teardown_dir),
		cmocka_unit_test(test_unread_large_state),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_console_send_socketpair),
		cmocka_unit_test_setup_teardown(test_console_socket_path, setup_dir, teardown_dir),
		cmocka_unit_test(test_console_attach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
