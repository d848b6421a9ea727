/* minictr's default seccomp filter, installed for real in a child process:
 * allowed calls work, the denied ones fail with EPERM, new namespaces through
 * clone are refused and clone3 says ENOSYS. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/minictr/sysfilter.h"

/* Each check is one bit of the child's exit status: 0 means all held. */
static int checks(void)
{
	int bad = 0;
	struct err e;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sysfilter_install(&e) < 0)
		return 0x80;
	if (syscall(SYS_getpid) != getpid() || getppid() <= 0)
		bad |= 0x01;
	if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) != -1 || errno != EPERM)
		bad |= 0x02;
	if (unshare(CLONE_NEWUSER) != -1 || errno != EPERM)
		bad |= 0x04;
	if (syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) != -1 || errno != EPERM)
		bad |= 0x08;
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		bad |= 0x10;
	if (syscall(SYS_bpf, 0, NULL, 0) != -1 || errno != EPERM)
		bad |= 0x20;
	/* A plain fork (clone without namespace flags) still works. */
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	int st;
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		bad |= 0x40;
	return bad;
}

static void test_filter_in_a_child(void **state)
{
	int st;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(checks());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_fits(void **state)
{
	struct sock_filter p[SYSFILTER_MAX_INSNS];

	(void)state;
	size_t n = sysfilter_build(p);
	assert_true(n > 10 && n <= SYSFILTER_MAX_INSNS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_filter_in_a_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
