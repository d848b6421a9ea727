/* PCI host through configuration mechanism #1: config space at every offset
 * and width, BAR sizing and moves (refused moves roll back), the
 * capability list, MSI-X masking and pending bits, and INTx. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/pci_regs.h>

#include "devices/pci.h"
#include "tests/mock/fake_vm.h"
#include "vmm/layout.h"

static struct vm vm;
static struct pci_host *host;
static struct pci_device *dev;
static unsigned bar_hits, bar_moves;
static uint8_t bar_reg[0x1000];

static void bar_handler(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	(void)opaque;
	bar_hits++;
	for (uint32_t i = 0; i < len && off + i < sizeof(bar_reg); i++) {
		if (is_write)
			bar_reg[off + i] = data[i];
		else
			data[i] = bar_reg[off + i];
	}
}

static void moved(struct pci_device *d, unsigned bar, uint64_t o, uint64_t n)
{
	(void)d;
	(void)bar;
	(void)o;
	(void)n;
	bar_moves++;
}

static void nothing_to_destroy(struct pci_device *d)
{
	(void)d;
}

static const struct pci_device_ops test_ops = {
	.bar_moved = moved,
	.destroy = nothing_to_destroy,
};

static int setup(void **state)
{
	struct err e;

	(void)state;
	if (vm_init_common(&vm, NULL, 64 << 20, &e) < 0)
		return -1;
	fake_irq_install(&vm);
	if (pci_host_create(&vm, &host, &e) < 0)
		return -1;
	if (pci_device_alloc(host, 0x1234, 0x5678, 0x018000, 1, 0x1234, 1, "test", &dev, &e) ||
	    pci_device_add_bar(dev, 0, 0x1000, bar_handler, NULL, &e) ||
	    pci_device_add_msix(dev, 2, 4, &e) || pci_device_add_intx(dev, &e) ||
	    pci_device_publish(dev, &test_ops, NULL, &e))
		return -1;
	bar_hits = bar_moves = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pci_host_destroy(host);
	vm_destroy_common(&vm);
	return 0;
}

static void outl(uint16_t port, uint32_t v)
{
	bus_dispatch(&vm.io_bus, port, (uint8_t *)&v, 4, true);
}

#define cfg_in(slot, reg, len)	   guest_cfg_rd(&vm, slot, reg, len)
#define cfg_out(slot, reg, len, v) guest_cfg_wr(&vm, slot, reg, len, v)
#define mmio_read32(addr)	   guest_mmio_rd(&vm, addr, 4)
#define mmio_write32(addr, v)	   guest_mmio_wr(&vm, addr, 4, v)

static void host_bridge_and_empty_slots(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(cfg_in(0, PCI_VENDOR_ID, 4), 0x00081b36);
	assert_int_equal(cfg_in(0, PCI_CLASS_REVISION, 4) >> 8, 0x060000);
	assert_int_equal(cfg_in(1, PCI_VENDOR_ID, 4), 0x56781234);
	assert_int_equal(cfg_in(1, PCI_VENDOR_ID + 2, 2), 0x5678);
	assert_int_equal(cfg_in(1, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(cfg_in(2, PCI_VENDOR_ID, 4), 0xffffffff);
	/* Function 1, bus 1, disabled address: nobody answers. */
	outl(0xCF8, 0x80000000u | 1 << 11 | 1 << 8);
	bus_dispatch(&vm.io_bus, 0xCFC, (uint8_t *)&v, 4, false);
	assert_int_equal(v, 0xffffffff);
	outl(0xCF8, 0x80010000u | 1 << 11);
	bus_dispatch(&vm.io_bus, 0xCFC, (uint8_t *)&v, 4, false);
	assert_int_equal(v, 0xffffffff);
	outl(0xCF8, 1 << 11);
	bus_dispatch(&vm.io_bus, 0xCFC, (uint8_t *)&v, 4, false);
	assert_int_equal(v, 0xffffffff);
	/* The address register reads back. */
	outl(0xCF8, 0x80000800u);
	bus_dispatch(&vm.io_bus, 0xCF8, (uint8_t *)&v, 4, false);
	assert_int_equal(v, 0x80000800u);
}

static void every_offset_and_width_is_safe(void **state)
{
	(void)state;
	for (unsigned slot = 0; slot < 3; slot++)
		for (unsigned off = 0; off < 256; off++)
			for (unsigned len = 1; len <= 8; len *= 2) {
				uint8_t data[8] = { 0 };

				outl(0xCF8, 0x80000000u | slot << 11 | (off & 0xfc));
				bus_dispatch(&vm.io_bus, 0xCFC + (off & 3), data, len, false);
				memset(data, 0x5a ^ off, sizeof(data));
				bus_dispatch(&vm.io_bus, 0xCFC + (off & 3), data, len, true);
				/* Direct API with offsets past the end. */
				pci_cfg_read(host, slot, off + 200, len);
				pci_cfg_write(host, slot, off + 200, len, 0xffffffff);
			}
	/* IDs are read-only. */
	assert_int_equal(cfg_in(0, PCI_VENDOR_ID, 4), 0x00081b36);
	assert_int_equal(cfg_in(1, PCI_VENDOR_ID, 4), 0x56781234);
}

