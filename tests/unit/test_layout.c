/* vmm/layout.h: the machine's regions never overlap, sit where the boot
 * protocol and the e820 map expect them, and the interrupt plan keeps the
 * PCI INTx lines off the legacy ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "boot/boot.h"
#include "vmm/layout.h"

static uint64_t end_of(const struct layout_region *r)
{
	return r->start + r->size;
}

static void no_two_regions_overlap(void **state)
{
	(void)state;
	assert_true(layout_nregions >= 10);
	for (size_t i = 0; i < layout_nregions; i++) {
		const struct layout_region *a = &layout_regions[i];

		assert_true(a->size > 0);
		assert_true(end_of(a) > a->start); /* no wrap */
		for (size_t j = i + 1; j < layout_nregions; j++) {
			const struct layout_region *b = &layout_regions[j];

			if (a->start < end_of(b) && b->start < end_of(a))
				fail_msg("%s [%#llx, %#llx) overlaps %s [%#llx, %#llx)", a->name,
					 (unsigned long long)a->start,
					 (unsigned long long)end_of(a), b->name,
					 (unsigned long long)b->start,
					 (unsigned long long)end_of(b));
		}
	}
}

static void regions_are_in_address_order(void **state)
{
	(void)state;
	for (size_t i = 1; i < layout_nregions; i++)
		assert_true(layout_regions[i - 1].start < layout_regions[i].start);
}

static void boot_structures_below_reserved_area(void **state)
{
	(void)state;
	/* Usable RAM in the e820 map, and reachable by the 4 GiB identity map. */
	assert_true(LAYOUT_CMDLINE_ADDR + LAYOUT_CMDLINE_MAX <= LAYOUT_RESERVED_START);
	assert_true(LAYOUT_PAGE_TABLES_ADDR + LAYOUT_PAGE_TABLES_SIZE <= LAYOUT_CMDLINE_ADDR);
	assert_true(LAYOUT_BOOT_STACK_TOP > LAYOUT_BOOT_STACK_ADDR);
	assert_true(LAYOUT_BOOT_STACK_TOP <= LAYOUT_BOOT_STACK_ADDR + LAYOUT_BOOT_STACK_SIZE);
	assert_true(BOOT_GDT_ENTRIES * 8 <= LAYOUT_GDT_SIZE);
	assert_true(sizeof(struct boot_params) <= LAYOUT_ZERO_PAGE_SIZE);
	/* Every page-aligned structure is page aligned. */
	assert_int_equal(LAYOUT_ZERO_PAGE_ADDR & 0xfff, 0);
	assert_int_equal(LAYOUT_PAGE_TABLES_ADDR & 0xfff, 0);
}

static void firmware_tables_in_reserved_area(void **state)
{
	(void)state;
	assert_true(LAYOUT_MPTABLE_ADDR >= LAYOUT_RESERVED_START);
	assert_true(LAYOUT_MPTABLE_END <= LAYOUT_ACPI_ADDR);
	/* The MP floating pointer is found by scanning the EBDA's first KiB. */
	assert_true(LAYOUT_MPTABLE_ADDR + 16 <= LAYOUT_RESERVED_START + 1024);
	/* The largest MP table we build fits its room. */
	assert_true(mptable_size(254, 32) <= LAYOUT_MPTABLE_END - LAYOUT_MPTABLE_ADDR);
	/* The kernel's legacy RSDP scan covers 0xe0000-0xfffff. */
	assert_true(LAYOUT_ACPI_ADDR >= 0xe0000);
	assert_true(LAYOUT_ACPI_ADDR + LAYOUT_ACPI_SIZE <= LAYOUT_RESERVED_END);
	assert_int_equal(LAYOUT_RESERVED_END, LAYOUT_KERNEL_ADDR);
	/* A real-mode jump to F000:FFF0 (the BIOS reset) lands on our stub. */
	assert_int_equal(LAYOUT_RESET_VECTOR_ADDR, 0xf0000 + 0xfff0);
	assert_true(LAYOUT_RESET_VECTOR_ADDR + LAYOUT_RESET_VECTOR_SIZE <= LAYOUT_RESERVED_END);
}

static void hole_holds_every_mmio_region(void **state)
{
	(void)state;
	assert_int_equal(LAYOUT_MEM_HOLE_END, 1ULL << 32);
	assert_int_equal(LAYOUT_PCI_MMIO_START, LAYOUT_MEM_HOLE_START);
	assert_true(LAYOUT_PCI_MMIO_END <= LAYOUT_IOAPIC_ADDR);
	assert_true(LAYOUT_TSS_ADDR + LAYOUT_TSS_SIZE <= LAYOUT_MEM_HOLE_END);
	for (size_t i = 0; i < layout_nregions; i++) {
		const struct layout_region *r = &layout_regions[i];

		/* Nothing straddles the hole's start or end. */
		assert_false(r->start < LAYOUT_MEM_HOLE_START && end_of(r) > LAYOUT_MEM_HOLE_START);
		assert_true(end_of(r) <= LAYOUT_MEM_HOLE_END);
	}
}

static void pci_interrupts_avoid_legacy_lines(void **state)
{
	(void)state;
	assert_true(LAYOUT_GSI_PCI_FIRST <= LAYOUT_GSI_PCI_LAST);
	assert_true(LAYOUT_GSI_PCI_LAST < LAYOUT_IOAPIC_PINS);
	assert_true(LAYOUT_IRQ_PIT < LAYOUT_GSI_PCI_FIRST);
	assert_true(LAYOUT_IRQ_CASCADE < LAYOUT_GSI_PCI_FIRST);
	assert_true(LAYOUT_IRQ_COM1 < LAYOUT_GSI_PCI_FIRST);
	assert_true(LAYOUT_IRQ_GED < LAYOUT_GSI_PCI_FIRST);
	assert_true(LAYOUT_IRQ_GED != LAYOUT_IRQ_COM1 && LAYOUT_IRQ_GED != LAYOUT_IRQ_PIT &&
		    LAYOUT_IRQ_GED != LAYOUT_IRQ_CASCADE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_two_regions_overlap),
		cmocka_unit_test(regions_are_in_address_order),
		cmocka_unit_test(boot_structures_below_reserved_area),
		cmocka_unit_test(firmware_tables_in_reserved_area),
		cmocka_unit_test(hole_holds_every_mmio_region),
		cmocka_unit_test(pci_interrupts_avoid_legacy_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
