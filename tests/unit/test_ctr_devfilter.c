/* minictr's cgroup device filter, run through a small interpreter of the
 * BPF instructions it uses: only the minimal /dev passes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tools/minictr/devfilter.h"

/* Fails the test on any instruction the filter is not expected to use. */
static uint64_t run(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access,
		    uint32_t major, uint32_t minor)
{
	struct bpf_cgroup_dev_ctx ctx = { .access_type = (access << 16) | type,
					  .major = major,
					  .minor = minor };
	uint64_t r[11] = { 0 };
	size_t pc = 0;

	for (unsigned steps = 0; steps < 1000; steps++) {
		assert_true(pc < n);
		const struct bpf_insn *i = &p[pc++];
		uint64_t imm = (uint64_t)(int64_t)i->imm;
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_true(i->off >= 0 && (size_t)i->off + 4 <= sizeof(ctx));
			uint32_t v;
			memcpy(&v, (const char *)&ctx + i->off, 4);
			r[i->dst_reg] = v;
			break;
		case BPF_ALU64 | BPF_AND | BPF_K: r[i->dst_reg] &= imm; break;
		case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = imm; break;
		case BPF_JMP | BPF_JNE | BPF_K:
			pc += r[i->dst_reg] != imm ? (size_t)i->off : 0;
			break;
		case BPF_JMP | BPF_JLT | BPF_K:
			pc += r[i->dst_reg] < imm ? (size_t)i->off : 0;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += r[i->dst_reg] >= imm ? (size_t)i->off : 0;
			break;
		case BPF_JMP | BPF_EXIT: return r[BPF_REG_0];
		default: fail_msg("unexpected BPF opcode 0x%x at %zu", i->code, pc - 1);
		}
	}
	fail_msg("filter did not exit");
	return 0;
}

static void test_minimal_dev_allowed(void **state)
{
	struct bpf_insn p[DEVFILTER_MAX_INSNS];
	size_t n = devfilter_build(p);
	static const uint32_t ok[][2] = {
		{ 1, 3 }, { 1, 5 }, { 1, 7 },	{ 1, 8 },   { 1, 9 },
		{ 5, 0 }, { 5, 2 }, { 136, 0 }, { 136, 7 }, { 143, 255 }
	};

	(void)state;
	assert_true(n > 0 && n <= DEVFILTER_MAX_INSNS);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(run(p, n, BPF_DEVCG_DEV_CHAR,
				     BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, ok[i][0], ok[i][1]),
				 1);
		assert_int_equal(
			run(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_MKNOD, ok[i][0], ok[i][1]), 1);
	}
}

static void test_host_devices_denied(void **state)
{
	struct bpf_insn p[DEVFILTER_MAX_INSNS];
	size_t n = devfilter_build(p);
	static const uint32_t no[][2] = {
		{ 1, 1 },    /* /dev/mem */
		{ 1, 2 },    /* /dev/kmem */
		{ 1, 4 },    /* /dev/port */
		{ 5, 1 },    /* /dev/console */
		{ 4, 0 },    /* tty0 */
		{ 10, 232 }, /* kvm */
		{ 135, 0 },  { 144, 0 }, { 8, 0 }, { 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(
			run(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, no[i][0], no[i][1]), 0);
	/* A block device, even with the numbers of an allowed character one. */
	assert_int_equal(run(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_MKNOD, 8, 0), 0);
	assert_int_equal(run(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_READ, 1, 3), 0);
	assert_int_equal(
		run(p, n, BPF_DEVCG_DEV_BLOCK | BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_dev_allowed),
		cmocka_unit_test(test_host_devices_denied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
