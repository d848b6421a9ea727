#include "err.h"

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
	char ctx[256], old[sizeof(e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", ctx, old);
	e->code = code_of(e->code);
	return -e->code;
}

void err_clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}
