#include "vmm/guest_mem.h"

#include <stddef.h>

void guest_mem_layout(struct guest_mem *m, void *host, uint64_t size)
{
	m->host = host;
	m->size = size;
	m->low_size = size < LAYOUT_MEM_HOLE_START ? size : LAYOUT_MEM_HOLE_START;
}

void *guest_buf(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	if (end <= m->low_size)
		return m->host + gpa;
	/* Above the hole only when there is RAM there (else 4 GiB is no end). */
	if (gpa >= LAYOUT_MEM_HOLE_END && m->size > m->low_size) {
		uint64_t high = m->size - m->low_size;
		uint64_t off = gpa - LAYOUT_MEM_HOLE_END;

		if (end - LAYOUT_MEM_HOLE_END <= high)
			return m->host + m->low_size + off;
	}
	return NULL;
}

uint64_t guest_mem_end(const struct guest_mem *m)
{
	if (m->size <= m->low_size)
		return m->low_size;
	return LAYOUT_MEM_HOLE_END + (m->size - m->low_size);
}
