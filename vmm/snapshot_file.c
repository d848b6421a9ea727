#include "vmm/snapshot_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* On-disk fields are little-endian and copied with memcpy: right as it is
 * only on a little-endian host, which x86-64 is. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "snapshot fields are little-endian");

static const struct {
	uint32_t tag;
	const char *name;
} tag_names[] = {
	{ SNAP_VCPU_REGS, "VCPU_REGS" },
	{ SNAP_VCPU_SREGS, "VCPU_SREGS" },
	{ SNAP_VCPU_XSAVE, "VCPU_XSAVE" },
	{ SNAP_VCPU_XCRS, "VCPU_XCRS" },
	{ SNAP_VCPU_MSRS, "VCPU_MSRS" },
	{ SNAP_VCPU_LAPIC, "VCPU_LAPIC" },
	{ SNAP_VCPU_EVENTS, "VCPU_EVENTS" },
	{ SNAP_VCPU_MP_STATE, "VCPU_MP_STATE" },
	{ SNAP_VCPU_DEBUGREGS, "VCPU_DEBUGREGS" },
	{ SNAP_VM_IRQCHIP, "VM_IRQCHIP" },
	{ SNAP_VM_PIT, "VM_PIT" },
	{ SNAP_VM_CLOCK, "VM_CLOCK" },
	{ SNAP_VM_CONFIG, "VM_CONFIG" },
	{ SNAP_MEMORY_LAYOUT, "MEMORY_LAYOUT" },
	{ SNAP_DEV_SERIAL, "DEV_SERIAL" },
	{ SNAP_DEV_I8042, "DEV_I8042" },
	{ SNAP_DEV_RTC, "DEV_RTC" },
	{ SNAP_DEV_ACPI_PM, "DEV_ACPI_PM" },
	{ SNAP_DEV_PCI, "DEV_PCI" },
	{ SNAP_DEV_VIRTIO_PCI, "DEV_VIRTIO_PCI" },
	{ SNAP_DEV_VIRTIO_BLK, "DEV_VIRTIO_BLK" },
	{ SNAP_DEV_VIRTIO_NET, "DEV_VIRTIO_NET" },
};

#define N_TAGS (sizeof(tag_names) / sizeof(tag_names[0]))

const char *snap_tag_name(uint32_t tag)
{
	for (size_t i = 0; i < N_TAGS; i++)
		if (tag_names[i].tag == tag)
			return tag_names[i].name;
	return "unknown";
}

static bool tag_known(uint32_t tag)
{
	for (size_t i = 0; i < N_TAGS; i++)
		if (tag_names[i].tag == tag)
			return true;
	return false;
}

/* ---- CRC32C ---- */

/* crc32c_table[b]: the reflected CRC of byte b alone (polynomial
 * 0x82F63B78), generated once and checked byte by byte against a bitwise
 * CRC in tests/unit/test_snapshot_file.c. */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c, 0x26a1e7e8,
	0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b, 0x4d43cfd0, 0xbf284cd3,
	0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b, 0xd7c45070,
	0x25afd373, 0x36ff2087, 0xc494a384, 0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29,
	0x33ed7d2a, 0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa, 0x30e349b1,
	0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a, 0x7da08661, 0x8fcb0562, 0x9c9bf696,
	0x6ef07595, 0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0,
	0x67dafa54, 0x95b17957, 0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c,
	0xfe53516f, 0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f, 0x3ac7f2eb,
	0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7, 0x61c69362, 0x93ad1061,
	0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789, 0xeb1fcbad,
	0x197448ae, 0x0a24bb5a, 0xf84f3859, 0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5,
	0xa55230e6, 0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c, 0x456cac67,
	0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c, 0x92a8fc17, 0x60c37f14, 0x73938ce0,
	0x81f80fe3, 0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db,
	0xf94ad42f, 0x0b21572c, 0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6,
	0x502036a5, 0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975, 0x0e330a81,
	0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d, 0x758fe5d6, 0x87e466d5,
	0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2, 0xff56bd19,
	0x0d3d3e1a, 0x1e6dcdee, 0xec064eed, 0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc,
	0x5a048dff, 0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540, 0x590ab964,
	0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee, 0x24aa3f05, 0xd6c1bc06, 0xc5914ff2,
	0x37faccf1, 0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9,
	0x4f48173d, 0xbd23943e, 0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a,
	0xc69f7b69, 0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

