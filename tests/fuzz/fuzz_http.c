/* libFuzzer target: any bytes as a request to the control API's HTTP parser
 * (vmm/http.c), and a response formatted from them. Beyond no crash or
 * sanitizer report: a result other than complete, incomplete or a 4xx/5xx
 * status; a complete request whose fields break http.h's promises (body in
 * the buffer, path "/..." without query or control characters, sizes within
 * the limits); a prefix of the input answered differently from the whole,
 * other than by needing more bytes; more bytes needed past the largest
 * request there is; a response that is not the same in a small buffer as in
 * a large one, or -ENOSPC, or that writes past its capacity. Each input is
 * also tried after a request line and a header name, to reach the values. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No request is longer: past this, an answer must have been reached. */
#define HTTP_MAX_REQUEST (HTTP_MAX_HEAD + HTTP_MAX_BODY)

/* The input followed by filler, as long as the largest request plus one. */
static char padded[HTTP_MAX_REQUEST + 1];

static void check_result(int rc)
{
	if (rc != HTTP_COMPLETE && rc != HTTP_INCOMPLETE && (rc < 400 || rc > 599))
		abort();
}

static bool is_tchar(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static void check_method(const struct http_request *req)
{
	static const char *const names[] = { "GET", "PUT", "POST", "PATCH", "DELETE", "HEAD" };
	size_t len = strnlen(req->method_name, sizeof(req->method_name)), i;

	if (len == 0 || len > HTTP_MAX_METHOD)
		abort();
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)req->method_name[i]))
			abort();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(req->method_name, names[i]) == 0 && req->method != (enum http_method)i)
			abort();
	if (req->method > HTTP_OTHER)
		abort();
}

static void check_path(const struct http_request *req)
{
	size_t len = strnlen(req->path, sizeof(req->path)), i;

	if (len == 0 || len > HTTP_MAX_PATH || req->path[0] != '/')
		abort();
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)req->path[i];

		if (c <= ' ' || c >= 0x7f || c == '?' || c == '#')
			abort();
	}
}

static void check_request(const struct http_request *req, const char *buf, size_t len)
{
	size_t body_off;

	if (req->body < buf || (size_t)(req->body - buf) > len)
		abort();
	body_off = (size_t)(req->body - buf);
	if (req->body_len > HTTP_MAX_BODY || req->body_len > len - body_off)
		abort();
	if (body_off > HTTP_MAX_HEAD || req->consumed != body_off + req->body_len)
		abort();
	check_method(req);
	check_path(req);
}

/* Everything a parse reports, the body as an offset into its buffer. */
static bool same_request(const struct http_request *a, const char *abuf,
			 const struct http_request *b, const char *bbuf)
{
	return a->method == b->method && strcmp(a->method_name, b->method_name) == 0 &&
	       strcmp(a->path, b->path) == 0 && a->body - abuf == b->body - bbuf &&
	       a->body_len == b->body_len && a->keep_alive == b->keep_alive &&
	       a->has_json_type == b->has_json_type && a->consumed == b->consumed;
}

/* A copy of the first len bytes of data, plus extra_len bytes of extra, in
 * a buffer of exactly that size so ASan sees any read past it. */
static int parse_copy(const uint8_t *data, size_t len, const char *extra, size_t extra_len,
		      struct http_request *req, char **buf)
{
	int rc;

	*buf = malloc(len + extra_len + 1);
	if (!*buf)
		abort();
	memcpy(*buf, data, len);
	memcpy(*buf + len, extra, extra_len);
	rc = http_parse(*buf, len + extra_len, req);
	check_result(rc);
	if (rc == HTTP_COMPLETE)
		check_request(req, *buf, len + extra_len);
	return rc;
}

/* A prefix of the input needs more bytes, or is answered as the whole was
 * (rc, whole): the parser never takes back an answer. */
static void check_shorter(const uint8_t *data, size_t len, int rc, const struct http_request *whole)
{
	struct http_request req;
	char *buf;
	int got = parse_copy(data, len, "", 0, &req, &buf);

	if (got == HTTP_INCOMPLETE) {
		/* A complete request stays complete with all its bytes there. */
		if (rc == HTTP_COMPLETE && len >= whole->consumed)
			abort();
	} else if (got != rc ||
		   (got == HTTP_COMPLETE && !same_request(&req, buf, whole, (const char *)data))) {
		abort();
	}
	free(buf);
}

/* Bytes after an answered prefix (rc, first) change nothing: a request's
 * consumed bytes stay the same, an error stays. */
static void check_longer(const uint8_t *data, size_t len, const char *extra, size_t extra_len,
			 int rc, const struct http_request *first)
{
	struct http_request req;
	char *buf;
	int got = parse_copy(data, len, extra, extra_len, &req, &buf);

	if (got != rc ||
	    (got == HTTP_COMPLETE && !same_request(&req, buf, first, (const char *)data)))
		abort();
	free(buf);
}

static void check_prefixes(const uint8_t *data, size_t size, int rc,
			   const struct http_request *whole)
{
	static const char junk[] = "\0\r\n\r\nGET / HTTP/1.1\r\n\r\n";

	check_shorter(data, size / 2, rc, whole);
	if (size > 0)
		check_shorter(data, size - 1, rc, whole);
	if (size > 2)
		check_shorter(data, data[0] % size, rc, whole);
	if (rc == HTTP_INCOMPLETE)
		return;
	check_longer(data, size, junk, sizeof(junk) - 1, rc, whole);
	if (rc == HTTP_COMPLETE) {
		if (whole->consumed > 0)
			check_shorter(data, whole->consumed - 1, rc, whole);
		check_longer(data, whole->consumed, "", 0, rc, whole);
		check_longer(data, whole->consumed, junk, sizeof(junk) - 1, rc, whole);
	}
}

