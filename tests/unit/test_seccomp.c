/* The seccomp filters, Firecracker style: each role's filter is installed in
 * a forked child, which then makes one system call. An allowed call returns
 * (whatever the kernel answers: an ioctl on /dev/null says ENOTTY, which
 * proves the filter let it through); a forbidden one must kill the child
 * with SIGSYS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vmm/seccomp.h"

/* What the child does once confined; its return value is its exit status. */
typedef int (*probe_fn)(void);

/* Descriptors opened before the filter goes on, as the VMM opens its own. */
static int null_fd = -1, file_fd = -1, status_fd = -1, pipe_fds[2] = { -1, -1 };
static int api_pair[2] = { -1, -1 };

static void open_fixtures(void)
{
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* Read once confined: procfs makes the text at read time. */
	status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	/* A disk image stand-in that lives in memory only. */
	file_fd = memfd_create("test_seccomp", MFD_CLOEXEC);
	if (file_fd >= 0 && ftruncate(file_fd, 1 << 20) < 0)
		_exit(90);
	if (null_fd < 0 || file_fd < 0 || status_fd < 0 ||
	    pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, api_pair) < 0)
		_exit(91);
}

/* Fork, confine the child to role, run probe. Returns the wait status. */
static int run_confined(enum seccomp_role role, probe_fn probe)
{
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		struct err e = { 0 };

		/* A SIGSYS death is expected here: no core files. */
		setrlimit(RLIMIT_CORE, &no_core);
		/* A probe that hangs fails the test rather than the whole run. */
		alarm(20);
		open_fixtures();
		if (seccomp_prepare(&e) < 0 || seccomp_enter(role, &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);
			_exit(92);
		}
		_exit(probe());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_allowed(enum seccomp_role role, probe_fn probe)
{
	int status = run_confined(role, probe);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: allowed probe: %s %d", seccomp_role_name(role),
			 WIFSIGNALED(status) ? "killed by signal" : "exit status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void expect_killed(enum seccomp_role role, probe_fn probe)
{
	int status = run_confined(role, probe);

	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("%s: forbidden probe: %s %d, want SIGSYS", seccomp_role_name(role),
			 WIFSIGNALED(status) ? "killed by signal" : "exit status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* ioctl let through by the filter: /dev/null answers ENOTTY (or EINVAL). */
static int ioctl_passes(unsigned long req)
{
	char buf[4096] = { 0 };

	return ioctl(null_fd, req, buf) < 0 && (errno == ENOTTY || errno == EINVAL) ? 0 : 10;
}

/* --- probes: allowed ---------------------------------------------------- */

static int p_common(void)
{
	void *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct timespec ts;
	char *m;

	if (p == MAP_FAILED || munmap(p, 1 << 16) < 0)
		return 11;
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) < 0 || syscall(SYS_getpid) <= 0)
		return 12;
	m = malloc(1 << 20); /* a large malloc maps memory */
	if (!m)
		return 13;
	memset(m, 1, 1 << 20);
	free(m);
	if (write(pipe_fds[1], "x", 1) != 1)
		return 14;
	return 0;
}

static int p_vcpu(void)
{
	time_t now = time(NULL);
	struct tm tm;

	/* The RTC's clock: the first gmtime_r() would open the time zone. */
	if (!gmtime_r(&now, &tm))
		return 21;
	if (ioctl_passes(KVM_RUN) || ioctl_passes(KVM_GET_REGS) || ioctl_passes(KVM_IRQ_LINE) ||
	    ioctl_passes(KVM_SIGNAL_MSI) || ioctl_passes(KVM_IOEVENTFD))
		return 20;
	return p_common();
}

static int p_blk(void)
{
	char buf[512];
	struct iovec iov = { buf, sizeof(buf) };

	if (preadv(file_fd, &iov, 1, 0) != 512 || pwritev(file_fd, &iov, 1, 4096) != 512)
		return 30;
	if (fallocate(file_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) < 0 &&
	    errno != EOPNOTSUPP)
		return 31;
	if (fdatasync(file_fd) < 0)
		return 32;
	if (ioctl_passes(KVM_SIGNAL_MSI) || ioctl_passes(KVM_IRQ_LINE))
		return 33;
	return 0;
}

static int p_net(void)
{
	char buf[8] = "frame";
	struct iovec iov = { buf, 5 };
	struct epoll_event ev;

	if (writev(pipe_fds[1], &iov, 1) != 5 || readv(pipe_fds[0], &iov, 1) != 5)
		return 40;
	if (ioctl_passes(TUNSETOFFLOAD) || ioctl_passes(KVM_SIGNAL_MSI))
		return 41;
	/* epoll_wait on a descriptor that is not an epoll: EINVAL, let through. */
	if (epoll_wait(null_fd, &ev, 1, 0) == 0 || errno != EINVAL)
		return 42;
	return 0;
}

static int p_console_in(void)
{
	struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };
	char c;

	if (write(pipe_fds[1], "k", 1) != 1 || poll(&p, 1, 1000) != 1 ||
	    read(pipe_fds[0], &c, 1) != 1)
		return 50;
	return ioctl_passes(KVM_IRQ_LINE) ? 51 : 0;
}

static int p_console_out(void)
{
	return write(null_fd, "guest output", 12) == 12 ? 0 : 60;
}

/* The API thread: its connections (a socket pair here), poll, close. */
static int p_api(void)
{
	struct pollfd p;
	int sv[2];
	char c;

	/* The pair is made before the filter (as the API's socket is). */
	sv[0] = api_pair[0];
	sv[1] = api_pair[1];
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN };
	if (send(sv[0], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1 || poll(&p, 1, 1000) != 1 ||
	    read(sv[1], &c, 1) != 1)
		return 70;
	if (shutdown(sv[0], SHUT_WR) < 0 || close(sv[0]) < 0)
		return 71;
	return 0;
}

static void *vcpu_like_thread(void *arg)
{
	struct err e = { 0 };

	(void)arg;
	if (seccomp_enter(SECCOMP_VCPU, &e) < 0)
		return (void *)(uintptr_t)1;
	/* A thread's first malloc makes its own arena: mmap, mprotect. */
	if (p_common())
		return (void *)(uintptr_t)2;
	return (void *)(uintptr_t)ioctl_passes(KVM_RUN);
}

/* The main thread rebuilds the VM from copies of what was opened at start:
 * dups, KVM set-up ioctls, threads. */
static int p_main(void)
{
	pthread_t t;
	void *ret = NULL;
	int fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0 || close(fd) < 0)
		return 70;
	if (ioctl_passes(KVM_CREATE_VM) || ioctl_passes(KVM_CREATE_VCPU) ||
	    ioctl_passes(KVM_SET_USER_MEMORY_REGION) || ioctl_passes(KVM_RUN))
		return 72;
	/* clone3 answers ENOSYS, the C library falls back to clone. */
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 73;
	if (pthread_create(&t, NULL, vcpu_like_thread, NULL) != 0 || pthread_join(t, &ret) != 0)
		return 74;
	return ret ? 75 : p_common();
}

