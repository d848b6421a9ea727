/* HTTP/1.1 for the control API (vmm/api.c): a pure request parser and a
 * response formatter over caller-owned buffers, no I/O, no allocation. A
 * request is parsed again from the start of the connection's buffer each
 * time bytes arrive (requests are small), so a request split anywhere parses
 * the same as one read at once. Fuzzed by tests/fuzz/fuzz_http.c. */
#ifndef MINIVMM_HTTP_H
#define MINIVMM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEAD	8192  /* request line plus headers, with the blank line */
#define HTTP_MAX_BODY	65536 /* Content-Length above this: 413 */
#define HTTP_MAX_PATH	256   /* path (query not counted) above this: 414 */
#define HTTP_MAX_METHOD 16

enum http_method {
	HTTP_GET,
	HTTP_PUT,
	HTTP_POST,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_HEAD,
	HTTP_OTHER, /* a well-formed token we do not serve: the router answers 405 */
};

struct http_request {
	enum http_method method;
	char method_name[HTTP_MAX_METHOD + 1];
	/* The request target's path, NUL-terminated, query string removed. Only
	 * origin-form ("/...") or absolute-form ("http://host/...", reduced to
	 * its path) is accepted. */
	char path[HTTP_MAX_PATH + 1];
	const char *body; /* points into the parsed buffer; body_len bytes */
	size_t body_len;
	bool keep_alive;    /* HTTP/1.1 without "Connection: close", or 1.0 with keep-alive */
	bool has_json_type; /* Content-Type: application/json (parameters allowed) */
	size_t consumed;    /* bytes of the buffer this request used (head + body) */
};

/* http_parse's results besides an HTTP error status (400-599). */
#define HTTP_COMPLETE	0
#define HTTP_INCOMPLETE 1

/* Parse one request from the first len bytes of buf.
 * Returns HTTP_COMPLETE (req filled, req->consumed set), HTTP_INCOMPLETE
 * (more bytes are needed and may still come: len is below the limits, never
 * when len >= HTTP_MAX_HEAD + HTTP_MAX_BODY), or
 * the status to answer before closing the connection:
 *   400 malformed request line, header line, or Content-Length (not digits,
 *       duplicated with different values), bare CR, NUL byte,
 *       obsolete line folding, missing Host is NOT an error;
 *   413 Content-Length above HTTP_MAX_BODY (however many digits);
 *   414 path above HTTP_MAX_PATH;
 *   431 head not complete within HTTP_MAX_HEAD bytes;
 *   501 Transfer-Encoding (chunked bodies are not supported) or a method
 *       name longer than HTTP_MAX_METHOD;
 *   505 a version other than HTTP/1.0 or HTTP/1.1.
 * Lines end in CRLF or a bare LF (robustness); header names are
 * case-insensitive; whitespace around header values is ignored. */
int http_parse(const char *buf, size_t len, struct http_request *req);

/* The reason phrase of a status ("OK", "Not Found", ...; "Unknown" for
 * anything not listed). */
const char *http_reason(int status);

/* Write a complete response into out (capacity cap): status line, Server:
 * minivmm, Content-Type (omitted when content_type is NULL), Content-Length,
 * "Connection: close" when !keep_alive, blank line, body (a NULL body is
 * empty; 204 sends neither body nor Content-Length). Returns the length, out
 * not NUL-terminated, or -ENOSPC (out untouched beyond cap) when it does not
 * fit. */
int http_format_response(char *out, size_t cap, int status, const char *content_type,
			 const char *body, size_t body_len, bool keep_alive);

#endif