static void bar_sizing_and_move(void **state)
{
	uint64_t old = dev->bars[0].addr, msix = dev->bars[2].addr;
	uint32_t v;

	(void)state;
	assert_int_equal(cfg_in(1, PCI_BASE_ADDRESS_0, 4), (uint32_t)old);
	assert_int_equal(old & 0xfff, 0);
	assert_true(old >= LAYOUT_PCI_MMIO_START);
	/* Unimplemented BARs read as zero, even after sizing. */
	cfg_out(1, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	assert_int_equal(cfg_in(1, PCI_BASE_ADDRESS_1, 4), 0);
	/* Sizing: all ones reads back the size mask; the mapping stays. */
	cfg_out(1, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(cfg_in(1, PCI_BASE_ADDRESS_0, 4), 0xfffff000);
	mmio_write32(old + 8, 0x11223344);
	assert_int_equal(bar_hits, 1);
	cfg_out(1, PCI_BASE_ADDRESS_0, 4, (uint32_t)old);
	assert_int_equal(bar_moves, 0);

	/* A real move: the device answers at the new address only. */
	cfg_out(1, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	assert_int_equal(cfg_in(1, PCI_BASE_ADDRESS_0, 4), 0xd0000000);
	assert_int_equal(bar_moves, 1);
	assert_int_equal(mmio_read32(0xd0000008), 0x11223344);
	assert_int_equal(mmio_read32(old + 8), 0xffffffff);

	/* Refused: over the MSI-X BAR, into RAM, over the IOAPIC; rolled back. */
	const uint32_t bad[] = { (uint32_t)msix, 0x00001000, 0xfec00000, 0xbffff000 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg_out(1, PCI_BASE_ADDRESS_0, 4, bad[i]);
		assert_int_equal(cfg_in(1, PCI_BASE_ADDRESS_0, 4), 0xd0000000);
		assert_int_equal(mmio_read32(0xd0000008), 0x11223344);
	}
	assert_int_equal(bar_moves, 1);
	/* MSI-X BAR untouched by all this. */
	assert_int_equal(cfg_in(1, PCI_BASE_ADDRESS_2, 4), (uint32_t)msix);
	/* Byte-wide writes are merged into the register. */
	cfg_out(1, PCI_BASE_ADDRESS_0 + 3, 1, 0xe0);
	assert_int_equal(cfg_in(1, PCI_BASE_ADDRESS_0, 4), 0xe0000000);
	v = mmio_read32(0xe0000008);
	assert_int_equal(v, 0x11223344);

	/* Memory decoding off: the BAR does not answer. */
	cfg_out(1, PCI_COMMAND, 2, 0);
	assert_int_equal(mmio_read32(0xe0000008), 0xffffffff);
	cfg_out(1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(mmio_read32(0xe0000008), 0x11223344);
}

static void capability_list(void **state)
{
	unsigned at, found = 0, steps = 0;

	(void)state;
	assert_true(cfg_in(1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (at = cfg_in(1, PCI_CAPABILITY_LIST, 1); at && steps < 48; steps++) {
		assert_true(at >= 0x40 && at < 256 && !(at & 3));
		if (cfg_in(1, at, 1) == PCI_CAP_ID_MSIX)
			found = at;
		at = cfg_in(1, at + 1, 1);
	}
	assert_int_equal(at, 0);
	assert_int_not_equal(found, 0);
	assert_int_equal(cfg_in(1, found + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 3);
	assert_int_equal(cfg_in(1, found + PCI_MSIX_TABLE, 4), 2);
	assert_int_equal(cfg_in(1, found + PCI_MSIX_PBA, 4), 0x800 | 2);
}

static void msix_masks_and_pending(void **state)
{
	uint64_t t = dev->bars[2].addr;
	unsigned cap = dev->msix_cap;

	(void)state;
	assert_int_equal(pci_msix_notify(dev, 0), -ENODEV);
	assert_false(pci_msix_enabled(dev));
	/* Vector 1 -> 0xfee00000 / 0x41, still masked (reset state). */
	mmio_write32(t + 16, 0xfee00000);
	mmio_write32(t + 20, 0);
	mmio_write32(t + 24, 0x41);
	assert_int_equal(mmio_read32(t + 28), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	cfg_out(1, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_true(pci_msix_enabled(dev));
	assert_int_equal(pci_msix_notify(dev, 9), -EINVAL);

	/* Masked: pending, no message. Unmask: delivered, pending clear. */
	assert_int_equal(pci_msix_notify(dev, 1), 0);
	assert_int_equal(fake_irq_msis(), 0);
	assert_int_equal(mmio_read32(t + 0x800), 1u << 1);
	mmio_write32(t + 28, 0);
	assert_int_equal(fake_irq_msis(), 1);
	assert_int_equal(fake_irq_msi_addr(), 0xfee00000);
	assert_int_equal(fake_irq_msi_data(), 0x41);
	assert_int_equal(mmio_read32(t + 0x800), 0);

	/* Function mask works the same way. */
	cfg_out(1, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_int_equal(pci_msix_notify(dev, 1), 0);
	assert_int_equal(fake_irq_msis(), 1);
	cfg_out(1, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(fake_irq_msis(), 2);
	assert_int_equal(pci_msix_notify(dev, 1), 0);
	assert_int_equal(fake_irq_msis(), 3);
	/* The table size field is read-only; PBA writes are ignored. */
	cfg_out(1, cap + PCI_MSIX_FLAGS, 2, 0xffff);
	assert_int_equal(cfg_in(1, cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 3);
	mmio_write32(t + 0x800, 0xffffffff);
	assert_int_equal(mmio_read32(t + 0x800), 0);
	/* Any width anywhere in the BAR is safe. */
	for (uint64_t off = 0; off < 0x1000; off += 3) {
		uint8_t buf[8] = { 0 };

		bus_dispatch(&vm.mmio_bus, t + off, buf, 8, false);
	}
}

static void intx_level_and_disable(void **state)
{
	struct mp_pci_irq routes[4];
	int gsi = dev->gsi;

	(void)state;
	assert_true(gsi >= 5 && gsi <= 23);
	assert_int_equal(cfg_in(1, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(cfg_in(1, PCI_INTERRUPT_LINE, 1), (uint32_t)gsi);
	pci_intx_set(dev, true);
	assert_int_equal(fake_irq_level((unsigned)gsi), 1);
	assert_true(cfg_in(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	cfg_out(1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(fake_irq_level((unsigned)gsi), 0);
	cfg_out(1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(fake_irq_level((unsigned)gsi), 1);
	pci_intx_set(dev, false);
	assert_int_equal(fake_irq_level((unsigned)gsi), 0);
	assert_false(cfg_in(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	assert_int_equal(pci_host_irq_routes(host, routes, 4), 1);
	assert_int_equal(routes[0].slot, 1);
	assert_int_equal(routes[0].ioapic_pin, gsi);
}

/* More devices than PCI lines (16 disks + 8 NICs fit): the 20th shares the
 * first one's line, which stays high while either device asserts it. */
static void intx_lines_are_shared(void **state)
{
	const unsigned lines = LAYOUT_GSI_PCI_LAST - LAYOUT_GSI_PCI_FIRST + 1;
	struct pci_device *d[PCI_SLOTS] = { 0 };
	struct mp_pci_irq routes[PCI_SLOTS];
	unsigned n = 24, gsi = (unsigned)dev->gsi;
	struct err e;

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(pci_device_alloc(host, 0x1234, 0x5679, 0x018000, 1, 0x1234, 1,
						  "more", &d[i], &e),
				 0);
		assert_int_equal(pci_device_add_intx(d[i], &e), 0);
		assert_int_equal(pci_device_publish(d[i], &test_ops, NULL, &e), 0);
		assert_true(d[i]->gsi >= LAYOUT_GSI_PCI_FIRST && d[i]->gsi <= LAYOUT_GSI_PCI_LAST);
	}
	assert_int_equal(pci_host_irq_routes(host, routes, PCI_SLOTS), n + 1);
	struct pci_device *sharer = d[lines - 1];
	assert_int_equal(sharer->gsi, (int)gsi);

	pci_intx_set(dev, true);
	pci_intx_set(sharer, true);
	assert_int_equal(fake_irq_level(gsi), 1);
	pci_intx_set(dev, false);
	assert_int_equal(fake_irq_level(gsi), 1); /* the sharer still asserts */
	pci_intx_set(sharer, false);
	assert_int_equal(fake_irq_level(gsi), 0);
	/* INTX_DISABLE on one sharer only drops its own share. */
	pci_intx_set(dev, true);
	pci_intx_set(sharer, true);
	cfg_out(1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(fake_irq_level(gsi), 1);
	pci_intx_set(sharer, false);
	assert_int_equal(fake_irq_level(gsi), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(host_bridge_and_empty_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(every_offset_and_width_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(bar_sizing_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(capability_list, setup, teardown),
		cmocka_unit_test_setup_teardown(msix_masks_and_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(intx_level_and_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(intx_lines_are_shared, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
