/* libFuzzer target: the snapshot state file reader (vmm/snapshot_file.c).
 * Each input is parsed as a state file as it is; it also chooses sections
 * for the writer, whose file must parse back to exactly those sections, and
 * then edits that file (byte XORs, a new length) and parses the result
 * twice: as edited, and with its length field and CRC fixed up, so that the
 * checks behind the checksum see crafted sections. Beyond no crash or
 * sanitizer report: an accepted file whose index breaks snapshot_file.h's
 * promises (sections inside the buffer, past the header, 8-byte aligned,
 * known tags, no duplicate, as many as the header says, each found by
 * snap_find) or a refusal that is not -EINVAL with one line of text and an
 * empty index. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/snapshot_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct snap_host host = {
	.kvm_api_version = 12,
	.cpu_vendor = { 'G', 'e', 'n', 'u', 'i', 'n', 'e', 'I', 'n', 't', 'e', 'l' },
	.cpu_family = 6,
	.cpu_model = 85,
	.cpu_stepping = 7,
};

/* What the writer is given; a zero tag is the one it must refuse. */
static const uint32_t tags[] = {
	SNAP_VCPU_REGS,	 SNAP_VCPU_SREGS,     SNAP_VCPU_XSAVE,	   SNAP_VCPU_MSRS,
	SNAP_VCPU_LAPIC, SNAP_VM_IRQCHIP,     SNAP_VM_CLOCK,	   SNAP_MEMORY_LAYOUT,
	SNAP_DEV_SERIAL, SNAP_DEV_VIRTIO_PCI, SNAP_DEV_VIRTIO_NET, 0,
};

#define N_TAGS	    (sizeof(tags) / sizeof(tags[0]))
#define MAX_CHOSEN  32
#define MAX_PAYLOAD 1024

struct chosen {
	uint32_t tag, instance;
	size_t len;
	uint8_t seed;
};

static struct snap_index idx;

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

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 31);
}

static void check_index(const uint8_t *buf, size_t len)
{
	if (idx.base != buf || len < SNAP_HDR_SIZE || idx.count > SNAP_MAX_SECTIONS ||
	    idx.count != get32(buf + SNAP_OFF_COUNT))
		abort();
	for (uint32_t i = 0; i < idx.count; i++) {
		const struct snap_section *s = &idx.sec[i];
		const void *found;
		size_t n;

		if (s->offset < SNAP_HDR_SIZE + SNAP_SEC_HDR_SIZE || s->offset % 8 ||
		    s->offset > len || s->len > len - s->offset || s->len > SNAP_MAX_SECTION)
			abort();
		if (strcmp(snap_tag_name(s->tag), "unknown") == 0)
			abort();
		for (uint32_t j = 0; j < i; j++)
			if (idx.sec[j].tag == s->tag && idx.sec[j].instance == s->instance)
				abort();
		if (snap_find(&idx, s->tag, s->instance, &found, &n) != 0 ||
		    found != buf + s->offset || n != s->len)
			abort();
	}
}

/* Parse len bytes, from an allocation of exactly that size so that ASan
 * catches any read past them; check the promises either way. */
static int parse_checked(const uint8_t *bytes, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	struct err e = { 0 };
	int rc;

	if (!buf)
		abort();
	memcpy(buf, bytes, len);
	idx.count = 12345;
	rc = snap_parse(buf, len, &host, &idx, &e);
	if (rc == 0) {
		check_index(buf, len);
	} else if (rc != -EINVAL || e.code != EINVAL || idx.count != 0 || !e.msg[0] ||
		   strchr(e.msg, '\n')) {
		abort();
	}
	free(buf);
	return rc;
}

/* Sections chosen by 4 bytes each: tag, instance, length (2 bytes).
 * Returns how many input bytes were used. */
