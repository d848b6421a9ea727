/* PVH boot: pvh_parse() on synthetic ELF images (valid, and each way one
 * can be malformed), pvh_start_info_build() read back byte by byte, and
 * boot_pvh() over fake guest RAM (a calloc'd buffer). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/pvh.h"
#include "tests/mock/fake_ram.h"
#include "tests/unit/pvh_fixture.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/* Parse f's image, optionally patched (bytes at off) and cut to cut bytes
 * (0: whole); returns pvh_parse()'s result, the message in e. */
static int parse_patched(const struct fake_elf *f, size_t off, uint64_t v, unsigned bytes,
			 size_t cut, struct pvh_info *out, struct err *e)
{
	size_t len;
	uint8_t *img = fake_elf_build(f, &len);
	int r;

	if (bytes)
		fake_put(img, off, v, bytes);
	err_clear(e);
	r = pvh_parse(img, cut ? cut : len, out, e);
	free(img);
	return r;
}

static int parse(const struct fake_elf *f, struct pvh_info *out, struct err *e)
{
	return parse_patched(f, 0, 0, 0, 0, out, e);
}

/* pvh_parse() rejects with EINVAL and a message containing want. */
static void expect_reject(const struct fake_elf *f, size_t off, uint64_t v, unsigned bytes,
			  size_t cut, const char *want)
{
	struct pvh_info info;
	struct err e;

	assert_int_equal(parse_patched(f, off, v, bytes, cut, &info, &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("message '%s' lacks '%s'", e.msg, want);
}

static void test_is_elf(void **state)
{
	struct fake_bz bz = fake_bz_default();
	size_t len;
	uint8_t *img = fake_bz_build(&bz, &len);

	(void)state;
	assert_true(pvh_is_elf((const uint8_t *)"\177ELF", 4));
	assert_false(pvh_is_elf((const uint8_t *)"\177EL", 3));
	assert_false(pvh_is_elf((const uint8_t *)"", 0));
	assert_false(pvh_is_elf(img, len));
	free(img);
}

static void test_parse_valid(void **state)
{
	struct fake_elf f = fake_elf_default();
	struct pvh_info info;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_true(info.entry == FAKE_ELF_ENTRY);
	assert_int_equal(info.nsegs, 2);
	assert_true(info.segs[0].paddr == 0x1000000);
	assert_true(info.segs[0].filesz == 0x2345 && info.segs[0].memsz == 0x2345);
	assert_true(info.segs[1].paddr == 0x1200000);
	assert_true(info.segs[1].filesz == 0x1800 && info.segs[1].memsz == 0x5000);
	/* File offsets: where the builder put the bytes. */
	assert_true(info.segs[0].offset > fake_elf_phdr(3) && info.segs[0].offset % 16 == 0);
	assert_true(info.segs[1].offset >= info.segs[0].offset + 0x2345);
	assert_true(info.lowest == 0x1000000);
	assert_true(info.end == 0x1205000);

	/* Segments in any order; one without memory and other program
	 * headers (PT_GNU_STACK) are skipped. */
	f.segs[2] = f.segs[0];
	f.segs[0] = (struct fake_seg){ 0, 0x3000000, 0x10, 0x2000 };
	f.segs[3] = (struct fake_seg){ 0, 0x100000, 0, 0 };
	f.segs[4] = (struct fake_seg){ 0x6474e551, 0, 0, 0 };
	f.nsegs = 5;
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_int_equal(info.nsegs, 3);
	assert_true(info.lowest == 0x1000000);
	assert_true(info.end == 0x3002000);
}

static void test_entry_note_4_and_8_bytes(void **state)
{
	struct fake_elf f = { .nsegs = 1,
			      .segs = { { 0, 0x100000, 0x1000, 0x1000 } },
			      .nnotes = 1 };
	struct pvh_info info;
	struct err e = { 0 };

	(void)state;
	fake_note_entry(&f.notes[0], 0x100ffc, 4);
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_true(info.entry == 0x100ffc);

	f.notes[0].len = 0;
	fake_note_entry(&f.notes[0], 0x100000, 8);
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_true(info.entry == 0x100000);

	/* Other sizes are malformed; 8 bytes must still be a 32-bit address. */
	f.notes[0].len = 0;
	fake_note_entry(&f.notes[0], 0x100000, 2);
	expect_reject(&f, 0, 0, 0, 0, "2-byte descriptor, want 4 or 8");
	f.notes[0].len = 0;
	fake_note_entry(&f.notes[0], 0x100100000ULL, 8);
	expect_reject(&f, 0, 0, 0, 0, "PVH entry 0x100100000 is above 4 GiB");
}

static void test_multiple_notes(void **state)
{
	struct fake_elf f = fake_elf_default();
	struct pvh_info info;
	struct err e = { 0 };
	uint8_t desc[8];

	(void)state;
	/* Type 18 under another name, and "Xen" with other types, do not count. */
	fake_put(desc, 0, 0x1000000, 8);
	f.notes[0].len = 0;
	fake_note_add(&f.notes[0], "GNU", 4, 18, desc, 8);
	fake_note_add(&f.notes[0], "Xen", 4, 17, desc, 4);
	fake_note_add(&f.notes[0], "Xe", 3, 18, desc, 8);
	fake_note_add(&f.notes[0], "Xenn", 5, 18, desc, 8);
	expect_reject(&f, 0, 0, 0, 0,
		      "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): build the kernel with "
		      "CONFIG_PVH");

	/* The entry note in a second PT_NOTE segment is found. */
	f.nnotes = 2;
	fake_note_entry(&f.notes[1], 0x1200010, 4);
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_true(info.entry == 0x1200010);

	/* The first of two entry notes counts. */
	fake_note_entry(&f.notes[0], 0x1000004, 8);
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_true(info.entry == 0x1000004);

	/* The last descriptor's padding may be cut off by the segment's end. */
	f.nnotes = 1;
	f.notes[0].len = 0;
	fake_note_add(&f.notes[0], "Xen", 4, 6, "linux", 6);
	fake_note_entry(&f.notes[0], 0x1000000, 4);
	fake_note_add(&f.notes[0], "Xen", 4, 7, "2.6", 3);
	f.notes[0].len -= 1;
	assert_int_equal(parse(&f, &info, &e), 0);
	/* Trailing bytes too short for a note header are ignored. */
	f.notes[0].len += 9;
	assert_int_equal(parse(&f, &info, &e), 0);

	/* No PT_NOTE at all. */
	f.nnotes = 0;
	expect_reject(&f, 0, 0, 0, 0, "no PVH entry note");
}

static void test_malformed_notes(void **state)
{
	struct fake_elf f = { .nsegs = 1,
			      .segs = { { 0, 0x100000, 0x1000, 0x1000 } },
			      .nnotes = 1 };
	size_t note = fake_elf_phdr(1), at;
	uint8_t desc[8] = { 0 };

	(void)state;
	fake_note_add(&f.notes[0], "Xen", 4, 6, "linux", 6);
	fake_note_entry(&f.notes[0], 0x100000, 8);
	/* The notes start right after the two program headers. */
	at = fake_elf_phdr(2);
	/* Name or descriptor sizes running past the segment, including ones
	 * that would wrap a 32-bit or a 64-bit offset. */
	expect_reject(&f, at, 0xffffffff, 4, 0, "malformed ELF note at offset 0x0 of segment 1");
	expect_reject(&f, at + 4, 0xfffffffd, 4, 0, "overflow the segment");
	expect_reject(&f, at + 4, 0x200, 4, 0, "overflow the segment");
	expect_reject(&f, at + 24 + 4, 0xfffffff0, 4, 0, "malformed ELF note at offset 0x18");
	/* The note segment outside the file, or wrapping around. */
	expect_reject(&f, note + PH_OFFSET, 0x100000, 8, 0, "note segment 1");
	expect_reject(&f, note + PH_OFFSET, UINT64_MAX - 4, 8, 0, "outside the file");
	expect_reject(&f, note + PH_FILESZ, UINT64_MAX, 8, 0, "outside the file");
	/* A note segment cut to less than its first header: no notes. */
	expect_reject(&f, note + PH_FILESZ, 11, 8, 0, "no PVH entry note");
	/* Empty descriptor. */
	f.notes[0].len = 0;
	fake_note_add(&f.notes[0], "Xen", 4, 18, desc, 0);
	expect_reject(&f, 0, 0, 0, 0, "0-byte descriptor");
}

static void test_malformed_header(void **state)
{
	struct fake_elf f = fake_elf_default();
	size_t ph0 = fake_elf_phdr(0);

	(void)state;
	expect_reject(&f, 0, 0, 0, 3, "not an ELF file");
	expect_reject(&f, 0, 'X', 1, 0, "not an ELF file");
	expect_reject(&f, 0, 0, 0, 10, "truncated ELF header (file is only 10 bytes)");
	expect_reject(&f, 0, 0, 0, 63, "truncated ELF header (file is only 63 bytes, need 64)");
	expect_reject(&f, EH_CLASS, 1, 1, 0, "ELF class 1 is not ELFCLASS64");
	expect_reject(&f, EH_DATA, 2, 1, 0, "not little-endian");
	expect_reject(&f, EH_MACHINE, 3, 2, 0, "ELF machine 3 is not x86-64");
	expect_reject(&f, EH_MACHINE, 183, 2, 0, "ELF machine 183 is not x86-64"); /* aarch64 */
	expect_reject(&f, EH_TYPE, 3, 2, 0, "ELF type 3 is not an executable (ET_EXEC)");
	expect_reject(&f, EH_PHENTSIZE, 32, 2, 0, "program header size 32, want 56");
	expect_reject(&f, EH_PHNUM, 0, 2, 0, "no program headers");
	expect_reject(&f, EH_PHNUM, 65, 2, 0, "65 program headers (at most 64)");
	expect_reject(&f, EH_PHNUM, 0xffff, 2, 0, "65535 program headers");
	/* Program headers past the end, at a wrapping offset, or cut off. */
	expect_reject(&f, EH_PHOFF, 1 << 20, 8, 0, "program headers (3 at offset 0x100000)");
	expect_reject(&f, EH_PHOFF, UINT64_MAX - 8, 8, 0, "are outside the file");
	expect_reject(&f, 0, 0, 0, fake_elf_phdr(3) - 1, "are outside the file");
	/* The first program header no longer PT_LOAD: the second remains. */
	expect_reject(&f, ph0 + PH_TYPE, 0, 4, 0, "PVH entry 0x1000850 is not inside");
	f.nsegs = 1;
	expect_reject(&f, fake_elf_phdr(0) + PH_TYPE, 6, 4, 0, "no PT_LOAD segment");
}

static void test_malformed_segments(void **state)
{
	struct fake_elf f = fake_elf_default();
	size_t ph1 = fake_elf_phdr(1);

	(void)state;
	/* File bytes past the end, or at offsets that wrap. */
	expect_reject(&f, ph1 + PH_OFFSET, 1 << 24, 8, 0,
		      "segment 1 (0x1800 bytes at offset 0x1000000) is outside the file");
	expect_reject(&f, ph1 + PH_FILESZ, 0x4000, 8, 0, "is outside the file");
	expect_reject(&f, ph1 + PH_OFFSET, UINT64_MAX - 0x100, 8, 0, "is outside the file");
	expect_reject(&f, ph1 + PH_FILESZ, UINT64_MAX, 8, 0, "is outside the file");
	expect_reject(&f, 0, 0, 0, 0x2000, "is outside the file"); /* file cut */
	/* Less memory than file bytes. */
	expect_reject(&f, ph1 + PH_MEMSZ, 0x17ff, 8, 0,
		      "segment 1: memory size 0x17ff is below its file size 0x1800");
	/* Past 4 GiB, or wrapping the 64-bit address space. */
	expect_reject(&f, ph1 + PH_PADDR, 0xfffff000, 8, 0,
		      "segment 1 (0x5000 bytes at 0xfffff000) ends above 4 GiB");
	expect_reject(&f, ph1 + PH_PADDR, UINT64_MAX - 0x10, 8, 0, "ends above 4 GiB");
	expect_reject(&f, ph1 + PH_MEMSZ, UINT64_MAX, 8, 0, "ends above 4 GiB");
	/* Below 1 MiB, over the boot tables. */
	expect_reject(&f, ph1 + PH_PADDR, 0xff000, 8, 0, "segment 1 at 0xff000 starts below 1 MiB");
	/* The entry in bss (beyond the file bytes) or in no segment. */
	f.notes[0].len = 0;
	fake_note_entry(&f.notes[0], 0x1201800, 8);
	expect_reject(&f, 0, 0, 0, 0, "PVH entry 0x1201800 is not inside a loaded segment");
	f.notes[0].len = 0;
	fake_note_entry(&f.notes[0], 0xfff, 4);
	expect_reject(&f, 0, 0, 0, 0, "is not inside a loaded segment");
}

static void test_segment_limits(void **state)
{
	struct fake_elf f = fake_elf_default();
	struct pvh_info info;
	struct err e = { 0 };

	(void)state;
	/* Ending exactly at 4 GiB is fine. */
	f.segs[1] = (struct fake_seg){ 0, 0xffff0000, 0x10, 0x10000 };
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_true(info.end == 4 * GIB);
	f.segs[1].memsz++;
	expect_reject(&f, 0, 0, 0, 0, "ends above 4 GiB");

	/* PVH_MAX_SEGMENTS PT_LOADs, not one more. */
	f = fake_elf_default();
	for (unsigned i = 1; i < PVH_MAX_SEGMENTS; i++)
		f.segs[i] = (struct fake_seg){ 0, 0x2000000 + i * 0x10000, 0x10, 0x100 };
	f.nsegs = PVH_MAX_SEGMENTS;
	assert_int_equal(parse(&f, &info, &e), 0);
	assert_int_equal(info.nsegs, PVH_MAX_SEGMENTS);
	assert_true(info.end == 0x2000000 + (PVH_MAX_SEGMENTS - 1) * 0x10000 + 0x100);
	f.segs[PVH_MAX_SEGMENTS] = (struct fake_seg){ 0, 0x3000000, 0x10, 0x100 };
	f.nsegs++;
	expect_reject(&f, 0, 0, 0, 0, "more than 16 PT_LOAD segments");
}

/* The start info, module list and memory map read back. */
static void check_start_info(const uint8_t *si, uint64_t gpa, uint64_t initrd, uint64_t initrd_size,
			     const struct guest_mem *mem)
{
	struct boot_e820_entry want[E820_MAX_ENTRIES_ZEROPAGE];
	unsigned n = e820_build(want, E820_MAX_ENTRIES_ZEROPAGE, mem);
	uint64_t map = gpa + 56 + (initrd_size ? 32 : 0);

	assert_int_equal(fake_get(si, 0, 4), 0x336ec578);
	assert_int_equal(fake_get(si, 4, 4), 1);
	assert_int_equal(fake_get(si, 8, 4), 0);
	assert_int_equal(fake_get(si, 12, 4), initrd_size ? 1 : 0);
	assert_true(fake_get(si, 16, 8) == (initrd_size ? gpa + 56 : 0));
	assert_true(fake_get(si, 24, 8) == LAYOUT_CMDLINE_ADDR);
	assert_true(fake_get(si, 32, 8) == LAYOUT_ACPI_ADDR);
	assert_true(fake_get(si, 40, 8) == map);
	assert_int_equal(fake_get(si, 48, 4), n);
	assert_int_equal(fake_get(si, 52, 4), 0);
	if (initrd_size) {
		assert_true(fake_get(si, 56, 8) == initrd);
		assert_true(fake_get(si, 64, 8) == initrd_size);
		assert_true(fake_get(si, 72, 8) == 0);
		assert_true(fake_get(si, 80, 8) == 0);
	}
	/* The same ranges and types as the zero page's e820 map. */
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *m = si + (map - gpa) + i * 24;

		assert_true(fake_get(m, 0, 8) == want[i].addr);
		assert_true(fake_get(m, 8, 8) == want[i].size);
		assert_int_equal(fake_get(m, 16, 4), want[i].type);
		assert_int_equal(fake_get(m, 20, 4), 0);
	}
}

static void test_start_info_build(void **state)
{
	struct guest_mem mem;
	struct pvh_start_params p = {
		.cmdline_paddr = LAYOUT_CMDLINE_ADDR,
		.rsdp_paddr = LAYOUT_ACPI_ADDR,
		.initrd_paddr = 0x7654000,
		.initrd_size = 0x123456,
		.mem = &mem,
	};
	uint8_t buf[512];
	size_t need = 56 + 32 + 4 * 24;

	(void)state;
	/* 6 GiB: RAM below the EBDA, the reserved area, RAM to 3 GiB, RAM above 4 GiB. */
	guest_mem_layout(&mem, NULL, 6 * GIB);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pvh_start_info_build(buf, sizeof(buf), 0x7000, &p), need);
	check_start_info(buf, 0x7000, 0x7654000, 0x123456, &mem);
	assert_true(fake_get(buf, 56 + 32 + 3 * 24, 8) == 4 * GIB);
	assert_true(fake_get(buf, 56 + 32 + 3 * 24 + 8, 8) == 3 * GIB);
	assert_int_equal(buf[need], 0xaa); /* nothing past what it returned */

	/* Exactly enough room, and one byte less. */
	assert_int_equal(pvh_start_info_build(buf, need, 0x7000, &p), need);
	assert_int_equal(pvh_start_info_build(buf, need - 1, 0x7000, &p), -ENOSPC);
	assert_int_equal(pvh_start_info_build(buf, 0, 0x7000, &p), -ENOSPC);

	/* No initrd: no module list; the memory map follows the start info.
	 * 64 MiB: three ranges. */
	guest_mem_layout(&mem, NULL, 64 * MIB);
	p.initrd_size = 0;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pvh_start_info_build(buf, sizeof(buf), 0x12340, &p), 56 + 3 * 24);
	check_start_info(buf, 0x12340, 0, 0, &mem);
	assert_true(fake_get(buf, 56 + 2 * 24 + 8, 8) == 63 * MIB);
	assert_int_equal(buf[56 + 3 * 24], 0xaa);
}

