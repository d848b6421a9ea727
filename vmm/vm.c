/* KVM virtual machine: create the VM, map guest RAM around the PCI hole,
 * in-kernel irqchip + PIT, and the interrupt plumbing devices use. */
#include "vmm/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/layout.h"

bool vm_request_stop(struct vm *vm, int status)
{
	bool expected = false;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->stop_claimed, &expected, true))
		return false;
	vm->exit_status = status;
	atomic_store_explicit(&vm->stopping, true, memory_order_release);
	if (vm->stop_fd >= 0 && write(vm->stop_fd, &one, sizeof(one)) < 0) {
		/* An eventfd write only fails on counter overflow: already signalled. */
	}
	/* A paused thread wakes to see the stop. */
	vm_pause_wake_all(&vm->pause);
	return true;
}

void vm_request_shutdown(struct vm *vm)
{
	uint64_t one = 1;

	if (vm->shutdown_fd >= 0 && write(vm->shutdown_fd, &one, sizeof(one)) < 0) {
		/* Counter overflow only: a request is already pending. */
	}
}

bool vm_report_panic(struct vm *vm)
{
	uint64_t one = 1;

	if (atomic_exchange(&vm->panicked, true))
		return false;
	if (vm->panic_fd >= 0 && write(vm->panic_fd, &one, sizeof(one)) < 0) {
		/* Counter overflow only: already signalled. */
	}
	return true;
}

struct dev_metrics *vm_dev_metrics(struct vm *vm, const char *id)
{
	struct dev_metrics *m;

	if (vm->ndev_metrics == VM_MAX_DEV_METRICS)
		return NULL;
	m = &vm->dev_metrics[vm->ndev_metrics++];
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	return m;
}

int vm_alloc_gsi(struct vm *vm)
{
	const unsigned lines = LAYOUT_GSI_PCI_LAST - LAYOUT_GSI_PCI_FIRST + 1;

	return (int)(LAYOUT_GSI_PCI_FIRST + vm->next_gsi++ % lines);
}

uint64_t vm_alloc_mmio(struct vm *vm, uint64_t size)
{
	uint64_t base;

	if (size == 0 || (size & (size - 1)))
		return 0;
	if (vm->next_mmio < LAYOUT_PCI_MMIO_START)
		vm->next_mmio = LAYOUT_PCI_MMIO_START;
	base = (vm->next_mmio + size - 1) & ~(size - 1);
	if (base < vm->next_mmio || base > LAYOUT_PCI_MMIO_END || LAYOUT_PCI_MMIO_END - base < size)
		return 0;
	vm->next_mmio = base + size;
	return base;
}

int vm_init_common(struct vm *vm, void *host, uint64_t mem_size, struct err *e)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->shutdown_fd = vm->panic_fd = vm->pause.fd = -1;
	guest_mem_layout(&vm->mem, host, mem_size);
	bus_init(&vm->io_bus, "io");
	bus_init(&vm->mmio_bus, "mmio");
	vm->next_gsi = 0;
	vm->next_mmio = LAYOUT_PCI_MMIO_START;
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0)
		return err_sys(e, "eventfd");
	vm->shutdown_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->panic_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->shutdown_fd < 0 || vm->panic_fd < 0)
		return err_sys(e, "eventfd");
	return vm_pause_init(&vm->pause, e);
}

void vm_destroy_common(struct vm *vm)
{
	bus_destroy(&vm->io_bus);
	bus_destroy(&vm->mmio_bus);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	vm->stop_fd = -1;
	if (vm->shutdown_fd >= 0)
		close(vm->shutdown_fd);
	if (vm->panic_fd >= 0)
		close(vm->panic_fd);
	vm->shutdown_fd = vm->panic_fd = -1;
	vm_pause_destroy(&vm->pause);
}
