/* Entry state for the 64-bit boot protocol: paging on with the kernel,
 * zero page and command line identity-mapped, and a GDT with flat
 * __BOOT_CS (0x10) and __BOOT_DS (0x18) descriptors. */
#include "boot/boot.h"

#include <string.h>

#define PAGE	   0x1000ULL
#define PT_PRESENT (1ULL << 0)
#define PT_WRITE   (1ULL << 1)
#define PT_HUGE	   (1ULL << 7) /* PS: 2 MiB page in a PD entry */
#define PT_ENTRIES 512
#define PDPT_USED  4 /* 4 x 1 GiB = the low 4 GiB */

/* Page tables are little-endian 64-bit words; buf has no alignment promise. */
static void put_entry(uint8_t *table, unsigned i, uint64_t v)
{
	for (unsigned b = 0; b < 8; b++)
		table[i * 8 + b] = (uint8_t)(v >> (8 * b));
}

void pagetables_build(uint8_t *buf, uint64_t base)
{
	uint8_t *pml4 = buf, *pdpt = buf + PAGE, *pd = buf + 2 * PAGE;

	memset(buf, 0, (2 + PDPT_USED) * PAGE);
	put_entry(pml4, 0, (base + PAGE) | PT_PRESENT | PT_WRITE);
	for (unsigned g = 0; g < PDPT_USED; g++) {
		put_entry(pdpt, g, (base + (2 + g) * PAGE) | PT_PRESENT | PT_WRITE);
		for (unsigned m = 0; m < PT_ENTRIES; m++) {
			uint64_t phys = ((uint64_t)g * PT_ENTRIES + m) << 21;

			put_entry(pd + g * PAGE, m, phys | PT_PRESENT | PT_WRITE | PT_HUGE);
		}
	}
}

/* A flat (base 0, limit 4 GiB with G=1) descriptor. flags is the high
 * nibble of byte 6 (G, D/B, L, AVL), access is byte 5 (P, DPL, S, type). */
static uint64_t flat_descriptor(uint8_t flags, uint8_t access)
{
	const uint64_t limit = 0xfffff;

	return (limit & 0xffff) | ((uint64_t)access << 40) | (((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)flags << 52);
}

void gdt_build(uint64_t gdt[BOOT_GDT_ENTRIES])
{
	gdt[0] = 0;
	/* The same, with L=0 and D/B=1: 32-bit code for the PVH entry. */
	gdt[BOOT_CODE32_SEL / 8] = flat_descriptor(0xc, 0x9b);
	/* Present, DPL 0, code, execute/read, accessed (type 0xb); G=1, L=1. */
	gdt[BOOT_CODE_SEL / 8] = flat_descriptor(0xa, 0x9b);
	/* Present, DPL 0, data, read/write, accessed (type 0x3); G=1, D/B=1. */
	gdt[BOOT_DATA_SEL / 8] = flat_descriptor(0xc, 0x93);
}