/* One machine: fresh fake RAM filled with 0xcc (so zeroed bss shows), the
 * default kernel, and what boot_pvh() made of it. */
struct pvh_vm {
	struct fake_ram ram;
	uint8_t *img;
	size_t img_len;
	struct boot_config cfg;
	struct boot_entry be;
	struct err e;
};

static struct pvh_vm *vm_new(size_t ram_size)
{
	struct fake_elf f = fake_elf_default();
	struct pvh_vm *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	assert_int_equal(fake_ram_alloc(&v->ram, ram_size), 0);
	memset(v->ram.base, 0xcc, ram_size);
	v->img = fake_elf_build(&f, &v->img_len);
	v->cfg = (struct boot_config){
		.kernel = v->img,
		.kernel_len = v->img_len,
		.cmdline = "console=ttyS0",
		.ncpus = 2,
	};
	return v;
}

static int vm_boot(struct pvh_vm *v)
{
	err_clear(&v->e);
	return boot_pvh(&v->ram.mem, &v->cfg, &v->be, &v->e);
}

static void vm_free(struct pvh_vm *v)
{
	fake_ram_free(&v->ram);
	free(v->img);
	free(v);
}

static void test_boot_layout(void **state)
{
	static const struct mp_pci_irq pci[] = { { 1, 5 } };
	static uint8_t initrd[0x3001];
	struct pvh_vm *v = vm_new(32 * MIB);
	const uint8_t *ram = v->ram.base;
	struct pvh_info info;
	uint64_t initrd_gpa = 32 * MIB - 0x4000; /* top of RAM, page aligned */

	(void)state;
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	v->cfg.initrd = initrd;
	v->cfg.initrd_len = sizeof(initrd);
	v->cfg.pci_irqs = pci;
	v->cfg.npci_irqs = 1;
	assert_int_equal(vm_boot(v), 0);

	/* Entry state: 32-bit protected mode at the note's entry, EBX at the
	 * start info, no page tables. */
	assert_int_equal(v->be.mode, BOOT_MODE_PROT32);
	assert_true(v->be.rip == FAKE_ELF_ENTRY);
	assert_true(v->be.rbx == LAYOUT_ZERO_PAGE_ADDR);
	assert_true(v->be.rsi == 0 && v->be.cr3 == 0);
	assert_true(v->be.rsp == LAYOUT_BOOT_STACK_TOP);
	assert_true(v->be.gdt_addr == LAYOUT_GDT_ADDR);
	assert_int_equal(v->be.gdt_limit, 31);
	/* The GDT has the flat 32-bit code segment the entry runs in. */
	assert_true(fake_get(ram, LAYOUT_GDT_ADDR + BOOT_CODE32_SEL, 8) == 0x00cf9b000000ffffULL);
	assert_true(fake_get(ram, LAYOUT_GDT_ADDR + BOOT_DATA_SEL, 8) == 0x00cf93000000ffffULL);

	/* Segments at their physical addresses; bss zeroed, nothing around
	 * them touched. */
	assert_int_equal(pvh_parse(v->img, v->img_len, &info, &v->e), 0);
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct pvh_segment *s = &info.segs[i];

		for (size_t j = 0; j < s->filesz; j++)
			assert_int_equal(ram[s->paddr + j], fake_seg_byte(i, j));
		for (size_t j = s->filesz; j < s->memsz; j++)
			assert_int_equal(ram[s->paddr + j], 0);
		assert_int_equal(ram[s->paddr - 1], 0xcc);
		assert_int_equal(ram[s->paddr + s->memsz], 0xcc);
	}

	/* Command line, NUL-terminated; initrd at the top of RAM. */
	assert_string_equal((const char *)ram + LAYOUT_CMDLINE_ADDR, "console=ttyS0");
	assert_memory_equal(ram + initrd_gpa, initrd, sizeof(initrd));
	assert_int_equal(ram[initrd_gpa - 1], 0xcc);

	/* Start info, module list and memory map where the zero page would be. */
	check_start_info(ram + LAYOUT_ZERO_PAGE_ADDR, LAYOUT_ZERO_PAGE_ADDR, initrd_gpa,
			 sizeof(initrd), &v->ram.mem);
	assert_int_equal(fake_get(ram + LAYOUT_ZERO_PAGE_ADDR, 48, 4), 3);

	/* The tables boot_linux() builds: ACPI (the RSDP the start info
	 * names), the reset vector's stub. */
	assert_memory_equal(ram + LAYOUT_ACPI_ADDR, "RSD PTR ", 8);
	assert_int_equal(ram[LAYOUT_RESET_VECTOR_ADDR], 0xfa);

	/* No initrd and an empty command line: no module list. */
	v->cfg.initrd = NULL;
	v->cfg.cmdline = NULL;
	assert_int_equal(vm_boot(v), 0);
	check_start_info(ram + LAYOUT_ZERO_PAGE_ADDR, LAYOUT_ZERO_PAGE_ADDR, 0, 0, &v->ram.mem);
	assert_int_equal(ram[LAYOUT_CMDLINE_ADDR], 0);
	vm_free(v);
}

