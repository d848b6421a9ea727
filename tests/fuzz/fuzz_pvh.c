/* libFuzzer target: an arbitrary file given as --kernel that starts with the
 * ELF magic (a PVH vmlinux) must be rejected with a message, or booted into
 * fake guest RAM without touching memory outside it (ASan: the rest of the
 * RAM buffer is poisoned). Input: byte 0 picks the RAM size (1 to 8 MiB, not
 * only whole MiB), byte 1 the command line, initrd, vCPU count and mode; the
 * rest is either the whole image (raw mode) or bytes XORed into the headers,
 * program headers and notes of a valid synthetic image (its magic kept: zero
 * bytes change nothing, so a mutation changes one field at a time) that is
 * then cut to a length taken from the input (overlay mode), so the checks
 * after the magic and the note walk are reached too. The start-info builder
 * also runs into a buffer of a length the input picks. */
#include <errno.h>
#include <sanitizer/asan_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/pvh.h"
#include "tests/unit/pvh_fixture.h"

#define RAM_MAX	  (8u << 20)
#define RAM_STEP  0x7000u /* 256 steps from 1 MiB to about 8 MiB */
#define OVERLAY_0 4	  /* the magic stays */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small kernel low in RAM, so that it boots in a few MiB. */
static uint8_t *template_image(size_t *len, size_t *headers_end)
{
	struct fake_elf f = {
		.nsegs = 2,
		.segs = { { 0, 0x100000, 0x300, 0x300 }, { 0, 0x140000, 0x100, 0x2000 } },
		.nnotes = 1,
	};

	fake_note_add(&f.notes[0], "Xen", 4, 6, "linux", 6);
	fake_note_entry(&f.notes[0], 0x100010, 8);
	*headers_end = fake_elf_phdr(3) + f.notes[0].len;
	return fake_elf_build(&f, len);
}

static size_t overlay_image(uint8_t **out, const uint8_t *data, size_t size)
{
	size_t len, hdr_end, n, cut;
	uint8_t *img = template_image(&len, &hdr_end);

	n = size < hdr_end - OVERLAY_0 ? size : hdr_end - OVERLAY_0;
	for (size_t i = 0; i < n; i++)
		img[OVERLAY_0 + i] ^= data[i];
	/* Length: the template's, or shorter when the input asks for it. */
	cut = size > n + 1 ? ((size_t)data[n] << 8 | data[n + 1]) % (len + 1) : len;
	*out = img;
	return cut ? cut : len;
}

/* What pvh_parse() promises about an image it accepts. */
static void check_info(const struct pvh_info *p, size_t len)
{
	bool entry_in = false;

	if (p->nsegs == 0 || p->nsegs > PVH_MAX_SEGMENTS)
		abort();
	for (unsigned i = 0; i < p->nsegs; i++) {
		const struct pvh_segment *s = &p->segs[i];

		if (s->offset > len || s->filesz > len - s->offset || s->memsz < s->filesz ||
		    s->memsz == 0 || s->paddr < LAYOUT_KERNEL_ADDR ||
		    s->paddr + s->memsz > 1ULL << 32 || s->paddr < p->lowest ||
		    s->paddr + s->memsz > p->end)
			abort();
		entry_in |= p->entry >= s->paddr && p->entry - s->paddr < s->filesz;
	}
	if (!entry_in)
		abort();
}

static void fuzz_start_info(const uint8_t *data, size_t size, const struct guest_mem *mem)
{
	struct pvh_start_params sp = { .mem = mem };
	size_t len;
	uint8_t *buf;
	long n;

	if (size < 4)
		return;
	len = ((size_t)data[0] << 8 | data[1]) % 512;
	sp.initrd_size = data[2] & 1;
	sp.initrd_paddr = (uint64_t)data[3] << 20;
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	n = pvh_start_info_build(buf, len, 0x7000, &sp);
	if (n != -ENOSPC && (n < 56 || (size_t)n > len))
		abort();
	free(buf);
}

/* Guest RAM of the size selector picks, in a buffer whose tail past it is
 * poisoned: a write beyond the guest's RAM is an ASan report. */
static void ram_of(struct guest_mem *mem, uint8_t selector)
{
	static uint8_t *buf;
	uint64_t ram_size = (1u << 20) + (uint64_t)selector * RAM_STEP;

	if (!buf && !(buf = malloc(RAM_MAX)))
		abort();
	ASAN_UNPOISON_MEMORY_REGION(buf, RAM_MAX);
	ASAN_POISON_MEMORY_REGION(buf + ram_size, RAM_MAX - ram_size);
	guest_mem_layout(mem, buf, ram_size);
}

/* Byte 1: bits 0-2 skip that much of the command line, bit 3 adds an
 * initrd, bits 4-6 are the vCPUs less one, bit 7 picks overlay mode. */
static void config_of(struct boot_config *cfg, uint8_t choice)
{
	static const char cmdline[] = "console=ttyS0 panic=-1";
	static const uint8_t initrd[8192];

	*cfg = (struct boot_config){
		.cmdline = cmdline + (choice & 7),
		.initrd = (choice & 8) ? initrd : NULL,
		.initrd_len = sizeof(initrd),
		.ncpus = ((choice >> 4) & 7) + 1u,
	};
}

/* pvh_parse() accepts with its promises kept, or says why not. */
static bool parse_checked(const struct boot_config *cfg, struct pvh_info *info)
{
	struct err e = { 0 };

	if (pvh_parse(cfg->kernel, cfg->kernel_len, info, &e) == 0) {
		check_info(info, cfg->kernel_len);
		return true;
	}
	if (!e.msg[0])
		abort();
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *img = NULL;
	struct pvh_info info;
	bool parsed;
	struct {
		struct guest_mem mem;
		struct boot_config cfg;
		struct boot_entry be;
		struct err e;
	} vm = { 0 };

	if (size < 2)
		return 0;
	ram_of(&vm.mem, data[0]);
	config_of(&vm.cfg, data[1]);
	vm.cfg.kernel = data + 2;
	vm.cfg.kernel_len = size - 2;
	if (data[1] & 0x80) {
		vm.cfg.kernel_len = overlay_image(&img, data + 2, size - 2);
		vm.cfg.kernel = img;
	}
	parsed = parse_checked(&vm.cfg, &info);
	/* boot_pvh() fails with a message exactly when the parse failed or
	 * something does not fit; what it booted enters at the note's entry
	 * with the start info in place. */
	if (boot_pvh(&vm.mem, &vm.cfg, &vm.be, &vm.e) < 0) {
		if (!vm.e.msg[0])
			abort();
	} else if (!parsed || vm.be.mode != BOOT_MODE_PROT32 || vm.be.rip != info.entry ||
		   fake_get(vm.mem.host, LAYOUT_ZERO_PAGE_ADDR, 4) != XEN_HVM_START_MAGIC_VALUE) {
		abort();
	}
	fuzz_start_info(data + 2, size - 2, &vm.mem);
	free(img);
	return 0;
}
