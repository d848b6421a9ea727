/* AML encoder: see aml.h. Encodings from ACPI 6.4 chapter 20 (AML grammar);
 * the resource descriptors are in aml_resources.c. */
#include "boot/aml.h"

#include <errno.h>
#include <string.h>

#include "boot/bytes.h"

enum {
	ZERO_OP = 0x00,
	ONE_OP = 0x01,
	NAME_OP = 0x08,
	BYTE_PREFIX = 0x0a,
	WORD_PREFIX = 0x0b,
	DWORD_PREFIX = 0x0c,
	STRING_PREFIX = 0x0d,
	QWORD_PREFIX = 0x0e,
	SCOPE_OP = 0x10,
	BUFFER_OP = 0x11,
	PACKAGE_OP = 0x12,
	METHOD_OP = 0x14,
	DUAL_NAME_PREFIX = 0x2e,
	MULTI_NAME_PREFIX = 0x2f,
	EXT_OP_PREFIX = 0x5b,
	ROOT_CHAR = 0x5c,
	PARENT_PREFIX = 0x5e,
	LOCAL0_OP = 0x60,
	ARG0_OP = 0x68,
	NOTIFY_OP = 0x86,
	LEQUAL_OP = 0x93,
	IF_OP = 0xa0,
	ELSE_OP = 0xa1,
	RETURN_OP = 0xa4,
	ONES_OP = 0xff,
	DEVICE_OP = 0x82, /* after EXT_OP_PREFIX */
};

#define RES_END_TAG 0x79 /* small type 0xf, length 1 */

enum { KIND_PLAIN, KIND_IF, KIND_BUFFER, KIND_RESOURCES };

#define NAMESEG_LEN 4
#define INT_MAX_LEN 9 /* prefix + 8 bytes */
#define PKGLEN_MAX  ((1u << 28) - 1)

void aml_fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

/* Whether n more bytes fit; records -ENOSPC when they do not. */
static bool room(struct aml *a, size_t n)
{
	if (a->err)
		return false;
	if (n > a->cap - a->len) {
		aml_fail(a, -ENOSPC);
		return false;
	}
	return true;
}

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = buf ? cap : 0;
	a->if_end = SIZE_MAX;
}

int aml_finish(const struct aml *a)
{
	if (a->err)
		return a->err;
	return a->depth ? -EINVAL : 0;
}

