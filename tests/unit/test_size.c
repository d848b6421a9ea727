#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/size.h"

static void check_ok(const char *s, uint64_t want)
{
	struct err e = { 0 };
	uint64_t v = 12345;

	assert_int_equal(parse_size(s, &v, &e), 0);
	assert_true(v == want);
}

static void check_bad(const char *s, int code)
{
	struct err e = { 0 };
	uint64_t v = 777;

	assert_int_equal(parse_size(s, &v, &e), -code);
	assert_int_equal(e.code, code);
	assert_true(e.msg[0] != '\0');
	assert_true(v == 777); /* untouched on error */
}

static void test_plain_bytes(void **state)
{
	(void)state;
	check_ok("0", 0);
	check_ok("1", 1);
	check_ok("4096", 4096);
	check_ok("18446744073709551615", UINT64_MAX);
}

static void test_suffixes(void **state)
{
	(void)state;
	check_ok("1K", 1024);
	check_ok("1k", 1024);
	check_ok("64M", 64ull << 20);
	check_ok("128m", 128ull << 20);
	check_ok("2G", 2ull << 30);
	check_ok("3g", 3ull << 30);
	check_ok("1T", 1ull << 40);
	check_ok("0G", 0);
	check_ok("16777215T", 16777215ull << 40);
}

static void test_rejects_garbage(void **state)
{
	(void)state;
	check_bad("", EINVAL);
	check_bad("-1", EINVAL);
	check_bad("+1", EINVAL);
	check_bad(" 1", EINVAL);
	check_bad("1 ", EINVAL);
	check_bad("M", EINVAL);
	check_bad("1X", EINVAL);
	check_bad("1MB", EINVAL);
	check_bad("1.5G", EINVAL);
	check_bad("0x10", EINVAL);
	check_bad("12abc", EINVAL);
}

static void test_rejects_null(void **state)
{
	struct err e = { 0 };
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size(NULL, &v, &e), -EINVAL);
}

static void test_rejects_overflow(void **state)
{
	(void)state;
	check_bad("18446744073709551616", ERANGE);
	check_bad("99999999999999999999999", ERANGE);
	check_bad("16777216T", ERANGE);
	check_bad("17179869184G", ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_bytes),	 cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_rejects_garbage),	 cmocka_unit_test(test_rejects_null),
		cmocka_unit_test(test_rejects_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