/* A mapper that records what boot_pvh() asks for and "maps" by copying the
 * file's bytes, as a private mapping would show them; answer says how. */
struct map_log {
	struct pvh_vm *v;
	const uint8_t *initrd;
	int answer;
	unsigned calls;
	enum boot_file file[8];
	uint64_t gpa[8], offset[8], len[8];
};

static int fake_map(void *opaque, enum boot_file file, const struct guest_mem *mem, uint64_t gpa,
		    uint64_t offset, uint64_t len)
{
	struct map_log *l = opaque;
	const uint8_t *src = file == BOOT_FILE_KERNEL ? l->v->img : l->initrd;

	if (l->calls < 8) {
		l->file[l->calls] = file;
		l->gpa[l->calls] = gpa;
		l->offset[l->calls] = offset;
		l->len[l->calls] = len;
	}
	l->calls++;
	if (l->answer == 0)
		memcpy(guest_buf(mem, gpa, len), src + offset, len);
	return l->answer;
}

/* Whole, aligned pages of the kernel's segments and of the initrd go
 * through the mapper, the rest is copied; with fresh RAM the bss is left
 * alone; a mapper that cannot map makes a copy, one that fails fails the
 * boot. */
static void test_boot_maps_file_pages(void **state)
{
	static uint8_t initrd[0x2345];
	struct fake_elf f = fake_elf_default();
	struct pvh_vm *v = vm_new(32 * MIB);
	const uint8_t *ram = v->ram.base;
	struct map_log log = { .v = v, .initrd = initrd };
	struct pvh_info info;
	unsigned expect = 0;

	(void)state;
	/* Page-aligned in the file, as a linked vmlinux's are. */
	f.seg_align = 4096;
	free(v->img);
	v->img = fake_elf_build(&f, &v->img_len);
	v->cfg.kernel = v->img;
	v->cfg.kernel_len = v->img_len;
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 7);
	v->cfg.initrd = initrd;
	v->cfg.initrd_len = sizeof(initrd);
	v->cfg.map_file = fake_map;
	v->cfg.map_opaque = &log;
	v->cfg.ram_zeroed = true;
	assert_int_equal(vm_boot(v), 0);
	assert_int_equal(pvh_parse(v->img, v->img_len, &info, &v->e), 0);
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct pvh_segment *s = &info.segs[i];

		for (size_t j = 0; j < s->filesz; j++)
			assert_int_equal(ram[s->paddr + j], fake_seg_byte(i, j));
		/* Fresh RAM: the bss is not written (0xcc marks the fake's). */
		assert_int_equal(ram[s->paddr + s->filesz], 0xcc);
		if (s->paddr % 4096 || s->offset % 4096 || s->filesz < 4096)
			continue;
		assert_int_equal(log.file[expect], BOOT_FILE_KERNEL);
		assert_true(log.gpa[expect] == s->paddr && log.offset[expect] == s->offset);
		assert_true(log.len[expect] == (s->filesz & ~4095ull));
		expect++;
	}
	assert_int_equal(expect, 2); /* both segments hold at least a whole page */
	/* The initrd: two whole pages mapped, the last 0x345 bytes copied. */
	assert_int_equal(log.calls, expect + 1);
	assert_int_equal(log.file[expect], BOOT_FILE_INITRD);
	assert_true(log.offset[expect] == 0 && log.len[expect] == 0x2000);
	assert_memory_equal(ram + log.gpa[expect], initrd, sizeof(initrd));

	/* Not mappable here: everything copied, same bytes. */
	memset(v->ram.base, 0xcc, 32 * MIB);
	log.answer = 1;
	log.calls = 0;
	assert_int_equal(vm_boot(v), 0);
	assert_true(log.calls > 0);
	for (size_t j = 0; j < info.segs[0].filesz; j++)
		assert_int_equal(ram[info.segs[0].paddr + j], fake_seg_byte(0, j));
	assert_memory_equal(ram + 32 * MIB - 0x3000, initrd, sizeof(initrd));

	/* A failing mapper fails the boot with a message. */
	log.answer = -EIO;
	assert_int_equal(vm_boot(v), -EIO);
	assert_non_null(strstr(v->e.msg, "cannot map"));
	vm_free(v);
}

