/* ACPI 6.4 tables for a hardware-reduced x86 guest, built by pure functions
 * over a plain buffer: RSDP, XSDT, FADT, MADT and a DSDT whose AML comes from
 * boot/aml.c. The machine they describe is vmm/layout.h's. */
#ifndef MINIVMM_ACPI_H
#define MINIVMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "boot/aml.h"
#include "boot/boot.h"

#define ACPI_OEM_ID	      "MINVMM"	 /* 6 bytes */
#define ACPI_OEM_TABLE_ID     "MINIVMM " /* 8 bytes */
#define ACPI_OEM_REVISION     1
#define ACPI_CREATOR_ID	      "MVMM" /* 4 bytes */
#define ACPI_CREATOR_REVISION 1

struct acpi_config {
	unsigned ncpus;			   /* local APIC IDs 0..ncpus-1, all enabled */
	const struct mp_pci_irq *pci_irqs; /* {slot, ioapic_pin} per PCI device (INTA#) */
	unsigned npci_irqs;
};

/* Build every table into buf, which the guest sees at guest-physical
 * address gpa (16-byte aligned): the RSDP at offset 0 (revision 2, pointing
 * at the XSDT), then, 8-byte aligned, the XSDT (FADT, MADT), the FADT
 * (hardware-reduced; DSDT, sleep and reset registers), the MADT (one enabled
 * local APIC per vCPU, the IOAPIC with ID ncpus, level/active-low overrides
 * for PCI GSIs below 16, LINT1 NMI) and the DSDT. Returns the bytes written,
 * -ENOSPC when they do not fit in len (nothing is written at or past
 * buf + len), -EINVAL for a bad config: ncpus 0 or > 254, a PCI slot > 31,
 * a pin outside LAYOUT_GSI_PCI_FIRST..LAST, more than 32 routes, or a gpa
 * that is not 16-byte aligned. */
long acpi_build(uint8_t *buf, size_t len, uint64_t gpa, const struct acpi_config *cfg);

/* The real-mode code at the reset vector (LAYOUT_RESET_VECTOR_ADDR,
 * F000:FFF0): cli; write LAYOUT_RESET_VALUE to the FADT's reset register;
 * hlt forever. Linux reboots a hardware-reduced ACPI machine that has no
 * EFI through "BOOT_EFI" and then a real-mode jump here ("BOOT_BIOS"),
 * never trying the reset register itself; this makes that jump reset the
 * machine instead of running zeroes. */
void acpi_reset_vector(uint8_t out[LAYOUT_RESET_VECTOR_SIZE]);

/* The DSDT's body (the AML after the table header): \_SB.PCI0 with its
 * windows and _PRT, COM1, RTC, the power button, the GED that notifies it,
 * the pvpanic device and \_S5. cfg must have passed acpi_build()'s checks. */
void acpi_dsdt_aml(struct aml *a, const struct acpi_config *cfg);

#endif
