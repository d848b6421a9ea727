/* linux.resources.devices as a cgroup device program: run through a small
 * interpreter of the instructions it uses, then loaded and attached for real
 * where the host allows (the kernel's verifier is the last word on it). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cgroup.h"
#include "common/file_text.h"
#include "tools/minictr/oci_cgroup.h"
#include "tools/minictr/oci_devrules.h"

#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD
#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Fails the test on any instruction the generator is not expected to emit,
 * a jump out of the program or a register read before it is written. */
static uint64_t run(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access,
		    uint32_t major, uint32_t minor)
{
	struct bpf_cgroup_dev_ctx ctx = { .access_type = (access << 16) | type,
					  .major = major,
					  .minor = minor };
	uint64_t r[11] = { 0 };
	bool set[11] = { [BPF_REG_1] = true };
	size_t pc = 0;

	for (unsigned steps = 0; steps < 100000; steps++) {
		assert_true(pc < n);
		const struct bpf_insn *i = &p[pc++];
		uint64_t imm = (uint64_t)(int64_t)i->imm;
		assert_true(i->dst_reg < 11 && i->src_reg < 11);
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_true(i->off >= 0 && (size_t)i->off + 4 <= sizeof(ctx));
			uint32_t v;
			memcpy(&v, (const char *)&ctx + i->off, 4);
			r[i->dst_reg] = v;
			set[i->dst_reg] = true;
			break;
		case BPF_ALU64 | BPF_AND | BPF_K:
			assert_true(set[i->dst_reg]);
			r[i->dst_reg] &= imm;
			break;
		case BPF_ALU64 | BPF_RSH | BPF_K:
			assert_true(set[i->dst_reg]);
			r[i->dst_reg] >>= imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = imm;
			set[i->dst_reg] = true;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			assert_true(set[i->src_reg]);
			r[i->dst_reg] = r[i->src_reg];
			set[i->dst_reg] = true;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			assert_true(set[i->dst_reg]);
			pc += r[i->dst_reg] != imm ? (size_t)(int64_t)i->off : 0;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			assert_true(set[i->dst_reg]);
			pc += r[i->dst_reg] == imm ? (size_t)(int64_t)i->off : 0;
			break;
		case BPF_JMP | BPF_EXIT: assert_true(set[BPF_REG_0]); return r[BPF_REG_0];
		default: fail_msg("unexpected BPF opcode 0x%x at %zu", i->code, pc - 1);
		}
	}
	fail_msg("program did not exit");
	return 0;
}

struct prog {
	struct bpf_insn p[512];
	size_t n;
};

static void build(struct prog *g, const struct oci_device_rule *r, size_t n)
{
	long len = oci_devrules_build(r, n, g->p, N(g->p));

	assert_true(len > 0);
	assert_true((size_t)len <= OCI_DEVRULES_INSNS(n));
	g->n = (size_t)len;
}

static bool allowed(const struct prog *g, uint32_t type, uint32_t access, uint32_t major,
		    uint32_t minor)
{
	return run(g->p, g->n, type, access, major, minor) == 1;
}

#define RULE(al, t, maj, min, acc)                                                   \
	{                                                                            \
		.allow = (al), .type = (t), .major = (maj), .minor = (min),          \
		.read = strchr(acc, 'r') != NULL, .write = strchr(acc, 'w') != NULL, \
		.mknod = strchr(acc, 'm') != NULL                                    \
	}

/* runc's (and podman's) default: deny all, then mknod of anything and the
 * usual character devices. */
static const struct oci_device_rule runc_default[] = {
	RULE(false, 'a', -1, -1, "rwm"), RULE(true, 'c', -1, -1, "m"),
	RULE(true, 'b', -1, -1, "m"),	 RULE(true, 'c', 1, 3, "rwm"),
	RULE(true, 'c', 1, 8, "rwm"),	 RULE(true, 'c', 1, 7, "rwm"),
	RULE(true, 'c', 5, 0, "rwm"),	 RULE(true, 'c', 1, 5, "rwm"),
	RULE(true, 'c', 1, 9, "rwm"),	 RULE(true, 'c', 5, 1, "rwm"),
	RULE(true, 'c', 136, -1, "rwm"), RULE(true, 'c', 5, 2, "rwm"),
	RULE(true, 'c', 10, 200, "rwm"),
};

