/* The AML encoder, byte by byte. The expected bytes of the larger objects
 * are what iasl 20200925 (-oa: no name optimization) compiles the ASL in
 * each test's comment to. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/aml.h"

#define BUF_LEN 8192

static uint8_t buf[BUF_LEN];

static struct aml *fresh(void)
{
	static struct aml a;

	memset(buf, 0xa5, sizeof(buf));
	aml_init(&a, buf, sizeof(buf));
	return &a;
}

/* a holds exactly the n bytes of want, and no error. */
static void expect_bytes(const struct aml *a, const uint8_t *want, size_t n)
{
	assert_int_equal(aml_finish(a), 0);
	assert_int_equal(a->len, n);
	assert_memory_equal(a->buf, want, n);
}

#define EXPECT(a, ...)                                          \
	do {                                                    \
		static const uint8_t want_[] = { __VA_ARGS__ }; \
		expect_bytes((a), want_, sizeof(want_));        \
	} while (0)

static void test_pkglength(void **state)
{
	uint8_t p[4];

	(void)state;
	/* One byte up to a total of 63 (the length counts itself). */
	assert_int_equal(aml_pkglength(p, 0), 1);
	assert_int_equal(p[0], 1);
	assert_int_equal(aml_pkglength(p, 62), 1);
	assert_int_equal(p[0], 63);
	/* 64 cannot be written in one byte; with two it is 65. */
	assert_int_equal(aml_pkglength(p, 63), 2);
	assert_int_equal(p[0], 0x41);
	assert_int_equal(p[1], 0x04);
	/* Two bytes up to 4095. */
	assert_int_equal(aml_pkglength(p, 4093), 2);
	assert_int_equal(p[0], 0x4f);
	assert_int_equal(p[1], 0xff);
	/* 4096 and beyond: three bytes. */
	assert_int_equal(aml_pkglength(p, 4094), 3);
	assert_int_equal(p[0], 0x81);
	assert_int_equal(p[1], 0x00);
	assert_int_equal(p[2], 0x01);
	assert_int_equal(aml_pkglength(p, 0xffffc), 3);
	assert_memory_equal(p, ((uint8_t[]){ 0x8f, 0xff, 0xff }), 3);
	/* Four bytes up to 2^28 - 1. */
	assert_int_equal(aml_pkglength(p, 0xffffd), 4);
	assert_memory_equal(p, ((uint8_t[]){ 0xc1, 0x00, 0x00, 0x01 }), 4);
	assert_int_equal(aml_pkglength(p, (1u << 28) - 5), 4);
	assert_memory_equal(p, ((uint8_t[]){ 0xcf, 0xff, 0xff, 0xff }), 4);
	assert_int_equal(aml_pkglength(p, (1u << 28) - 4), -EINVAL);
}

/* Scope (_SB) around body raw bytes: the PkgLength grows at the limits. */
static void scope_of(struct aml *a, size_t body)
{
	static const uint8_t filler[5000];

	aml_scope(a, "_SB");
	aml_put_bytes(a, filler, body);
	aml_end(a);
}

static void test_pkglength_in_place(void **state)
{
	struct aml *a;

	(void)state;
	a = fresh();
	scope_of(a, 58); /* name 4 + 58 = 62: total 63 */
	assert_int_equal(aml_finish(a), 0);
	assert_int_equal(a->len, 1 + 1 + 62);
	assert_memory_equal(buf, ((uint8_t[]){ 0x10, 0x3f, '_', 'S', 'B', '_', 0 }), 7);

	a = fresh();
	scope_of(a, 59); /* 63 of body: two bytes, total 65 */
	assert_int_equal(a->len, 1 + 2 + 63);
	assert_memory_equal(buf, ((uint8_t[]){ 0x10, 0x41, 0x04, '_', 'S', 'B', '_', 0 }), 8);

	a = fresh();
	scope_of(a, 4089); /* 4093 of body: total 4095 */
	assert_int_equal(a->len, 1 + 2 + 4093);
	assert_memory_equal(buf, ((uint8_t[]){ 0x10, 0x4f, 0xff, '_' }), 4);

	a = fresh();
	scope_of(a, 4090); /* 4094 of body: three bytes, total 4097 */
	assert_int_equal(a->len, 1 + 3 + 4094);
	assert_memory_equal(buf, ((uint8_t[]){ 0x10, 0x81, 0x00, 0x01, '_' }), 5);
}

