/* The zero page (struct boot_params) and its e820 memory map, following the
 * 64-bit boot protocol in Documentation/x86/boot.rst: start from zeroes,
 * copy the image's setup header, then fill the loader's fields. */
#include "boot/boot.h"

#include <string.h>

#define E820_RAM      1
#define E820_RESERVED 2
#define HDR_OFFSET    0x1f1
#define HDR_LEN_BYTE  0x201  /* setup header ends at 0x202 + this byte */
#define PROTOCOL_RSDP 0x020e /* 2.14: boot_params.acpi_rsdp_addr */

static unsigned e820_add(struct boot_e820_entry *out, unsigned n, unsigned max, uint64_t start,
			 uint64_t end, uint32_t type)
{
	if (end <= start || n >= max)
		return n;
	out[n].addr = start;
	out[n].size = end - start;
	out[n].type = type;
	return n + 1;
}

unsigned e820_build(struct boot_e820_entry *out, unsigned max, const struct guest_mem *mem)
{
	uint64_t low = mem->low_size;
	unsigned n = 0;

	/* Base memory stops at the EBDA, where the MP table lives. */
	n = e820_add(out, n, max, 0, low < LAYOUT_RESERVED_START ? low : LAYOUT_RESERVED_START,
		     E820_RAM);
	/* EBDA, VGA hole and BIOS area: the kernel must leave them alone. */
	n = e820_add(out, n, max, LAYOUT_RESERVED_START, LAYOUT_RESERVED_END, E820_RESERVED);
	n = e820_add(out, n, max, LAYOUT_RESERVED_END, low, E820_RAM);
	/* RAM beyond the 32-bit hole is mapped from 4 GiB. */
	if (mem->size > low)
		n = e820_add(out, n, max, LAYOUT_MEM_HOLE_END,
			     LAYOUT_MEM_HOLE_END + (mem->size - low), E820_RAM);
	return n;
}

void boot_params_build(struct boot_params *bp, const uint8_t *img, size_t img_len,
		       uint64_t cmdline_addr, uint32_t cmdline_len, uint64_t initrd_addr,
		       uint32_t initrd_size, const struct guest_mem *mem)
{
	size_t hdr_len = 0;

	(void)cmdline_len; /* the kernel finds the NUL itself; kept for callers */
	memset(bp, 0, sizeof(*bp));

	/* The header says how long it is; never copy past the struct or the file. */
	if (img_len > HDR_LEN_BYTE) {
		size_t end = 0x202 + (size_t)img[HDR_LEN_BYTE];

		if (end > img_len)
			end = img_len;
		hdr_len = end - HDR_OFFSET;
		if (hdr_len > sizeof(bp->hdr))
			hdr_len = sizeof(bp->hdr);
		memcpy(&bp->hdr, img + HDR_OFFSET, hdr_len);
	}

	bp->hdr.type_of_loader = 0xff; /* "undefined" loader ID */
	bp->hdr.vid_mode = 0xffff;     /* "normal": no video mode switch */
	/* Real-mode setup does not run on the 64-bit entry, so no setup heap
	 * (CAN_USE_HEAP) and no segment handling flags. */
	bp->hdr.loadflags &= (uint8_t) ~(CAN_USE_HEAP | KEEP_SEGMENTS);
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline_addr;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline_addr >> 32);
	bp->hdr.ramdisk_image = (uint32_t)initrd_addr;
	bp->ext_ramdisk_image = (uint32_t)(initrd_addr >> 32);
	bp->hdr.ramdisk_size = initrd_size;
	bp->ext_ramdisk_size = 0;

	bp->e820_entries = (uint8_t)e820_build(bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE, mem);
}

void boot_params_set_rsdp(struct boot_params *bp, uint64_t rsdp_addr)
{
	if (bp->hdr.version >= PROTOCOL_RSDP)
		bp->acpi_rsdp_addr = rsdp_addr;
}
