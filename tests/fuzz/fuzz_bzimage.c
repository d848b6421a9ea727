/* libFuzzer target: an arbitrary file given as --kernel must be rejected
 * with a message, or booted into fake guest RAM without touching memory
 * outside it (ASan). Input: byte 0 picks the RAM size, byte 1 the command
 * line, initrd, vCPU count and mode; the rest is either the whole image
 * (raw mode) or bytes laid over the setup header of a valid synthetic image
 * that is then cut to a length taken from the input (overlay mode), so the
 * checks after the magic are reached too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/boot_fixture.h"

#define RAM_SIZE  (40u << 20)
#define HDR_START 0x1f1
#define HDR_END	  0x270

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t overlay_image(uint8_t **out, const uint8_t *data, size_t size)
{
	struct fake_bz f = fake_bz_default();
	size_t len, cut, n = size < HDR_END - HDR_START ? size : HDR_END - HDR_START;
	uint8_t *img;

	f.pref_address = 0x200000;
	img = fake_bz_build(&f, &len);
	memcpy(img + HDR_START, data, n);
	/* Length: the template's, or shorter when the input asks for it. */
	cut = size > n + 1 ? ((size_t)data[n] << 8 | data[n + 1]) % (len + 1) : len;
	*out = img;
	return cut ? cut : len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static const char cmdline[] = "console=ttyS0 panic=-1";
	static const uint8_t initrd[8192];
	struct boot_config cfg = { 0 };
	struct boot_params bp;
	struct boot_entry be;
	struct bzimage_info bz;
	struct guest_mem mem;
	struct err e = { 0 };
	uint8_t *img = NULL;
	uint64_t ram_size;

	if (size < 2)
		return 0;
	if (!ram && !(ram = malloc(RAM_SIZE)))
		abort();
	/* 1..40 MiB of RAM: exercises "does not fit" paths as well as success. */
	ram_size = ((uint64_t)data[0] % 40 + 1) << 20;
	guest_mem_layout(&mem, ram, ram_size);
	cfg.cmdline = cmdline + (data[1] & 7);
	cfg.initrd = (data[1] & 8) ? initrd : NULL;
	cfg.initrd_len = sizeof(initrd);
	cfg.ncpus = ((data[1] >> 4) & 7) + 1;
	if (data[1] & 0x80) {
		cfg.kernel_len = overlay_image(&img, data + 2, size - 2);
		cfg.kernel = img;
	} else {
		cfg.kernel = data + 2;
		cfg.kernel_len = size - 2;
	}

	if (bzimage_parse(cfg.kernel, cfg.kernel_len, &bz, &e) == 0) {
		if (bz.setup_size + (uint64_t)bz.kernel_size != cfg.kernel_len)
			abort();
	} else if (!e.msg[0]) {
		abort(); /* every rejection says why */
	}
	/* Zero page from any bytes, including a lying header length byte. */
	boot_params_build(&bp, cfg.kernel, cfg.kernel_len, LAYOUT_CMDLINE_ADDR, 0, 0, 0, &mem);
	err_clear(&e);
	if (boot_linux(&mem, &cfg, &be, &e) < 0 && !e.msg[0])
		abort();
	free(img);
	return 0;
}
