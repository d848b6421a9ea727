/* The virtual machine: KVM handles, guest RAM, the two buses, interrupt
 * delivery and the stop request every thread watches. Passed explicitly to
 * every device; there is no global VM state. */
#ifndef MINIVMM_VM_H
#define MINIVMM_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include "common/err.h"
#include "devices/dev_metrics.h"
#include "vmm/bus.h"
#include "vmm/exit_stats.h"
#include "vmm/guest_mem.h"
#include "vmm/pause.h"

#define VM_MAX_CPUS	   64
#define VM_MAX_DEV_METRICS 24 /* 16 disks, 8 NICs */

struct vm;
struct console;

/* Interrupt and notification plumbing. The KVM implementations are installed
 * by vm_create(); unit tests install fakes over a VM that has no KVM fd. */
struct vm_irq_ops {
	/* Set the level of an IOAPIC input (GSI). */
	int (*line)(struct vm *vm, unsigned gsi, int level);
	/* Deliver one MSI message. */
	int (*msi)(struct vm *vm, uint64_t addr, uint32_t data);
	/* Bind (assign=true) or unbind an eventfd to guest writes of any value
	 * to [addr, addr+len) on the MMIO (mmio=true) or I/O bus. May return
	 * -ENOSYS; the device then handles the write through the bus. */
	int (*ioeventfd)(struct vm *vm, uint64_t addr, uint32_t len, int fd, bool mmio,
			 bool assign);
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_mmap_size;
	struct guest_mem mem;
	struct bus io_bus;
	struct bus mmio_bus;
	struct vm_irq_ops irq;
	uuid_t uuid;
	bool verbose;
	unsigned ncpus;

	/* How many legacy interrupt lines have been handed out (they are
	 * shared round-robin once every PCI line is taken). */
	unsigned next_gsi;
	/* Next free guest-physical address for 32-bit MMIO BARs in the hole. */
	uint64_t next_mmio;

	struct console *console;

	/* Stop request: claimed once by whichever thread ends the VM, which
	 * writes exit_status and only then publishes stopping (release), so a
	 * thread that sees the flag reads that status. Every other thread polls
	 * stop_fd (an eventfd) or the flag and winds down. */
	atomic_bool stop_claimed;
	atomic_bool stopping;
	int exit_status; /* vmm/exit_status.h: a status or VM_STOP_RESET */
	int stop_fd;
	/* Graceful shutdown requests (the console's Ctrl-A p, later the API):
	 * the main loop presses the power button. */
	int shutdown_fd;
	/* The guest kernel reported a panic (pvpanic): signalled on panic_fd;
	 * the main loop lets it finish its console output, then ends the VM. */
	atomic_bool panicked;
	int panic_fd;
	/* Pause and resume (vmm/pause.h): every thread that touches guest
	 * state parks at its pause points while a pause is requested. */
	struct vm_pause pause;
	/* Device counters for GET /metrics, one slot per virtio device. */
	struct dev_metrics dev_metrics[VM_MAX_DEV_METRICS];
	unsigned ndev_metrics;

	/* VM exits per vCPU (vmm/exit_stats.h), ncpus of them, and when vCPU 0
	 * first entered the guest: monotonic and process CPU time (--boot-time). */
	struct exit_stats *exit_stats;
	uint64_t startup_ns[STARTUP_STEPS]; /* when each step ended, 0: not this boot */
	uint64_t first_run_ns;
	uint64_t first_run_cpu_ns;
};

/* Request an orderly stop with the given exit status; first caller wins
 * (returns true for it). Async-signal-unsafe; safe from any thread. */
bool vm_request_stop(struct vm *vm, int status);
/* Ask the main loop to shut the guest down in order (ACPI power button,
 * then --shutdown-timeout). Safe from any thread. */
void vm_request_shutdown(struct vm *vm);
/* The guest panicked: the VM ends with EXIT_GUEST_PANIC once the guest has
 * reset itself or after a short grace. First call returns true. */
bool vm_report_panic(struct vm *vm);
static inline bool vm_stopping(struct vm *vm)
{
	return atomic_load_explicit(&vm->stopping, memory_order_acquire);
}
/* The status the stop was requested with; only meaningful once vm_stopping(). */
static inline int vm_exit_status(struct vm *vm)
{
	return vm->exit_status;
}

/* A zeroed counter slot for the device named id (creation time, main
 * thread), or NULL when all are taken (the device then counts nothing). */
struct dev_metrics *vm_dev_metrics(struct vm *vm, const char *id);

/* A legacy GSI for a device's PCI INTx, 5..23: each device its own line while
 * they last, then shared round-robin (level-triggered PCI lines may be shared;
 * pci.c keeps the line high while any of its devices asserts it). */
int vm_alloc_gsi(struct vm *vm);
/* Allocate size bytes (power of two) of MMIO space in the 32-bit hole,
 * naturally aligned, or return 0 when exhausted. */
uint64_t vm_alloc_mmio(struct vm *vm, uint64_t size);

/* Initialise the parts of struct vm that need no KVM (buses, stop fd, memory
 * layout over host). Used by vm_create and by unit tests with fake memory. */
int vm_init_common(struct vm *vm, void *host, uint64_t mem_size, struct err *e);
void vm_destroy_common(struct vm *vm);

#endif
