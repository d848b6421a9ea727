/* Fake guest RAM for device tests and fuzz targets: a page-aligned, zeroed
 * host buffer with the struct guest_mem the device code reads it through.
 * Guest address 0 is base[0]. */
#ifndef MINIVMM_MOCK_FAKE_RAM_H
#define MINIVMM_MOCK_FAKE_RAM_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

struct fake_ram {
	uint8_t *base;
	size_t size;
	struct guest_mem mem;
};

/* 0, or -1 when out of memory. */
int fake_ram_alloc(struct fake_ram *r, size_t size);
void fake_ram_free(struct fake_ram *r);

#endif
