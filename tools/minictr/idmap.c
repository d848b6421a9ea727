#include "tools/minictr/idmap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void idmap_single(struct idmap *m, uint32_t host_id, uint32_t count)
{
	memset(m, 0, sizeof(*m));
	m->r[0] = (struct idmap_range){ .inside = 0, .outside = host_id, .count = count };
	m->n = 1;
}

void idmap_default(struct idmap *m, uint32_t caller_id)
{
	if (caller_id == 0)
		idmap_single(m, 100000, 65536);
	else
		idmap_single(m, caller_id, 1);
}

int idmap_format(const struct idmap *m, char *buf, size_t len, struct err *e)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		int n = snprintf(buf + used, len - used, "%u %u %u\n", m->r[i].inside,
				 m->r[i].outside, m->r[i].count);
		if (n < 0 || (size_t)n >= len - used)
			return err_set(e, ENOSPC, "id map does not fit in %zu bytes", len);
		used += (size_t)n;
	}
	return 0;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int parse_u32(const char **pp, uint32_t *out)
{
	const char *p = skip_blanks(*pp);
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	*pp = p;
	return 0;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int idmap_parse(const char *text, struct idmap *m, struct err *e)
{
	const char *p = text;
	unsigned line = 0;

	memset(m, 0, sizeof(*m));
	while (*p) {
		struct idmap_range r;

		line++;
		if (*p == '\n') {
			p++;
			continue;
		}
		if (m->n >= IDMAP_MAX)
			return err_set(e, E2BIG, "id map: more than %d ranges", IDMAP_MAX);
		if (parse_u32(&p, &r.inside) || parse_u32(&p, &r.outside) ||
		    parse_u32(&p, &r.count))
			return err_set(e, EINVAL, "id map line %u: expected 'INSIDE OUTSIDE COUNT'",
				       line);
		p = skip_blanks(p);
		if (*p && *p != '\n')
			return err_set(e, EINVAL, "id map line %u: trailing text", line);
		if (*p)
			p++;
		if (r.count == 0)
			return err_set(e, EINVAL, "id map line %u: count is 0", line);
		if ((uint64_t)r.inside + r.count - 1 > UINT32_MAX - 1 ||
		    (uint64_t)r.outside + r.count - 1 > UINT32_MAX - 1)
			return err_set(e, ERANGE, "id map line %u: range passes 4294967294", line);
		for (size_t i = 0; i < m->n; i++) {
			if (overlaps(r.inside, r.count, m->r[i].inside, m->r[i].count) ||
			    overlaps(r.outside, r.count, m->r[i].outside, m->r[i].count))
				return err_set(e, EINVAL, "id map line %u overlaps line %zu", line,
					       i + 1);
		}
		m->r[m->n++] = r;
	}
	if (m->n == 0)
		return err_set(e, EINVAL, "id map is empty");
	return 0;
}

int64_t idmap_to_host(const struct idmap *m, uint32_t inside)
{
	for (size_t i = 0; i < m->n; i++) {
		if (inside >= m->r[i].inside && inside - m->r[i].inside < m->r[i].count)
			return (int64_t)m->r[i].outside + (inside - m->r[i].inside);
	}
	return -1;
}
