#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/snapshot_file.h"

static const struct snap_host intel = {
	.kvm_api_version = 12,
	.cpu_vendor = { 'G', 'e', 'n', 'u', 'i', 'n', 'e', 'I', 'n', 't', 'e', 'l' },
	.cpu_family = 6,
	.cpu_model = 85,
	.cpu_stepping = 7,
};

/* One section of the sample file: a payload of len bytes, each seed + i. */
struct sample {
	uint32_t tag, instance;
	size_t len;
	uint8_t seed;
};

static const struct sample samples[] = {
	{ SNAP_VCPU_REGS, 0, 144, 1 },	   { SNAP_VCPU_REGS, 1, 144, 2 },
	{ SNAP_VCPU_SREGS, 0, 312, 3 },	   { SNAP_VCPU_SREGS, 1, 312, 4 },
	{ SNAP_VCPU_XSAVE, 0, 4096, 5 },   { SNAP_VM_IRQCHIP, 0, 13, 6 },
	{ SNAP_VM_IRQCHIP, 1, 13, 7 },	   { SNAP_VM_IRQCHIP, 2, 1, 8 },
	{ SNAP_VM_CONFIG, 0, 0, 9 },	   { SNAP_DEV_VIRTIO_BLK, 3, 77, 10 },
	{ SNAP_MEMORY_LAYOUT, 0, 24, 11 },
};

#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i);
}

static void put_sample(struct snap_writer *w, const struct sample *s)
{
	uint8_t data[4096];

	assert_true(s->len <= sizeof(data));
	fill(data, s->len, s->seed);
	assert_int_equal(snap_put(w, s->tag, s->instance, data, s->len), 0);
}