void aml_put_bytes(struct aml *a, const void *p, size_t n)
{
	if (!n || !room(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_put8(struct aml *a, uint8_t v)
{
	aml_put_bytes(a, &v, 1);
}

static void put_le_n(struct aml *a, uint64_t v, unsigned bytes)
{
	uint8_t tmp[8];

	put_le(tmp, v, bytes);
	aml_put_bytes(a, tmp, bytes);
}

void aml_put16(struct aml *a, uint16_t v)
{
	put_le_n(a, v, 2);
}

void aml_put32(struct aml *a, uint32_t v)
{
	put_le_n(a, v, 4);
}

void aml_put64(struct aml *a, uint64_t v)
{
	put_le_n(a, v, 8);
}

void aml_align(struct aml *a, size_t align)
{
	static const uint8_t zeroes[64];
	size_t pad = (align - (a->len & (align - 1))) & (align - 1);

	if (align == 0 || (align & (align - 1)) || align > sizeof(zeroes)) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_put_bytes(a, zeroes, pad);
}

int aml_pkglength(uint8_t out[4], size_t body_len)
{
	for (unsigned n = 1; n <= 4; n++) {
		/* 6 bits in a lone lead byte; else 4 bits plus 8 per extra byte. */
		size_t max = n == 1 ? 0x3f : ((size_t)1 << (4 + 8 * (n - 1))) - 1;
		size_t total;

		if (body_len > max - n)
			continue;
		total = body_len + n; /* the length counts its own bytes */
		if (n == 1) {
			out[0] = (uint8_t)total;
			return 1;
		}
		out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (unsigned i = 1; i < n; i++)
			out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
		return (int)n;
	}
	return -EINVAL;
}

static size_t encode_integer(uint8_t out[INT_MAX_LEN], uint64_t v)
{
	unsigned bytes;

	if (v == 0 || v == 1 || v == UINT64_MAX) {
		out[0] = v == 0 ? ZERO_OP : v == 1 ? ONE_OP : ONES_OP;
		return 1;
	}
	if (v <= UINT8_MAX) {
		out[0] = BYTE_PREFIX;
		bytes = 1;
	} else if (v <= UINT16_MAX) {
		out[0] = WORD_PREFIX;
		bytes = 2;
	} else if (v <= UINT32_MAX) {
		out[0] = DWORD_PREFIX;
		bytes = 4;
	} else {
		out[0] = QWORD_PREFIX;
		bytes = 8;
	}
	put_le(out + 1, v, bytes);
	return 1 + bytes;
}

void aml_integer(struct aml *a, uint64_t v)
{
	uint8_t tmp[INT_MAX_LEN];

	aml_put_bytes(a, tmp, encode_integer(tmp, v));
}

void aml_string(struct aml *a, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] > 0x7f) /* AsciiCharList: 0x01-0x7f */
			aml_fail(a, -EINVAL);
	aml_put8(a, STRING_PREFIX);
	aml_put_bytes(a, s, n + 1);
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_digit(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int aml_eisaid_value(const char *id, uint32_t *out)
{
	uint32_t v = 0;

	if (strlen(id) != 7)
		return -EINVAL;
	/* Three letters, 5 bits each ('A' = 1), then four hex digits: 31 bits
	 * that are stored most significant byte first. */
	for (unsigned i = 0; i < 3; i++) {
		if (!is_upper(id[i]))
			return -EINVAL;
		v = (v << 5) | (uint32_t)(id[i] - 'A' + 1);
	}
	for (unsigned i = 3; i < 7; i++) {
		int d = hex_digit(id[i]);

		if (d < 0)
			return -EINVAL;
		v = (v << 4) | (uint32_t)d;
	}
	*out = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
	return 0;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = 0;

	if (aml_eisaid_value(id, &v) < 0)
		aml_fail(a, -EINVAL);
	aml_put8(a, DWORD_PREFIX); /* always a DWord, as iasl encodes EisaId() */
	aml_put32(a, v);
}

void aml_arg(struct aml *a, unsigned n)
{
	if (n > 6)
		aml_fail(a, -EINVAL);
	aml_put8(a, (uint8_t)(ARG0_OP + n));
}

void aml_local(struct aml *a, unsigned n)
{
	if (n > 7)
		aml_fail(a, -EINVAL);
	aml_put8(a, (uint8_t)(LOCAL0_OP + n));
}

/* One NameSeg of len characters, padded with '_'; false when invalid. */
static bool nameseg(const char *s, size_t len, uint8_t out[NAMESEG_LEN])
{
	if (len < 1 || len > NAMESEG_LEN)
		return false;
	for (size_t i = 0; i < NAMESEG_LEN; i++) {
		char c = i < len ? s[i] : '_';

		if (!is_upper(c) && c != '_' && !(i > 0 && is_digit(c)))
			return false;
		out[i] = (uint8_t)c;
	}
	return true;
}

void aml_name_string(struct aml *a, const char *path)
{
	const char *p = path, *segs;
	size_t nseg = 0;
	uint8_t seg[NAMESEG_LEN];

	if (*p == '\\')
		p++;
	else
		while (*p == '^')
			p++;
	/* Validate every segment before writing anything. */
	segs = p;
	while (*p) {
		size_t len = strcspn(p, ".");

		if (!nameseg(p, len, seg) || ++nseg > UINT8_MAX) {
			aml_fail(a, -EINVAL);
			return;
		}
		p += len;
		if (*p == '.' && !*++p) { /* a trailing dot */
			aml_fail(a, -EINVAL);
			return;
		}
	}
	for (const char *q = path; q < segs; q++)
		aml_put8(a, *q == '\\' ? ROOT_CHAR : PARENT_PREFIX);
	if (nseg == 0)
		aml_put8(a, ZERO_OP); /* NullName */
	else if (nseg == 2)
		aml_put8(a, DUAL_NAME_PREFIX);
	else if (nseg > 2) {
		aml_put8(a, MULTI_NAME_PREFIX);
		aml_put8(a, (uint8_t)nseg);
	}
	for (p = segs; *p; p += *p == '.') {
		size_t len = strcspn(p, ".");

		nameseg(p, len, seg);
		aml_put_bytes(a, seg, NAMESEG_LEN);
		p += len;
	}
}

void aml_name(struct aml *a, const char *name)
{
	aml_put8(a, NAME_OP);
	aml_name_string(a, name);
}

/* Start an object whose PkgLength goes here, inserted by aml_end(). */
static void open_obj(struct aml *a, uint8_t kind)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		aml_fail(a, -EINVAL);
		return;
	}
	a->open[a->depth].start = a->len;
	a->open[a->depth].kind = kind;
	a->depth++;
}

void aml_end(struct aml *a)
{
	uint8_t hdr[4 + INT_MAX_LEN], size[INT_MAX_LEN];
	size_t start, body, nsize = 0;
	uint8_t kind;
	int n;

	if (a->err)
		return;
	if (!a->depth) {
		aml_fail(a, -EINVAL);
		return;
	}
	kind = a->open[a->depth - 1].kind;
	if (kind == KIND_RESOURCES) {
		aml_put8(a, RES_END_TAG);
		aml_put8(a, 0); /* checksum 0: "treated as if it were correct" */
		if (a->err)
			return;
	}
	a->depth--;
	start = a->open[a->depth].start;
	body = a->len - start;
	/* A Buffer's size is an integer in front of its bytes. */
	if (kind == KIND_BUFFER || kind == KIND_RESOURCES)
		nsize = encode_integer(size, body);
	n = aml_pkglength(hdr, body + nsize);
	if (n < 0) {
		aml_fail(a, n);
		return;
	}
	memcpy(hdr + n, size, nsize);
	if (!room(a, (size_t)n + nsize))
		return;
	memmove(a->buf + start + (size_t)n + nsize, a->buf + start, body);
	memcpy(a->buf + start, hdr, (size_t)n + nsize);
	a->len += (size_t)n + nsize;
	if (kind == KIND_IF)
		a->if_end = a->len;
}

void aml_scope(struct aml *a, const char *path)
{
	aml_put8(a, SCOPE_OP);
	open_obj(a, KIND_PLAIN);
	aml_name_string(a, path);
}

void aml_device(struct aml *a, const char *name)
{
	aml_put8(a, EXT_OP_PREFIX);
	aml_put8(a, DEVICE_OP);
	open_obj(a, KIND_PLAIN);
	aml_name_string(a, name);
}

void aml_method(struct aml *a, const char *name, unsigned nargs, bool serialized)
{
	if (nargs > 7)
		aml_fail(a, -EINVAL);
	aml_put8(a, METHOD_OP);
	open_obj(a, KIND_PLAIN);
	aml_name_string(a, name);
	/* MethodFlags: ArgCount in bits 2:0, SerializeFlag bit 3, SyncLevel 0. */
	aml_put8(a, (uint8_t)((nargs & 7) | (serialized ? 0x08 : 0)));
}

void aml_if(struct aml *a)
{
	aml_put8(a, IF_OP);
	open_obj(a, KIND_IF);
}

void aml_else(struct aml *a)
{
	if (a->len != a->if_end)
		aml_fail(a, -EINVAL);
	aml_put8(a, ELSE_OP);
	open_obj(a, KIND_PLAIN);
}

void aml_package(struct aml *a, unsigned nelems)
{
	if (nelems > UINT8_MAX)
		aml_fail(a, -EINVAL);
	aml_put8(a, PACKAGE_OP);
	open_obj(a, KIND_PLAIN);
	aml_put8(a, (uint8_t)nelems);
}

void aml_buffer(struct aml *a)
{
	aml_put8(a, BUFFER_OP);
	open_obj(a, KIND_BUFFER);
}

void aml_resource_template(struct aml *a)
{
	aml_put8(a, BUFFER_OP);
	open_obj(a, KIND_RESOURCES);
}

void aml_lequal(struct aml *a)
{
	aml_put8(a, LEQUAL_OP);
}

void aml_notify(struct aml *a)
{
	aml_put8(a, NOTIFY_OP);
}

void aml_return(struct aml *a)
{
	aml_put8(a, RETURN_OP);
}
