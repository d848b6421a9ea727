/* The x86 machine minivmm builds: every guest-physical address and every
 * interrupt number, in one place (as Firecracker's arch/x86_64/layout.rs and
 * kvmtool's kvm-arch.h). Other files derive their addresses from here;
 * tests/unit/test_layout.c checks that no two regions overlap.
 *
 *   0x0000_0500  GDT                     \
 *   0x0000_7000  zero page (boot_params)  |  boot structures, usable RAM in
 *   0x0000_8000  boot stack               |  the e820 map (the kernel copies
 *   0x0000_9000  page tables (6 pages)    |  what it keeps)
 *   0x0002_0000  command line (64 KiB)   /
 *   0x0009_fc00  MP table                \  reserved in the e820 map
 *   0x000e_0000  ACPI tables (128 KiB)    |  (no BIOS: all ours)
 *   0x000f_fff0  reset vector (16 bytes) /
 *   0x0010_0000  kernel, then initrd at the top of low RAM
 *   0xc000_0000  32-bit hole: PCI BARs up to the IOAPIC
 *   0xfec0_0000  IOAPIC
 *   0xfee0_0000  local APICs (and the MSI address window)
 *   0xfeff_c000  identity-map page and TSS (Intel VMX real-mode needs)
 *   0x1_0000_0000  RAM above the hole
 */
#ifndef MINIVMM_LAYOUT_H
#define MINIVMM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Boot structures below 1 MiB. */
#define LAYOUT_GDT_ADDR		0x0500ULL
#define LAYOUT_GDT_SIZE		0x0100ULL
#define LAYOUT_ZERO_PAGE_ADDR	0x7000ULL
#define LAYOUT_ZERO_PAGE_SIZE	0x1000ULL
#define LAYOUT_BOOT_STACK_ADDR	0x8000ULL
#define LAYOUT_BOOT_STACK_SIZE	0x1000ULL
#define LAYOUT_BOOT_STACK_TOP	0x8ff0ULL
#define LAYOUT_PAGE_TABLES_ADDR 0x9000ULL /* PML4, PDPT, 4 PDs */
#define LAYOUT_PAGE_TABLES_SIZE 0x6000ULL
#define LAYOUT_CMDLINE_ADDR	0x20000ULL
#define LAYOUT_CMDLINE_MAX	0x10000ULL /* bytes, NUL included */

/* Reserved from the EBDA to 1 MiB: the firmware tables the kernel reads. */
#define LAYOUT_RESERVED_START	 0x9fc00ULL
#define LAYOUT_RESERVED_END	 0x100000ULL
#define LAYOUT_MPTABLE_ADDR	 0x9fc00ULL /* floating pointer + config table */
#define LAYOUT_MPTABLE_END	 0xe0000ULL
#define LAYOUT_ACPI_ADDR	 0xe0000ULL /* RSDP here: the legacy scan finds it */
#define LAYOUT_ACPI_SIZE	 (LAYOUT_RESET_VECTOR_ADDR - LAYOUT_ACPI_ADDR)
/* F000:FFF0, where a real-mode restart jumps (the kernel's reboot on a
 * hardware-reduced ACPI machine without EFI): a stub that writes the ACPI
 * reset register (boot/boot_linux.c). */
#define LAYOUT_RESET_VECTOR_ADDR 0xffff0ULL
#define LAYOUT_RESET_VECTOR_SIZE 0x10ULL

/* RAM: [0, hole start) then from 4 GiB up. */
#define LAYOUT_KERNEL_ADDR    0x100000ULL /* protected-mode kernel */
#define LAYOUT_MEM_HOLE_START 0xc0000000ULL
#define LAYOUT_MEM_HOLE_END   0x100000000ULL

/* The 32-bit hole. */
#define LAYOUT_PCI_MMIO_START	 LAYOUT_MEM_HOLE_START
#define LAYOUT_PCI_MMIO_END	 LAYOUT_IOAPIC_ADDR /* exclusive */
#define LAYOUT_IOAPIC_ADDR	 0xfec00000ULL
#define LAYOUT_IOAPIC_SIZE	 0x1000ULL
#define LAYOUT_LAPIC_ADDR	 0xfee00000ULL
#define LAYOUT_LAPIC_SIZE	 0x100000ULL   /* MSI writes land here too */
#define LAYOUT_IDENTITY_MAP_ADDR 0xfeffc000ULL /* KVM_SET_IDENTITY_MAP_ADDR, 1 page */
#define LAYOUT_IDENTITY_MAP_SIZE 0x1000ULL
#define LAYOUT_TSS_ADDR		 0xfeffd000ULL /* KVM_SET_TSS_ADDR, 3 pages */
#define LAYOUT_TSS_SIZE		 0x3000ULL

/* Interrupts: the IOAPIC's pins are GSIs 0-23 (KVM's default routing,
 * ISA IRQ n on pin n). */
#define LAYOUT_IOAPIC_PINS   24
#define LAYOUT_IRQ_PIT	     0 /* KVM's in-kernel PIT */
#define LAYOUT_IRQ_CASCADE   2 /* the PIC cascade: never routed */
#define LAYOUT_IRQ_COM1	     4
#define LAYOUT_GSI_PCI_FIRST 5 /* PCI INTx, level; shared round-robin past 19 devices */
#define LAYOUT_GSI_PCI_LAST  23
#define LAYOUT_IRQ_GED \
	3 /* ACPI GED (power button): edge, high;
				     * COM2's line, which no device uses */

/* I/O ports of the ACPI platform devices (devices/acpi_pm.c, pvpanic.c). */
#define LAYOUT_PORT_PVPANIC   0x505 /* 1 byte, QEMU's pvpanic ISA port */
#define LAYOUT_PORT_SLEEP_CTL 0x600 /* FADT SLEEP_CONTROL_REG, 1 byte */
#define LAYOUT_PORT_SLEEP_STS 0x601 /* FADT SLEEP_STATUS_REG, 1 byte */
#define LAYOUT_PORT_RESET     0x602 /* FADT RESET_REG, 1 byte */
#define LAYOUT_RESET_VALUE    0x01  /* FADT RESET_VALUE */
#define LAYOUT_SLEEP_TYPE_S5  5	    /* the DSDT's _S5 SLP_TYP: power off */

/* Legacy ports the DSDT declares (devices/rtc.c, devices/pci.c). */
#define LAYOUT_PORT_RTC		   0x70 /* CMOS index/data, 2 ports */
#define LAYOUT_PORT_RTC_LEN	   2
#define LAYOUT_PORT_PCI_CONFIG	   0xcf8 /* configuration mechanism #1, 8 ports */
#define LAYOUT_PORT_PCI_CONFIG_LEN 8

struct layout_region {
	const char *name;
	uint64_t start;
	uint64_t size;
};

/* Every fixed region above, in address order. */
extern const struct layout_region layout_regions[];
extern const size_t layout_nregions;

#endif
