/* bzImage validation (Documentation/x86/boot.rst): everything the loader
 * needs comes from the setup header at offset 0x1f1, read with memcpy
 * because the file buffer has no alignment guarantees. */
#include "boot/boot.h"

#include <errno.h>
#include <string.h>

#define HDR_OFFSET	0x1f1
#define HDR_MAGIC	0x53726448u /* "HdrS" little-endian, at 0x202 */
#define HDR_MAGIC_END	0x206	    /* need at least this much to see the magic */
#define BOOT_FLAG_MAGIC 0xAA55
#define SECTOR		512u

/* Copy as much of the setup header as the file holds; the rest stays zero. */
void bzimage_read_header(const uint8_t *img, size_t len, struct setup_header *hdr)
{
	size_t avail;

	memset(hdr, 0, sizeof(*hdr));
	if (len <= HDR_OFFSET)
		return;
	avail = len - HDR_OFFSET;
	memcpy(hdr, img + HDR_OFFSET, avail < sizeof(*hdr) ? avail : sizeof(*hdr));
}

int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *out, struct err *e)
{
	struct setup_header hdr;
	uint32_t setup_sects, setup_size;

	memset(out, 0, sizeof(*out));
	if (len < HDR_MAGIC_END)
		return err_set(e, EINVAL, "not a Linux bzImage (file is only %zu bytes)", len);
	bzimage_read_header(img, len, &hdr);
	if (hdr.header != HDR_MAGIC)
		return err_set(e, EINVAL, "not a Linux bzImage (no HdrS magic)");
	if (hdr.boot_flag != BOOT_FLAG_MAGIC)
		return err_set(e, EINVAL, "not a Linux bzImage (boot flag 0x%04x, want 0xaa55)",
			       hdr.boot_flag);
	if (hdr.version < BOOT_MIN_PROTOCOL)
		return err_set(e, EINVAL, "boot protocol %u.%02u is too old (need %u.%02u+)",
			       hdr.version >> 8, hdr.version & 0xff, BOOT_MIN_PROTOCOL >> 8,
			       BOOT_MIN_PROTOCOL & 0xff);

	/* setup_sects counts 512-byte sectors after the boot sector; 0 means 4
	 * for historical reasons. At most 256 sectors: no overflow possible. */
	setup_sects = hdr.setup_sects ? hdr.setup_sects : 4;
	setup_size = (setup_sects + 1) * SECTOR;
	if (len < setup_size)
		return err_set(e, EINVAL, "truncated: setup needs %u bytes, file has %zu",
			       setup_size, len);
	if (!(hdr.xloadflags & XLF_KERNEL_64))
		return err_set(e, EINVAL,
			       "kernel has no 64-bit entry point (XLF_KERNEL_64 not set)");
	if (!(hdr.loadflags & LOADED_HIGH))
		return err_set(e, EINVAL, "kernel is not loaded high (zImage is not supported)");
	if (len == setup_size)
		return err_set(e, EINVAL,
			       "truncated: no protected-mode kernel after %u bytes of setup",
			       setup_size);
	/* syssize is the protected-mode part in 16-byte paragraphs. */
	if ((uint64_t)hdr.syssize * 16 > len - setup_size)
		return err_set(e, EINVAL, "truncated: kernel needs %llu bytes, file has %zu",
			       (unsigned long long)setup_size + (uint64_t)hdr.syssize * 16, len);
	if (len - setup_size > UINT32_MAX)
		return err_set(e, EFBIG, "kernel image of %zu bytes is too large", len);
	if (hdr.kernel_alignment & (hdr.kernel_alignment - 1))
		return err_set(e, EINVAL, "kernel_alignment 0x%x is not a power of two",
			       hdr.kernel_alignment);

	out->protocol = hdr.version;
	out->setup_size = setup_size;
	out->kernel_size = (uint32_t)(len - setup_size);
	out->initrd_addr_max = hdr.initrd_addr_max;
	out->kernel_alignment = hdr.kernel_alignment;
	out->cmdline_size = hdr.cmdline_size;
	out->init_size = hdr.init_size;
	out->pref_address = hdr.pref_address;
	out->xloadflags = hdr.xloadflags;
	out->loadflags = hdr.loadflags;
	out->relocatable = hdr.relocatable_kernel;
	return 0;
}

/* The decompressor in head_64.S does not run where it was loaded: a
 * relocatable kernel moves to the load address rounded up to
 * kernel_alignment but never below LOAD_PHYSICAL_ADDR (= pref_address); a
 * fixed one runs at pref_address. It then needs init_size bytes from there,
 * so that is the range the initrd must stay clear of. */
uint64_t bzimage_runtime_end(const struct bzimage_info *bz, uint64_t load_addr)
{
	uint64_t align = bz->kernel_alignment ? bz->kernel_alignment : 1;
	uint64_t start = load_addr;
	uint64_t need = bz->init_size > bz->kernel_size ? bz->init_size : bz->kernel_size;

	if (bz->relocatable) {
		/* load_addr is one of our small constants: no overflow. */
		start = (load_addr + align - 1) & ~(align - 1);
		if (start < bz->pref_address)
			start = bz->pref_address;
	} else if (bz->pref_address) {
		start = bz->pref_address;
	}
	if (start < load_addr)
		start = load_addr;
	/* pref_address comes from the image: saturate rather than wrap. */
	if (start > UINT64_MAX - need)
		return UINT64_MAX;
	return start + need;
}
