/* AML resource descriptors (ACPI 6.4, 6.4.2 small and 6.4.3 large items)
 * for ResourceTemplate buffers: see aml.h. */
#include "boot/aml.h"

#include <errno.h>

/* Resource descriptor tags: small items carry their length in bits 2:0,
 * large items have bit 7 set and a 16-bit length after the tag. */
enum {
	RES_IRQ_NOFLAGS = 0x22, /* small type 4, length 2 */
	RES_IO = 0x47,		/* small type 8, length 7 */
	RES_DWORD_ADDR = 0x87,
	RES_WORD_ADDR = 0x88,
	RES_EXT_IRQ = 0x89,
	RES_QWORD_ADDR = 0x8a,
};
enum { ADDR_MEMORY = 0, ADDR_IO = 1, ADDR_BUS = 2 };
#define ADDR_MIN_MAX_FIXED 0x0c /* _MIF | _MAF; producer, positive decode */
#define ADDR_IO_ENTIRE	   0x03 /* _RNG: ISA and non-ISA ranges */
#define IO_DECODE16	   0x01

void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	if (min > max)
		aml_fail(a, -EINVAL);
	aml_put8(a, RES_IO);
	aml_put8(a, IO_DECODE16);
	aml_put16(a, min);
	aml_put16(a, max);
	aml_put8(a, align);
	aml_put8(a, len);
}

void aml_res_irq_noflags(struct aml *a, unsigned irq)
{
	if (irq > 15)
		aml_fail(a, -EINVAL);
	aml_put8(a, RES_IRQ_NOFLAGS);
	aml_put16(a, (uint16_t)(1u << (irq & 15)));
}

void aml_res_interrupt(struct aml *a, uint8_t flags, uint32_t gsi)
{
	if (flags & ~0x1f)
		aml_fail(a, -EINVAL);
	aml_put8(a, RES_EXT_IRQ);
	aml_put16(a, 2 + 4); /* flags, table length, one interrupt */
	aml_put8(a, flags);
	aml_put8(a, 1);
	aml_put32(a, gsi);
}

static void put_field(struct aml *a, uint64_t v, unsigned width)
{
	if (width == 2)
		aml_put16(a, (uint16_t)v);
	else if (width == 4)
		aml_put32(a, (uint32_t)v);
	else
		aml_put64(a, v);
}

/* Word/DWord/QWord address space descriptor with width-byte fields. */
static void addr_space(struct aml *a, uint8_t tag, unsigned width, uint8_t type, uint8_t type_flags,
		       uint64_t min, uint64_t max)
{
	uint64_t len = max - min + 1;

	if (min > max || len == 0 || (width < 8 && len >> (8 * width)))
		aml_fail(a, -EINVAL);
	aml_put8(a, tag);
	aml_put16(a, (uint16_t)(3 + 5 * width));
	aml_put8(a, type);
	aml_put8(a, ADDR_MIN_MAX_FIXED);
	aml_put8(a, type_flags);
	put_field(a, 0, width); /* granularity */
	put_field(a, min, width);
	put_field(a, max, width);
	put_field(a, 0, width); /* translation offset */
	put_field(a, len, width);
}

void aml_res_word_bus_number(struct aml *a, uint16_t min, uint16_t max)
{
	addr_space(a, RES_WORD_ADDR, 2, ADDR_BUS, 0, min, max);
}

void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max)
{
	addr_space(a, RES_WORD_ADDR, 2, ADDR_IO, ADDR_IO_ENTIRE, min, max);
}

void aml_res_dword_memory(struct aml *a, uint8_t mem_flags, uint32_t min, uint32_t max)
{
	if (mem_flags & ~0x07)
		aml_fail(a, -EINVAL);
	addr_space(a, RES_DWORD_ADDR, 4, ADDR_MEMORY, mem_flags, min, max);
}

void aml_res_qword_memory(struct aml *a, uint8_t mem_flags, uint64_t min, uint64_t max)
{
	if (mem_flags & ~0x07)
		aml_fail(a, -EINVAL);
	addr_space(a, RES_QWORD_ADDR, 8, ADDR_MEMORY, mem_flags, min, max);
}