/* The sample file, written for intel; free() it. */
static uint8_t *sample_file(size_t *len)
{
	struct snap_writer w;
	uint8_t *buf;

	snap_writer_init(&w, &intel);
	for (size_t i = 0; i < N_SAMPLES; i++)
		put_sample(&w, &samples[i]);
	assert_int_equal(snap_writer_finish(&w, &buf, len), 0);
	snap_writer_free(&w);
	return buf;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void set32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void set64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Recompute the CRC after an edit, so the checks behind it are reached. */
static void fix_crc(uint8_t *buf, size_t len)
{
	set32(buf + SNAP_OFF_CRC, 0);
	set32(buf + SNAP_OFF_CRC, snap_crc32c(buf, len));
}

static int parse(const uint8_t *buf, size_t len, struct err *e)
{
	static struct snap_index idx;

	err_clear(e);
	return snap_parse(buf, len, &intel, &idx, e);
}

/* Refused with -EINVAL, a message that contains want, and an empty index. */
static void assert_refused(const uint8_t *buf, size_t len, const struct snap_host *host,
			   const char *want)
{
	struct snap_index *idx = malloc(sizeof(*idx));
	struct err e = { 0 };

	assert_non_null(idx);
	idx->count = 99;
	assert_int_equal(snap_parse(buf, len, host, idx, &e), -EINVAL);
	assert_int_equal(e.code, EINVAL);
	assert_int_equal(idx->count, 0);
	if (!strstr(e.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
	assert_null(strchr(e.msg, '\n'));
	assert_null(strstr(e.msg, "snapshot:"));
	free(idx);
}

/* Where section i's header starts. */
static size_t section_header(const struct snap_index *idx, uint32_t i)
{
	return idx->sec[i].offset - SNAP_SEC_HDR_SIZE;
}

static uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0u;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return ~crc;
}

static void test_crc32c(void **state)
{
	uint8_t buf[1000];

	(void)state;
	assert_int_equal(snap_crc32c("123456789", 9), 0xE3069283u);
	assert_int_equal(snap_crc32c("", 0), 0);
	/* Each table entry, through the CRC of its byte alone. */
	for (unsigned b = 0; b < 256; b++) {
		uint8_t byte = (uint8_t)b;

		assert_int_equal(snap_crc32c(&byte, 1), crc32c_bitwise(&byte, 1));
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7919 >> 3);
	assert_int_equal(snap_crc32c(buf, sizeof(buf)), crc32c_bitwise(buf, sizeof(buf)));
}

static void test_round_trip(void **state)
{
	static struct snap_index idx;
	struct err e = { 0 };
	size_t len, want_len = SNAP_HDR_SIZE;
	uint8_t *buf = sample_file(&len);

	(void)state;
	for (size_t i = 0; i < N_SAMPLES; i++)
		want_len += SNAP_SEC_HDR_SIZE + ((samples[i].len + 7) & ~(size_t)7);
	assert_int_equal(len, want_len);
	assert_memory_equal(buf, "MVMSNAP\0", 8);
	assert_int_equal(get32(buf + SNAP_OFF_VERSION), 1);
	assert_int_equal(get32(buf + SNAP_OFF_COUNT), N_SAMPLES);

	assert_int_equal(snap_parse(buf, len, &intel, &idx, &e), 0);
	assert_int_equal(idx.count, N_SAMPLES);
	for (size_t i = 0; i < N_SAMPLES; i++) {
		const struct sample *s = &samples[i];
		uint8_t want[4096];
		const void *data;
		size_t n;

		assert_int_equal(idx.sec[i].tag, s->tag);
		assert_int_equal(idx.sec[i].instance, s->instance);
		assert_int_equal(idx.sec[i].offset % 8, 0);
		assert_int_equal(snap_find(&idx, s->tag, s->instance, &data, &n), 0);
		assert_int_equal(n, s->len);
		assert_ptr_equal(data, buf + idx.sec[i].offset);
		fill(want, s->len, s->seed);
		if (n)
			assert_memory_equal(data, want, n);
	}
	free(buf);
}

static void test_empty_file(void **state)
{
	static struct snap_index idx;
	struct snap_writer w;
	struct err e = { 0 };
	const void *data;
	uint8_t *buf;
	size_t len, n;

	(void)state;
	snap_writer_init(&w, &intel);
	assert_int_equal(snap_writer_finish(&w, &buf, &len), 0);
	assert_int_equal(len, SNAP_HDR_SIZE);
	assert_int_equal(snap_parse(buf, len, &intel, &idx, &e), 0);
	assert_int_equal(idx.count, 0);
	assert_int_equal(snap_find(&idx, SNAP_VCPU_REGS, 0, &data, &n), -ENOENT);
	free(buf);
}

static void test_every_prefix_truncated(void **state)
{
	char want[64];
	size_t len;
	uint8_t *buf = sample_file(&len);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		/* A copy of exactly n bytes, so ASan sees any read past them. */
		uint8_t *prefix = malloc(n ? n : 1);

		assert_non_null(prefix);
		memcpy(prefix, buf, n);
		if (n >= SNAP_HDR_SIZE)
			snprintf(want, sizeof(want), "truncated: %zu of %zu bytes", n, len);
		else
			snprintf(want, sizeof(want), "truncated: %zu bytes, shorter than", n);
		assert_refused(prefix, n, &intel, want);
		free(prefix);
	}
	assert_refused(NULL, 0, &intel, "truncated");
	free(buf);
}

static void test_trailing_bytes(void **state)
{
	size_t len;
	uint8_t *buf = sample_file(&len), *longer = calloc(1, len + 8);

	(void)state;
	assert_non_null(longer);
	memcpy(longer, buf, len);
	assert_refused(longer, len + 1, &intel, "trailing data");
	assert_refused(longer, len + 8, &intel, "trailing data");
	free(longer);
	free(buf);
}

static void test_every_byte_flip(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x10, 0x80, 0xff };
	struct err e;
	size_t len;
	uint8_t *buf = sample_file(&len);

	(void)state;
	for (size_t off = 0; off < len; off++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			buf[off] ^= masks[m];
			if (parse(buf, len, &e) != -EINVAL)
				fail_msg("flip 0x%02x at %zu accepted", masks[m], off);
			buf[off] ^= masks[m];
		}
	}
	assert_int_equal(parse(buf, len, &e), 0);
	/* A flip in the payload is seen by the checksum alone. */
	buf[len - 20] ^= 1;
	assert_refused(buf, len, &intel, "corrupted: checksum mismatch");
	free(buf);
}

static void test_bad_magic(void **state)
{
	size_t len;
	uint8_t *buf = sample_file(&len);

	(void)state;
	buf[0] = 'X';
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "not a minivmm state file (bad magic)");
	assert_refused(buf, 3, &intel, "bad magic");
	buf[0] = 'M';
	buf[7] = '!';
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "bad magic");
	assert_refused((const uint8_t *)"\x7f"
					"ELF",
		       4, &intel, "bad magic");
	free(buf);
}

static void test_versions(void **state)
{
	size_t len;
	uint8_t *buf = sample_file(&len);

	(void)state;
	set32(buf + SNAP_OFF_VERSION, 0);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "snapshot format version 0, this minivmm reads 1");
	set32(buf + SNAP_OFF_VERSION, 2);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "snapshot format version 2, this minivmm reads 1");
	/* Named as another version however short or long its header. */
	assert_refused(buf, 12, &intel, "snapshot format version 2, this minivmm reads 1");
	set32(buf + SNAP_OFF_HDR_SIZE, 128);
	assert_refused(buf, len, &intel, "snapshot format version 2, this minivmm reads 1");
	free(buf);
}

