/* common/file_text.c: reading and writing knobs, and the sweep of stale
 * "<anything>-PID" directories, in a scratch directory. */
#include <errno.h>
#include <limits.h>
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

#include "common/file_text.h"

static char dir[] = "/tmp/test_file_text.XXXXXX";

static void sub(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int exists(const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	sub(p, sizeof(p), name);
	return stat(p, &st) == 0;
}

static void make_dir(const char *name)
{
	char p[PATH_MAX];

	sub(p, sizeof(p), name);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* A PID that was just in use and is now gone (reaped). */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void test_read_write(void **state)
{
	char p[PATH_MAX], buf[8];
	struct err e;
	FILE *f;

	(void)state;
	sub(p, sizeof(p), "knob");
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(write_text(p, "123456789", &e), 0);
	assert_int_equal(read_text(p, buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "1234567"); /* len-1 bytes, NUL-terminated */
	assert_int_equal(unlink(p), 0);
	/* Knobs are never created: a missing one is -ENOENT for the caller to judge. */
	assert_int_equal(write_text(p, "1", &e), -ENOENT);
	assert_int_equal(read_text(p, buf, sizeof(buf), &e), -ENOENT);
}

static void test_remove_stale(void **state)
{
	char name[64], p[PATH_MAX];
	pid_t dead = dead_pid();
	FILE *f;

	(void)state;
	/* Gone: the owner is dead and the directory empty, whatever the prefix. */
	snprintf(name, sizeof(name), "ctr-%d", (int)dead);
	make_dir(name);
	snprintf(name, sizeof(name), "vm-x-%d", (int)dead);
	make_dir(name);
	/* Kept: a live owner, a non-empty directory, names that are not "<x>-PID". */
	snprintf(name, sizeof(name), "ctr-%d", (int)getpid());
	make_dir(name);
	make_dir("full-1999999999");
	sub(p, sizeof(p), "full-1999999999/f");
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(name, sizeof(name), "-%d", (int)dead);
	make_dir(name);
	snprintf(name, sizeof(name), "ctr-%dx", (int)dead);
	make_dir(name);
	make_dir("ctr-");
	make_dir("ctr--5");
	make_dir("ctr-0");
	make_dir("nodash");

	remove_stale(dir);

	snprintf(name, sizeof(name), "ctr-%d", (int)dead);
	assert_false(exists(name));
	snprintf(name, sizeof(name), "vm-x-%d", (int)dead);
	assert_false(exists(name));
	snprintf(name, sizeof(name), "ctr-%d", (int)getpid());
	assert_true(exists(name));
	assert_true(exists("full-1999999999"));
	snprintf(name, sizeof(name), "-%d", (int)dead);
	assert_true(exists(name));
	snprintf(name, sizeof(name), "ctr-%dx", (int)dead);
	assert_true(exists(name));
	assert_true(exists("ctr-"));
	assert_true(exists("ctr--5"));
	assert_true(exists("ctr-0"));
	assert_true(exists("nodash"));
	/* A missing directory is no error. */
	sub(p, sizeof(p), "absent");
	remove_stale(p);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_remove_stale),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
