#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "tests/unit/boot_fixture.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

static void expect_e820(const struct boot_e820_entry *e, uint64_t addr, uint64_t size,
			uint32_t type)
{
	assert_true(e->addr == addr);
	assert_true(e->size == size);
	assert_int_equal(e->type, type);
}

static void test_e820_512m(void **state)
{
	struct boot_e820_entry t[8];
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, NULL, 512 * MIB);
	assert_int_equal(e820_build(t, 8, &m), 3);
	expect_e820(&t[0], 0, 0x9fc00, 1);
	expect_e820(&t[1], 0x9fc00, 0x100000 - 0x9fc00, 2);
	expect_e820(&t[2], MIB, 511 * MIB, 1);
}

static void test_e820_exactly_3g(void **state)
{
	struct boot_e820_entry t[8];
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, NULL, 3 * GIB);
	/* All RAM fits below the hole: nothing above 4 GiB. */
	assert_int_equal(e820_build(t, 8, &m), 3);
	expect_e820(&t[2], MIB, 3 * GIB - MIB, 1);
}

static void test_e820_6g(void **state)
{
	struct boot_e820_entry t[8];
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, NULL, 6 * GIB);
	assert_int_equal(e820_build(t, 8, &m), 4);
	expect_e820(&t[0], 0, 0x9fc00, 1);
	expect_e820(&t[1], 0x9fc00, 0x60400, 2);
	expect_e820(&t[2], MIB, 3 * GIB - MIB, 1);
	expect_e820(&t[3], 4 * GIB, 3 * GIB, 1);
	/* Total RAM described equals the guest's RAM. */
	assert_true(t[0].size + t[2].size + t[3].size == 6 * GIB - (MIB - 0x9fc00));
}

static void test_e820_small_and_limited(void **state)
{
	struct boot_e820_entry t[8];
	struct guest_mem m;

	(void)state;
	/* Less than base memory: RAM ends early, no entry above 1 MiB. */
	guest_mem_layout(&m, NULL, 0x80000);
	assert_int_equal(e820_build(t, 8, &m), 2);
	expect_e820(&t[0], 0, 0x80000, 1);
	expect_e820(&t[1], 0x9fc00, 0x60400, 2);
	/* The table never exceeds max. */
	guest_mem_layout(&m, NULL, 6 * GIB);
	assert_int_equal(e820_build(t, 2, &m), 2);
	assert_int_equal(e820_build(t, 0, &m), 0);
}

/* Zero page fields read back at their documented offsets (zero-page.rst). */
static void test_zero_page(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_params bp;
	struct guest_mem m;
	const uint8_t *z = (const uint8_t *)&bp;
	size_t len;
	uint8_t *img = fake_bz_build(&f, &len);

	(void)state;
	assert_int_equal(sizeof(bp), 4096);
	guest_mem_layout(&m, NULL, 6 * GIB);
	memset(&bp, 0xcc, sizeof(bp)); /* must be fully rewritten */
	boot_params_build(&bp, img, len, 0x20000, 11, 0x123456000ULL, 0x5000, &m);

	/* Header copied from the image. */
	assert_int_equal(fake_get(z, 0x1f1, 1), 9);
	assert_int_equal(fake_get(z, 0x1fe, 2), 0xaa55);
	assert_memory_equal(z + 0x202, "HdrS", 4);
	assert_int_equal(fake_get(z, 0x206, 2), 0x020f);
	assert_int_equal(fake_get(z, 0x238, 4), 2047);	  /* cmdline_size */
	assert_int_equal(fake_get(z, 0x260, 4), 0x80000); /* init_size */
	/* Loader fields. */
	assert_int_equal(fake_get(z, 0x210, 1), 0xff);	 /* type_of_loader */
	assert_int_equal(fake_get(z, 0x1fa, 2), 0xffff); /* vid_mode */
	assert_int_equal(fake_get(z, 0x211, 1), LOADED_HIGH);
	assert_int_equal(fake_get(z, 0x228, 4), 0x20000);    /* cmd_line_ptr */
	assert_int_equal(fake_get(z, 0x0c8, 4), 0);	     /* ext_cmd_line_ptr */
	assert_int_equal(fake_get(z, 0x218, 4), 0x23456000); /* ramdisk_image */
	assert_int_equal(fake_get(z, 0x0c0, 4), 0x1);	     /* ext_ramdisk_image */
	assert_int_equal(fake_get(z, 0x21c, 4), 0x5000);     /* ramdisk_size */
	assert_int_equal(fake_get(z, 0x0c4, 4), 0);	     /* ext_ramdisk_size */
	/* e820: count at 0x1e8, 20-byte entries at 0x2d0. */
	assert_int_equal(fake_get(z, 0x1e8, 1), 4);
	assert_true(fake_get(z, 0x2d0 + 3 * 20, 8) == 4 * GIB);
	assert_true(fake_get(z, 0x2d0 + 3 * 20 + 8, 8) == 3 * GIB);
	assert_int_equal(fake_get(z, 0x2d0 + 3 * 20 + 16, 4), 1);
	assert_true(fake_get(z, 0x2d0 + 4 * 20, 8) == 0);
	/* Everything outside the header and our fields is zero. */
	for (size_t i = 0; i < 0xc0; i++)
		assert_int_equal(z[i], 0);
	free(img);
}

