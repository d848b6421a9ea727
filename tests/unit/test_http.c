#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/http.h"

/* Room for the largest request: a full head and a full body. */
static char big[HTTP_MAX_HEAD + HTTP_MAX_BODY + 64];

static int parse_str(const char *s, struct http_request *req)
{
	return http_parse(s, strlen(s), req);
}

static void check_status(const char *s, int want)
{
	struct http_request req;

	assert_int_equal(parse_str(s, &req), want);
}

/* A complete request that uses the whole string. */
static void parse_ok(const char *s, struct http_request *req)
{
	assert_int_equal(parse_str(s, req), HTTP_COMPLETE);
	assert_int_equal(req->consumed, strlen(s));
}

static void check_path(const char *s, const char *want)
{
	struct http_request req;

	parse_ok(s, &req);
	assert_string_equal(req.path, want);
}

static void test_methods(void **state)
{
	static const struct {
		const char *line;
		enum http_method method;
		const char *name;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", HTTP_GET, "GET" },
		{ "PUT / HTTP/1.1\r\n\r\n", HTTP_PUT, "PUT" },
		{ "POST / HTTP/1.1\r\n\r\n", HTTP_POST, "POST" },
		{ "PATCH / HTTP/1.1\r\n\r\n", HTTP_PATCH, "PATCH" },
		{ "DELETE / HTTP/1.1\r\n\r\n", HTTP_DELETE, "DELETE" },
		{ "HEAD / HTTP/1.1\r\n\r\n", HTTP_HEAD, "HEAD" },
		{ "OPTIONS / HTTP/1.1\r\n\r\n", HTTP_OTHER, "OPTIONS" },
		/* Case-sensitive: a lowercase get is some other method. */
		{ "get / HTTP/1.1\r\n\r\n", HTTP_OTHER, "get" },
		{ "X-MY_M.ETH~! / HTTP/1.1\r\n\r\n", HTTP_OTHER, "X-MY_M.ETH~!" },
		{ "ABCDEFGHIJKLMNOP / HTTP/1.1\r\n\r\n", HTTP_OTHER, "ABCDEFGHIJKLMNOP" },
	};
	struct http_request req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i].line, &req);
		assert_int_equal(req.method, cases[i].method);
		assert_string_equal(req.method_name, cases[i].name);
	}
}

static void test_bad_methods(void **state)
{
	(void)state;
	/* 17 characters: longer than HTTP_MAX_METHOD. */
	check_status("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", 501);
	check_status("GE(T / HTTP/1.1\r\n\r\n", 400);
	check_status("GE\"T / HTTP/1.1\r\n\r\n", 400);
	check_status(" / HTTP/1.1\r\n\r\n", 400);
	check_status(" GET / HTTP/1.1\r\n\r\n", 400);
	check_status("GET\r\n\r\n", 400);
	check_status("GET /\r\n\r\n", 400); /* HTTP/0.9 */
	check_status("GET\t/ HTTP/1.1\r\n\r\n", 400);
	check_status("GET  / HTTP/1.1\r\n\r\n", 400);
}

static void test_line_endings(void **state)
{
	struct http_request req;
	const char *crlf = "POST /a HTTP/1.1\r\nContent-Length: 2\r\nHost: x\r\n\r\nhi";
	const char *lf = "POST /a HTTP/1.1\nContent-Length: 2\nHost: x\n\nhi";
	const char *mixed = "POST /a HTTP/1.1\r\nContent-Length: 2\nHost: x\r\n\nhi";
	const char *all[] = { crlf, lf, mixed };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		parse_ok(all[i], &req);
		assert_int_equal(req.method, HTTP_POST);
		assert_string_equal(req.path, "/a");
		assert_int_equal(req.body_len, 2);
		assert_memory_equal(req.body, "hi", 2);
		assert_ptr_equal(req.body, all[i] + strlen(all[i]) - 2);
	}
}

static void test_leading_empty_lines(void **state)
{
	struct http_request req;

	(void)state;
	/* RFC 9112 2.2: a stray CRLF after a previous body is skipped. */
	parse_ok("\r\n\nGET /x HTTP/1.1\r\n\r\n", &req);
	assert_string_equal(req.path, "/x");
	assert_int_equal(parse_str("\r\n\r\n", &req), HTTP_INCOMPLETE);
}