static void test_bad_header_fields(void **state)
{
	size_t len;
	uint8_t *buf = sample_file(&len);

	(void)state;
	set32(buf + SNAP_OFF_HDR_SIZE, 72);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "header size 72, format version 1 has 64");
	set32(buf + SNAP_OFF_HDR_SIZE, SNAP_HDR_SIZE);

	set32(buf + SNAP_OFF_FLAGS, 4);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "unknown flags 0x4");
	set32(buf + SNAP_OFF_FLAGS, 0);

	set64(buf + SNAP_OFF_FILE_LEN, UINT64_MAX);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "bad file length 18446744073709551615");
	set64(buf + SNAP_OFF_FILE_LEN, 10);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "bad file length 10");
	free(buf);
}

static void check_foreign(const struct snap_host *other)
{
	size_t len;
	uint8_t *buf = sample_file(&len);

	assert_refused(
		buf, len, other,
		"taken on another host (GenuineIntel family 6 model 85 stepping 7, KVM API 12; this host: ");
	assert_refused(buf, len, other, "): restore it where it was taken");
	free(buf);
}

static void test_foreign_host(void **state)
{
	struct snap_host h;

	(void)state;
	h = intel;
	memcpy(h.cpu_vendor, "AuthenticAMD", SNAP_VENDOR_LEN);
	check_foreign(&h);
	h = intel;
	h.cpu_family = 25;
	check_foreign(&h);
	h = intel;
	h.cpu_model = 106;
	check_foreign(&h);
	h = intel;
	h.cpu_stepping = 6;
	check_foreign(&h);
	h = intel;
	h.kvm_api_version = 13;
	check_foreign(&h);

	/* Both hosts are named; unprintable vendor bytes show as '?'. */
	h = intel;
	memcpy(h.cpu_vendor, "Auth\nnticAMD", SNAP_VENDOR_LEN);
	h.cpu_family = 25;
	{
		size_t len;
		uint8_t *buf = sample_file(&len);

		assert_refused(
			buf, len, &h,
			"this host: Auth?nticAMD family 25 model 85 stepping 7, KVM API 12)");
		free(buf);
	}
}

/* The sample file parsed, for the offsets of its sections. */
static uint8_t *indexed_sample(size_t *len, struct snap_index *idx)
{
	struct err e = { 0 };
	uint8_t *buf = sample_file(len);

	assert_int_equal(snap_parse(buf, *len, &intel, idx, &e), 0);
	return buf;
}

static void test_unknown_tag(void **state)
{
	static struct snap_index idx;
	size_t len, sh;
	uint8_t *buf = indexed_sample(&len, &idx);

	(void)state;
	sh = section_header(&idx, 3);
	set32(buf + sh, 0x0999);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "section 3: unknown tag 0x999");
	set32(buf + sh, 0);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "section 3: unknown tag 0x0");
	free(buf);
}

static void test_duplicate_section(void **state)
{
	static struct snap_index idx;
	struct snap_writer w;
	uint8_t data[8] = { 0 };
	size_t len;
	uint8_t *buf;

	(void)state;
	snap_writer_init(&w, &intel);
	assert_int_equal(snap_put(&w, SNAP_VCPU_REGS, 0, data, 8), 0);
	assert_int_equal(snap_put(&w, SNAP_VCPU_REGS, 1, data, 8), 0);
	assert_int_equal(snap_put(&w, SNAP_VCPU_REGS, 0, data, 4), -EEXIST);
	assert_int_equal(snap_put(&w, SNAP_VCPU_SREGS, 0, data, 8), 0);
	snap_writer_free(&w);

	buf = indexed_sample(&len, &idx);
	set32(buf + section_header(&idx, 1) + 4, 0); /* VCPU_REGS/1 -> /0 */
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "section 1: a second VCPU_REGS/0 section");
	free(buf);
}