/* /proc/self/status says the filter is on, in mode 2 (filter). */
static int p_status_shows_filter(void)
{
	char buf[4096];
	ssize_t n = pread(status_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 76;
	buf[n] = 0;
	return strstr(buf, "\nSeccomp:\t2\n") ? 0 : 77;
}

/* --- probes: forbidden -------------------------------------------------- */

/* What a snapshot does: a new file, exclusively, write-only (the path is
 * made before the fork: the probe calls nothing else). */
static char excl_path[64];

static int p_create_excl(void)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, excl_path,
			      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	return fd >= 0 ? 0 : 101;
}

static int p_execve(void)
{
	char *const argv[] = { (char *)(uintptr_t) "sh", NULL };

	/* Let through, it would fail with ENOENT and the probe return. */
	syscall(SYS_execve, "no-such-program", argv, NULL);
	return 100;
}

static int p_socket_inet(void)
{
	syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	return 100;
}

static int p_socket_unix(void)
{
	syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	return 100;
}

static int p_open_create(void)
{
	syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY | O_CREAT, 0600);
	return 100;
}

#if !defined(__SANITIZE_ADDRESS__)
static int p_open_read(void)
{
	syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
	return 100;
}
#endif

static int p_ioctl_tunsetiff(void)
{
	syscall(SYS_ioctl, null_fd, TUNSETIFF, NULL);
	return 100;
}

static int p_ioctl_create_vm(void)
{
	syscall(SYS_ioctl, null_fd, KVM_CREATE_VM, 0);
	return 100;
}

static int p_ioctl_tiocsti(void)
{
	char c = 'x';

	syscall(SYS_ioctl, 0, TIOCSTI, &c);
	return 100;
}

/* The kernel reads only the low 32 bits of the request: the filter looks at
 * the same bits, so high bits cannot dress a forbidden request up. */
static int p_ioctl_high_bits(void)
{
	syscall(SYS_ioctl, null_fd, 0x100000000ul | TUNSETIFF, NULL);
	return 100;
}

