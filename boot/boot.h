/* Linux x86-64 boot: validate a bzImage, place kernel, command line, initrd
 * and boot structures in guest RAM, and describe the 64-bit entry state.
 * Every builder is a pure function over plain memory so it can be unit-tested
 * by reading the bytes back; boot_linux() composes them over guest RAM. */
#ifndef MINIVMM_BOOT_H
#define MINIVMM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

#include "common/err.h"
#include "vmm/guest_mem.h"
#include "vmm/layout.h"

#define BOOT_MIN_PROTOCOL 0x020c /* 2.12: xloadflags, 64-bit entry */

struct bzimage_info {
	uint16_t protocol;	  /* boot protocol version, e.g. 0x020f */
	uint32_t setup_size;	  /* bytes of real-mode setup incl. boot sector */
	uint32_t kernel_size;	  /* bytes of protected-mode kernel after setup */
	uint32_t initrd_addr_max; /* highest address the initrd may end at (incl.) */
	uint32_t kernel_alignment;
	uint32_t cmdline_size; /* max command line length excl. NUL */
	uint32_t init_size;    /* memory the kernel needs from where it runs
				   * (see bzimage_runtime_end) */
	uint64_t pref_address;
	uint16_t xloadflags;
	uint8_t loadflags;
	uint8_t relocatable;
};

/* Validate an image: "HdrS" magic, protocol >= 2.12, 64-bit entry point
 * (XLF_KERNEL_64), loaded high, setup and kernel within the file. Errors
 * name what is wrong ("not a bzImage", "boot protocol 2.10 is too old", ...). */
int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *out, struct err *e);

/* Copy the setup header (file offset 0x1f1) into hdr; bytes beyond the end
 * of a short file read as zero. */
void bzimage_read_header(const uint8_t *img, size_t len, struct setup_header *hdr);

/* First guest address above the memory the kernel's decompressor uses when
 * the image is loaded at load_addr: it runs at load_addr rounded up to
 * kernel_alignment (relocatable) but not below pref_address, and needs
 * init_size bytes from there. Saturates at UINT64_MAX. */
uint64_t bzimage_runtime_end(const struct bzimage_info *bz, uint64_t load_addr);

/* Build the e820 map for a guest with the given RAM layout: low RAM below the
 * EBDA, reserved EBDA..1 MiB, RAM from 1 MiB to low_size, RAM above 4 GiB.
 * Returns the number of entries written (<= max). */
unsigned e820_build(struct boot_e820_entry *out, unsigned max, const struct guest_mem *mem);

/* Fill a zero page (64-bit boot protocol): zeroes, the image's setup header
 * (0x1f1 up to 0x202 + byte 0x201, clamped to the struct and the file),
 * type_of_loader 0xff, vid_mode 0xffff, command line and initrd pointers
 * (high halves in ext_*), e820 from mem. cmdline_len is informational. */
void boot_params_build(struct boot_params *bp, const uint8_t *img, size_t img_len,
		       uint64_t cmdline_addr, uint32_t cmdline_len, uint64_t initrd_addr,
		       uint32_t initrd_size, const struct guest_mem *mem);

/* Tell a kernel of boot protocol 2.14 (0x020e) or later where the RSDP is
 * (acpi_rsdp_addr); older kernels find it by scanning 0xe0000-0xfffff and
 * have other fields there, so bp is left alone. Call after
 * boot_params_build(), which copied the header with its version. */
void boot_params_set_rsdp(struct boot_params *bp, uint64_t rsdp_addr);

/* Identity-map the first 4 GiB with 2 MiB pages: PML4 at base, PDPT at
 * base+0x1000, four PDs after it. buf must hold 6 pages. */
void pagetables_build(uint8_t *buf, uint64_t base);

/* Flat GDT: null, 32-bit code at selector 0x08 (the PVH entry: type 0xb,
 * D/B=1, G=1), 64-bit code at 0x10 (P, DPL 0, type 0xb execute/read
 * accessed, L=1, G=1) and data at 0x18 (type 0x3 read/write accessed,
 * D/B=1, G=1): the attributes the vCPU's sregs use. */
#define BOOT_GDT_ENTRIES 4
#define BOOT_CODE32_SEL	 0x08
#define BOOT_CODE_SEL	 0x10
#define BOOT_DATA_SEL	 0x18
void gdt_build(uint64_t gdt[BOOT_GDT_ENTRIES]);

