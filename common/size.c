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

int parse_cpu_millis(const char *opt, const char *s, uint64_t *millis, struct err *e)
{
	uint64_t whole = 0, frac = 0;
	unsigned digits = 0;
	const char *p = s;

	if (!s || !*s)
		return err_set(e, EINVAL, "%s: empty value", opt);
	if (*p < '0' || *p > '9')
		return err_set(e, EINVAL, "%s: '%s' is not a number like 2 or 0.5", opt, s);
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000)
			return err_set(e, ERANGE, "%s: '%s' is too large", opt, s);
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++digits > 3)
				return err_set(e, EINVAL, "%s: '%s' has more than 3 decimals", opt,
					       s);
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (digits == 0)
			return err_set(e, EINVAL, "%s: '%s' is not a number like 2 or 0.5", opt, s);
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p)
		return err_set(e, EINVAL, "%s: '%s' is not a number like 2 or 0.5", opt, s);
	if (whole * 1000 + frac == 0)
		return err_set(e, ERANGE, "%s: must be more than 0", opt);
	*millis = whole * 1000 + frac;
	return 0;
}
