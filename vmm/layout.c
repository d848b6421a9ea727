/* The fixed regions of vmm/layout.h as a table, for the overlap test and
 * for anyone who wants to print the map. */
#include "vmm/layout.h"

const struct layout_region layout_regions[] = {
	{ "GDT", LAYOUT_GDT_ADDR, LAYOUT_GDT_SIZE },
	{ "zero page", LAYOUT_ZERO_PAGE_ADDR, LAYOUT_ZERO_PAGE_SIZE },
	{ "boot stack", LAYOUT_BOOT_STACK_ADDR, LAYOUT_BOOT_STACK_SIZE },
	{ "page tables", LAYOUT_PAGE_TABLES_ADDR, LAYOUT_PAGE_TABLES_SIZE },
	{ "command line", LAYOUT_CMDLINE_ADDR, LAYOUT_CMDLINE_MAX },
	{ "MP table", LAYOUT_MPTABLE_ADDR, LAYOUT_MPTABLE_END - LAYOUT_MPTABLE_ADDR },
	{ "ACPI tables", LAYOUT_ACPI_ADDR, LAYOUT_ACPI_SIZE },
	{ "reset vector", LAYOUT_RESET_VECTOR_ADDR, LAYOUT_RESET_VECTOR_SIZE },
	{ "low RAM (kernel, initrd)", LAYOUT_KERNEL_ADDR,
	  LAYOUT_MEM_HOLE_START - LAYOUT_KERNEL_ADDR },
	{ "PCI MMIO", LAYOUT_PCI_MMIO_START, LAYOUT_PCI_MMIO_END - LAYOUT_PCI_MMIO_START },
	{ "IOAPIC", LAYOUT_IOAPIC_ADDR, LAYOUT_IOAPIC_SIZE },
	{ "LAPIC / MSI", LAYOUT_LAPIC_ADDR, LAYOUT_LAPIC_SIZE },
	{ "identity map", LAYOUT_IDENTITY_MAP_ADDR, LAYOUT_IDENTITY_MAP_SIZE },
	{ "TSS", LAYOUT_TSS_ADDR, LAYOUT_TSS_SIZE },
};

const size_t layout_nregions = sizeof(layout_regions) / sizeof(layout_regions[0]);
