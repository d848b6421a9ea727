#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int code_of(int code)
{
	if (code < 0)
		code = -code;
	return code ? code : EINVAL;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code_of(code);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -e->code;
}

int err_sys(struct err *e, const char *fmt, ...)
{
	int saved = errno;
	size_t used;
	va_list ap;

	e->code = code_of(saved);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	used = strlen(e->msg);
	snprintf(e->msg + used, sizeof(e->msg) - used, ": %s", strerror(e->code));
	return -e->code;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	size_t used, oldlen;
	va_list ap;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	/* Append ": old"; truncation keeps the start, which matters most. */
	used = strlen(e->msg);
	oldlen = strnlen(old, sizeof(old) - 1);
	if (used + 2 < sizeof(e->msg)) {
		size_t room = sizeof(e->msg) - used - 3;

		if (oldlen > room)
			oldlen = room;
		memcpy(e->msg + used, ": ", 2);
		memcpy(e->msg + used + 2, old, oldlen);
		e->msg[used + 2 + oldlen] = '\0';
	}
	e->code = code_of(e->code);
	return -e->code;
}

void err_clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}
