/* minictr image cache: which host owner a copied image file gets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "tools/minictr/image.h"

static void test_owner_in_map(void **state)
{
	struct idmap m;
	struct err e;
	uint32_t u = 1, g = 1;

	(void)state;
	idmap_single(&m, 100000, 65536);
	assert_int_equal(image_map_owner(&m, "/bin/su", 0, 0, &u, &g, &e), 0);
	assert_int_equal(u, 100000);
	assert_int_equal(g, 100000);
	assert_int_equal(image_map_owner(&m, "/x", 65535, 5, &u, &g, &e), 0);
	assert_int_equal(u, 165535);
	assert_int_equal(g, 100005);
}

/* A huge uid plus the shift wraps to 0: a setuid file would become
 * setuid-root on the host. It must be refused, and the message must say. */
static void test_owner_wrapping_refused(void **state)
{
	struct idmap m;
	struct err e;
	uint32_t u = 7, g = 7;

	(void)state;
	idmap_single(&m, 100000, 65536);
	assert_int_equal(image_map_owner(&m, "/bin/evil", 4294867296u, 0, &u, &g, &e), -ERANGE);
	assert_non_null(strstr(e.msg, "/bin/evil"));
	assert_non_null(strstr(e.msg, "4294867296"));
	assert_int_equal(u, 7);
	assert_int_equal(image_map_owner(&m, "/x", 0, 65536, &u, &g, &e), -ERANGE);
	assert_int_equal(image_map_owner(&m, "/x", 65536, 0, &u, &g, &e), -ERANGE);
}

/* A tar rewritten in place with its size and mtime put back must not hit the
 * old cache entry: the inode change time (or inode) differs. */
static void test_tar_key_sees_rewrite(void **state)
{
	struct stat a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.st_size = 4096;
	a.st_mtim.tv_sec = 1700000000;
	a.st_ctim.tv_sec = 1700000000;
	a.st_ino = 42;
	b = a;
	assert_true(image_tar_key(1, &a) == image_tar_key(1, &b));
	b.st_ctim.tv_nsec = 1;
	assert_true(image_tar_key(1, &a) != image_tar_key(1, &b));
	b = a;
	b.st_ino = 43;
	assert_true(image_tar_key(1, &a) != image_tar_key(1, &b));
	b = a;
	b.st_size = 4097;
	assert_true(image_tar_key(1, &a) != image_tar_key(1, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_in_map),
		cmocka_unit_test(test_owner_wrapping_refused),
		cmocka_unit_test(test_tar_key_sees_rewrite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
