#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "tests/unit/boot_fixture.h"

/* Parse the first len bytes of img from an exact-size copy, so reading
 * past the end is caught by ASan. */
static int parse_prefix(const uint8_t *img, size_t len, struct bzimage_info *bz, struct err *e)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, img, len);
	r = bzimage_parse(copy, len, bz, e);
	free(copy);
	return r;
}

static void expect_error(const struct fake_bz *f, const char *msg)
{
	struct bzimage_info bz;
	struct err e = { 0 };
	size_t len;
	uint8_t *img = fake_bz_build(f, &len);

	assert_int_equal(bzimage_parse(img, len, &bz, &e), -EINVAL);
	assert_int_equal(e.code, EINVAL);
	assert_string_equal(e.msg, msg);
	free(img);
}

static void test_good_image(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct bzimage_info bz;
	struct err e = { 0 };
	size_t len;
	uint8_t *img = fake_bz_build(&f, &len);

	(void)state;
	assert_int_equal(parse_prefix(img, len, &bz, &e), 0);
	assert_int_equal(bz.protocol, 0x020f);
	assert_int_equal(bz.setup_size, 10 * 512);
	assert_int_equal(bz.kernel_size, 0x4000);
	assert_int_equal(bz.initrd_addr_max, 0x7fffffff);
	assert_int_equal(bz.kernel_alignment, 0x200000);
	assert_int_equal(bz.cmdline_size, 2047);
	assert_int_equal(bz.init_size, 0x80000);
	assert_true(bz.pref_address == 0x1000000);
	assert_int_equal(bz.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	assert_int_equal(bz.loadflags, LOADED_HIGH);
	assert_int_equal(bz.relocatable, 1);
	free(img);
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct bzimage_info bz;
	struct err e = { 0 };
	size_t len;
	uint8_t *img;

	(void)state;
	f.setup_sects = 0;
	img = fake_bz_build(&f, &len);
	assert_int_equal(len, 5 * 512 + 0x4000);
	assert_int_equal(bzimage_parse(img, len, &bz, &e), 0);
	assert_int_equal(bz.setup_size, 5 * 512);
	assert_int_equal(bz.kernel_size, 0x4000);
	free(img);
}

/* One header field broken at a time: the exact message the CLI shows. */
static void set_bad_magic(struct fake_bz *f)
{
	f->magic = "HdrZ";
}
static void set_bad_boot_flag(struct fake_bz *f)
{
	f->boot_flag = 0x55aa;
}
static void set_protocol_2_10(struct fake_bz *f)
{
	f->version = 0x020a;
}
static void set_protocol_2_11(struct fake_bz *f)
{
	f->version = 0x020b;
}
static void set_no_kernel_64(struct fake_bz *f)
{
	f->xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G;
}
static void set_not_loaded_high(struct fake_bz *f)
{
	f->loadflags = 0;
}
static void set_bad_alignment(struct fake_bz *f)
{
	f->kernel_alignment = 0x300000;
}

static void test_rejected_headers(void **state)
{
	static const struct {
		void (*breakit)(struct fake_bz *f);
		const char *msg;
	} cases[] = {
		{ set_bad_magic, "not a Linux bzImage (no HdrS magic)" },
		{ set_bad_boot_flag, "not a Linux bzImage (boot flag 0x55aa, want 0xaa55)" },
		{ set_protocol_2_10, "boot protocol 2.10 is too old (need 2.12+)" },
		{ set_protocol_2_11, "boot protocol 2.11 is too old (need 2.12+)" },
		{ set_no_kernel_64, "kernel has no 64-bit entry point (XLF_KERNEL_64 not set)" },
		{ set_not_loaded_high, "kernel is not loaded high (zImage is not supported)" },
		{ set_bad_alignment, "kernel_alignment 0x300000 is not a power of two" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_bz f = fake_bz_default();

		cases[i].breakit(&f);
		expect_error(&f, cases[i].msg);
	}
}

static void test_minimum_protocol_accepted(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct bzimage_info bz;
	struct err e = { 0 };
	size_t len;
	uint8_t *img;

	(void)state;
	f.version = 0x020c;
	img = fake_bz_build(&f, &len);
	assert_int_equal(bzimage_parse(img, len, &bz, &e), 0);
	assert_int_equal(bz.protocol, 0x020c);
	free(img);
}

static void test_truncated(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct bzimage_info bz;
	struct err e = { 0 };
	size_t len;
	uint8_t *img = fake_bz_build(&f, &len);
	const size_t setup = 10 * 512;

	(void)state;
	/* Too short to hold the magic: empty, inside the boot sector, and one
	 * byte short of "HdrS". */
	assert_int_equal(parse_prefix(img, 0, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "not a Linux bzImage (file is only 0 bytes)");
	assert_int_equal(parse_prefix(img, 0x100, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "not a Linux bzImage (file is only 256 bytes)");
	assert_int_equal(parse_prefix(img, 0x205, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "not a Linux bzImage (file is only 517 bytes)");

	/* Magic present, header cut short: fields read as zero, protocol too old. */
	assert_int_equal(parse_prefix(img, 0x206, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "boot protocol 0.00 is too old (need 2.12+)");

	/* Setup sectors incomplete. */
	assert_int_equal(parse_prefix(img, 4000, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "truncated: setup needs 5120 bytes, file has 4000");
	assert_int_equal(parse_prefix(img, setup - 1, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "truncated: setup needs 5120 bytes, file has 5119");

	/* Setup only, no kernel. */
	assert_int_equal(parse_prefix(img, setup, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "truncated: no protected-mode kernel after 5120 bytes of setup");

	/* Kernel shorter than syssize says. */
	assert_int_equal(parse_prefix(img, len - 16, &bz, &e), -EINVAL);
	assert_string_equal(e.msg, "truncated: kernel needs 21504 bytes, file has 21488");

	/* Complete file parses. */
	assert_int_equal(parse_prefix(img, len, &bz, &e), 0);
	free(img);
}

static void test_read_header_short_file(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct setup_header hdr;
	size_t len;
	uint8_t *img = fake_bz_build(&f, &len);
	uint8_t *copy = malloc(0x208);

	(void)state;
	memcpy(copy, img, 0x208);
	bzimage_read_header(copy, 0x208, &hdr);
	assert_int_equal(hdr.setup_sects, 9);
	assert_int_equal(hdr.header, 0x53726448);
	assert_int_equal(hdr.version, 0x020f);
	assert_int_equal(hdr.init_size, 0); /* beyond the file: zero */
	bzimage_read_header(copy, 0x10, &hdr);
	assert_int_equal(hdr.header, 0);
	free(copy);
	free(img);
}

static void test_runtime_end(void **state)
{
	struct bzimage_info bz = {
		.kernel_size = 0x4000,
		.init_size = 0x80000,
		.kernel_alignment = 0x200000,
		.pref_address = 0x1000000,
		.relocatable = 1,
	};

	(void)state;
	/* Relocatable: rounded up to 2 MiB, but not below pref_address. */
	assert_true(bzimage_runtime_end(&bz, 0x100000) == 0x1000000 + 0x80000);
	bz.pref_address = 0;
	assert_true(bzimage_runtime_end(&bz, 0x100000) == 0x200000 + 0x80000);
	/* Not relocatable: runs at pref_address. */
	bz.relocatable = 0;
	bz.pref_address = 0x400000;
	assert_true(bzimage_runtime_end(&bz, 0x100000) == 0x400000 + 0x80000);
	/* init_size smaller than the file's kernel: the kernel size counts. */
	bz.init_size = 0x100;
	assert_true(bzimage_runtime_end(&bz, 0x100000) == 0x400000 + 0x4000);
	/* Hostile pref_address saturates instead of wrapping. */
	bz.pref_address = UINT64_MAX - 0x10;
	assert_true(bzimage_runtime_end(&bz, 0x100000) == UINT64_MAX);
	bz.relocatable = 1;
	assert_true(bzimage_runtime_end(&bz, 0x100000) == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_image),
		cmocka_unit_test(test_setup_sects_zero_means_four),
		cmocka_unit_test(test_rejected_headers),
		cmocka_unit_test(test_minimum_protocol_accepted),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_read_header_short_file),
		cmocka_unit_test(test_runtime_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