static size_t write_chosen(const uint8_t *data, size_t size, struct chosen *ok, size_t *n_ok,
			   uint8_t **file, size_t *file_len)
{
	uint8_t payload[MAX_PAYLOAD];
	struct snap_writer w;
	size_t used = 1, want = size ? data[0] % MAX_CHOSEN : 0;

	*n_ok = 0;
	snap_writer_init(&w, &host);
	for (size_t i = 0; i < want && used + 4 <= size; i++, used += 4) {
		const uint8_t *c = data + used;
		struct chosen s = {
			.tag = tags[c[0] % N_TAGS],
			.instance = c[1] & 7, /* small, so duplicates are common */
			.len = (size_t)(c[2] | c[3] << 8) % MAX_PAYLOAD,
			.seed = c[0] ^ c[1],
		};
		bool dup = false;
		int rc;

		for (size_t j = 0; j < *n_ok; j++)
			dup |= ok[j].tag == s.tag && ok[j].instance == s.instance;
		fill(payload, s.len, s.seed);
		rc = snap_put(&w, s.tag, s.instance, payload, s.len);
		if (rc != (!s.tag ? -EINVAL : dup ? -EEXIST : 0))
			abort();
		if (rc == 0)
			ok[(*n_ok)++] = s;
	}
	if (snap_writer_finish(&w, file, file_len) != 0)
		abort();
	snap_writer_free(&w);
	return used < size ? used : size;
}

/* A file the writer made parses to exactly its sections, in order. */
static void check_round_trip(const uint8_t *file, size_t len, const struct chosen *ok, size_t n)
{
	uint8_t want[MAX_PAYLOAD];
	struct err e = { 0 };

	if (snap_parse(file, len, &host, &idx, &e) != 0 || idx.count != n)
		abort();
	check_index(file, len);
	for (size_t i = 0; i < n; i++) {
		const struct snap_section *s = &idx.sec[i];

		fill(want, ok[i].len, ok[i].seed);
		if (s->tag != ok[i].tag || s->instance != ok[i].instance || s->len != ok[i].len ||
		    memcmp(file + s->offset, want, s->len) != 0)
			abort();
		if (s->len &&
		    snap_get_exact(&idx, s->tag, s->instance, want, s->len - 1, &e) != -EINVAL)
			abort();
	}
}

/* Edit a copy of the file as the rest of the input says: its first byte
 * moves the end (cut, or extend with zeros, by up to 128 bytes), then each
 * 3 bytes XOR one byte (a 16-bit position, a mask). Parsed as it is, then
 * with the CRC fixed up, and the length field too when ops[1] is odd. */
static void mutate_and_parse(const uint8_t *file, size_t len, const uint8_t *ops, size_t n_ops)
{
	size_t new_len = len, cap;
	uint8_t *buf;
	int delta = n_ops >= 1 ? (int8_t)ops[0] : 0;

	if (delta < 0 && (size_t)-delta > len)
		new_len = 0;
	else
		new_len = (size_t)((long)len + delta);
	cap = (new_len > len ? new_len : len) + 1;
	buf = calloc(1, cap);
	if (!buf)
		abort();
	memcpy(buf, file, len);
	for (size_t i = 1; i + 2 < n_ops; i += 3) {
		size_t at = (size_t)(ops[i] | ops[i + 1] << 8);

		if (new_len)
			buf[at % new_len] ^= ops[i + 2];
	}
	(void)parse_checked(buf, new_len);
	if (new_len >= SNAP_HDR_SIZE) {
		if (n_ops >= 2 && (ops[1] & 1))
			set64(buf + SNAP_OFF_FILE_LEN, new_len);
		set32(buf + SNAP_OFF_CRC, 0);
		set32(buf + SNAP_OFF_CRC, snap_crc32c(buf, new_len));
		(void)parse_checked(buf, new_len);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chosen ok[MAX_CHOSEN];
	uint8_t *file;
	size_t file_len, n_ok, used;

	(void)parse_checked(data, size);

	used = write_chosen(data, size, ok, &n_ok, &file, &file_len);
	check_round_trip(file, file_len, ok, n_ok);
	mutate_and_parse(file, file_len, data + used, size - used);
	free(file);
	return 0;
}