static void test_zero_page_header_length(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_params bp;
	struct guest_mem m;
	const uint8_t *z = (const uint8_t *)&bp;
	size_t len;
	uint8_t *img;

	(void)state;
	guest_mem_layout(&m, NULL, 64 * MIB);
	/* Header claims to end at 0x202 + 0x30 = 0x232: later fields not copied. */
	f.hdr_len_byte = 0x30;
	img = fake_bz_build(&f, &len);
	boot_params_build(&bp, img, len, 0x20000, 0, 0, 0, &m);
	assert_int_equal(fake_get(z, 0x22c, 4), 0x7fffffff);
	assert_int_equal(z[0x232], 0); /* kernel_alignment's 0x20 byte: cut */
	assert_int_equal(z[0x234], 0); /* relocatable_kernel: cut */
	assert_int_equal(fake_get(z, 0x238, 4), 0);
	assert_int_equal(fake_get(z, 0x260, 4), 0);
	free(img);

	/* A header claiming more than the struct is clamped to it; nothing
	 * beyond the header (0x26c) reaches the zero page. */
	f.hdr_len_byte = 0xff;
	img = fake_bz_build(&f, &len);
	img[0x270] = 0x77;
	boot_params_build(&bp, img, len, 0x20000, 0, 0, 0, &m);
	assert_int_equal(fake_get(z, 0x260, 4), 0x80000);
	assert_int_equal(z[0x270], 0);
	free(img);
}

static void test_zero_page_short_image(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_params bp;
	struct guest_mem m;
	const uint8_t *z = (const uint8_t *)&bp;
	size_t len;
	uint8_t *img = fake_bz_build(&f, &len);
	uint8_t *copy = malloc(0x210);

	(void)state;
	/* Only 0x210 bytes of image: copy stops at the file's end (ASan checks). */
	memcpy(copy, img, 0x210);
	guest_mem_layout(&m, NULL, 64 * MIB);
	boot_params_build(&bp, copy, 0x210, 0x20000, 0, 0, 0, &m);
	assert_int_equal(fake_get(z, 0x206, 2), 0x020f);
	assert_int_equal(fake_get(z, 0x211, 1), 0);
	assert_int_equal(fake_get(z, 0x210, 1), 0xff);
	free(copy);
	free(img);
}

/* acpi_rsdp_addr (0x070) only for boot protocol 2.14 and later. */
static void test_zero_page_rsdp(void **state)
{
	static const struct {
		uint16_t version;
		uint64_t rsdp;
	} cases[] = { { 0x020e, LAYOUT_ACPI_ADDR }, { 0x020f, LAYOUT_ACPI_ADDR }, { 0x020d, 0 } };
	struct boot_params bp;
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, NULL, 64 * MIB);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_bz f = fake_bz_default();
		size_t len;
		uint8_t *img;

		f.version = cases[i].version;
		img = fake_bz_build(&f, &len);
		boot_params_build(&bp, img, len, 0x20000, 0, 0, 0, &m);
		assert_true(bp.acpi_rsdp_addr == 0);
		boot_params_set_rsdp(&bp, LAYOUT_ACPI_ADDR);
		assert_true(fake_get((const uint8_t *)&bp, 0x070, 8) == cases[i].rsdp);
		free(img);
	}
}

static void test_pagetables(void **state)
{
	static uint8_t pt[6 * 4096];
	const uint64_t base = LAYOUT_PAGE_TABLES_ADDR;

	(void)state;
	memset(pt, 0xaa, sizeof(pt));
	pagetables_build(pt, base);
	/* PML4[0] -> PDPT, present + writable; the rest empty. */
	assert_true(fake_get(pt, 0, 8) == ((base + 0x1000) | 3));
	for (unsigned i = 1; i < 512; i++)
		assert_true(fake_get(pt, i * 8, 8) == 0);
	/* PDPT[0..3] -> the four PDs. */
	for (unsigned g = 0; g < 4; g++)
		assert_true(fake_get(pt, 0x1000 + g * 8, 8) == ((base + 0x2000 + g * 0x1000) | 3));
	assert_true(fake_get(pt, 0x1000 + 4 * 8, 8) == 0);
	/* PDs: 2048 consecutive 2 MiB pages from 0 to 4 GiB. */
	for (unsigned i = 0; i < 2048; i++)
		assert_true(fake_get(pt, 0x2000 + i * 8, 8) == (((uint64_t)i << 21) | 0x83));
	assert_true(fake_get(pt, 0x2000 + 2047 * 8, 8) == (0xffe00000ULL | 0x83));
}

static void test_gdt(void **state)
{
	uint64_t gdt[BOOT_GDT_ENTRIES];

	(void)state;
	memset(gdt, 0xaa, sizeof(gdt));
	gdt_build(gdt);
	assert_true(gdt[0] == 0);
	/* Code32 0x08 (PVH entry): G=1, D/B=1, L=0, P=1, S=1, type 0xb. */
	assert_true(gdt[BOOT_CODE32_SEL >> 3] == 0x00cf9b000000ffffULL);
	assert_int_equal(BOOT_CODE32_SEL, 0x08);
	/* Code 0x10: base 0, limit 0xfffff, G=1, L=1, D=0, P=1, S=1, type 0xb. */
	assert_true(gdt[BOOT_CODE_SEL >> 3] == 0x00af9b000000ffffULL);
	/* Data 0x18: G=1, D/B=1, P=1, S=1, type 0x3 (read/write, accessed). */
	assert_true(gdt[BOOT_DATA_SEL >> 3] == 0x00cf93000000ffffULL);
	assert_int_equal(BOOT_CODE_SEL, 0x10);
	assert_int_equal(BOOT_DATA_SEL, 0x18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e820_512m),
		cmocka_unit_test(test_e820_exactly_3g),
		cmocka_unit_test(test_e820_6g),
		cmocka_unit_test(test_e820_small_and_limited),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_zero_page_header_length),
		cmocka_unit_test(test_zero_page_short_image),
		cmocka_unit_test(test_zero_page_rsdp),
		cmocka_unit_test(test_pagetables),
		cmocka_unit_test(test_gdt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
