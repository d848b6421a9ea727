/* HTTP/1.1 request parsing and response formatting for the control API
 * (vmm/http.h). Pure: no I/O, no allocation, no global state.
 *
 * The head is read line by line and each complete line is checked as soon
 * as it is there, in order, stopping at the first error. So once some prefix
 * of a buffer gets an error status, every longer buffer with that prefix gets
 * the same one, and a request split anywhere parses as if read at once. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmm/http.h"

/* What the head's lines tell us, gathered as they are read. */
struct head_state {
	struct http_request *req;
	bool have_request_line;
	int minor; /* HTTP/1.minor */
	bool have_length;
	size_t content_length; /* capped at HTTP_MAX_BODY + 1 */
	bool conn_close;
	bool conn_keep_alive;
};

/* RFC 9110 5.6.2: tchar, the characters of a token (methods, header names). */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* field-vchar, SP or HTAB (RFC 9110 5.5): no other control characters. */
static bool is_field_char(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s[0..n) equals the lowercase literal lit, ignoring ASCII case. */
static bool eq_nocase(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || ascii_lower(s[i]) != lit[i])
			return false;
	return lit[n] == '\0';
}

static bool starts_nocase(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && eq_nocase(s, l, lit);
}

static void trim_ows(const char **s, size_t *n)
{
	while (*n > 0 && is_ows((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ows((*s)[*n - 1]))
		(*n)--;
}

/* Cut the next comma-separated element, OWS-trimmed, off the front of the
 * list s (n bytes) into elem (elem_len bytes). True when a comma followed it:
 * another element, perhaps empty, comes next. */
static bool next_element(const char **s, size_t *n, const char **elem, size_t *elem_len)
{
	const char *comma = memchr(*s, ',', *n);
	size_t len = comma ? (size_t)(comma - *s) : *n;

	*elem = *s;
	*elem_len = len;
	trim_ows(elem, elem_len);
	if (comma) {
		*s += len + 1;
		*n -= len + 1;
	} else {
		*s += len;
		*n = 0;
	}
	return comma != NULL;
}

/* RFC 9112 2.2: NUL and a CR not ending the line are never accepted. The
 * line's own terminating CR, if any, has already been cut off. */
static int check_line_bytes(const char *line, size_t n)
{
	if (memchr(line, '\0', n) || memchr(line, '\r', n))
		return 400;
	return 0;
}

/* The same for the unfinished last line: a CR at its very end may still be
 * followed by the LF. */
static int check_partial_line(const char *line, size_t n)
{
	return check_line_bytes(line, n > 0 && line[n - 1] == '\r' ? n - 1 : n);
}

static int parse_method(const char *m, size_t n, struct http_request *req)
{
	static const struct {
		const char *name;
		enum http_method method;
	} known[] = {
		{ "GET", HTTP_GET },	 { "PUT", HTTP_PUT },	    { "POST", HTTP_POST },
		{ "PATCH", HTTP_PATCH }, { "DELETE", HTTP_DELETE }, { "HEAD", HTTP_HEAD },
	};
	size_t i;

	if (n == 0)
		return 400;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)m[i]))
			return 400;
	if (n > HTTP_MAX_METHOD)
		return 501;
	memcpy(req->method_name, m, n);
	req->method_name[n] = '\0';
	/* Method names are case-sensitive (RFC 9110 9.1): "get" is not GET. */
	req->method = HTTP_OTHER;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(req->method_name, known[i].name) == 0)
			req->method = known[i].method;
	return 0;
}

/* Where the path of an absolute-form target ("http://host[:port]/path")
 * starts, or 0 when the target is not one we take. */
static size_t absolute_form_path(const char *t, size_t n)
{
	size_t host = strlen("http://"), end = host;

	if (!starts_nocase(t, n, "http://"))
		return 0;
	while (end < n && t[end] != '/' && t[end] != '?' && t[end] != '#')
		end++;
	/* An http URI needs a host; userinfo in one is an error (RFC 9110 4.2.4). */
	if (end == host || memchr(t + host, '@', end - host))
		return 0;
	return end;
}

static int parse_target(const char *t, size_t n, struct http_request *req)
{
	size_t i, start, end;

	if (n == 0)
		return 400;
	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f)
			return 400;
	if (t[0] == '/') {
		start = 0;
	} else {
		/* Besides absolute-form, only "*" (OPTIONS) and authority-form
		 * (CONNECT) exist; we serve neither. */
		start = absolute_form_path(t, n);
		if (start == 0)
			return 400;
	}
	end = start;
	while (end < n && t[end] != '?' && t[end] != '#')
		end++;
	if (end == start) {
		/* "http://host" or "http://host?q": the path is empty, which is "/". */
		strcpy(req->path, "/");
		return 0;
	}
	if (end - start > HTTP_MAX_PATH)
		return 414;
	memcpy(req->path, t + start, end - start);
	req->path[end - start] = '\0';
	return 0;
}