/* The MP table's entries for a few machines, up to the largest the CLI
 * accepts: 64 vCPUs and 24 PCI slots whose INTx lines wrap around the 19
 * PCI GSIs; every table fits. */
static void test_boot_machine_sizes(void **state)
{
	static const unsigned shapes[][2] = { { 1, 0 }, { 2, 1 }, { 64, 24 } };
	struct mp_pci_irq pci[24];
	struct pvh_vm *v = vm_new(32 * MIB);

	(void)state;
	for (unsigned i = 0; i < 24; i++) {
		pci[i].slot = (uint8_t)(i + 1);
		pci[i].ioapic_pin = (uint8_t)(LAYOUT_GSI_PCI_FIRST + i % 19);
	}
	v->cfg.pci_irqs = pci;
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		const uint8_t *mpc = v->ram.base + LAYOUT_MPTABLE_ADDR + 16;

		v->cfg.ncpus = shapes[k][0];
		v->cfg.npci_irqs = shapes[k][1];
		assert_int_equal(vm_boot(v), 0);
		assert_memory_equal(mpc, "PCMP", 4);
		/* CPUs, 2 buses, the IOAPIC, 15 ISA IRQs, PCI routes, LINT0/1. */
		assert_int_equal(fake_get(mpc, 34, 2),
				 shapes[k][0] + 2 + 1 + 15 + shapes[k][1] + 2);
	}
	vm_free(v);
}

