/* Synthetic bzImage files for the boot tests. Fields are written at the
 * byte offsets documented in Documentation/x86/boot.rst (not through struct
 * setup_header), so the tests also cross-check the UAPI layout. */
#ifndef TESTS_BOOT_FIXTURE_H
#define TESTS_BOOT_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <asm/bootparam.h>

struct fake_bz {
	uint8_t setup_sects;
	uint8_t hdr_len_byte; /* byte at 0x201: header ends at 0x202 + it */
	uint16_t boot_flag;
	uint16_t version;
	uint16_t xloadflags;
	uint8_t loadflags;
	uint8_t relocatable;
	uint32_t kernel_size; /* bytes after the setup, multiple of 16 */
	uint32_t init_size;
	uint32_t cmdline_size;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint64_t pref_address;
	const char *magic; /* 4 bytes at 0x202 */
};

static inline struct fake_bz fake_bz_default(void)
{
	struct fake_bz f = {
		.setup_sects = 9,
		.hdr_len_byte = 0x6a,
		.boot_flag = 0xaa55,
		.version = 0x020f,
		.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G,
		.loadflags = LOADED_HIGH,
		.relocatable = 1,
		.kernel_size = 0x4000,
		.init_size = 0x80000,
		.cmdline_size = 2047,
		.initrd_addr_max = 0x7fffffff,
		.kernel_alignment = 0x200000,
		.pref_address = 0x1000000,
		.magic = "HdrS",
	};
	return f;
}

static inline void fake_put(uint8_t *img, size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t fake_get(const uint8_t *p, size_t off, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

static inline size_t fake_bz_setup_size(const struct fake_bz *f)
{
	return ((size_t)(f->setup_sects ? f->setup_sects : 4) + 1) * 512;
}

/* The kernel payload's byte i, so tests can check where it was copied. */
static inline uint8_t fake_kernel_byte(size_t i)
{
	return (uint8_t)(i * 7 + 1);
}

/* malloc'd image of exactly *len bytes (setup + kernel). */
static inline uint8_t *fake_bz_build(const struct fake_bz *f, size_t *len)
{
	size_t setup = fake_bz_setup_size(f);
	uint8_t *img;

	*len = setup + f->kernel_size;
	img = calloc(1, *len);
	if (!img)
		abort();
	fake_put(img, 0x1f1, f->setup_sects, 1);
	fake_put(img, 0x1f4, f->kernel_size / 16, 4); /* syssize */
	fake_put(img, 0x1fe, f->boot_flag, 2);
	img[0x200] = 0xeb; /* jmp short */
	img[0x201] = f->hdr_len_byte;
	memcpy(img + 0x202, f->magic, 4);
	fake_put(img, 0x206, f->version, 2);
	fake_put(img, 0x211, f->loadflags, 1);
	fake_put(img, 0x22c, f->initrd_addr_max, 4);
	fake_put(img, 0x230, f->kernel_alignment, 4);
	fake_put(img, 0x234, f->relocatable, 1);
	fake_put(img, 0x236, f->xloadflags, 2);
	fake_put(img, 0x238, f->cmdline_size, 4);
	fake_put(img, 0x258, f->pref_address, 8);
	fake_put(img, 0x260, f->init_size, 4);
	for (size_t i = 0; i < f->kernel_size; i++)
		img[setup + i] = fake_kernel_byte(i);
	return img;
}

#endif