/* One PCI device's legacy interrupt (INTA#) route for the MP table. */
struct mp_pci_irq {
	uint8_t slot;
	uint8_t ioapic_pin;
};

/* MP spec 1.4 floating pointer + configuration table at guest address gpa:
 * ncpus processors (APIC IDs 0..n-1, BSP 0), an ISA and a PCI bus, one IOAPIC
 * (id ncpus, 0xFEC00000), ISA IRQs 0-15 routed identity to IOAPIC pins
 * as KVM's default GSI routing does (IRQ0 -> pin 0; no entry for the
 * cascade IRQ2), the given PCI INTA# routes (level, active
 * low), LINT0 ExtINT and LINT1 NMI. The floating pointer is at gpa, the
 * configuration table right after it (gpa + 16). Returns bytes written,
 * -ENOSPC when it does not fit in len, -EINVAL for ncpus 0 or > 254. */
long mptable_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned ncpus,
		   const struct mp_pci_irq *pci, unsigned npci);
/* Bytes mptable_build() writes for ncpus processors and npci PCI routes. */
size_t mptable_size(unsigned ncpus, unsigned npci);

/* How the boot vCPU starts. */
enum boot_mode {
	/* bzImage: 64-bit mode, paging on (cr3), rsi -> zero page. */
	BOOT_MODE_LONG64,
	/* PVH vmlinux: 32-bit protected mode, paging off, ebx -> hvm_start_info. */
	BOOT_MODE_PROT32,
};

/* Where the vCPUs start. */
struct boot_entry {
	enum boot_mode mode;
	uint64_t rip;
	uint64_t rsi;
	uint64_t rbx;
	uint64_t rsp;
	uint64_t cr3;
	uint64_t gdt_addr;
	uint16_t gdt_limit;
};

enum boot_file { BOOT_FILE_KERNEL, BOOT_FILE_INITRD };

/* Put len bytes of a file from offset at gpa without copying them (the VMM
 * maps the file's pages privately over guest RAM). gpa, offset and len are
 * page multiples. 0: done; > 0: not possible here, copy instead; < 0: an
 * errno, the boot fails. */
typedef int (*boot_map_fn)(void *opaque, enum boot_file file, const struct guest_mem *mem,
			   uint64_t gpa, uint64_t offset, uint64_t len);

struct boot_config {
	const uint8_t *kernel; /* whole kernel file: bzImage or ELF vmlinux */
	size_t kernel_len;
	const uint8_t *initrd; /* may be NULL */
	size_t initrd_len;
	const char *cmdline;
	unsigned ncpus;
	const struct mp_pci_irq *pci_irqs;
	unsigned npci_irqs;
	/* Optional (NULL: copy everything): map file pages instead. */
	boot_map_fn map_file;
	void *map_opaque;
	/* Guest RAM is freshly mapped, so all zero: no need to zero-fill. */
	bool ram_zeroed;
};

/* Place everything in guest RAM and fill *entry: protected-mode kernel at
 * LAYOUT_KERNEL_ADDR (its runtime range, bzimage_runtime_end(), must fit in
 * low RAM), NUL-terminated command line at LAYOUT_CMDLINE_ADDR, initrd at
 * boot_initrd_addr(), zero page, page tables, GDT, MP table and ACPI tables
 * (boot/acpi.h, RSDP at LAYOUT_ACPI_ADDR, also in the zero page's
 * acpi_rsdp_addr) at their LAYOUT_* addresses: the MP table stays for
 * "acpi=off". Fails with ENOSPC (kernel/initrd/tables do not fit), E2BIG
 * (command line longer than the kernel's cmdline_size or LAYOUT_CMDLINE_MAX-1),
 * EFBIG, or bzimage_parse()'s EINVAL, each with a message. */
int boot_linux(const struct guest_mem *mem, const struct boot_config *cfg, struct boot_entry *entry,
	       struct err *e);

/* Where boot_linux() would put an initrd of the given size (page aligned,
 * below initrd_addr_max and the end of low RAM, above the kernel's
 * init_size), or a negative errno with a message when it cannot fit. Pure;
 * the CLI uses it to reject "initrd too large for --mem" before opening KVM. */
int boot_initrd_addr(const struct guest_mem *mem, const struct bzimage_info *bz,
		     uint64_t initrd_len, uint64_t *addr, struct err *e);

#endif
