/* Creating and tearing down the KVM side of a VM. */
#ifndef MINIVMM_KVM_H
#define MINIVMM_KVM_H

#include "vmm/vm.h"

/* Open /dev/kvm and check the API version and the capabilities we rely on.
 * Returns the descriptor, kept for every boot of the run (a guest reset
 * builds the VM again, inside --jail too), or a negative errno. */
int kvm_open(struct err *e);
/* Create the VM on a copy of kvm_fd with in-kernel IOAPIC/PIC/PIT and map
 * mem_size bytes of RAM. On failure everything acquired so far is released. */
int kvm_vm_create(struct vm *vm, int kvm_fd, uint64_t mem_size, unsigned ncpus, struct err *e);
void kvm_vm_destroy(struct vm *vm);

/* Upper bound on vCPUs for this host (KVM_CAP_MAX_VCPUS). */
int kvm_max_vcpus(struct vm *vm);

#endif