static void test_runc_default(void **state)
{
	static const uint32_t ok[][2] = { { 1, 3 },   { 1, 5 },	   { 1, 7 },   { 1, 8 },
					  { 1, 9 },   { 5, 0 },	   { 5, 1 },   { 5, 2 },
					  { 136, 0 }, { 136, 99 }, { 10, 200 } };
	static const uint32_t no[][2] = { { 1, 1 }, { 1, 2 },	{ 4, 0 },    { 10, 232 },
					  { 8, 0 }, { 137, 0 }, { 10, 201 }, { 0, 0 } };
	struct prog g;

	(void)state;
	build(&g, runc_default, N(runc_default));
	for (size_t i = 0; i < N(ok); i++) {
		assert_true(allowed(&g, C, R, ok[i][0], ok[i][1]));
		assert_true(allowed(&g, C, R | W, ok[i][0], ok[i][1]));
		assert_true(allowed(&g, C, M, ok[i][0], ok[i][1]));
	}
	for (size_t i = 0; i < N(no); i++) {
		assert_false(allowed(&g, C, R, no[i][0], no[i][1]));
		assert_false(allowed(&g, C, W, no[i][0], no[i][1]));
		assert_false(allowed(&g, C, R | W, no[i][0], no[i][1]));
		assert_true(allowed(&g, C, M, no[i][0], no[i][1])); /* mknod: any char */
		assert_true(allowed(&g, B, M, no[i][0], no[i][1]));
		assert_false(allowed(&g, B, R, no[i][0], no[i][1]));
	}
	/* A block device with an allowed character device's numbers. */
	assert_false(allowed(&g, B, R, 1, 3));
	/* mknod plus read of a device only mknod is allowed for. */
	assert_false(allowed(&g, C, M | R, 8, 0));
	/* The leading deny-all decides nothing the default does not. */
	assert_true(g.n < OCI_DEVRULES_INSNS(N(runc_default)));
}

static void test_deny_all_then_one(void **state)
{
	static const struct oci_device_rule r[] = { RULE(false, 'a', -1, -1, "rwm"),
						    RULE(true, 'c', 1, 3, "rwm") };
	struct prog g;

	(void)state;
	build(&g, r, N(r));
	assert_true(allowed(&g, C, R | W, 1, 3));
	assert_true(allowed(&g, C, M, 1, 3));
	assert_false(allowed(&g, C, R, 1, 5));
	assert_false(allowed(&g, C, R, 2, 3));
	assert_false(allowed(&g, B, R, 1, 3));
	assert_false(allowed(&g, B, M, 8, 0));
}

static void test_type_a(void **state)
{
	static const struct oci_device_rule r[] = { RULE(true, 'a', 8, -1, "r") };
	static const struct oci_device_rule all[] = { RULE(true, 'a', -1, -1, "rwm") };
	struct prog g;

	(void)state;
	build(&g, r, N(r));
	assert_true(allowed(&g, B, R, 8, 0));
	assert_true(allowed(&g, C, R, 8, 17));
	assert_false(allowed(&g, B, W, 8, 0));
	assert_false(allowed(&g, B, R | W, 8, 0));
	assert_false(allowed(&g, B, R, 9, 0));
	build(&g, all, N(all));
	assert_true(allowed(&g, B, R | W | M, 8, 0));
	assert_true(allowed(&g, C, W, 1, 1));
}

static void test_wildcards(void **state)
{
	static const struct oci_device_rule r[] = { RULE(true, 'c', -1, 5, "rw"),
						    RULE(true, 'b', 7, -1, "rwm") };
	struct prog g;

	(void)state;
	build(&g, r, N(r));
	assert_true(allowed(&g, C, R | W, 1, 5));
	assert_true(allowed(&g, C, R, 200, 5));
	assert_false(allowed(&g, C, M, 1, 5));
	assert_false(allowed(&g, C, R, 1, 6));
	assert_false(allowed(&g, B, R, 1, 5));
	assert_true(allowed(&g, B, R | W | M, 7, 0));
	assert_true(allowed(&g, B, R, 7, 1234));
	assert_false(allowed(&g, C, R, 7, 0));
}