/* "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3); well-formed but
 * neither 1.0 nor 1.1 is a version we do not support, not a bad request. */
static int parse_version(const char *v, size_t n, int *minor)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || !is_digit(v[5]) || v[6] != '.' ||
	    !is_digit(v[7]))
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	*minor = v[7] - '0';
	return 0;
}

/* method SP request-target SP HTTP-version, single spaces (RFC 9112 3). */
static int parse_request_line(struct head_state *st, const char *line, size_t n)
{
	const char *sp1 = memchr(line, ' ', n), *target, *sp2, *version;
	int rc;

	if (!sp1)
		return 400;
	rc = parse_method(line, (size_t)(sp1 - line), st->req);
	if (rc)
		return rc;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', n - (size_t)(target - line));
	if (!sp2)
		return 400;
	rc = parse_target(target, (size_t)(sp2 - target), st->req);
	if (rc)
		return rc;
	version = sp2 + 1;
	rc = parse_version(version, n - (size_t)(version - line), &st->minor);
	if (rc)
		return rc;
	st->have_request_line = true;
	return 0;
}

/* 1*DIGIT; a value past HTTP_MAX_BODY is kept as HTTP_MAX_BODY + 1 however
 * many digits follow, so nothing can overflow. */
static int parse_length_value(const char *s, size_t n, size_t *value)
{
	size_t i, v = 0;

	if (n == 0)
		return 400;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 400;
		if (v <= HTTP_MAX_BODY)
			v = v * 10 + (size_t)(s[i] - '0');
		if (v > HTTP_MAX_BODY)
			v = HTTP_MAX_BODY + 1;
	}
	*value = v;
	return 0;
}

/* Content-Length may repeat, in several fields or as a list, only with one
 * value throughout (RFC 9110 8.6); anything else could smuggle a request. */
static int parse_content_length(struct head_state *st, const char *value, size_t n)
{
	const char *elem;
	size_t elem_len, v;
	bool more;
	int rc;

	do {
		more = next_element(&value, &n, &elem, &elem_len);
		rc = parse_length_value(elem, elem_len, &v);
		if (rc)
			return rc;
		if (st->have_length && v != st->content_length)
			return 400;
		st->have_length = true;
		st->content_length = v;
	} while (more);
	return st->content_length > HTTP_MAX_BODY ? 413 : 0;
}

/* Connection options we act on; others (upgrade, ...) are ignored. */
static void parse_connection(struct head_state *st, const char *value, size_t n)
{
	const char *elem;
	size_t elem_len;

	while (n > 0) {
		next_element(&value, &n, &elem, &elem_len);
		if (eq_nocase(elem, elem_len, "close"))
			st->conn_close = true;
		else if (eq_nocase(elem, elem_len, "keep-alive"))
			st->conn_keep_alive = true;
	}
}

/* "application/json", any case, alone or followed by ";parameters". */
static bool is_json_type(const char *value, size_t n)
{
	size_t l = strlen("application/json");

	if (!starts_nocase(value, n, "application/json"))
		return false;
	while (l < n && is_ows(value[l]))
		l++;
	return l == n || value[l] == ';';
}

/* field-name ":" OWS field-value OWS (RFC 9112 5). */
static int parse_header_line(struct head_state *st, const char *line, size_t n)
{
	const char *colon, *value;
	size_t i, name_len, value_len;

	/* Obsolete line folding (RFC 9112 5.2): we reject rather than unfold. */
	if (is_ows(line[0]))
		return 400;
	colon = memchr(line, ':', n);
	if (!colon || colon == line)
		return 400;
	name_len = (size_t)(colon - line);
	/* Whitespace before the colon is not a tchar: rejected here too (5.1). */
	for (i = 0; i < name_len; i++)
		if (!is_tchar((unsigned char)line[i]))
			return 400;
	value = colon + 1;
	value_len = n - name_len - 1;
	trim_ows(&value, &value_len);
	for (i = 0; i < value_len; i++)
		if (!is_field_char((unsigned char)value[i]))
			return 400;

	if (eq_nocase(line, name_len, "content-length"))
		return parse_content_length(st, value, value_len);
	/* Chunked or any other coding: we would misread the body's length. */
	if (eq_nocase(line, name_len, "transfer-encoding"))
		return 501;
	if (eq_nocase(line, name_len, "connection"))
		parse_connection(st, value, value_len);
	else if (eq_nocase(line, name_len, "content-type"))
		st->req->has_json_type = is_json_type(value, value_len);
	return 0;
}

/* parse_head_line's answer for the blank line that ends the head. */
#define HEAD_END 1

/* A complete line of the head, its CR LF or LF cut off. Returns 0, an error
 * status, or HEAD_END. */
