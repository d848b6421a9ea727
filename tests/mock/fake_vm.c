#include <errno.h>
#include <string.h>

#include "tests/mock/fake_vm.h"

int fake_vm_init(struct fake_vm *f, size_t ram_size, struct err *e)
{
	memset(f, 0, sizeof(*f));
	if (fake_ram_alloc(&f->ram, ram_size) < 0)
		return err_set(e, -ENOMEM, "fake RAM: out of memory");
	if (vm_init_common(&f->vm, f->ram.base, ram_size, e) < 0) {
		fake_ram_free(&f->ram);
		return -1;
	}
	/* Before any device: devices bind ioeventfds when they are created. */
	fake_irq_install(&f->vm);
	if (pci_host_create(&f->vm, &f->host, e) < 0) {
		fake_vm_destroy(f);
		return -1;
	}
	return 0;
}

void fake_vm_destroy(struct fake_vm *f)
{
	if (f->host)
		pci_host_destroy(f->host);
	f->host = NULL;
	vm_destroy_common(&f->vm);
	fake_ram_free(&f->ram);
}

/* Values travel little-endian in a 64-bit buffer: any access width fits. */
uint64_t guest_mmio_rd(struct vm *vm, uint64_t addr, unsigned len)
{
	uint64_t v = 0;

	bus_dispatch(&vm->mmio_bus, addr, (uint8_t *)&v, len, false);
	return v;
}

void guest_mmio_wr(struct vm *vm, uint64_t addr, unsigned len, uint64_t v)
{
	bus_dispatch(&vm->mmio_bus, addr, (uint8_t *)&v, len, true);
}

static void cfg_select(struct vm *vm, unsigned slot, unsigned reg)
{
	uint64_t addr = 0x80000000u | slot << 11 | (reg & 0xfc);

	bus_dispatch(&vm->io_bus, 0xCF8, (uint8_t *)&addr, 4, true);
}

uint32_t guest_cfg_rd(struct vm *vm, unsigned slot, unsigned reg, unsigned len)
{
	uint64_t v = 0;

	cfg_select(vm, slot, reg);
	bus_dispatch(&vm->io_bus, 0xCFC + (reg & 3), (uint8_t *)&v, len, false);
	return (uint32_t)v;
}

void guest_cfg_wr(struct vm *vm, unsigned slot, unsigned reg, unsigned len, uint32_t v)
{
	uint64_t v64 = v;

	cfg_select(vm, slot, reg);
	bus_dispatch(&vm->io_bus, 0xCFC + (reg & 3), (uint8_t *)&v64, len, true);
}