static void test_nested_lengths(void **state)
{
	static const uint8_t filler[60];
	struct aml *a = fresh();

	(void)state;
	/* The inner scope's PkgLength pushes the outer one past 63. */
	aml_scope(a, "\\");
	aml_scope(a, "A");
	aml_put_bytes(a, filler, 56); /* inner body 60: one byte */
	aml_end(a);
	aml_end(a);
	assert_int_equal(aml_finish(a), 0);
	/* outer body: NullName path (2) + inner 1 + 1 + 60 = 64: two bytes */
	assert_int_equal(a->len, 1 + 2 + 64);
	assert_memory_equal(
		buf, ((uint8_t[]){ 0x10, 0x42, 0x04, 0x5c, 0x00, 0x10, 0x3d, 'A', '_', '_', '_' }),
		11);
}

static void test_integers(void **state)
{
	struct aml *a;

	(void)state;
	a = fresh();
	aml_integer(a, 0);
	aml_integer(a, 1);
	aml_integer(a, UINT64_MAX);
	aml_integer(a, 2);
	aml_integer(a, 0xff);
	EXPECT(a, 0x00, 0x01, 0xff, 0x0a, 0x02, 0x0a, 0xff);

	a = fresh();
	aml_integer(a, 0x100);
	aml_integer(a, 0xffff);
	aml_integer(a, 0x10000);
	aml_integer(a, 0xffffffff);
	EXPECT(a, 0x0b, 0x00, 0x01, 0x0b, 0xff, 0xff, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x0c, 0xff,
	       0xff, 0xff, 0xff);

	a = fresh();
	aml_integer(a, 0x100000000ULL);
	aml_integer(a, 0xfffffffffffffffeULL);
	EXPECT(a, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0xfe, 0xff, 0xff,
	       0xff, 0xff, 0xff, 0xff, 0xff);
}

static void test_strings_args_locals(void **state)
{
	struct aml *a = fresh();

	(void)state;
	aml_string(a, "ACPI0013");
	aml_string(a, "");
	aml_arg(a, 0);
	aml_arg(a, 6);
	aml_local(a, 0);
	aml_local(a, 7);
	EXPECT(a, 0x0d, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0x00, 0x0d, 0x00, 0x68, 0x6e, 0x60,
	       0x67);

	a = fresh();
	aml_arg(a, 7);
	assert_int_equal(aml_finish(a), -EINVAL);
	a = fresh();
	aml_local(a, 8);
	assert_int_equal(aml_finish(a), -EINVAL);
	a = fresh();
	aml_string(a, "caf\xc3\xa9");
	assert_int_equal(aml_finish(a), -EINVAL);
}