static void test_section_length(void **state)
{
	static struct snap_index idx;
	size_t len, sh;
	uint8_t *buf = indexed_sample(&len, &idx);

	(void)state;
	sh = section_header(&idx, 0);
	set64(buf + sh + 8, UINT64_MAX);
	fix_crc(buf, len);
	assert_refused(
		buf, len, &intel,
		"section 0 (VCPU_REGS/0): length 18446744073709551615 above the 16777216-byte limit");
	set64(buf + sh + 8, UINT64_MAX - 7); /* would wrap to 0 when padded */
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "above the 16777216-byte limit");
	set64(buf + sh + 8, SNAP_MAX_SECTION);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel,
		       "section 0 (VCPU_REGS/0): 16777216 bytes run past the end of the file");

	/* The last section one byte too long, or ending early. */
	set64(buf + sh + 8, 144);
	sh = section_header(&idx, N_SAMPLES - 1);
	set64(buf + sh + 8, 25);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel,
		       "section 10 (MEMORY_LAYOUT/0): 25 bytes run past the end of the file");
	set64(buf + sh + 8, 16);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "8 bytes after the last of 11 sections");
	free(buf);
}

static void test_nonzero_padding(void **state)
{
	static struct snap_index idx;
	size_t len;
	uint8_t *buf = indexed_sample(&len, &idx);

	(void)state;
	/* VM_IRQCHIP/0 has 13 bytes and 3 of padding. */
	assert_int_equal(idx.sec[5].len, 13);
	buf[idx.sec[5].offset + 15] = 1;
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "section 5 (VM_IRQCHIP/0): nonzero padding");
	free(buf);
}

static void test_section_count(void **state)
{
	size_t len;
	uint8_t *buf = sample_file(&len);

	(void)state;
	set32(buf + SNAP_OFF_COUNT, N_SAMPLES + 1);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "the header lists 12 sections, the file ends after 11");
	set32(buf + SNAP_OFF_COUNT, N_SAMPLES - 1);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "40 bytes after the last of 10 sections");
	set32(buf + SNAP_OFF_COUNT, 0);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "after the last of 0 sections");
	/* A section header cut short by the end of the file. */
	set32(buf + SNAP_OFF_COUNT, N_SAMPLES);
	set64(buf + SNAP_OFF_FILE_LEN, len - 40 + 8);
	fix_crc(buf, len - 40 + 8);
	assert_refused(buf, len - 40 + 8, &intel,
		       "section 10: header runs past the end of the file");
	free(buf);
}

