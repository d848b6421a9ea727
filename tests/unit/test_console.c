/* Console output path: bytes reach the file in order; when the writer
 * cannot keep up, the bounded buffer drops and counts instead of blocking. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	/* Opened but not started: nothing drains, as with a stalled reader. */
	assert_int_equal(console_open(&vm, CONSOLE_FILE, "/dev/null", &c, &e), 0);
	for (unsigned i = 0; i < 64 * 1024 + 100; i++)
		console_put(c, 'x');
	assert_int_equal(console_dropped(c), 100);
	console_close(c);
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
		cmocka_unit_test(none_discards),
		cmocka_unit_test(bad_file_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