static int parse_head_line(struct head_state *st, const char *line, size_t n)
{
	int rc = check_line_bytes(line, n);

	if (rc)
		return rc;
	/* Empty lines before the request line are ignored (RFC 9112 2.2). */
	if (n == 0)
		return st->have_request_line ? HEAD_END : 0;
	if (!st->have_request_line)
		return parse_request_line(st, line, n);
	return parse_header_line(st, line, n);
}

/* Read the head's lines within the first limit bytes. Returns an error
 * status, or 0 with *head_len the head's length, 0 while its blank line has
 * not come. */
static int find_head(struct head_state *st, const char *buf, size_t limit, size_t *head_len)
{
	size_t pos = 0;

	*head_len = 0;
	while (pos < limit) {
		const char *lf = memchr(buf + pos, '\n', limit - pos);
		size_t n, next;
		int rc;

		if (!lf)
			return check_partial_line(buf + pos, limit - pos);
		next = (size_t)(lf - buf) + 1;
		n = next - pos - 1;
		if (n > 0 && buf[pos + n - 1] == '\r')
			n--;
		rc = parse_head_line(st, buf + pos, n);
		if (rc == HEAD_END) {
			*head_len = next;
			return 0;
		}
		if (rc)
			return rc;
		pos = next;
	}
	return 0;
}

int http_parse(const char *buf, size_t len, struct http_request *req)
{
	struct head_state st = { .req = req };
	size_t limit = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
	size_t head_len;
	int rc;

	memset(req, 0, sizeof(*req));
	rc = find_head(&st, buf, limit, &head_len);
	if (rc)
		return rc;
	if (head_len == 0)
		return len >= HTTP_MAX_HEAD ? 431 : HTTP_INCOMPLETE;
	/* Both bounded (HTTP_MAX_HEAD, HTTP_MAX_BODY): the sum cannot overflow,
	 * but comparing what is left keeps that from mattering. */
	if (st.have_length && len - head_len < st.content_length)
		return HTTP_INCOMPLETE;
	req->body = buf + head_len;
	req->body_len = st.have_length ? st.content_length : 0;
	req->consumed = head_len + req->body_len;
	if (st.minor == 1)
		req->keep_alive = !st.conn_close;
	else
		req->keep_alive = st.conn_keep_alive && !st.conn_close;
	return HTTP_COMPLETE;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

struct piece {
	const char *p;
	size_t n;
};

static void add_piece(struct piece *pieces, size_t *count, const char *p, size_t n)
{
	pieces[*count].p = p;
	pieces[*count].n = n;
	(*count)++;
}

/* The response is assembled from pieces whose total is checked before any
 * byte is written, so a response that does not fit leaves out untouched.
 * The numeric lines go through snprintf into fixed scratch buffers first.
 * out is not NUL-terminated: a response of exactly cap bytes fits. The
 * content type is the caller's constant and is not checked for CR or LF. */
int http_format_response(char *out, size_t cap, int status, const char *content_type,
			 const char *body, size_t body_len, bool keep_alive)
{
	char status_line[80], length_line[48];
	struct piece pieces[8];
	size_t count = 0, total = 0, i;
	int n;

	n = snprintf(status_line, sizeof(status_line), "HTTP/1.1 %d %s\r\nServer: minivmm\r\n",
		     status, http_reason(status));
	if (n < 0 || (size_t)n >= sizeof(status_line))
		return -ENOSPC;
	add_piece(pieces, &count, status_line, (size_t)n);
	if (content_type) {
		add_piece(pieces, &count, "Content-Type: ", strlen("Content-Type: "));
		add_piece(pieces, &count, content_type, strlen(content_type));
		add_piece(pieces, &count, "\r\n", 2);
	}
	if (!body)
		body_len = 0;
	/* 204 has no content, and RFC 9110 8.6 forbids Content-Length in it:
	 * send neither, whatever body the caller passed. */
	if (status == 204) {
		body_len = 0;
	} else {
		n = snprintf(length_line, sizeof(length_line), "Content-Length: %zu\r\n", body_len);
		if (n < 0 || (size_t)n >= sizeof(length_line))
			return -ENOSPC;
		add_piece(pieces, &count, length_line, (size_t)n);
	}
	if (!keep_alive)
		add_piece(pieces, &count, "Connection: close\r\n", strlen("Connection: close\r\n"));
	add_piece(pieces, &count, "\r\n", 2);
	if (body_len > 0)
		add_piece(pieces, &count, body, body_len);

	for (i = 0; i < count; i++) {
		if (pieces[i].n > cap - total)
			return -ENOSPC;
		total += pieces[i].n;
	}
	/* The length is returned as an int. */
	if (total > INT_MAX)
		return -ENOSPC;
	total = 0;
	for (i = 0; i < count; i++) {
		memcpy(out + total, pieces[i].p, pieces[i].n);
		total += pieces[i].n;
	}
	return (int)total;
}