static uint32_t crc32c_update(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint32_t snap_crc32c(const void *data, size_t len)
{
	return ~crc32c_update(~0u, data, len);
}

/* The file's CRC: every byte, the CRC field counted as zeros. */
static uint32_t file_crc(const uint8_t *buf, size_t len)
{
	static const uint8_t zeros[4];
	uint32_t crc = ~0u;

	crc = crc32c_update(crc, buf, SNAP_OFF_CRC);
	crc = crc32c_update(crc, zeros, sizeof(zeros));
	crc = crc32c_update(crc, buf + SNAP_OFF_CRC + 4, len - SNAP_OFF_CRC - 4);
	return ~crc;
}

/* ---- little-endian fields ---- */

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Payload length rounded up to the 8-byte section alignment. Only called
 * with len <= SNAP_MAX_SECTION, so it cannot wrap. */
static size_t padded(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

/* ---- writing ---- */

void snap_writer_init(struct snap_writer *w, const struct snap_host *host)
{
	memset(w, 0, sizeof(*w));
	w->host = *host;
}

/* Make room for need bytes in all, doubling up to the file limit. */
static int writer_reserve(struct snap_writer *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 4096;
	uint8_t *p;

	if (need <= w->cap)
		return 0;
	while (cap < need)
		cap = cap > SNAP_MAX_FILE / 2 ? SNAP_MAX_FILE : cap * 2;
	p = realloc(w->buf, cap);
	if (!p)
		return -ENOMEM;
	w->buf = p;
	w->cap = cap;
	return 0;
}

static bool writer_has(const struct snap_writer *w, uint32_t tag, uint32_t instance)
{
	size_t off = SNAP_HDR_SIZE;

	for (uint32_t i = 0; i < w->count; i++) {
		const uint8_t *s = w->buf + off;

		if (get32(s) == tag && get32(s + 4) == instance)
			return true;
		off += SNAP_SEC_HDR_SIZE + padded(get64(s + 8));
	}
	return false;
}

int snap_put(struct snap_writer *w, uint32_t tag, uint32_t instance, const void *data, size_t len)
{
	size_t start = w->len ? w->len : SNAP_HDR_SIZE, end;
	uint8_t *s;
	int rc;

	if (!tag_known(tag) || (!data && len))
		return -EINVAL;
	if (len > SNAP_MAX_SECTION || w->count >= SNAP_MAX_SECTIONS)
		return -EOVERFLOW;
	/* start <= SNAP_MAX_FILE and the section is at most 16 MiB + 16: no wrap. */
	end = start + SNAP_SEC_HDR_SIZE + padded(len);
	if (end > SNAP_MAX_FILE)
		return -EOVERFLOW;
	if (writer_has(w, tag, instance))
		return -EEXIST;
	rc = writer_reserve(w, end);
	if (rc < 0)
		return rc;
	s = w->buf + start;
	put32(s, tag);
	put32(s + 4, instance);
	put64(s + 8, len);
	if (len)
		memcpy(s + SNAP_SEC_HDR_SIZE, data, len);
	memset(s + SNAP_SEC_HDR_SIZE + len, 0, padded(len) - len);
	w->len = end;
	w->count++;
	return 0;
}

static void put_header(uint8_t *h, const struct snap_host *host, uint32_t count, size_t len)
{
	memset(h, 0, SNAP_HDR_SIZE);
	memcpy(h, SNAP_MAGIC, SNAP_MAGIC_LEN);
	put32(h + SNAP_OFF_VERSION, SNAP_VERSION);
	put32(h + SNAP_OFF_HDR_SIZE, SNAP_HDR_SIZE);
	put64(h + SNAP_OFF_FILE_LEN, len);
	put32(h + SNAP_OFF_COUNT, count);
	put32(h + SNAP_OFF_KVM_API, host->kvm_api_version);
	memcpy(h + SNAP_OFF_VENDOR, host->cpu_vendor, SNAP_VENDOR_LEN);
	put32(h + SNAP_OFF_FAMILY, host->cpu_family);
	put32(h + SNAP_OFF_MODEL, host->cpu_model);
	put32(h + SNAP_OFF_STEPPING, host->cpu_stepping);
}

int snap_writer_finish(struct snap_writer *w, uint8_t **out, size_t *len)
{
	int rc;

	if (!w->len) {
		rc = writer_reserve(w, SNAP_HDR_SIZE);
		if (rc < 0)
			return rc;
		w->len = SNAP_HDR_SIZE;
	}
	put_header(w->buf, &w->host, w->count, w->len);
	put32(w->buf + SNAP_OFF_CRC, file_crc(w->buf, w->len));
	*out = w->buf;
	*len = w->len;
	snap_writer_init(w, &w->host);
	return 0;
}

void snap_writer_free(struct snap_writer *w)
{
	free(w->buf);
	snap_writer_init(w, &w->host);
}

/* ---- reading ---- */

/* "GenuineIntel family 6 model 85 stepping 7, KVM API 12", unprintable
 * vendor bytes as '?'. */
static void describe_host(char *out, size_t cap, const struct snap_host *h)
{
	char vendor[SNAP_VENDOR_LEN + 1];

	for (size_t i = 0; i < SNAP_VENDOR_LEN; i++) {
		unsigned char c = (unsigned char)h->cpu_vendor[i];

		vendor[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	vendor[SNAP_VENDOR_LEN] = '\0';
	snprintf(out, cap, "%s family %u model %u stepping %u, KVM API %u", vendor, h->cpu_family,
		 h->cpu_model, h->cpu_stepping, h->kvm_api_version);
}

static bool same_host(const struct snap_host *a, const struct snap_host *b)
{
	return a->kvm_api_version == b->kvm_api_version &&
	       memcmp(a->cpu_vendor, b->cpu_vendor, SNAP_VENDOR_LEN) == 0 &&
	       a->cpu_family == b->cpu_family && a->cpu_model == b->cpu_model &&
	       a->cpu_stepping == b->cpu_stepping;
}

static void read_host(const uint8_t *h, struct snap_host *host)
{
	host->kvm_api_version = get32(h + SNAP_OFF_KVM_API);
	memcpy(host->cpu_vendor, h + SNAP_OFF_VENDOR, SNAP_VENDOR_LEN);
	host->cpu_family = get32(h + SNAP_OFF_FAMILY);
	host->cpu_model = get32(h + SNAP_OFF_MODEL);
	host->cpu_stepping = get32(h + SNAP_OFF_STEPPING);
}

/* Magic, version, header size and length: is this a whole version-1 file?
 * The version is judged as soon as its bytes are there, so a file of
 * another version is named as such even when its header differs. */
static int check_frame(const uint8_t *buf, size_t len, struct err *e)
{
	size_t magic_len = len < SNAP_MAGIC_LEN ? len : SNAP_MAGIC_LEN;
	uint32_t version, hdr_size;
	uint64_t file_len;

	if (len == 0)
		goto short_header; /* buf may be NULL */
	if (memcmp(buf, SNAP_MAGIC, magic_len) != 0)
		return err_set(e, EINVAL, "not a minivmm state file (bad magic)");
	if (len < SNAP_OFF_VERSION + 4)
		goto short_header;
	version = get32(buf + SNAP_OFF_VERSION);
	if (version != SNAP_VERSION)
		return err_set(e, EINVAL, "snapshot format version %u, this minivmm reads %u",
			       version, SNAP_VERSION);
	if (len < SNAP_HDR_SIZE)
		goto short_header;
	hdr_size = get32(buf + SNAP_OFF_HDR_SIZE);
	if (hdr_size != SNAP_HDR_SIZE)
		return err_set(e, EINVAL, "header size %u, format version %u has %u", hdr_size,
			       SNAP_VERSION, SNAP_HDR_SIZE);
	file_len = get64(buf + SNAP_OFF_FILE_LEN);
	if (file_len < SNAP_HDR_SIZE || file_len > SNAP_MAX_FILE)
		return err_set(e, EINVAL, "bad file length %llu in the header (%u to %u bytes)",
			       (unsigned long long)file_len, SNAP_HDR_SIZE, SNAP_MAX_FILE);
	if (len < file_len)
		return err_set(e, EINVAL, "truncated: %zu of %llu bytes", len,
			       (unsigned long long)file_len);
	if (len > file_len)
		return err_set(e, EINVAL, "%zu bytes where the header says %llu: trailing data",
			       len, (unsigned long long)file_len);
	return 0;

short_header:
	return err_set(e, EINVAL, "truncated: %zu bytes, shorter than the %u-byte header", len,
		       SNAP_HDR_SIZE);
}

/* Checksum, flags and host, once the length is known to be right. */
static int check_header(const uint8_t *buf, size_t len, const struct snap_host *expect,
			struct err *e)
{
	uint32_t want = get32(buf + SNAP_OFF_CRC), flags;
	struct snap_host host;
	char was[128], is[128];

	if (file_crc(buf, len) != want)
		return err_set(e, EINVAL, "corrupted: checksum mismatch");
	flags = get32(buf + SNAP_OFF_FLAGS);
	if (flags)
		return err_set(e, EINVAL, "unknown flags 0x%x in format version %u", flags,
			       SNAP_VERSION);
	read_host(buf, &host);
	if (!same_host(&host, expect)) {
		describe_host(was, sizeof(was), &host);
		describe_host(is, sizeof(is), expect);
		return err_set(
			e, EINVAL,
			"taken on another host (%s; this host: %s): restore it where it was taken",
			was, is);
	}
	return 0;
}

static bool index_has(const struct snap_index *idx, uint32_t tag, uint32_t instance)
{
	for (uint32_t i = 0; i < idx->count; i++)
		if (idx->sec[i].tag == tag && idx->sec[i].instance == instance)
			return true;
	return false;
}

static bool zeros(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Section number i at *off (len is the whole, checked file): check it and
 * add it to out, moving *off past it. Every bound is checked by
 * subtraction from len, never by adding to *off. */
static int index_section(const uint8_t *buf, size_t len, uint32_t i, size_t *off,
			 struct snap_index *out, struct err *e)
{
	const uint8_t *s = buf + *off;
	uint32_t tag, instance;
	uint64_t plen;

	if (len - *off < SNAP_SEC_HDR_SIZE)
		return err_set(e, EINVAL, "section %u: header runs past the end of the file", i);
	tag = get32(s);
	instance = get32(s + 4);
	plen = get64(s + 8);
	if (!tag_known(tag))
		return err_set(e, EINVAL, "section %u: unknown tag 0x%x", i, tag);
	if (plen > SNAP_MAX_SECTION)
		return err_set(e, EINVAL, "section %u (%s/%u): length %llu above the %u-byte limit",
			       i, snap_tag_name(tag), instance, (unsigned long long)plen,
			       SNAP_MAX_SECTION);
	if (len - *off - SNAP_SEC_HDR_SIZE < padded(plen))
		return err_set(e, EINVAL,
			       "section %u (%s/%u): %llu bytes run past the end of the file", i,
			       snap_tag_name(tag), instance, (unsigned long long)plen);
	if (!zeros(s + SNAP_SEC_HDR_SIZE + plen, padded(plen) - plen))
		return err_set(e, EINVAL, "section %u (%s/%u): nonzero padding", i,
			       snap_tag_name(tag), instance);
	if (index_has(out, tag, instance))
		return err_set(e, EINVAL, "section %u: a second %s/%u section", i,
			       snap_tag_name(tag), instance);
	out->sec[out->count] = (struct snap_section){
		.tag = tag,
		.instance = instance,
		.offset = *off + SNAP_SEC_HDR_SIZE,
		.len = plen,
	};
	out->count++;
	*off += SNAP_SEC_HDR_SIZE + padded(plen);
	return 0;
}

static int index_sections(const uint8_t *buf, size_t len, struct snap_index *out, struct err *e)
{
	uint32_t count = get32(buf + SNAP_OFF_COUNT);
	size_t off = SNAP_HDR_SIZE;
	int rc;

	if (count > SNAP_MAX_SECTIONS)
		return err_set(e, EINVAL, "%u sections, more than the %u this minivmm reads", count,
			       SNAP_MAX_SECTIONS);
	for (uint32_t i = 0; i < count; i++) {
		if (off == len)
			return err_set(e, EINVAL,
				       "the header lists %u sections, the file ends after %u",
				       count, i);
		rc = index_section(buf, len, i, &off, out, e);
		if (rc < 0)
			return rc;
	}
	if (off != len)
		return err_set(e, EINVAL, "%zu bytes after the last of %u sections", len - off,
			       count);
	return 0;
}

int snap_parse(const uint8_t *buf, size_t len, const struct snap_host *expect,
	       struct snap_index *out, struct err *e)
{
	int rc;

	out->base = buf;
	out->count = 0;
	rc = check_frame(buf, len, e);
	if (rc == 0)
		rc = check_header(buf, len, expect, e);
	if (rc == 0)
		rc = index_sections(buf, len, out, e);
	if (rc < 0)
		out->count = 0;
	return rc;
}

int snap_find(const struct snap_index *idx, uint32_t tag, uint32_t instance, const void **data,
	      size_t *len)
{
	for (uint32_t i = 0; i < idx->count; i++) {
		const struct snap_section *s = &idx->sec[i];

		if (s->tag == tag && s->instance == instance) {
			*data = idx->base + s->offset;
			*len = s->len;
			return 0;
		}
	}
	return -ENOENT;
}

int snap_get_exact(const struct snap_index *idx, uint32_t tag, uint32_t instance, void *dst,
		   size_t len, struct err *e)
{
	const void *data;
	size_t have;

	if (snap_find(idx, tag, instance, &data, &have) < 0)
		return err_set(e, ENOENT, "no %s/%u section", snap_tag_name(tag), instance);
	if (have != len)
		return err_set(e, EINVAL, "section %s/%u has %zu bytes, want %zu",
			       snap_tag_name(tag), instance, have, len);
	if (len)
		memcpy(dst, data, len);
	return 0;
}
