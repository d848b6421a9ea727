/* Console output path: bytes reach the file in order; a slow reader paces
 * the guest and loses nothing; a stalled one costs one bounded wait, then the
 * bounded buffer drops and counts instead of blocking. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/console.h"
#include "vmm/vm.h"

static void output_reaches_file(void **state)
{
	char path[] = "/tmp/minivmm-console-XXXXXX";
	int fd = mkstemp(path);
	struct vm vm;
	struct console *c;
	struct err e = { 0 };
	char buf[64] = { 0 };

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(console_open(&vm, CONSOLE_FILE, path, &c, &e), 0);
	assert_int_equal(console_start(c, NULL, &e), 0);
	for (const char *p = "hello, console\n"; *p; p++)
		console_put(c, (uint8_t)*p);
	console_close(c); /* flushes */
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 15);
	assert_string_equal(buf, "hello, console\n");
	close(fd);
	unlink(path);
	vm_destroy_common(&vm);
}

static void full_buffer_drops_and_counts(void **state)
{
	struct vm vm;
	struct console *c;
	struct err e = { 0 };

	struct timespec t0, t1;

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	/* Opened but not started: nothing drains, as with a stalled reader. */
	assert_int_equal(console_open(&vm, CONSOLE_FILE, "/dev/null", &c, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < 64 * 1024 + 100; i++)
		console_put(c, 'x');
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(console_dropped(c), 100);
	/* One bounded wait for the whole stall, not one per byte. */
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	console_close(c);
	vm_destroy_common(&vm);
}

/* A reader that drains slowly (4 KiB every 2 ms, a busy pipe): 256 KiB, four
 * times the buffer, all arrive and none is dropped. */
struct slow_reader {
	int fd;
	size_t got;
};

static void *read_slowly(void *arg)
{
	struct slow_reader *r = arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(r->fd, buf, sizeof(buf))) != 0) {
		if (n > 0) {
			r->got += (size_t)n;
			usleep(2000);
		} else {
			usleep(1000); /* EAGAIN: the writer has not opened it yet */
		}
	}
	return NULL;
}

static void slow_reader_loses_nothing(void **state)
{
	char dir[] = "/tmp/minivmm-console-XXXXXX", path[64];
	struct slow_reader r = { .fd = -1 };
	struct vm vm;
	struct console *c;
	struct err e = { 0 };
	pthread_t t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	r.fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(r.fd >= 0);
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(console_open(&vm, CONSOLE_FILE, path, &c, &e), 0);
	assert_int_equal(fcntl(r.fd, F_SETFL, 0), 0); /* blocking reads from here */
	assert_int_equal(pthread_create(&t, NULL, read_slowly, &r), 0);
	assert_int_equal(console_start(c, NULL, &e), 0);
	for (unsigned i = 0; i < 256 * 1024; i++)
		console_put(c, (uint8_t)i);
	assert_int_equal(console_dropped(c), 0);
	console_close(c); /* flushes, closes the write end: the reader sees EOF */
	pthread_join(t, NULL);
	assert_int_equal(r.got, 256 * 1024);
	close(r.fd);
	unlink(path);
	rmdir(dir);
	vm_destroy_common(&vm);
}

static void none_discards(void **state)
{
	struct vm vm;
	struct console *c;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(console_open(&vm, CONSOLE_NONE, NULL, &c, &e), 0);
	for (unsigned i = 0; i < 100000; i++)
		console_put(c, 'x');
	assert_int_equal(console_dropped(c), 0);
	console_close(c);
	vm_destroy_common(&vm);
}

static void bad_file_is_an_error(void **state)
{
	struct vm vm;
	struct console *c = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_true(console_open(&vm, CONSOLE_FILE, "/nonexistent-dir/x", &c, &e) < 0);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/x"));
	vm_destroy_common(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(output_reaches_file),
		cmocka_unit_test(full_buffer_drops_and_counts),
		cmocka_unit_test(slow_reader_loses_nothing),
		cmocka_unit_test(none_discards),
		cmocka_unit_test(bad_file_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