static void test_boot_does_not_fit(void **state)
{
	struct pvh_vm *v;
	uint8_t *initrd = calloc(1, 16 * MIB);

	(void)state;
	/* The kernel ends at 0x1205000: that much RAM holds it, a page less
	 * does not. */
	v = vm_new(0x1205000);
	assert_int_equal(vm_boot(v), 0);
	vm_free(v);
	v = vm_new(0x1204000);
	assert_int_equal(vm_boot(v), -ENOSPC);
	assert_string_equal(v->e.msg,
			    "kernel segment of 0x5000 bytes at 0x1200000 ends at 0x1205000, "
			    "beyond the guest's RAM below the PCI hole (0x1204000, 18.0 MiB)");
	vm_free(v);

	/* An initrd above the kernel's end: 32 MiB - 0x1205000 fits exactly
	 * (page aligned), one byte more does not. */
	v = vm_new(32 * MIB);
	v->cfg.initrd = initrd;
	v->cfg.initrd_len = 32 * MIB - 0x1205000;
	assert_int_equal(vm_boot(v), 0);
	assert_true(fake_get(v->ram.base + LAYOUT_ZERO_PAGE_ADDR, 56, 8) == 0x1205000);
	v->cfg.initrd_len++;
	assert_int_equal(vm_boot(v), -ENOSPC);
	assert_non_null(strstr(v->e.msg, "initrd of 14659585 bytes does not fit"));
	v->cfg.initrd_len = 16 * MIB;
	assert_int_equal(vm_boot(v), -ENOSPC);
	assert_non_null(strstr(v->e.msg, "initrd of 16777216 bytes does not fit between the "
					 "kernel's end at 0x1205000 and 0x2000000"));
	free(initrd);
	vm_free(v);
}

