/* vCPUs: one named thread each, running KVM_RUN and dispatching exits to the
 * I/O and MMIO buses. */
#ifndef MINIVMM_VCPU_H
#define MINIVMM_VCPU_H

#include <pthread.h>
#include <stdbool.h>

#include "boot/boot.h"
#include "vmm/vm.h"

struct kvm_run;

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	struct exit_stats *stats; /* this vCPU's in vm->exit_stats */
};

/* Create vm->ncpus vCPUs: CPUID with per-vCPU topology, LAPIC LINT0/LINT1,
 * and the 64-bit boot state on the BSP. On failure nothing is left behind. */
int vcpus_create(struct vm *vm, const struct boot_entry *entry, struct vcpu **out, struct err *e);
int vcpus_start(struct vcpu *vcpus, unsigned n, struct err *e);
/* Kick every running vCPU out of KVM_RUN (it returns EINTR, having completed
 * any pending I/O) to its pause point (vmm/pause.h) or its stop check. */
void vcpus_kick(struct vcpu *vcpus, unsigned n);
/* Kick every vCPU out of KVM_RUN (the VM must already be stopping), join the
 * threads and release the vCPUs. */
void vcpus_destroy(struct vcpu *vcpus, unsigned n);

#endif