static void test_too_many_sections(void **state)
{
	static struct snap_index idx;
	struct snap_writer w;
	struct err e = { 0 };
	uint8_t byte = 0x5a, *buf;
	const void *data;
	size_t len, n;

	(void)state;
	snap_writer_init(&w, &intel);
	for (uint32_t i = 0; i < SNAP_MAX_SECTIONS; i++)
		assert_int_equal(snap_put(&w, SNAP_DEV_PCI, i, &byte, 1), 0);
	assert_int_equal(snap_put(&w, SNAP_DEV_PCI, SNAP_MAX_SECTIONS, &byte, 1), -EOVERFLOW);
	assert_int_equal(snap_writer_finish(&w, &buf, &len), 0);
	assert_int_equal(snap_parse(buf, len, &intel, &idx, &e), 0);
	assert_int_equal(idx.count, SNAP_MAX_SECTIONS);
	assert_int_equal(snap_find(&idx, SNAP_DEV_PCI, 511, &data, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(*(const uint8_t *)data, 0x5a);

	/* One more, written by hand. */
	buf = realloc(buf, len + 24);
	assert_non_null(buf);
	memset(buf + len, 0, 24);
	set32(buf + len, SNAP_DEV_PCI);
	set32(buf + len + 4, SNAP_MAX_SECTIONS);
	set64(buf + len + 8, 1);
	len += 24;
	set32(buf + SNAP_OFF_COUNT, SNAP_MAX_SECTIONS + 1);
	set64(buf + SNAP_OFF_FILE_LEN, len);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "513 sections, more than the 512 this minivmm reads");
	set32(buf + SNAP_OFF_COUNT, UINT32_MAX);
	fix_crc(buf, len);
	assert_refused(buf, len, &intel, "4294967295 sections, more than the 512");
	free(buf);
}

static void test_writer_limits(void **state)
{
	static struct snap_index idx;
	struct snap_writer w;
	struct err e = { 0 };
	uint8_t *big = calloc(1, SNAP_MAX_SECTION), *buf;
	size_t len;

	(void)state;
	assert_non_null(big);
	snap_writer_init(&w, &intel);
	assert_int_equal(snap_put(&w, SNAP_VCPU_XSAVE, 0, big, SNAP_MAX_SECTION + 1), -EOVERFLOW);
	assert_int_equal(snap_put(&w, SNAP_VCPU_XSAVE, 0, big, SIZE_MAX), -EOVERFLOW);
	assert_int_equal(snap_put(&w, 0x0999, 0, big, 1), -EINVAL);
	assert_int_equal(snap_put(&w, 0, 0, big, 1), -EINVAL);
	assert_int_equal(snap_put(&w, SNAP_VCPU_XSAVE, 0, NULL, 1), -EINVAL);
	assert_int_equal(w.count, 0);

	/* Fifteen sections of the largest size fit; a sixteenth would pass
	 * the file limit, and leaves the file as it was. */
	for (uint32_t i = 0; i < 15; i++)
		assert_int_equal(snap_put(&w, SNAP_VCPU_XSAVE, i, big, SNAP_MAX_SECTION), 0);
	assert_int_equal(snap_put(&w, SNAP_VCPU_XSAVE, 15, big, SNAP_MAX_SECTION), -EOVERFLOW);
	assert_int_equal(snap_put(&w, SNAP_VCPU_XSAVE, 15, big, SNAP_MAX_SECTION - 4096), 0);
	assert_int_equal(snap_put(&w, SNAP_VCPU_XSAVE, 16, big, 4096), -EOVERFLOW);
	assert_int_equal(snap_writer_finish(&w, &buf, &len), 0);
	assert_true(len <= SNAP_MAX_FILE);
	assert_int_equal(snap_parse(buf, len, &intel, &idx, &e), 0);
	assert_int_equal(idx.count, 16);
	free(buf);
	free(big);
	snap_writer_free(&w);
}

static void test_writer_free(void **state)
{
	struct snap_writer w;
	uint8_t data[100] = { 0 };

	(void)state;
	snap_writer_init(&w, &intel);
	assert_int_equal(snap_put(&w, SNAP_DEV_SERIAL, 0, data, sizeof(data)), 0);
	assert_int_equal(snap_put(&w, SNAP_DEV_SERIAL, 1, NULL, 0), 0);
	snap_writer_free(&w);
	assert_null(w.buf);
	assert_int_equal(w.count, 0);
	snap_writer_free(&w);
}

static void test_get_exact(void **state)
{
	static struct snap_index idx;
	struct err e = { 0 };
	uint8_t regs[144], want[144], small[8];
	size_t len;
	uint8_t *buf = indexed_sample(&len, &idx);

	(void)state;
	assert_int_equal(snap_get_exact(&idx, SNAP_VCPU_REGS, 1, regs, sizeof(regs), &e), 0);
	fill(want, sizeof(want), 2);
	assert_memory_equal(regs, want, sizeof(regs));
	assert_int_equal(snap_get_exact(&idx, SNAP_VM_CONFIG, 0, NULL, 0, &e), 0);

	memset(small, 0xee, sizeof(small));
	assert_int_equal(snap_get_exact(&idx, SNAP_VCPU_REGS, 0, small, sizeof(small), &e),
			 -EINVAL);
	assert_string_equal(e.msg, "section VCPU_REGS/0 has 144 bytes, want 8");
	assert_int_equal(small[0], 0xee); /* untouched */

	assert_int_equal(snap_get_exact(&idx, SNAP_VM_PIT, 0, small, sizeof(small), &e), -ENOENT);
	assert_int_equal(e.code, ENOENT);
	assert_string_equal(e.msg, "no VM_PIT/0 section");
	assert_int_equal(snap_get_exact(&idx, SNAP_VCPU_REGS, 2, regs, sizeof(regs), &e), -ENOENT);
	assert_string_equal(e.msg, "no VCPU_REGS/2 section");
	free(buf);
}

static void test_tag_names(void **state)
{
	(void)state;
	assert_string_equal(snap_tag_name(SNAP_VCPU_REGS), "VCPU_REGS");
	assert_string_equal(snap_tag_name(SNAP_VCPU_DEBUGREGS), "VCPU_DEBUGREGS");
	assert_string_equal(snap_tag_name(SNAP_MEMORY_LAYOUT), "MEMORY_LAYOUT");
	assert_string_equal(snap_tag_name(SNAP_DEV_VIRTIO_NET), "DEV_VIRTIO_NET");
	assert_string_equal(snap_tag_name(0), "unknown");
	assert_string_equal(snap_tag_name(0x0999), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_every_prefix_truncated),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_every_byte_flip),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_bad_header_fields),
		cmocka_unit_test(test_foreign_host),
		cmocka_unit_test(test_unknown_tag),
		cmocka_unit_test(test_duplicate_section),
		cmocka_unit_test(test_section_length),
		cmocka_unit_test(test_nonzero_padding),
		cmocka_unit_test(test_section_count),
		cmocka_unit_test(test_too_many_sections),
		cmocka_unit_test(test_writer_limits),
		cmocka_unit_test(test_writer_free),
		cmocka_unit_test(test_get_exact),
		cmocka_unit_test(test_tag_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
