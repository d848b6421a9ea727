#include "common/size.h"

#include <ctype.h>
#include <errno.h>

static int suffix_shift(char c, unsigned *shift)
{
	switch (tolower((unsigned char)c)) {
	case 'k': *shift = 10; return 0;
	case 'm': *shift = 20; return 0;
	case 'g': *shift = 30; return 0;
	case 't': *shift = 40; return 0;
	default: return -1;
	}
}

int parse_size(const char *s, uint64_t *out, struct err *e)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const char *p = s;

	if (!s || !*s)
		return err_set(e, EINVAL, "empty size");
	/* strtoull would accept leading spaces and a minus sign: parse by hand. */
	if (!isdigit((unsigned char)*p))
		return err_set(e, EINVAL,
			       "invalid size '%s': expected a number with optional K/M/G/T", s);
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return err_set(e, ERANGE, "size '%s' is too large", s);
		v = v * 10 + d;
	}
	if (*p) {
		if (suffix_shift(*p, &shift) < 0 || p[1])
			return err_set(e, EINVAL,
				       "invalid size '%s': expected a number with optional K/M/G/T",
				       s);
		if (v > (UINT64_MAX >> shift))
			return err_set(e, ERANGE, "size '%s' is too large", s);
	}
	*out = v << shift;
	return 0;
}