static void test_origin_form(void **state)
{
	(void)state;
	check_path("GET / HTTP/1.1\r\n\r\n", "/");
	check_path("GET /v1/vm/state HTTP/1.1\r\n\r\n", "/v1/vm/state");
	check_path("GET /a?b=c&d HTTP/1.1\r\n\r\n", "/a");
	check_path("GET /a#frag HTTP/1.1\r\n\r\n", "/a");
	check_path("GET /a?q#frag HTTP/1.1\r\n\r\n", "/a");
	check_path("GET /?q HTTP/1.1\r\n\r\n", "/");
	check_path("GET /%20x%2F HTTP/1.1\r\n\r\n", "/%20x%2F");
}

static void test_absolute_form(void **state)
{
	(void)state;
	check_path("GET http://localhost/v1/x HTTP/1.1\r\n\r\n", "/v1/x");
	check_path("GET http://localhost:8080/v1/x?y=1 HTTP/1.1\r\n\r\n", "/v1/x");
	check_path("GET HTTP://Host/A HTTP/1.1\r\n\r\n", "/A");
	check_path("GET http://host HTTP/1.1\r\n\r\n", "/");
	check_path("GET http://host?q HTTP/1.1\r\n\r\n", "/");
	check_path("GET http://host#f HTTP/1.1\r\n\r\n", "/");
	check_path("GET http://[::1]:80/ HTTP/1.1\r\n\r\n", "/");
}

static void test_bad_targets(void **state)
{
	(void)state;
	check_status("OPTIONS * HTTP/1.1\r\n\r\n", 400);
	check_status("CONNECT host:443 HTTP/1.1\r\n\r\n", 400);
	check_status("GET  HTTP/1.1\r\n\r\n", 400); /* empty target */
	check_status("GET a/b HTTP/1.1\r\n\r\n", 400);
	check_status("GET ?q HTTP/1.1\r\n\r\n", 400);
	check_status("GET https://host/ HTTP/1.1\r\n\r\n", 400);
	check_status("GET http:///x HTTP/1.1\r\n\r\n", 400);
	check_status("GET http:// HTTP/1.1\r\n\r\n", 400);
	check_status("GET http://user@host/ HTTP/1.1\r\n\r\n", 400);
	check_status("GET /a\x01 HTTP/1.1\r\n\r\n", 400);
	check_status("GET /a\x7f HTTP/1.1\r\n\r\n", 400);
	check_status("GET /a\xc3\xa9 HTTP/1.1\r\n\r\n", 400);
	check_status("GET /a\tb HTTP/1.1\r\n\r\n", 400);
	check_status("GET /a b HTTP/1.1\r\n\r\n", 400);
}

/* A request for a path of n characters, query appended. */
static void make_long_path(char *out, size_t cap, size_t n, const char *query)
{
	char path[HTTP_MAX_PATH + 16];

	assert_true(n < sizeof(path));
	memset(path, 'p', n);
	path[0] = '/';
	path[n] = '\0';
	snprintf(out, cap, "GET %s%s HTTP/1.1\r\n\r\n", path, query);
}

