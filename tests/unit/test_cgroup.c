/* cgroup v2 helpers: mount discovery, controller checks, value and path formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/cgroup.h"

/* This project's build host: hybrid, the v2 mount carries hugetlb only. */
static const char hybrid[] =
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char pure_v2[] =
	"22 1 0:21 / / rw - ext4 /dev/vda rw\n"
	"25 22 0:23 / /sys rw shared:7 - sysfs sysfs rw\n"
	"26 25 0:24 / /sys/fs/cgroup rw,nosuid shared:8 - cgroup2 cgroup2 rw,nsdelegate\n"
	"27 22 0:25 / /mnt/other rw - cgroup2 none rw\n";

static void test_find_mount(void **state)
{
	char out[256];
	struct err e;

	(void)state;
	assert_int_equal(cg_find_v2_mount(hybrid, out, sizeof(out), &e), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	assert_int_equal(cg_find_v2_mount(pure_v2, out, sizeof(out), &e), 0);
	assert_string_equal(out, "/sys/fs/cgroup"); /* preferred over /mnt/other */
	assert_int_equal(
		cg_find_v2_mount("22 1 0:21 / / rw - ext4 /dev/vda rw\n", out, sizeof(out), &e),
		-ENOENT);
	assert_int_equal(cg_find_v2_mount("", out, sizeof(out), &e), -ENOENT);
	assert_int_equal(cg_find_v2_mount("garbage without fields\n", out, sizeof(out), &e),
			 -ENOENT);
	/* "cgroup2" as a source name, not the type, does not count. */
	assert_int_equal(
		cg_find_v2_mount("1 2 0:1 / /x rw - tmpfs cgroup2 rw\n", out, sizeof(out), &e),
		-ENOENT);
	/* A mount point that does not fit the buffer is skipped, not truncated. */
	assert_int_equal(cg_find_v2_mount(hybrid, out, 8, &e), -ENOENT);
}

static void test_controllers(void **state)
{
	char buf[64];

	(void)state;
	assert_true(cg_has_controller("cpuset cpu io memory hugetlb pids rdma misc\n", "cpu"));
	assert_true(cg_has_controller("cpuset cpu io memory", "memory"));
	assert_false(cg_has_controller("cpuset io", "cpu"));
	assert_false(cg_has_controller("hugetlb", "memory"));
	assert_false(cg_has_controller("", "pids"));
	cg_missing("memory cpu pids", "hugetlb", buf, sizeof(buf));
	assert_string_equal(buf, "memory cpu pids");
	cg_missing("memory cpu pids io", "cpuset cpu io memory pids", buf, sizeof(buf));
	assert_string_equal(buf, "");
	cg_missing("memory io", "cpu memory", buf, sizeof(buf));
	assert_string_equal(buf, "io");
}

static void test_needed(void **state)
{
	struct cg_limits l;
	char buf[64];

	(void)state;
	memset(&l, 0, sizeof(l));
	cg_needed(&l, buf, sizeof(buf));
	assert_string_equal(buf, "");
	l.mem_bytes = 1 << 25;
	l.pids_max = 16;
	cg_needed(&l, buf, sizeof(buf));
	assert_string_equal(buf, "memory pids");
	l.cpu_millis = 500;
	l.io_weight = 100;
	cg_needed(&l, buf, sizeof(buf));
	assert_string_equal(buf, "memory cpu pids io");
	/* Each limit alone names only its own controller. */
	cg_needed(&(struct cg_limits){ .cpu_millis = 1 }, buf, sizeof(buf));
	assert_string_equal(buf, "cpu");
	cg_needed(&(struct cg_limits){ .io_weight = 10000 }, buf, sizeof(buf));
	assert_string_equal(buf, "io");
	cg_needed(&(struct cg_limits){ .mem_bytes = 1 }, buf, sizeof(buf));
	assert_string_equal(buf, "memory");
	/* A buffer too small truncates, still NUL-terminated. */
	cg_needed(&l, buf, 8);
	assert_string_equal(buf, "memory ");
}

static void test_cpu_max(void **state)
{
	char buf[32];
	struct err e;

	(void)state;
	assert_int_equal(cg_format_cpu_max(500, buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "50000 100000");
	assert_int_equal(cg_format_cpu_max(1000, buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "100000 100000");
	assert_int_equal(cg_format_cpu_max(2250, buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "225000 100000");
	assert_int_equal(cg_format_cpu_max(1, buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "1000 100000"); /* the kernel's minimum quota */
	assert_int_equal(cg_format_cpu_max(0, buf, sizeof(buf), &e), -ERANGE);
	assert_int_equal(cg_format_cpu_max(1000001, buf, sizeof(buf), &e), -ERANGE);
	assert_int_equal(cg_format_cpu_max(500, buf, 5, &e), -ENOSPC);
}

static void test_path(void **state)
{
	char buf[64];
	struct err e;

	(void)state;
	assert_int_equal(cg_path("/sys/fs/cgroup", "minictr", "ctr-42", buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/minictr/ctr-42");
	assert_int_equal(cg_path("/sys/fs/cgroup", "minictr", "a/b", buf, sizeof(buf), &e),
			 -EINVAL);
	assert_int_equal(cg_path("/sys/fs/cgroup", "minictr", "..", buf, sizeof(buf), &e), -EINVAL);
	assert_int_equal(cg_path("/sys/fs/cgroup", "minictr", "", buf, sizeof(buf), &e), -EINVAL);
	assert_int_equal(cg_path("/sys/fs/cgroup", "minictr", "ctr-42", buf, 20, &e),
			 -ENAMETOOLONG);
	/* The tool names the parent group. */
	assert_int_equal(cg_path("/sys/fs/cgroup", "minivmm", "vm-7", buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/minivmm/vm-7");
	assert_int_equal(cg_path("/sys/fs/cgroup/unified", "minivmm", "vm-7", buf, sizeof(buf), &e),
			 0);
	assert_string_equal(buf, "/sys/fs/cgroup/unified/minivmm/vm-7");
	/* It must be one path component too. */
	assert_int_equal(cg_path("/sys/fs/cgroup", "a/b", "vm-7", buf, sizeof(buf), &e), -EINVAL);
	assert_int_equal(cg_path("/sys/fs/cgroup", "..", "vm-7", buf, sizeof(buf), &e), -EINVAL);
	assert_int_equal(cg_path("/sys/fs/cgroup", "", "vm-7", buf, sizeof(buf), &e), -EINVAL);
	/* Exactly the room for the path and its NUL; one byte less is too long. */
	assert_int_equal(cg_path("/m", "t", "n", buf, sizeof("/m/t/n"), &e), 0);
	assert_string_equal(buf, "/m/t/n");
	assert_int_equal(cg_path("/m", "t", "n", buf, sizeof("/m/t/n") - 1, &e), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_mount), cmocka_unit_test(test_controllers),
		cmocka_unit_test(test_needed),	   cmocka_unit_test(test_cpu_max),
		cmocka_unit_test(test_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
