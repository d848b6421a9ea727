/* Error convention (crun style): every fallible function returns 0 or a
 * negative errno value and fills a caller-owned struct err with one line of
 * text. Callers add context with err_wrap() and return the same code. */
#ifndef MINIVMM_ERR_H
#define MINIVMM_ERR_H

#include <stddef.h>

struct err {
	int code;      /* positive errno value, 0 when no error */
	char msg[512]; /* "what failed: why", no trailing newline */
};

/* Record an error; returns -code (code may be given positive or negative). */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like err_set with the current errno, appending ": strerror(errno)". */
int err_sys(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message with context: "ctx: old message". Returns -code. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);

#endif
