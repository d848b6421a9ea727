/* PVH direct boot of an uncompressed ELF vmlinux (the x86 boot ABI of Xen's
 * PVH guests that Linux implements with CONFIG_PVH, and QEMU, Firecracker
 * and cloud-hypervisor use for KVM guests): the kernel's PT_LOAD segments go
 * to their physical addresses, and the vCPU enters at the 32-bit entry named
 * by the ELF note ("Xen", XEN_ELFNOTE_PHYS32_ENTRY) in flat protected mode,
 * paging off, with EBX = the guest address of a struct hvm_start_info.
 * pvh_parse() and pvh_start_info_build() are pure functions over plain
 * memory; boot_pvh() composes them over guest RAM as boot_linux() does. */
#ifndef MINIVMM_BOOT_PVH_H
#define MINIVMM_BOOT_PVH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"
#include "common/err.h"
#include "vmm/guest_mem.h"

/* Xen's public/elfnote.h: the note's type; its descriptor (4 or 8 bytes,
 * Linux writes 8) is the physical address of the 32-bit entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* Bounds on what pvh_parse() accepts (a Linux vmlinux has 5 program
 * headers, 4 of them PT_LOAD). */
#define PVH_MAX_PHDRS	 64
#define PVH_MAX_SEGMENTS 16

/* One PT_LOAD segment: filesz bytes from the file at offset go to paddr,
 * then zeroes up to memsz. */
struct pvh_segment {
	uint64_t paddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

struct pvh_info {
	uint32_t entry; /* physical address of the 32-bit entry point */
	unsigned nsegs;
	struct pvh_segment segs[PVH_MAX_SEGMENTS];
	uint64_t lowest; /* lowest segment paddr */
	uint64_t end;	 /* highest segment paddr + memsz */
};

/* The file starts with the ELF magic (so --kernel is a vmlinux, not a bzImage). */
bool pvh_is_elf(const uint8_t *img, size_t len);

/* Validate a PVH vmlinux: a 64-bit little-endian x86-64 ET_EXEC ELF whose
 * program headers and PT_LOAD segments (1 to PVH_MAX_SEGMENTS of them; those
 * with no memory size are skipped) lie in the file, each loaded between
 * LAYOUT_KERNEL_ADDR (1 MiB, above the boot tables) and 4 GiB, with a
 * well-formed PT_NOTE walk that finds the PVH entry note, whose entry is
 * inside a segment's file bytes. EINVAL with one message for each way it can
 * be wrong. */
int pvh_parse(const uint8_t *img, size_t len, struct pvh_info *out, struct err *e);

/* Where boot_pvh() puts an initrd of the given size: page aligned at the
 * top of low RAM, above the kernel's end; ENOSPC with a message when it
 * does not fit. Pure: the CLI checks with it before opening KVM. */
int pvh_initrd_addr(const struct guest_mem *mem, const struct pvh_info *pvh, uint64_t initrd_len,
		    uint64_t *addr, struct err *e);

/* The start-of-day structures of the PVH ABI, as Xen's public header
 * arch-x86/hvm/start_info.h lays them out (all little-endian; an address
 * of 0 means absent). EBX points at struct hvm_start_info. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578
#define HVM_START_INFO_VERSION	  1 /* has memmap_paddr and memmap_entries */

struct hvm_start_info {
	uint32_t magic;		 /* XEN_HVM_START_MAGIC_VALUE */
	uint32_t version;	 /* 1 */
	uint32_t flags;		 /* SIF_*: 0 */
	uint32_t nr_modules;	 /* entries at modlist_paddr; module 0 is the initrd */
	uint64_t modlist_paddr;	 /* struct hvm_modlist_entry[nr_modules] */
	uint64_t cmdline_paddr;	 /* NUL-terminated command line */
	uint64_t rsdp_paddr;	 /* ACPI RSDP */
	uint64_t memmap_paddr;	 /* struct hvm_memmap_table_entry[memmap_entries] */
	uint32_t memmap_entries; /* 0: no memory map */
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr; /* the module's own command line: 0, none */
	uint64_t reserved;
};

/* type: the e820 types (1 RAM, 2 reserved, ...). */
struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* What the start info describes. */
struct pvh_start_params {
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t initrd_paddr; /* with initrd_size 0: no module */
	uint64_t initrd_size;
	const struct guest_mem *mem; /* the memory map: e820_build()'s ranges */
};

/* Write the hvm_start_info (version 1), then the module list (the initrd,
 * if any), then the memory map into buf, which the guest sees at gpa (the
 * structures point at each other by guest address). Returns the bytes
 * written, or -ENOSPC when they do not fit in len. */
long pvh_start_info_build(uint8_t *buf, size_t len, uint64_t gpa, const struct pvh_start_params *p);

/* Place a PVH vmlinux (cfg->kernel) in guest RAM and fill *entry: each
 * PT_LOAD segment at its physical address (all must end within low RAM),
 * the command line at LAYOUT_CMDLINE_ADDR, the initrd at pvh_initrd_addr(),
 * the boot_linux() tables (MP, ACPI with the RSDP at LAYOUT_ACPI_ADDR, GDT,
 * reset vector) and the start info at LAYOUT_ZERO_PAGE_ADDR; entry:
 * BOOT_MODE_PROT32 at the note's entry, rbx -> start info. Fails with
 * pvh_parse()'s EINVAL, ENOSPC (something does not fit), E2BIG (command line
 * longer than LAYOUT_CMDLINE_MAX-1) or EFBIG, each with a message. */
int boot_pvh(const struct guest_mem *mem, const struct boot_config *cfg, struct boot_entry *entry,
	     struct err *e);

#endif