static void test_last_match_wins(void **state)
{
	static const struct oci_device_rule deny_after[] = { RULE(true, 'a', -1, -1, "rwm"),
							     RULE(false, 'c', 1, 3, "w") };
	static const struct oci_device_rule allow_after[] = { RULE(false, 'c', 1, 3, "rwm"),
							      RULE(true, 'a', -1, -1, "rwm") };
	static const struct oci_device_rule narrow[] = { RULE(true, 'c', 1, 3, "rw"),
							 RULE(false, 'c', 1, 3, "w") };
	static const struct oci_device_rule back[] = { RULE(true, 'c', 1, 3, "rw"),
						       RULE(false, 'c', 1, 3, "w"),
						       RULE(true, 'c', 1, 3, "w") };
	struct prog g;

	(void)state;
	build(&g, deny_after, N(deny_after));
	assert_true(allowed(&g, C, R, 1, 3));
	assert_false(allowed(&g, C, W, 1, 3));
	assert_false(allowed(&g, C, R | W, 1, 3));
	assert_true(allowed(&g, C, R | W, 1, 5));
	assert_true(allowed(&g, B, R | W, 1, 3));
	build(&g, allow_after, N(allow_after));
	assert_true(allowed(&g, C, R | W | M, 1, 3));
	/* Just the allow-all: the deny before it cannot decide. */
	assert_int_equal(g.n, (size_t)oci_devrules_build(&allow_after[1], 1, g.p, N(g.p)));
	build(&g, narrow, N(narrow));
	assert_true(allowed(&g, C, R, 1, 3));
	assert_false(allowed(&g, C, R | W, 1, 3));
	build(&g, back, N(back));
	assert_true(allowed(&g, C, R | W, 1, 3));
}

/* Each access bit is decided by the last rule naming it. */
static void test_bits_from_several_rules(void **state)
{
	static const struct oci_device_rule r[] = { RULE(true, 'c', 1, 3, "r"),
						    RULE(true, 'c', 1, 3, "w"),
						    RULE(true, 'c', -1, -1, "m") };
	struct prog g;

	(void)state;
	build(&g, r, N(r));
	assert_true(allowed(&g, C, R | W, 1, 3));
	assert_true(allowed(&g, C, R | W | M, 1, 3));
	assert_false(allowed(&g, C, R, 1, 4));
	assert_true(allowed(&g, C, M, 1, 4));
}

static void test_empty_and_no_access(void **state)
{
	static const struct oci_device_rule r[] = { RULE(true, 'a', -1, -1, "") };
	struct prog g;

	(void)state;
	build(&g, NULL, 0);
	assert_false(allowed(&g, C, R, 1, 3));
	assert_false(allowed(&g, B, M, 8, 0));
	build(&g, r, N(r));
	assert_false(allowed(&g, C, R, 1, 3));
}

static void test_refused(void **state)
{
	struct oci_device_rule r[] = { RULE(true, 'c', 1, 3, "rwm") };
	struct bpf_insn p[64];

	(void)state;
	assert_int_equal(oci_devrules_build(r, 1, p, 8), -ENOSPC);
	assert_int_equal(oci_devrules_build(r, 1, p, 0), -ENOSPC);
	assert_true(oci_devrules_build(r, 1, p, OCI_DEVRULES_INSNS(1)) > 0);
	r[0].type = 'u';
	assert_int_equal(oci_devrules_build(r, 1, p, N(p)), -EINVAL);
	r[0].type = 'c';
	r[0].major = (int64_t)INT32_MAX + 1;
	assert_int_equal(oci_devrules_build(r, 1, p, N(p)), -EINVAL);
	r[0].major = -2;
	assert_int_equal(oci_devrules_build(r, 1, p, N(p)), -EINVAL);
	r[0].major = 1;
	r[0].minor = -3;
	assert_int_equal(oci_devrules_build(r, 1, p, N(p)), -EINVAL);
}

/* ---- the kernel: load, attach, enforce ---- */

static char group[800];

static int find_group(void)
{
	static char mi[1 << 20];
	char mnt[512];
	struct err e;

	if (read_text("/proc/self/mountinfo", mi, sizeof(mi), &e) < 0 ||
	    cg_find_v2_mount(mi, mnt, sizeof(mnt), &e) < 0)
		return -1;
	snprintf(group, sizeof(group), "%s/minictr-devrules-%d", mnt, (int)getpid());
	return 0;
}