#if !defined(__SANITIZE_ADDRESS__)
static int p_read(void)
{
	char c;

	syscall(SYS_read, pipe_fds[0], &c, 1);
	return 100;
}
#endif

static int p_mmap_exec(void)
{
	syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 100;
}

static int p_mprotect_exec(void)
{
	static char page[4096] __attribute__((aligned(4096)));

	syscall(SYS_mprotect, page, sizeof(page), PROT_READ | PROT_WRITE | PROT_EXEC);
	return 100;
}

static int p_tgkill_other(void)
{
	/* A signal to another process: pid 1 never is ours. */
	syscall(SYS_tgkill, 1, 1, 0);
	return 100;
}

static int p_pwrite(void)
{
	syscall(SYS_pwrite64, file_fd, "x", 1, 0);
	return 100;
}

static int p_setuid(void)
{
	syscall(SYS_setuid, 0);
	return 100;
}

static void *forbidden_in_thread(void *arg)
{
	struct err e = { 0 };

	(void)arg;
	if (seccomp_enter(SECCOMP_VCPU, &e) < 0)
		return NULL;
	syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY | O_CREAT, 0600);
	return NULL;
}

/* KILL_PROCESS: one thread's violation ends the whole VMM. */
static int p_thread_violation(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, forbidden_in_thread, NULL) != 0)
		return 101;
	pthread_join(t, NULL);
	return 100;
}

/* --- tests --------------------------------------------------------------- */

static void roles_allow_what_they_use(void **state)
{
	(void)state;
	expect_allowed(SECCOMP_VCPU, p_vcpu);
	expect_allowed(SECCOMP_BLK_IO, p_blk);
	expect_allowed(SECCOMP_BLK_IO, p_common);
	expect_allowed(SECCOMP_NET_IO, p_net);
	expect_allowed(SECCOMP_NET_IO, p_common);
	expect_allowed(SECCOMP_IO, p_blk);
	expect_allowed(SECCOMP_IO, p_net);
	expect_allowed(SECCOMP_CONSOLE_IN, p_console_in);
	expect_allowed(SECCOMP_CONSOLE_OUT, p_console_out);
	expect_allowed(SECCOMP_CONSOLE_OUT, p_common);
	expect_allowed(SECCOMP_API, p_api);
	expect_allowed(SECCOMP_API, p_common);
	expect_allowed(SECCOMP_MAIN, p_main);
	snprintf(excl_path, sizeof(excl_path), "/tmp/test_seccomp_excl.%d", (int)getpid());
	unlink(excl_path);
	expect_allowed(SECCOMP_MAIN, p_create_excl);
	unlink(excl_path);
	expect_killed(SECCOMP_VCPU, p_create_excl);
	expect_killed(SECCOMP_API, p_create_excl);
	unlink(excl_path);
	expect_allowed(SECCOMP_MAIN, p_status_shows_filter);
}

/* The API thread serves a socket it was handed: no new sockets or files,
 * nothing of KVM's, no writes to images. */
static void api_forbidden(void **state)
{
	(void)state;
	expect_killed(SECCOMP_API, p_open_create);
#if !defined(__SANITIZE_ADDRESS__)
	expect_killed(SECCOMP_API, p_open_read); /* the sanitizer's reports read */
#endif
	expect_killed(SECCOMP_API, p_socket_unix);
	expect_killed(SECCOMP_API, p_ioctl_create_vm);
	expect_killed(SECCOMP_API, p_pwrite);
}

/* What every role forbids: new programs, sockets, signals to others,
 * privilege changes, executable memory. */
static void every_role_forbids_escapes(void **state)
{
	(void)state;
	for (unsigned r = 0; r < SECCOMP_NROLES; r++) {
		expect_killed(r, p_execve);
		expect_killed(r, p_socket_unix);
		expect_killed(r, p_tgkill_other);
		expect_killed(r, p_setuid);
		expect_killed(r, p_mmap_exec);
		expect_killed(r, p_mprotect_exec);
		expect_killed(r, p_ioctl_tiocsti);
	}
}

static void vcpu_forbidden(void **state)
{
	(void)state;
	expect_killed(SECCOMP_VCPU, p_open_create);
	expect_killed(SECCOMP_VCPU, p_socket_inet);
	expect_killed(SECCOMP_VCPU, p_ioctl_tunsetiff);
	expect_killed(SECCOMP_VCPU, p_ioctl_create_vm);
	expect_killed(SECCOMP_VCPU, p_ioctl_high_bits);
	expect_killed(SECCOMP_VCPU, p_pwrite);
	/* A thread the main thread starts, confined to the vCPU role. */
	expect_killed(SECCOMP_MAIN, p_thread_violation);
}