static void test_path_limit(void **state)
{
	char line[1024];
	struct http_request req;

	(void)state;
	make_long_path(line, sizeof(line), HTTP_MAX_PATH, "");
	parse_ok(line, &req);
	assert_int_equal(strlen(req.path), HTTP_MAX_PATH);
	make_long_path(line, sizeof(line), HTTP_MAX_PATH + 1, "");
	check_status(line, 414);
	/* The query does not count. */
	make_long_path(line, sizeof(line), HTTP_MAX_PATH, "?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	parse_ok(line, &req);
	assert_int_equal(strlen(req.path), HTTP_MAX_PATH);
}

static void test_versions(void **state)
{
	struct http_request req;

	(void)state;
	parse_ok("GET / HTTP/1.1\r\n\r\n", &req);
	parse_ok("GET / HTTP/1.0\r\n\r\n", &req);
	check_status("GET / HTTP/2.0\r\n\r\n", 505);
	check_status("GET / HTTP/1.2\r\n\r\n", 505);
	check_status("GET / HTTP/0.9\r\n\r\n", 505);
	check_status("GET / HTTP/3.1\r\n\r\n", 505);
	check_status("GET / HTTX/1.1\r\n\r\n", 400);
	check_status("GET / http/1.1\r\n\r\n", 400);
	check_status("GET / HTTP/1.1 \r\n\r\n", 400);
	check_status("GET / HTTP/11\r\n\r\n", 400);
	check_status("GET / HTTP/1.10\r\n\r\n", 400);
	check_status("GET / HTTP/2\r\n\r\n", 400);
	check_status("GET / \r\n\r\n", 400);
	check_status("GET / HTTP/1.1 extra\r\n\r\n", 400);
}

static void test_bad_header_lines(void **state)
{
	(void)state;
	check_status("GET / HTTP/1.1\r\nHost\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\n: x\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHo(st: x\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nX: a\x01"
		     "b\r\n\r\n",
		     400);
	check_status("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 400);
}

static void test_good_header_lines(void **state)
{
	struct http_request req;

	(void)state;
	/* Empty values, tabs inside, obs-text, colons in the value. */
	parse_ok("GET / HTTP/1.1\r\nX-Empty:\r\nX-T: a\tb\r\nX-O: \xe9\r\nHost: h:80\r\n\r\n",
		 &req);
	parse_ok("GET / HTTP/1.1\r\nx!#$%&'*+-.^_`|~9:v\r\n\r\n", &req);
}

static void test_nul_and_bare_cr(void **state)
{
	static const char nul_line[] = "GET /\0 HTTP/1.1\r\n\r\n";
	static const char nul_header[] = "GET / HTTP/1.1\r\nX: \0\r\n\r\n";
	static const char nul_partial[] = "GET / HTTP/1.1\r\nX: a\0";
	struct http_request req;

	(void)state;
	assert_int_equal(http_parse(nul_line, sizeof(nul_line) - 1, &req), 400);
	assert_int_equal(http_parse(nul_header, sizeof(nul_header) - 1, &req), 400);
	/* Known bad before the line is even finished. */
	assert_int_equal(http_parse(nul_partial, sizeof(nul_partial) - 1, &req), 400);
	check_status("GET / HTTP/1.1\rHost: x\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", 400);
	check_status("GET / HTTP/1.1\r\n\r\r\n", 400);
	check_status("GET / HTTP/1.1\r\nHost: a\rb", 400);
	/* A CR at the end may still be followed by its LF. */
	check_status("GET / HTTP/1.1\r", HTTP_INCOMPLETE);
}

static void test_content_length(void **state)
{
	struct http_request req;

	(void)state;
	parse_ok("PUT /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", &req);
	assert_int_equal(req.body_len, 5);
	assert_memory_equal(req.body, "hello", 5);
	parse_ok("PUT /x HTTP/1.1\r\ncontent-LENGTH:\t 007 \t\r\n\r\n1234567", &req);
	assert_int_equal(req.body_len, 7);
	parse_ok("PUT /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &req);
	assert_int_equal(req.body_len, 0);
	parse_ok("PUT /x HTTP/1.1\r\n\r\n", &req);
	assert_int_equal(req.body_len, 0);

	check_status("PUT / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\nhello", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\nhello", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 5a\r\n\r\nhello", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 5,\r\n\r\nhello", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: ,5\r\n\r\nhello", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 1.0\r\n\r\nh", 400);
}

static void test_duplicate_content_length(void **state)
{
	struct http_request req;

	(void)state;
	parse_ok("PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", &req);
	assert_int_equal(req.body_len, 3);
	parse_ok("PUT / HTTP/1.1\r\nContent-Length: 3, 3,3\r\n\r\nabc", &req);
	assert_int_equal(req.body_len, 3);
	parse_ok("PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 03\r\n\r\nabc", &req);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", 400);
	/* Found wrong as soon as the second line is there. */
	check_status("PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n", 400);
}

static void test_body_limit(void **state)
{
	struct http_request req;
	int head;

	(void)state;
	head = snprintf(big, sizeof(big), "PUT / HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
			HTTP_MAX_BODY);
	memset(big + head, 'b', HTTP_MAX_BODY);
	assert_int_equal(http_parse(big, (size_t)head + HTTP_MAX_BODY - 1, &req), HTTP_INCOMPLETE);
	assert_int_equal(http_parse(big, (size_t)head + HTTP_MAX_BODY, &req), HTTP_COMPLETE);
	assert_int_equal(req.body_len, HTTP_MAX_BODY);
	assert_int_equal(req.consumed, (size_t)head + HTTP_MAX_BODY);

	check_status("PUT / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n", 413);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", 413);
	/* Past any integer type: too large, not malformed. */
	check_status("PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999999999999\r\n\r\n",
		     413);
	/* Answered before the head ends. */
	check_status("PUT / HTTP/1.1\r\nContent-Length: 100000\r\n", 413);
}

static void test_transfer_encoding(void **state)
{
	(void)state;
	check_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501);
	check_status("POST / HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n", 501);
	check_status("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		     501);
}

static void check_keep_alive(const char *s, bool want)
{
	struct http_request req;

	parse_ok(s, &req);
	assert_int_equal(req.keep_alive, want);
}

static void test_keep_alive(void **state)
{
	(void)state;
	check_keep_alive("GET / HTTP/1.1\r\n\r\n", true);
	check_keep_alive("GET / HTTP/1.0\r\n\r\n", false);
	check_keep_alive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false);
	check_keep_alive("GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n", false);
	check_keep_alive("GET / HTTP/1.1\r\nconnection: upgrade , Close\r\n\r\n", false);
	check_keep_alive("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true);
	check_keep_alive("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", true);
	check_keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true);
	check_keep_alive("GET / HTTP/1.0\r\nConnection: Keep-Alive, Upgrade\r\n\r\n", true);
	check_keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive,close\r\n\r\n", false);
	check_keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
			 false);
	check_keep_alive("GET / HTTP/1.0\r\nConnection: ,\r\n\r\n", false);
}

static void check_json(const char *content_type, bool want)
{
	char s[256];
	struct http_request req;

	snprintf(s, sizeof(s), "PUT / HTTP/1.1\r\nContent-Type: %s\r\n\r\n", content_type);
	parse_ok(s, &req);
	assert_int_equal(req.has_json_type, want);
}

static void test_content_type(void **state)
{
	struct http_request req;

	(void)state;
	check_json("application/json", true);
	check_json("Application/JSON", true);
	check_json("application/json; charset=utf-8", true);
	check_json("application/json ;charset=utf-8", true);
	check_json("application/json;", true);
	check_json("application/jsonx", false);
	check_json("application/json-patch+json", false);
	check_json("application/jso", false);
	check_json("text/plain", false);
	check_json("", false);
	parse_ok("PUT / HTTP/1.1\r\n\r\n", &req);
	assert_false(req.has_json_type);
}

static void test_head_limit(void **state)
{
	static const char start[] = "GET / HTTP/1.1\r\nX: ";
	struct http_request req;
	size_t fill;

	(void)state;
	/* A head of exactly HTTP_MAX_HEAD bytes, blank line included. */
	fill = HTTP_MAX_HEAD - (sizeof(start) - 1) - 4;
	memcpy(big, start, sizeof(start) - 1);
	memset(big + sizeof(start) - 1, 'v', fill);
	memcpy(big + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	assert_int_equal(http_parse(big, HTTP_MAX_HEAD, &req), HTTP_COMPLETE);
	assert_int_equal(req.consumed, HTTP_MAX_HEAD);
	assert_int_equal(http_parse(big, HTTP_MAX_HEAD - 1, &req), HTTP_INCOMPLETE);

	/* One byte more: 431 even though the head does end. */
	memset(big + sizeof(start) - 1, 'v', fill + 1);
	memcpy(big + HTTP_MAX_HEAD - 3, "\r\n\r\n", 4);
	assert_int_equal(http_parse(big, HTTP_MAX_HEAD + 1, &req), 431);
	assert_int_equal(http_parse(big, HTTP_MAX_HEAD, &req), 431);
	assert_int_equal(http_parse(big, HTTP_MAX_HEAD - 1, &req), HTTP_INCOMPLETE);

	/* Many short header lines, no end. */
	memcpy(big, "GET / HTTP/1.1\r\n", 16);
	for (fill = 16; fill + 6 <= HTTP_MAX_HEAD + 100; fill += 6)
		memcpy(big + fill, "A: b\r\n", 6);
	assert_int_equal(http_parse(big, HTTP_MAX_HEAD - 1, &req), HTTP_INCOMPLETE);
	assert_int_equal(http_parse(big, HTTP_MAX_HEAD, &req), 431);
	assert_int_equal(http_parse(big, fill, &req), 431);
}

static void test_pipelined(void **state)
{
	static const char two[] = "PUT /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
				  "GET /b HTTP/1.1\r\n\r\n"
				  "GET /c HTT";
	struct http_request req;
	size_t off = 0, len = sizeof(two) - 1;

	(void)state;
	assert_int_equal(http_parse(two, len, &req), HTTP_COMPLETE);
	assert_string_equal(req.path, "/a");
	assert_int_equal(req.body_len, 3);
	assert_memory_equal(req.body, "abc", 3);
	off += req.consumed;
	assert_int_equal(http_parse(two + off, len - off, &req), HTTP_COMPLETE);
	assert_string_equal(req.path, "/b");
	assert_int_equal(req.body_len, 0);
	off += req.consumed;
	assert_int_equal(http_parse(two + off, len - off, &req), HTTP_INCOMPLETE);
	assert_string_equal(two + off, "GET /c HTT");
}

static void test_incomplete(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(http_parse("", 0, &req), HTTP_INCOMPLETE);
	check_status("GET / HTTP/1.1\r\n", HTTP_INCOMPLETE);
	check_status("GET / HTTP/1.1\r\nHost: x\r\n\r", HTTP_INCOMPLETE);
	check_status("PUT / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabc", HTTP_INCOMPLETE);
}

/* Every proper prefix of a valid request needs more bytes, and the whole
 * parses the same as in one call. */
static void check_prefixes_valid(const char *s, size_t len)
{
	struct http_request whole, part;
	size_t i;

	assert_int_equal(http_parse(s, len, &whole), HTTP_COMPLETE);
	assert_int_equal(whole.consumed, len);
	for (i = 0; i < len; i++)
		assert_int_equal(http_parse(s, i, &part), HTTP_INCOMPLETE);
	assert_int_equal(http_parse(s, len, &part), HTTP_COMPLETE);
	assert_memory_equal(&part, &whole, sizeof(part));
}

/* No prefix of an invalid request is complete, and once one is answered with
 * an error every longer prefix gets the same answer. */
static void check_prefixes_invalid(const char *s, size_t len, int want)
{
	struct http_request req;
	int first = HTTP_INCOMPLETE, rc;
	size_t i;

	for (i = 0; i <= len; i++) {
		rc = http_parse(s, i, &req);
		assert_int_not_equal(rc, HTTP_COMPLETE);
		if (first != HTTP_INCOMPLETE)
			assert_int_equal(rc, first);
		first = rc;
	}
	assert_int_equal(first, want);
}

static void test_every_prefix(void **state)
{
	static const char *valid[] = {
		"GET / HTTP/1.1\r\n\r\n",
		"GET /v1/vm?x=1 HTTP/1.0\nConnection: keep-alive\n\n",
		"PUT http://localhost:9/v1/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
		"application/json\r\nContent-Length: 13\r\n\r\n{\"a\": [1, 2]}",
		"\r\nPATCH /p HTTP/1.1\r\nContent-Length: 2, 2\r\nConnection: close\r\n\r\n{}",
	};
	static const struct {
		const char *s;
		int want;
	} invalid[] = {
		{ "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505 },
		{ "GET / HTTX/1.1\r\n\r\n", 400 },
		{ "GET /a\rb HTTP/1.1\r\n\r\n", 400 },
		{ "GET * HTTP/1.1\r\n\r\n", 400 },
		{ "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", 501 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501 },
		{ "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400 },
		{ "POST / HTTP/1.1\r\nContent-Length: 70000\r\n\r\n", 413 },
		{ "GET / HTTP/1.1\r\nX: y\r\n z\r\n\r\n", 400 },
	};
	char line[1024];
	size_t i;
	int head;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		check_prefixes_valid(valid[i], strlen(valid[i]));
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		check_prefixes_invalid(invalid[i].s, strlen(invalid[i].s), invalid[i].want);
	make_long_path(line, sizeof(line), HTTP_MAX_PATH + 1, "");
	check_prefixes_invalid(line, strlen(line), 414);

	/* The largest request there is: the limits on both head and body. */
	head = snprintf(big, sizeof(big),
			"PUT / HTTP/1.1\r\nContent-Length: %d\r\nX: ", HTTP_MAX_BODY);
	memset(big + head, 'h', HTTP_MAX_HEAD - (size_t)head - 4);
	memcpy(big + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	memset(big + HTTP_MAX_HEAD, '{', HTTP_MAX_BODY);
	check_prefixes_valid(big, HTTP_MAX_HEAD + HTTP_MAX_BODY);
}

static void test_reasons(void **state)
{
	static const struct {
		int status;
		const char *reason;
	} cases[] = {
		{ 200, "OK" },
		{ 204, "No Content" },
		{ 400, "Bad Request" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 408, "Request Timeout" },
		{ 409, "Conflict" },
		{ 411, "Length Required" },
		{ 413, "Payload Too Large" },
		{ 414, "URI Too Long" },
		{ 415, "Unsupported Media Type" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
		{ 0, "Unknown" },
		{ 299, "Unknown" },
		{ -1, "Unknown" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(http_reason(cases[i].status), cases[i].reason);
}

#define GUARD 0x5a

/* Format into a buffer of exactly the expected length, then into every
 * shorter one: -ENOSPC and nothing written at or past cap. */
static void check_format(int status, const char *type, const char *body, size_t body_len,
			 bool keep_alive, const char *want)
{
	size_t want_len = strlen(want), cap;
	char out[512];

	assert_true(want_len + 1 < sizeof(out));
	memset(out, GUARD, sizeof(out));
	assert_int_equal(
		http_format_response(out, want_len, status, type, body, body_len, keep_alive),
		(int)want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal((unsigned char)out[want_len], GUARD);
	for (cap = 0; cap < want_len; cap++) {
		size_t i;

		memset(out, GUARD, sizeof(out));
		assert_int_equal(
			http_format_response(out, cap, status, type, body, body_len, keep_alive),
			-ENOSPC);
		for (i = cap; i < sizeof(out); i++)
			assert_int_equal((unsigned char)out[i], GUARD);
	}
}

static void test_format(void **state)
{
	(void)state;
	check_format(200, "application/json", "{\"ok\":1}", 8, true,
		     "HTTP/1.1 200 OK\r\nServer: minivmm\r\nContent-Type: application/json\r\n"
		     "Content-Length: 8\r\n\r\n{\"ok\":1}");
	check_format(
		404, "application/json", "{}", 2, false,
		"HTTP/1.1 404 Not Found\r\nServer: minivmm\r\nContent-Type: application/json\r\n"
		"Content-Length: 2\r\nConnection: close\r\n\r\n{}");
	check_format(400, NULL, "bad", 3, false,
		     "HTTP/1.1 400 Bad Request\r\nServer: minivmm\r\nContent-Length: 3\r\n"
		     "Connection: close\r\n\r\nbad");
	check_format(200, NULL, NULL, 0, true,
		     "HTTP/1.1 200 OK\r\nServer: minivmm\r\nContent-Length: 0\r\n\r\n");
	/* A NULL body has no bytes, whatever length comes with it. */
	check_format(
		503, NULL, NULL, 9, true,
		"HTTP/1.1 503 Service Unavailable\r\nServer: minivmm\r\nContent-Length: 0\r\n\r\n");
	check_format(500, "text/plain", "", 0, true,
		     "HTTP/1.1 500 Internal Server Error\r\nServer: minivmm\r\nContent-Type: "
		     "text/plain\r\nContent-Length: 0\r\n\r\n");
	/* 204: neither a body nor Content-Length. */
	check_format(204, NULL, NULL, 0, true,
		     "HTTP/1.1 204 No Content\r\nServer: minivmm\r\n\r\n");
	check_format(204, NULL, "ignored", 7, false,
		     "HTTP/1.1 204 No Content\r\nServer: minivmm\r\nConnection: close\r\n\r\n");
	check_format(299, NULL, NULL, 0, true,
		     "HTTP/1.1 299 Unknown\r\nServer: minivmm\r\nContent-Length: 0\r\n\r\n");
}

static void test_format_large(void **state)
{
	static char out[HTTP_MAX_BODY + 256];
	int n;

	(void)state;
	memset(big, 'x', HTTP_MAX_BODY);
	n = http_format_response(out, sizeof(out), 200, NULL, big, HTTP_MAX_BODY, true);
	assert_true(n > HTTP_MAX_BODY);
	assert_memory_equal(out + n - HTTP_MAX_BODY, big, HTTP_MAX_BODY);
	assert_non_null(strstr(out, "Content-Length: 65536\r\n"));
	/* A length no int can return. */
	assert_int_equal(
		http_format_response(out, SIZE_MAX, 200, NULL, big, (size_t)INT32_MAX, true),
		-ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_bad_methods),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_leading_empty_lines),
		cmocka_unit_test(test_origin_form),
		cmocka_unit_test(test_absolute_form),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_bad_header_lines),
		cmocka_unit_test(test_good_header_lines),
		cmocka_unit_test(test_nul_and_bare_cr),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_duplicate_content_length),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_transfer_encoding),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
