/* A bundle's seccomp profile (struct oci_seccomp, filled by hand here, not
 * parsed), built with libseccomp and loaded for real in a child process:
 * the denied calls fail with the configured errno or kill with SIGSYS,
 * argument comparisons (MASKED_EQ included) pick the calls they name. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/minictr/oci_seccomp.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Exit status of a child that could not install the filter. */
#define NOT_LOADED 0x80

/* Does a raw system call fail with want? */
static bool fails(long ret, int want)
{
	return ret == -1 && errno == want;
}

/* Build s, load it in a child with no_new_privs and return the child's wait
 * status; checks() returns 0 when all its checks held (else a bit each). */
static int in_child(const struct oci_seccomp *s, int (*checks)(void))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct err e;
		void *ctx;

		if (oci_seccomp_build(s, &ctx, &e) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || oci_seccomp_load(ctx, &e) < 0)
			_exit(NOT_LOADED);
		/* exit_group itself: a sanitizer's _exit runs a leak check first,
		 * whose system calls an allow-list filter refuses. */
		syscall(SYS_exit_group, checks());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void assert_checks_held(const struct oci_seccomp *s, int (*checks)(void))
{
	int st = in_child(s, checks);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static const char *getcwd_mkdir[] = { "getcwd", "mkdir" };
static const char *mkdirat[] = { "mkdirat" };

static int denied_with_eperm(void)
{
	char buf[64];
	int bad = 0;

	if (!fails(syscall(SYS_getcwd, buf, sizeof(buf)), EPERM))
		bad |= 0x01;
	if (!fails(syscall(SYS_mkdir, "/nonexistent-dir/x", 0700), EPERM))
		bad |= 0x02;
	if (!fails(syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent-dir/x", 0700), ENOSYS))
		bad |= 0x04;
	if (syscall(SYS_getpid) != getpid())
		bad |= 0x08;
	return bad;
}

/* ERRNO without errnoRet (0 in the struct) is EPERM; an errnoRet is kept. */
static void test_errno_rule(void **state)
{
	struct oci_seccomp_rule rules[] = {
		{ .names = getcwd_mkdir, .n_names = N(getcwd_mkdir), .action = OCI_SCMP_ERRNO },
		{ .names = mkdirat, .n_names = 1, .action = OCI_SCMP_ERRNO, .errno_ret = ENOSYS },
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .rules = rules, .n_rules = 2 };

	(void)state;
	assert_checks_held(&s, denied_with_eperm);
}

static const char *getppid_name[] = { "getppid" };

static int call_getppid(void)
{
	syscall(SYS_getppid);
	return 0;
}

static void test_kill_is_sigsys(void **state)
{
	static const enum oci_seccomp_action kills[] = { OCI_SCMP_KILL_PROCESS, OCI_SCMP_KILL };

	(void)state;
	for (size_t i = 0; i < N(kills); i++) {
		struct oci_seccomp_rule rule = { .names = getppid_name,
						 .n_names = 1,
						 .action = kills[i] };
		struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW,
					 .rules = &rule,
					 .n_rules = 1 };
		int st = in_child(&s, call_getppid);

		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
}

static const char *personality_name[] = { "personality" };

static int only_personality_query(void)
{
	int bad = 0;

	/* 0xffffffff only asks for the current persona. */
	if (syscall(SYS_personality, 0xffffffffUL) < 0)
		bad |= 0x01;
	if (!fails(syscall(SYS_personality, (unsigned long)PER_LINUX), EPERM))
		bad |= 0x02;
	if (!fails(syscall(SYS_personality, 0x0008UL), EPERM))
		bad |= 0x04;
	return bad;
}

static void test_arg_comparison(void **state)
{
	struct oci_seccomp_arg arg = { .index = 0, .op = OCI_SCMP_CMP_NE, .value = 0xffffffff };
	struct oci_seccomp_rule rule = { .names = personality_name,
					 .n_names = 1,
					 .action = OCI_SCMP_ERRNO,
					 .args = &arg,
					 .n_args = 1 };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .rules = &rule, .n_rules = 1 };

	(void)state;
	assert_checks_held(&s, only_personality_query);
}

static const char *close_name[] = { "close" };

static int close_masked(void)
{
	int bad = 0;

	/* Denied: (fd & 0xff00) == 0x1200; others reach the kernel (EBADF). */
	if (!fails(syscall(SYS_close, 0x1234), EACCES))
		bad |= 0x01;
	if (!fails(syscall(SYS_close, 0x12ff), EACCES))
		bad |= 0x02;
	if (!fails(syscall(SYS_close, 0x1334), EBADF))
		bad |= 0x04;
	if (!fails(syscall(SYS_close, 0xff00), EBADF))
		bad |= 0x08;
	return bad;
}

/* MASKED_EQ: value is the mask, valueTwo what the masked argument equals. */
static void test_masked_eq(void **state)
{
	struct oci_seccomp_arg arg = {
		.index = 0, .op = OCI_SCMP_CMP_MASKED_EQ, .value = 0xff00, .value_two = 0x1200
	};
	struct oci_seccomp_rule rule = { .names = close_name,
					 .n_names = 1,
					 .action = OCI_SCMP_ERRNO,
					 .errno_ret = EACCES,
					 .args = &arg,
					 .n_args = 1 };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .rules = &rule, .n_rules = 1 };

	(void)state;
	assert_checks_held(&s, close_masked);
}

static int close_either(void)
{
	int bad = 0;

	if (!fails(syscall(SYS_close, 0x1001), EACCES))
		bad |= 0x01;
	if (!fails(syscall(SYS_close, 0x1002), EACCES))
		bad |= 0x02;
	if (!fails(syscall(SYS_close, 0x1003), EBADF))
		bad |= 0x04;
	return bad;
}

/* Two comparisons of one argument: one rule each (runc's behaviour), so the
 * call matches when either does. */
static void test_same_index_twice(void **state)
{
	struct oci_seccomp_arg args[] = {
		{ .index = 0, .op = OCI_SCMP_CMP_EQ, .value = 0x1001 },
		{ .index = 0, .op = OCI_SCMP_CMP_EQ, .value = 0x1002 },
	};
	struct oci_seccomp_rule rule = { .names = close_name,
					 .n_names = 1,
					 .action = OCI_SCMP_ERRNO,
					 .errno_ret = EACCES,
					 .args = args,
					 .n_args = 2 };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .rules = &rule, .n_rules = 1 };

	(void)state;
	assert_true(oci_seccomp_rule_repeats_index(&rule));
	args[1].index = 1;
	assert_false(oci_seccomp_rule_repeats_index(&rule));
	args[1].index = 0;
	assert_checks_held(&s, close_either);
}