static void io_forbidden(void **state)
{
	(void)state;
	expect_killed(SECCOMP_BLK_IO, p_open_create);
	expect_killed(SECCOMP_BLK_IO, p_socket_inet);
	expect_killed(SECCOMP_BLK_IO, p_ioctl_tunsetiff);
	expect_killed(SECCOMP_BLK_IO, p_ioctl_create_vm);
	/* net never touches an image, blk never a TAP. */
	expect_killed(SECCOMP_NET_IO, p_pwrite);
	expect_killed(SECCOMP_NET_IO, p_open_create);
	expect_killed(SECCOMP_NET_IO, p_ioctl_create_vm);
	expect_killed(SECCOMP_IO, p_open_create);
}

static void console_forbidden(void **state)
{
	(void)state;
#if !defined(__SANITIZE_ADDRESS__)
	expect_killed(SECCOMP_CONSOLE_OUT, p_read); /* the sanitizer's reports read */
#endif
	expect_killed(SECCOMP_CONSOLE_OUT, p_pwrite);
	expect_killed(SECCOMP_CONSOLE_OUT, p_open_create);
	expect_killed(SECCOMP_CONSOLE_OUT, p_ioctl_create_vm);
	expect_killed(SECCOMP_CONSOLE_IN, p_open_create);
	expect_killed(SECCOMP_CONSOLE_IN, p_pwrite);
	expect_killed(SECCOMP_CONSOLE_IN, p_ioctl_tunsetiff);
}

static void main_forbidden(void **state)
{
	(void)state;
	expect_killed(SECCOMP_MAIN, p_socket_unix);
	expect_killed(SECCOMP_MAIN, p_ioctl_tiocsti);
	expect_killed(SECCOMP_MAIN, p_execve);
	/* What only opening a TAP or an image needed: done before the filter. */
	expect_killed(SECCOMP_MAIN, p_socket_inet);
	expect_killed(SECCOMP_MAIN, p_ioctl_tunsetiff);
}

#if !defined(__SANITIZE_ADDRESS__)
/* Outside the sanitizer build, no thread opens a file once the filters are
 * on: everything was opened before. */
static void no_role_opens(void **state)
{
	(void)state;
	for (unsigned r = 0; r < SECCOMP_NROLES; r++)
		expect_killed(r, p_open_read);
}
#else
/* The sanitizer build lets every thread open files read-only (its reports
 * read /proc/self/maps), never for writing; and LeakSanitizer's check at
 * exit runs under the main filter. */
static int p_exit_with_leak_check(void)
{
	exit(0);
}

static void no_role_opens(void **state)
{
	(void)state;
	for (unsigned r = 0; r < SECCOMP_NROLES; r++)
		expect_killed(r, p_open_create);
	expect_allowed(SECCOMP_MAIN, p_exit_with_leak_check);
}
#endif

static void io_role_by_device_name(void **state)
{
	(void)state;
	assert_int_equal(seccomp_io_role("blk0"), SECCOMP_BLK_IO);
	assert_int_equal(seccomp_io_role("blk15"), SECCOMP_BLK_IO);
	assert_int_equal(seccomp_io_role("net3"), SECCOMP_NET_IO);
	assert_int_equal(seccomp_io_role("rng0"), SECCOMP_IO);
	assert_int_equal(seccomp_io_role(""), SECCOMP_IO);
}

/* Without seccomp_prepare (--seccomp=off) nothing is installed. */
static int p_unconfined(void)
{
	struct err e = { 0 };
	char buf[4096];
	int fd;
	ssize_t n;

	if (seccomp_enter(SECCOMP_VCPU, &e) < 0)
		return 80;
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 81;
	buf[n] = 0;
	return strstr(buf, "\nSeccomp:\t0\n") ? 0 : 82;
}

static void off_installs_nothing(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(p_unconfined());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roles_allow_what_they_use),
		cmocka_unit_test(every_role_forbids_escapes),
		cmocka_unit_test(vcpu_forbidden),
		cmocka_unit_test(io_forbidden),
		cmocka_unit_test(console_forbidden),
		cmocka_unit_test(main_forbidden),
		cmocka_unit_test(api_forbidden),
		cmocka_unit_test(no_role_opens),
		cmocka_unit_test(io_role_by_device_name),
		cmocka_unit_test(off_installs_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
