/* --disk parsing (pure) and image opening: clear errors naming the path,
 * sizes, read-only opens and the lock against a second writer. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/disk_opts.h"
#include "devices/virtio_blk.h"

static void parses_options(void **state)
{
	struct disk_config c;
	struct err e;

	(void)state;
	assert_int_equal(disk_opts_parse("disk.img", &c, &e), 0);
	assert_string_equal(c.path, "disk.img");
	assert_false(c.readonly);
	assert_int_equal(c.cache, DISK_CACHE_WRITEBACK);
	assert_false(c.has_serial);
	assert_int_equal(c.fd, -1);

	assert_int_equal(disk_opts_parse("/a/b.img,ro,cache=unsafe,serial=ABC-123", &c, &e), 0);
	assert_string_equal(c.path, "/a/b.img");
	assert_true(c.readonly);
	assert_int_equal(c.cache, DISK_CACHE_UNSAFE);
	assert_true(c.has_serial);
	assert_string_equal(c.serial, "ABC-123");

	assert_int_equal(disk_opts_parse("x,serial=12345678901234567890,cache=writeback", &c, &e),
			 0);
	assert_string_equal(c.serial, "12345678901234567890");
}

static void rejects_bad_options(void **state)
{
	const char *bad[] = {
		"",
		",ro",
		"x,",
		"x,,ro",
		"x,rw",
		"x,ro=1",
		"x,cache",
		"x,cache=none",
		"x,cache=",
		"x,serial=",
		"x,serial=123456789012345678901",
		"x,ro,ro",
		"x,cache=unsafe,cache=unsafe",
		"x,serial=a,serial=b",
		"x,bogus=1",
		"x,RO",
	};
	struct disk_config c;
	struct err e;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_int_equal(disk_opts_parse(bad[i], &c, &e), -EINVAL);
		assert_true(strlen(e.msg) > 0);
	}
	assert_int_equal(disk_opts_parse("x,bogus=1", &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "bogus"));
	assert_int_equal(disk_opts_parse("x,ro,ro", &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "twice"));
}

static void make_file(char *path, size_t size)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static void open_errors_name_the_path(void **state)
{
	char dir[] = "/tmp/minivmm-dir-XXXXXX", odd[] = "/tmp/minivmm-odd-XXXXXX";
	struct disk_config c;
	struct err e;

	(void)state;
	assert_int_equal(disk_opts_parse("/nonexistent/minivmm.img", &c, &e), 0);
	assert_int_equal(disk_open(&c, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent/minivmm.img"));

	assert_non_null(mkdtemp(dir));
	assert_int_equal(disk_opts_parse(dir, &c, &e), 0);
	assert_true(disk_open(&c, &e) < 0);
	assert_non_null(strstr(e.msg, dir));
	assert_non_null(strstr(e.msg, "directory"));
	assert_int_equal(disk_opts_parse(strcat(strcpy((char[64]){ 0 }, dir), ",ro"), &c, &e), 0);
	assert_int_equal(disk_open(&c, &e), -EISDIR);
	rmdir(dir);

	make_file(odd, 1000);
	assert_int_equal(disk_opts_parse(odd, &c, &e), 0);
	assert_int_equal(disk_open(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "multiple of 512"));
	assert_int_equal(c.fd, -1);
	unlink(odd);

	assert_int_equal(disk_opts_parse("/dev/null", &c, &e), 0);
	assert_int_equal(disk_open(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
}

static void writers_are_exclusive(void **state)
{
	char path[] = "/tmp/minivmm-lock-XXXXXX";
	struct disk_config a, b, r;
	char arg[64];
	struct err e;
	int flags;

	(void)state;
	make_file(path, 1 << 20);
	assert_int_equal(disk_opts_parse(path, &a, &e), 0);
	assert_int_equal(disk_open(&a, &e), 0);
	assert_int_equal(a.size, 1 << 20);
	assert_true(a.can_zero_range);
	/* A second writer, or a reader, is refused while a writer holds it. */
	assert_int_equal(disk_opts_parse(path, &b, &e), 0);
	assert_int_equal(disk_open(&b, &e), -EBUSY);
	assert_non_null(strstr(e.msg, "is in use by another process"));
	assert_non_null(strstr(e.msg, path));
	snprintf(arg, sizeof(arg), "%s,ro", path);
	assert_int_equal(disk_opts_parse(arg, &r, &e), 0);
	assert_int_equal(disk_open(&r, &e), -EBUSY);
	disk_close(&a);
	assert_int_equal(a.fd, -1);
	/* Free again: readers share, and open read-only. */
	assert_int_equal(disk_open(&r, &e), 0);
	flags = fcntl(r.fd, F_GETFL);
	assert_int_equal(flags & O_ACCMODE, O_RDONLY);
	assert_false(r.can_punch_hole);
	assert_false(r.can_zero_range);
	assert_int_equal(disk_opts_parse(arg, &b, &e), 0);
	assert_int_equal(disk_open(&b, &e), 0);
	disk_close(&b);
	disk_close(&r);
	assert_int_equal(disk_open(&a, &e), 0);
	disk_close(&a);
	unlink(path);
}

static void no_permission(void **state)
{
	char path[] = "/tmp/minivmm-perm-XXXXXX";
	int status = -1;
	pid_t pid;

	(void)state;
	make_file(path, 512);
	assert_int_equal(chmod(path, 0), 0);
	/* root ignores file modes: try as an unprivileged user in a child. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct disk_config c;
		struct err e;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(2);
		if (disk_opts_parse(path, &c, &e) < 0 || disk_open(&c, &e) != -EACCES)
			_exit(3);
		_exit(strstr(e.msg, path) && strstr(e.msg, "ermission denied") ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	unlink(path);
}

static void default_serial(void **state)
{
	unsigned char uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde };
	char s[VIRTIO_BLK_ID_BYTES + 1];

	(void)state;
	blk_default_serial(uuid, 3, s);
	assert_string_equal(s, "mvm123456789abc-3");
	blk_default_serial(uuid, 15, s);
	assert_string_equal(s, "mvm123456789abc-15");
	assert_true(strlen(s) <= VIRTIO_BLK_ID_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_options),
		cmocka_unit_test(rejects_bad_options),
		cmocka_unit_test(open_errors_name_the_path),
		cmocka_unit_test(writers_are_exclusive),
		cmocka_unit_test(no_permission),
		cmocka_unit_test(default_serial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