/* Past the largest request, with any filler, the answer is final. */
static void check_padded(const uint8_t *data, size_t size, int rc)
{
	struct http_request req;
	int got;

	if (size > sizeof(padded))
		return;
	memcpy(padded, data, size);
	got = http_parse(padded, sizeof(padded), &req);
	check_result(got);
	if (got == HTTP_INCOMPLETE || (rc != HTTP_INCOMPLETE && got != rc))
		abort();
	if (got == HTTP_COMPLETE)
		check_request(&req, padded, sizeof(padded));
	memset(padded, 'a', size);
}

struct response_args {
	int status;
	char content_type[24];
	bool has_type;
	const char *body;
	size_t body_len;
	bool keep_alive;
	size_t cap;
};

static void response_args(const uint8_t *data, size_t size, struct response_args *a)
{
	uint8_t b[8] = { 0 };
	size_t i, n;

	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	a->status = (int)(int16_t)(b[0] | b[1] << 8);
	if (b[2] & 1)
		a->status = 100 + abs(a->status) % 500;
	/* A printable type, so the head ends at its first blank line. */
	n = b[3] % sizeof(a->content_type);
	for (i = 0; i < n; i++)
		a->content_type[i] = (char)('a' + (b[4] + i * 7) % 26);
	a->content_type[n] = '\0';
	a->has_type = b[2] & 2;
	a->keep_alive = b[2] & 4;
	a->body = size > 8 && !(b[2] & 8) ? (const char *)data + 8 : NULL;
	a->body_len = size > 8 ? size - 8 : 0;
	a->cap = (size_t)(b[5] | (b[6] & 1) << 8);
}

static int format(char *out, size_t cap, const struct response_args *a)
{
	return http_format_response(out, cap, a->status, a->has_type ? a->content_type : NULL,
				    a->body, a->body_len, a->keep_alive);
}

/* The response in a roomy buffer: status line first, the body (none for
 * 204, none for a NULL body) after the blank line. */
static size_t check_full_response(const char *full, int n, const struct response_args *a)
{
	const char *end;
	size_t body_len = a->body && a->status != 204 ? a->body_len : 0;

	if (n < 0 || memcmp(full, "HTTP/1.1 ", 9) != 0)
		abort();
	end = memmem(full, (size_t)n, "\r\n\r\n", 4);
	if (!end || (size_t)n - (size_t)(end + 4 - full) != body_len)
		abort();
	if (body_len && memcmp(end + 4, a->body, body_len) != 0)
		abort();
	return (size_t)n;
}

#define GUARD	  0xa5
#define GUARD_LEN 16

static void check_response(const uint8_t *data, size_t size)
{
	struct response_args a;
	size_t full_cap = size + 256, want, i;
	char *full = malloc(full_cap), *out;
	int n;

	if (!full)
		abort();
	response_args(data, size, &a);
	want = check_full_response(full, format(full, full_cap, &a), &a);
	out = malloc(a.cap + GUARD_LEN);
	if (!out)
		abort();
	memset(out, GUARD, a.cap + GUARD_LEN);
	n = format(out, a.cap, &a);
	if (want <= a.cap) {
		if (n < 0 || (size_t)n != want || memcmp(out, full, want) != 0)
			abort();
	} else if (n != -ENOSPC) {
		abort();
	}
	for (i = a.cap; i < a.cap + GUARD_LEN; i++)
		if ((uint8_t)out[i] != GUARD)
			abort();
	free(out);
	free(full);
}

/* Parse the input and check every promise about the answer. */
static void check_input(const uint8_t *data, size_t size)
{
	struct http_request req;
	int rc;

	rc = http_parse((const char *)data, size, &req);
	check_result(rc);
	if (rc == HTTP_INCOMPLETE && size >= HTTP_MAX_REQUEST)
		abort();
	if (rc == HTTP_COMPLETE)
		check_request(&req, (const char *)data, size);
	check_prefixes(data, size, rc, &req);
	check_padded(data, size, rc);
}

/* The input after a request line and the name of a header the parser acts
 * on, so that their values are fuzzed without the names being found first. */
static void check_as_header(const uint8_t *data, size_t size)
{
	static const char *const starts[] = {
		"PUT /x HTTP/1.1\r\nContent-Length:",
		"PUT /x HTTP/1.0\r\nConnection:",
		"PUT /x HTTP/1.1\r\nContent-Type:",
		"PUT /x HTTP/1.1\r\nTransfer-Encoding:",
		"PUT /x HTTP/1.0\r\n",
	};
	const char *start;
	size_t start_len;
	uint8_t *buf;

	if (size == 0)
		return;
	start = starts[data[0] % (sizeof(starts) / sizeof(starts[0]))];
	start_len = strlen(start);
	buf = malloc(start_len + size - 1);
	if (!buf)
		abort();
	memcpy(buf, start, start_len);
	memcpy(buf + start_len, data + 1, size - 1);
	check_input(buf, start_len + size - 1);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (padded[0] == '\0')
		memset(padded, 'a', sizeof(padded));
	check_input(data, size);
	check_as_header(data, size);
	check_response(data, size);
	return 0;
}