static const char *unknown_and_getcwd[] = { "no_such_syscall_in_any_kernel", "getcwd" };

static int getcwd_denied(void)
{
	char buf[64];

	return fails(syscall(SYS_getcwd, buf, sizeof(buf)), EPERM) ? 0 : 1;
}

/* A name this libseccomp does not know is skipped; the rule's others apply. */
static void test_unknown_name_skipped(void **state)
{
	struct oci_seccomp_rule rule = { .names = unknown_and_getcwd,
					 .n_names = 2,
					 .action = OCI_SCMP_ERRNO };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .rules = &rule, .n_rules = 1 };

	(void)state;
	assert_checks_held(&s, getcwd_denied);
}

static const char *allowed[] = { "exit_group", "exit", "getpid", "personality", "close" };
static const char *errno_enosys[] = { "getuid" };

static int allow_list(void)
{
	int bad = 0;

	if (syscall(SYS_getpid) != getpid())
		bad |= 0x01;
	if (!fails(syscall(SYS_getppid), EACCES))
		bad |= 0x02;
	if (!fails(syscall(SYS_getuid), ENOSYS))
		bad |= 0x04;
	if (!fails(syscall(SYS_close, 0x1003), EBADF))
		bad |= 0x08;
	if (!fails(syscall(SYS_mkdir, "/nonexistent-dir/x", 0700), EACCES))
		bad |= 0x10;
	return bad;
}

