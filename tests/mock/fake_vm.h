/* A VM as device tests and fuzz targets need it, without KVM: fake RAM,
 * the buses, the fake interrupt recorder (tests/mock/fake_irq.h) and a PCI
 * host; plus the accesses a guest makes: MMIO and PCI configuration
 * mechanism #1 (ports 0xCF8/0xCFC), any width up to 8 bytes. */
#ifndef MINIVMM_MOCK_FAKE_VM_H
#define MINIVMM_MOCK_FAKE_VM_H

#include <stddef.h>
#include <stdint.h>

#include "devices/pci.h"
#include "tests/mock/fake_irq.h"
#include "tests/mock/fake_ram.h"
#include "vmm/vm.h"

struct fake_vm {
	struct vm vm;
	struct fake_ram ram;
	struct pci_host *host;
};

/* 0, or -1 with e set. */
int fake_vm_init(struct fake_vm *f, size_t ram_size, struct err *e);
/* Devices first (through the PCI host), then the VM and its RAM. */
void fake_vm_destroy(struct fake_vm *f);

uint64_t guest_mmio_rd(struct vm *vm, uint64_t addr, unsigned len);
void guest_mmio_wr(struct vm *vm, uint64_t addr, unsigned len, uint64_t v);
uint32_t guest_cfg_rd(struct vm *vm, unsigned slot, unsigned reg, unsigned len);
void guest_cfg_wr(struct vm *vm, unsigned slot, unsigned reg, unsigned len, uint32_t v);

#endif