static int setup_group(void **state)
{
	struct err e;

	(void)state;
	group[0] = '\0';
	if (getuid() != 0 || find_group() < 0)
		return 0;
	if (oci_cgroup_create(group, NULL, &e) < 0) {
		print_message("cannot make %s: %s\n", group, e.msg);
		group[0] = '\0';
	}
	return 0;
}

static int teardown_group(void **state)
{
	struct err e;

	(void)state;
	if (group[0])
		oci_cgroup_destroy(group, &e);
	return 0;
}

/* EINVAL/EPERM from the attach itself: this kernel or sandbox will not take a
 * device program there; anything else is a failure. */
static bool attach_or_skip(const struct oci_device_rule *r, size_t n, const char *dir)
{
	struct err e = { 0 };

	if (oci_devrules_attach(r, n, dir, &e) == 0)
		return true;
	if ((e.code == EINVAL || e.code == EPERM) && strstr(e.msg, "attach the device program")) {
		print_message("device programs not supported here: %s\n", e.msg);
		return false;
	}
	fail_msg("%s", e.msg);
	return false;
}

/* In the group: open each path for reading; exit status bit i set when
 * path i could be opened. */
static int try_open_in_group(const char *const *paths, size_t n)
{
	struct err e = { 0 };
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int bits = 0;
		if (oci_cgroup_add_pid(group, getpid(), &e) < 0)
			_exit(255);
		for (size_t i = 0; i < n; i++) {
			int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				bits |= 1 << i, close(fd);
		}
		_exit(bits);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 255);
	return WEXITSTATUS(status);
}

static void test_kernel_accepts_and_enforces(void **state)
{
	static const struct oci_device_rule only_null[] = { RULE(false, 'a', -1, -1, "rwm"),
							    RULE(true, 'c', 1, 3, "rwm") };
	static const struct oci_device_rule others[][2] = {
		{ RULE(true, 'a', -1, -1, "rwm"), RULE(false, 'c', 1, 3, "w") },
		{ RULE(true, 'c', -1, 5, "rw"), RULE(true, 'b', 7, -1, "rwm") },
		{ RULE(true, 'a', 8, -1, "r"), RULE(true, 'c', 1, 3, "") },
	};
	static const char *const paths[] = { "/dev/null", "/dev/zero" };
	char verify[900];
	struct err e = { 0 };

	(void)state;
	if (!group[0]) {
		print_message("no cgroup v2 group to attach to (not root or no mount): skipped\n");
		skip();
	}
	/* Before: both open. */
	assert_int_equal(try_open_in_group(paths, 2), 3);
	/* The verifier takes every shape the generator makes (in a group of
	 * their own: all programs on a group must pass a device). */
	snprintf(verify, sizeof(verify), "%s/verify", group);
	if (oci_cgroup_create(verify, NULL, &e) < 0)
		fail_msg("%s", e.msg);
	if (!attach_or_skip(runc_default, N(runc_default), verify))
		skip();
	for (size_t i = 0; i < N(others); i++)
		assert_true(attach_or_skip(others[i], 2, verify));
	assert_true(attach_or_skip(only_null, N(only_null), group));
	/* A program the verifier refuses: its reason ends the line. */
	struct bpf_insn bad[] = { { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 } };
	assert_int_equal(oci_bpf_devcg_attach(bad, 1, verify, &e), -EINVAL);
	if (!strstr(e.msg, "load the device program: "))
		fail_msg("%s", e.msg);
	print_message("refused as: %s\n", e.msg);
	/* Every attached program must pass a device: only /dev/null now. */
	assert_int_equal(try_open_in_group(paths, 2), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_default),
		cmocka_unit_test(test_deny_all_then_one),
		cmocka_unit_test(test_type_a),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_last_match_wins),
		cmocka_unit_test(test_bits_from_several_rules),
		cmocka_unit_test(test_empty_and_no_access),
		cmocka_unit_test(test_refused),
		cmocka_unit_test_setup_teardown(test_kernel_accepts_and_enforces, setup_group,
						teardown_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