/* Docker-style: everything not listed fails with the default errno. */
static void test_default_errno_allow_list(void **state)
{
	struct oci_seccomp_rule rules[] = {
		{ .names = allowed, .n_names = N(allowed), .action = OCI_SCMP_ALLOW },
		{ .names = errno_enosys,
		  .n_names = 1,
		  .action = OCI_SCMP_ERRNO,
		  .errno_ret = ENOSYS },
		/* The default action itself: left out, not an error. */
		{ .names = getppid_name,
		  .n_names = 1,
		  .action = OCI_SCMP_ERRNO,
		  .errno_ret = EACCES },
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ERRNO,
				 .default_errno_ret = EACCES,
				 .rules = rules,
				 .n_rules = N(rules) };

	(void)state;
	assert_checks_held(&s, allow_list);
}

static int default_eperm(void)
{
	return fails(syscall(SYS_getppid), EPERM) ? 0 : 1;
}

/* defaultErrnoRet absent (0): EPERM. */
static void test_default_errno_eperm(void **state)
{
	struct oci_seccomp_rule rule = { .names = allowed,
					 .n_names = N(allowed),
					 .action = OCI_SCMP_ALLOW };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ERRNO, .rules = &rule, .n_rules = 1 };

	(void)state;
	assert_checks_held(&s, default_eperm);
}

