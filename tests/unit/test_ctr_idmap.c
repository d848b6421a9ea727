/* User namespace id maps: formatting, parsing /proc/PID/uid_map text, lookups. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tools/minictr/idmap.h"

static void test_default_root_and_user(void **state)
{
	struct idmap m;

	(void)state;
	idmap_default(&m, 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.r[0].inside, 0);
	assert_int_equal(m.r[0].outside, 100000);
	assert_int_equal(m.r[0].count, 65536);
	idmap_default(&m, 1000);
	assert_int_equal(m.r[0].outside, 1000);
	assert_int_equal(m.r[0].count, 1);
}

static void test_format(void **state)
{
	struct idmap m;
	struct err e;
	char buf[64], tiny[8];

	(void)state;
	idmap_single(&m, 100000, 65536);
	assert_int_equal(idmap_format(&m, buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "0 100000 65536\n");
	assert_int_equal(idmap_format(&m, tiny, sizeof(tiny), &e), -ENOSPC);
}

static void test_parse_proc_text(void **state)
{
	struct idmap m;
	struct err e;

	(void)state;
	/* As the kernel prints it: right-aligned columns. */
	assert_int_equal(idmap_parse("         0     100000      65536\n", &m, &e), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.r[0].outside, 100000);
	assert_int_equal(idmap_parse("0 1000 1\n1 100000 65535\n", &m, &e), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.r[1].inside, 1);
	assert_int_equal(idmap_parse("0 4294967295 1", &m, &e), -ERANGE); /* -1 is never mappable */
	assert_int_equal(idmap_parse("0 0 4294967295\n", &m, &e), 0); /* the initial namespace */
}

static void test_parse_rejects(void **state)
{
	struct idmap m;
	struct err e;

	(void)state;
	assert_int_equal(idmap_parse("", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("\n", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("0 1000\n", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("0 1000 1 9\n", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("a b c\n", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("-1 0 1\n", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("0 1000 0\n", &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "count is 0"));
	assert_int_equal(idmap_parse("0 99999999999 1\n", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("4294967290 0 10\n", &m, &e), -ERANGE);
	assert_int_equal(idmap_parse("0 1000 10\n5 5000 10\n", &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "overlaps"));
	assert_int_equal(idmap_parse("0 1000 10\n20 1005 10\n", &m, &e), -EINVAL);
	assert_int_equal(idmap_parse("0 1 1\n1 2 1\n2 3 1\n3 4 1\n4 5 1\n5 6 1\n", &m, &e), -E2BIG);
}

static void test_to_host(void **state)
{
	struct idmap m;
	struct err e;

	(void)state;
	assert_int_equal(idmap_parse("0 100000 65536\n", &m, &e), 0);
	assert_true(idmap_to_host(&m, 0) == 100000);
	assert_true(idmap_to_host(&m, 5) == 100005);
	assert_true(idmap_to_host(&m, 65535) == 165535);
	assert_true(idmap_to_host(&m, 65536) == -1);
	idmap_single(&m, 1000, 1);
	assert_true(idmap_to_host(&m, 0) == 1000);
	assert_true(idmap_to_host(&m, 5) == -1); /* no tty group: devpts without gid=5 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_root_and_user),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_proc_text),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_to_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
