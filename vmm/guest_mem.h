/* Guest physical memory: one host mapping split around the 32-bit PCI hole.
 * RAM below LAYOUT_MEM_HOLE_START (vmm/layout.h) is mapped at guest address 0; the rest of RAM is
 * mapped from 4 GiB upwards. Every access to guest memory goes through
 * guest_buf(), which bounds-checks with overflow-safe arithmetic. */
#ifndef MINIVMM_GUEST_MEM_H
#define MINIVMM_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/layout.h"

struct guest_mem {
	uint8_t *host;	   /* size bytes of host memory backing all guest RAM */
	uint64_t size;	   /* total guest RAM */
	uint64_t low_size; /* RAM at [0, low_size); the rest at [4 GiB, ...) */
};

/* Describe the layout of size bytes of RAM backed by host (no allocation). */
void guest_mem_layout(struct guest_mem *m, void *host, uint64_t size);

/* Host pointer to [gpa, gpa+len) if the whole range is guest RAM within one
 * region, else NULL. len may be 0 (then gpa must still be in RAM or at its end). */
void *guest_buf(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Guest address just past the last byte of RAM (for e820 / MMIO placement). */
uint64_t guest_mem_end(const struct guest_mem *m);

#endif