static void test_actions(void **state)
{
	struct err e;
	uint32_t act;

	(void)state;
	assert_int_equal(oci_seccomp_action(OCI_SCMP_ERRNO, 0, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_ERRNO(EPERM));
	assert_int_equal(oci_seccomp_action(OCI_SCMP_ERRNO, ENOSYS, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_ERRNO(ENOSYS));
	assert_int_equal(oci_seccomp_action(OCI_SCMP_TRACE, 0, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_TRACE(EPERM));
	assert_int_equal(oci_seccomp_action(OCI_SCMP_KILL, 0, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_KILL_THREAD);
	assert_int_equal(oci_seccomp_action(OCI_SCMP_KILL_PROCESS, 0, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_KILL_PROCESS);
	assert_int_equal(oci_seccomp_action(OCI_SCMP_TRAP, 0, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_TRAP);
	assert_int_equal(oci_seccomp_action(OCI_SCMP_LOG, 0, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_LOG);
	assert_int_equal(oci_seccomp_action(OCI_SCMP_ALLOW, 0, &act, &e), 0);
	assert_int_equal(act, SCMP_ACT_ALLOW);
	assert_int_equal(oci_seccomp_action(OCI_SCMP_ERRNO, 0x10000, &act, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "errnoRet 65536"));
	assert_int_equal(oci_seccomp_action((enum oci_seccomp_action)99, 0, &act, &e), -EINVAL);
}

static void test_arch_names(void **state)
{
	(void)state;
	assert_int_equal(oci_seccomp_arch("SCMP_ARCH_X86_64"), SCMP_ARCH_X86_64);
	assert_int_equal(oci_seccomp_arch("SCMP_ARCH_X86"), SCMP_ARCH_X86);
	assert_int_equal(oci_seccomp_arch("SCMP_ARCH_X32"), SCMP_ARCH_X32);
	assert_int_equal(oci_seccomp_arch("SCMP_ARCH_AARCH64"), SCMP_ARCH_AARCH64);
	assert_int_equal(oci_seccomp_arch("SCMP_ARCH_S390X"), SCMP_ARCH_S390X);
	assert_int_equal(oci_seccomp_arch("x86_64"), 0);
	assert_int_equal(oci_seccomp_arch("SCMP_ARCH_"), 0);
	assert_int_equal(oci_seccomp_arch("SCMP_ARCH_NO_SUCH_ONE"), 0);
}

static const char *x86_arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };

/* Architectures, flags, and the no_new_privs attribute left off. */
static void test_arches_and_flags(void **state)
{
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW,
				 .architectures = x86_arches,
				 .n_architectures = N(x86_arches),
				 .flag_log = true,
				 .flag_spec_allow = true };
	struct err e;
	uint32_t v;
	void *ctx;

	(void)state;
	assert_int_equal(oci_seccomp_build(&s, &ctx, &e), 0);
	assert_int_equal(seccomp_arch_exist(ctx, SCMP_ARCH_NATIVE), 0);
	assert_int_equal(seccomp_arch_exist(ctx, SCMP_ARCH_X86), 0);
	assert_int_equal(seccomp_arch_exist(ctx, SCMP_ARCH_X32), 0);
	assert_int_equal(seccomp_arch_exist(ctx, SCMP_ARCH_AARCH64), -EEXIST);
	assert_int_equal(seccomp_attr_get(ctx, SCMP_FLTATR_CTL_LOG, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(seccomp_attr_get(ctx, SCMP_FLTATR_CTL_SSB, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(seccomp_attr_get(ctx, SCMP_FLTATR_CTL_NNP, &v), 0);
	assert_int_equal(v, 0);
	oci_seccomp_release(ctx);
	oci_seccomp_release(NULL);
}

static const char *bad_arch[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11" };

/* Errors name the field and the rule. */
static void test_errors_name_the_rule(void **state)
{
	struct oci_seccomp_arg arg = { .index = 7, .op = OCI_SCMP_CMP_EQ, .value = 1 };
	struct oci_seccomp_rule rules[] = {
		{ .names = getcwd_mkdir, .n_names = 2, .action = OCI_SCMP_ERRNO },
		{ .names = close_name,
		  .n_names = 1,
		  .action = OCI_SCMP_ERRNO,
		  .args = &arg,
		  .n_args = 1 },
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .rules = rules, .n_rules = 2 };
	struct err e;
	void *ctx = (void *)&e;

	(void)state;
	assert_int_equal(oci_seccomp_build(&s, &ctx, &e), -EINVAL);
	assert_null(ctx);
	assert_string_equal(e.msg,
			    "linux.seccomp.syscalls[1]: args[0]: index 7 out of range (0-5)");

	arg.index = 0;
	arg.op = (enum oci_seccomp_op)42;
	assert_int_equal(oci_seccomp_build(&s, &ctx, &e), -EINVAL);
	assert_string_equal(e.msg, "linux.seccomp.syscalls[1]: args[0]: unknown op 42");

	arg.op = OCI_SCMP_CMP_EQ;
	rules[1].errno_ret = 70000;
	assert_int_equal(oci_seccomp_build(&s, &ctx, &e), -EINVAL);
	assert_string_equal(e.msg, "linux.seccomp.syscalls[1]: errnoRet 70000: out of range");

	rules[1].errno_ret = 0;
	s.architectures = bad_arch;
	s.n_architectures = 2;
	assert_int_equal(oci_seccomp_build(&s, &ctx, &e), -EINVAL);
	assert_string_equal(
		e.msg, "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\"");

	s.n_architectures = 0;
	s.default_errno_ret = 0x10000;
	s.default_action = OCI_SCMP_ERRNO;
	assert_int_equal(oci_seccomp_build(&s, &ctx, &e), -EINVAL);
	assert_string_equal(e.msg, "linux.seccomp.defaultAction: errnoRet 65536: out of range");
}

/* The filter leaves no_new_privs to the spec: without it and without
 * CAP_SYS_ADMIN the kernel refuses the filter. */
static void test_load_needs_nnp_or_sys_admin(void **state)
{
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW };
	int st;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2] = { { 0 } };
		struct err e;
		void *ctx;

		if (oci_seccomp_build(&s, &ctx, &e) < 0 || syscall(SYS_capset, &hdr, data) < 0)
			_exit(1);
		if (oci_seccomp_load(ctx, &e) != -EACCES || !strstr(e.msg, "load the seccomp"))
			_exit(2);
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_arch_names),
		cmocka_unit_test(test_arches_and_flags),
		cmocka_unit_test(test_errors_name_the_rule),
		cmocka_unit_test(test_errno_rule),
		cmocka_unit_test(test_kill_is_sigsys),
		cmocka_unit_test(test_arg_comparison),
		cmocka_unit_test(test_masked_eq),
		cmocka_unit_test(test_same_index_twice),
		cmocka_unit_test(test_unknown_name_skipped),
		cmocka_unit_test(test_default_errno_allow_list),
		cmocka_unit_test(test_default_errno_eperm),
		cmocka_unit_test(test_load_needs_nnp_or_sys_admin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