static void test_eisaid(void **state)
{
	uint32_t v = 0;
	struct aml *a;

	(void)state;
	assert_int_equal(aml_eisaid_value("PNP0A03", &v), 0);
	assert_int_equal(v, 0x030ad041);
	assert_int_equal(aml_eisaid_value("PNP0A08", &v), 0);
	assert_int_equal(v, 0x080ad041);
	assert_int_equal(aml_eisaid_value("PNP0501", &v), 0);
	assert_int_equal(v, 0x0105d041);
	assert_int_equal(aml_eisaid_value("PNP0C0C", &v), 0);
	assert_int_equal(v, 0x0c0cd041);
	assert_int_equal(aml_eisaid_value("PNP0B00", &v), 0);
	assert_int_equal(v, 0x000bd041);
	assert_int_equal(aml_eisaid_value("PNP0A0", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP0A033", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("pnp0A03", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP0A0G", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("P1P0A03", &v), -EINVAL);

	a = fresh();
	aml_eisaid(a, "PNP0A03");
	EXPECT(a, 0x0c, 0x41, 0xd0, 0x0a, 0x03);
	a = fresh();
	aml_eisaid(a, "XYZ");
	assert_int_equal(aml_finish(a), -EINVAL);
}

static void test_name_paths(void **state)
{
	struct aml *a;

	(void)state;
	a = fresh();
	aml_name_string(a, "_SB");
	aml_name_string(a, "\\_SB");
	aml_name_string(a, "^PWRB");
	aml_name_string(a, "^^A1");
	EXPECT(a, '_', 'S', 'B', '_', 0x5c, '_', 'S', 'B', '_', 0x5e, 'P', 'W', 'R', 'B', 0x5e,
	       0x5e, 'A', '1', '_', '_');

	a = fresh();
	aml_name_string(a, "\\_SB.PCI0");
	aml_name_string(a, "\\_SB.PCI0.COM1");
	EXPECT(a, 0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 0x5c, 0x2f, 0x03, '_', 'S',
	       'B', '_', 'P', 'C', 'I', '0', 'C', 'O', 'M', '1');

	/* Root alone and the empty path: NullName. */
	a = fresh();
	aml_name_string(a, "\\");
	aml_name_string(a, "");
	EXPECT(a, 0x5c, 0x00, 0x00);

	static const char *const bad[] = { "1ABC", "ABCDE", "A..B", "A.",   ".A",
					   "a",	   "\\\\A", "A-B",  "^\\A", "_SB.PCI0 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = fresh();
		aml_name_string(a, bad[i]);
		assert_int_equal(aml_finish(a), -EINVAL);
		assert_int_equal(a->len, 0); /* nothing written for a bad name */
	}
}

/* Device (COM1) { Name (_HID, EisaId ("PNP0501"))
 *   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
 *                                     IRQNoFlags () {4} }) } */
static void test_device(void **state)
{
	struct aml *a = fresh();

	(void)state;
	aml_device(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_CRS");
	aml_resource_template(a);
	aml_res_io(a, 0x3f8, 0x3f8, 1, 8);
	aml_res_irq_noflags(a, 4);
	aml_end(a);
	aml_end(a);
	EXPECT(a, 0x5b, 0x82, 0x25, 0x43, 0x4f, 0x4d, 0x31, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c,
	       0x41, 0xd0, 0x05, 0x01, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x10, 0x0a, 0x0d, 0x47,
	       0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00);
}

/* If ((Arg0 == 0x03)) { Notify (\_SB.PWRB, 0x80) } */
static void if_arg0_notify(struct aml *a)
{
	aml_if(a);
	aml_lequal(a);
	aml_arg(a, 0);
	aml_integer(a, 3);
	aml_notify(a);
	aml_name_string(a, "\\_SB.PWRB");
	aml_integer(a, 0x80);
	aml_end(a);
}

/* Method (EVT1, 1, Serialized) { If ((Arg0 == 0x03)) { Notify (\_SB.PWRB, 0x80) }
 *                                Else { Return (Arg0) } } */
static void test_method(void **state)
{
	struct aml *a = fresh();

	(void)state;
	aml_method(a, "EVT1", 1, true);
	if_arg0_notify(a);
	aml_else(a);
	aml_return(a);
	aml_arg(a, 0);
	aml_end(a);
	aml_end(a);
	EXPECT(a, 0x14, 0x1d, 0x45, 0x56, 0x54, 0x31, 0x09, 0xa0, 0x12, 0x93, 0x68, 0x0a, 0x03,
	       0x86, 0x5c, 0x2e, 0x5f, 0x53, 0x42, 0x5f, 0x50, 0x57, 0x52, 0x42, 0x0a, 0x80, 0xa1,
	       0x03, 0xa4, 0x68);

	/* Method (M0) {}: not serialized, no arguments. */
	a = fresh();
	aml_method(a, "M0", 0, false);
	aml_end(a);
	EXPECT(a, 0x14, 0x06, 'M', '0', '_', '_', 0x00);
	a = fresh();
	aml_method(a, "M0", 8, false);
	aml_end(a);
	assert_int_equal(aml_finish(a), -EINVAL);
}

/* Name (RES, ResourceTemplate () {
 *   WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0xFF, 0, 0x100,,,)
 *   WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
 *           0, 0x0D00, 0xFFFF, 0, 0xF300,,,, TypeStatic, DenseTranslation)
 *   DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
 *                0, 0xC0000000, 0xFEBFFFFF, 0, 0x3EC00000,,,, AddressRangeMemory, TypeStatic)
 *   QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Prefetchable, ReadOnly,
 *                0, 0x100000000, 0x1FFFFFFFF, 0, 0x100000000,,,, AddressRangeMemory, TypeStatic)
 *   Interrupt (ResourceConsumer, Level, ActiveLow, Shared) {23} }) */
static void test_resources(void **state)
{
	struct aml *a = fresh();

	(void)state;
	aml_name(a, "RES");
	aml_resource_template(a);
	aml_res_word_bus_number(a, 0, 0xff);
	aml_res_word_io(a, 0xd00, 0xffff);
	aml_res_dword_memory(a, AML_MEM_NONCACHEABLE | AML_MEM_RW, 0xc0000000, 0xfebfffff);
	aml_res_qword_memory(a, AML_MEM_PREFETCHABLE, 0x100000000ULL, 0x1ffffffffULL);
	aml_res_interrupt(a, AML_INT_CONSUMER | AML_INT_ACTIVE_LOW | AML_INT_SHARED, 23);
	aml_end(a);
	EXPECT(a, 0x08, 0x52, 0x45, 0x53, 0x5f, 0x11, 0x47, 0x07, 0x0a, 0x73, 0x88, 0x0d, 0x00,
	       0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88,
	       0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00,
	       0xf3, 0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	       0xc0, 0xff, 0xff, 0xbf, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x3e, 0x8a,
	       0x2b, 0x00, 0x00, 0x0c, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	       0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00,
	       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	       0x00, 0x00, 0x00, 0x89, 0x06, 0x00, 0x0d, 0x01, 0x17, 0x00, 0x00, 0x00, 0x79, 0x00);
}

static void test_bad_resources(void **state)
{
	struct aml *a;

	(void)state;
	a = fresh();
	aml_res_irq_noflags(a, 16);
	assert_int_equal(aml_finish(a), -EINVAL);
	a = fresh();
	aml_res_io(a, 0x10, 0x0f, 1, 1);
	assert_int_equal(aml_finish(a), -EINVAL);
	/* A 64 KiB length does not fit a Word descriptor. */
	a = fresh();
	aml_res_word_io(a, 0, 0xffff);
	assert_int_equal(aml_finish(a), -EINVAL);
	a = fresh();
	aml_res_qword_memory(a, AML_MEM_RW, 0, UINT64_MAX);
	assert_int_equal(aml_finish(a), -EINVAL);
	a = fresh();
	aml_res_interrupt(a, 0x20, 5);
	assert_int_equal(aml_finish(a), -EINVAL);
}

/* Package (2) { Package (1) { One }, Buffer () { 1, 2, 3 } }, Buffer () {} */
static void test_package_and_buffer(void **state)
{
	struct aml *a = fresh();

	(void)state;
	aml_package(a, 2);
	aml_package(a, 1);
	aml_integer(a, 1);
	aml_end(a);
	aml_buffer(a);
	aml_put_bytes(a, "\x01\x02\x03", 3);
	aml_end(a);
	aml_end(a);
	aml_buffer(a);
	aml_end(a);
	EXPECT(a, 0x12, 0x0d, 0x02, 0x12, 0x03, 0x01, 0x01, 0x11, 0x06, 0x0a, 0x03, 0x01, 0x02,
	       0x03, 0x11, 0x02, 0x00);

	a = fresh();
	aml_package(a, 256);
	aml_end(a);
	assert_int_equal(aml_finish(a), -EINVAL);
}

static void test_balance_errors(void **state)
{
	struct aml *a;

	(void)state;
	a = fresh();
	aml_end(a);
	assert_int_equal(aml_finish(a), -EINVAL);
	a = fresh();
	aml_scope(a, "_SB");
	assert_int_equal(aml_finish(a), -EINVAL); /* never closed */
	a = fresh();
	for (unsigned i = 0; i <= AML_MAX_DEPTH; i++)
		aml_scope(a, "A");
	assert_int_equal(aml_finish(a), -EINVAL);
	/* Else only right after an If. */
	a = fresh();
	aml_else(a);
	assert_int_equal(aml_finish(a), -EINVAL);
	a = fresh();
	aml_if(a);
	aml_integer(a, 1);
	aml_end(a);
	aml_integer(a, 1);
	aml_else(a);
	assert_int_equal(aml_finish(a), -EINVAL);
	/* The first error sticks. */
	a = fresh();
	aml_arg(a, 9);
	aml_end(a);
	assert_int_equal(aml_finish(a), -EINVAL);
}

static void build_sample(struct aml *a)
{
	aml_scope(a, "\\_SB");
	aml_device(a, "DEV0");
	aml_name(a, "_HID");
	aml_string(a, "ACPI0013");
	aml_name(a, "_CRS");
	aml_resource_template(a);
	aml_res_interrupt(a, AML_INT_CONSUMER | AML_INT_EDGE, 3);
	aml_end(a);
	aml_method(a, "_EVT", 1, true);
	if_arg0_notify(a);
	aml_end(a);
	aml_end(a);
	aml_end(a);
}

/* At every capacity below what the sample needs: -ENOSPC and no byte
 * written at or past the capacity. */
static void test_overflow(void **state)
{
	static uint8_t out[256];
	struct aml a;
	size_t need;

	(void)state;
	aml_init(&a, out, sizeof(out));
	build_sample(&a);
	assert_int_equal(aml_finish(&a), 0);
	need = a.len;
	assert_true(need < sizeof(out));
	for (size_t cap = 0; cap < need; cap++) {
		memset(out, 0xa5, sizeof(out));
		aml_init(&a, out, cap);
		build_sample(&a);
		assert_int_equal(aml_finish(&a), -ENOSPC);
		assert_true(a.len <= cap);
		for (size_t i = cap; i < sizeof(out); i++)
			assert_int_equal(out[i], 0xa5);
	}
	aml_init(&a, NULL, 100);
	aml_integer(&a, 5);
	assert_int_equal(aml_finish(&a), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkglength),
		cmocka_unit_test(test_pkglength_in_place),
		cmocka_unit_test(test_nested_lengths),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_strings_args_locals),
		cmocka_unit_test(test_eisaid),
		cmocka_unit_test(test_name_paths),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_bad_resources),
		cmocka_unit_test(test_package_and_buffer),
		cmocka_unit_test(test_balance_errors),
		cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