static void test_boot_cmdline_and_bad_input(void **state)
{
	struct pvh_vm *v = vm_new(32 * MIB);
	char *big = malloc(LAYOUT_CMDLINE_MAX + 1);

	(void)state;
	memset(big, 'x', LAYOUT_CMDLINE_MAX);
	big[LAYOUT_CMDLINE_MAX] = '\0';
	v->cfg.cmdline = big;
	assert_int_equal(vm_boot(v), -E2BIG);
	assert_string_equal(v->e.msg, "command line is too long (limit 65535 bytes)");
	big[LAYOUT_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(vm_boot(v), 0);
	assert_int_equal(v->ram.base[LAYOUT_CMDLINE_ADDR + LAYOUT_CMDLINE_MAX - 2], 'x');
	assert_int_equal(v->ram.base[LAYOUT_CMDLINE_ADDR + LAYOUT_CMDLINE_MAX - 1], 0);

	/* The parser's errors come through; a bad vCPU count too. */
	v->cfg.cmdline = "";
	v->cfg.kernel_len = 40;
	assert_int_equal(vm_boot(v), -EINVAL);
	assert_non_null(strstr(v->e.msg, "truncated ELF header"));
	v->cfg.kernel_len = v->img_len;
	v->cfg.ncpus = 0;
	assert_int_equal(vm_boot(v), -EINVAL);
	assert_non_null(strstr(v->e.msg, "MP table"));
	free(big);
	vm_free(v);
}

/* The pure initrd placement on layouts too large to allocate: at the top
 * of low RAM (3 GiB at most), above a kernel ending at 0x4a00000 (the
 * stock Debian vmlinux's end). */
static void test_initrd_addr_large_memory(void **state)
{
	static const struct {
		uint64_t ram, len;
		int result;
		uint64_t addr;
	} cases[] = {
		{ 6 * GIB, 0x1234567, 0, (3 * GIB - 0x1234567) & ~0xfffULL },
		{ 6 * GIB, 4 * GIB, -ENOSPC, 0 },
		{ 6 * GIB, UINT64_MAX, -ENOSPC, 0 },
		{ 80 * MIB, 0x600000, 0, 0x4a00000 },
		{ 80 * MIB, 0x600001, -ENOSPC, 0 },
	};
	const struct pvh_info kernel = { .end = 0x4a00000 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct guest_mem layout;
		struct err e = { 0 };
		uint64_t addr = 0;

		guest_mem_layout(&layout, NULL, cases[i].ram);
		assert_int_equal(pvh_initrd_addr(&layout, &kernel, cases[i].len, &addr, &e),
				 cases[i].result);
		assert_true(addr == cases[i].addr);
		assert_true(cases[i].result == 0 || strstr(e.msg, "does not fit"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_elf),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_entry_note_4_and_8_bytes),
		cmocka_unit_test(test_multiple_notes),
		cmocka_unit_test(test_malformed_notes),
		cmocka_unit_test(test_malformed_header),
		cmocka_unit_test(test_malformed_segments),
		cmocka_unit_test(test_segment_limits),
		cmocka_unit_test(test_start_info_build),
		cmocka_unit_test(test_boot_layout),
		cmocka_unit_test(test_boot_maps_file_pages),
		cmocka_unit_test(test_boot_machine_sizes),
		cmocka_unit_test(test_boot_does_not_fit),
		cmocka_unit_test(test_boot_cmdline_and_bad_input),
		cmocka_unit_test(test_initrd_addr_large_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
