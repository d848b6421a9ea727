/* minictr's device filter: the simple command line's allow-list as OCI
 * device rules (oci_devrules turns them into the cgroup program; its own
 * test runs the program). Only the minimal /dev is allowed. */
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tools/minictr/oci_devrules.h"
#include "tools/minictr/simple_spec.h"

/* Every rule allows, so a device passes when one rule matches it. */
static bool allowed(char type, int64_t major, int64_t minor)
{
	size_t n;
	const struct oci_device_rule *r = simple_device_rules(&n);

	for (size_t i = 0; i < n; i++)
		if ((r[i].type == 'a' || r[i].type == type) &&
		    (r[i].major == -1 || r[i].major == major) &&
		    (r[i].minor == -1 || r[i].minor == minor))
			return true;
	return false;
}

static void test_rules_allow_any_access(void **state)
{
	size_t n;
	const struct oci_device_rule *r = simple_device_rules(&n);

	(void)state;
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(r[i].allow && r[i].read && r[i].write && r[i].mknod);
		/* Character devices only, never every major. */
		assert_int_equal(r[i].type, 'c');
		assert_true(r[i].major >= 0);
	}
}

static void test_minimal_dev_allowed(void **state)
{
	static const int64_t ok[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 },	 { 1, 8 },   { 1, 9 },
					 { 5, 0 }, { 5, 2 }, { 136, 0 }, { 136, 7 }, { 143, 255 } };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(allowed('c', ok[i][0], ok[i][1]));
}

static void test_host_devices_denied(void **state)
{
	static const int64_t no[][2] = {
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
		assert_false(allowed('c', no[i][0], no[i][1]));
	/* A block device, even with the numbers of an allowed character one. */
	assert_false(allowed('b', 8, 0));
	assert_false(allowed('b', 1, 3));
}

/* The runtime's generator takes the list and it fits the program it sizes. */
static void test_rules_build(void **state)
{
	size_t n;
	const struct oci_device_rule *r = simple_device_rules(&n);
	struct bpf_insn insns[OCI_DEVRULES_INSNS(16)];

	(void)state;
	assert_true(n <= 16);
	assert_true(oci_devrules_build(r, n, insns, OCI_DEVRULES_INSNS(n)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_allow_any_access),
		cmocka_unit_test(test_minimal_dev_allowed),
		cmocka_unit_test(test_host_devices_denied),
		cmocka_unit_test(test_rules_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
