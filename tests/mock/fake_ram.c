#include <stdlib.h>
#include <string.h>

#include "tests/mock/fake_ram.h"

int fake_ram_alloc(struct fake_ram *r, size_t size)
{
	/* Page-aligned like real guest RAM: ring alignment checks see the
	 * guest address, host pointers keep natural alignment. */
	r->base = aligned_alloc(4096, size);
	if (!r->base)
		return -1;
	memset(r->base, 0, size);
	r->size = size;
	guest_mem_layout(&r->mem, r->base, size);
	return 0;
}

void fake_ram_free(struct fake_ram *r)
{
	free(r->base);
	r->base = NULL;
}
