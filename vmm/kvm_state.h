/* What KVM holds of a VM and its vCPUs, into and out of a snapshot's state
 * file (vmm/snapshot_file.h): per vCPU the general, special and debug
 * registers, XSAVE area and XCRs, MSRs, local APIC, pending events and MP
 * state; per VM the irqchip (both PICs, the IOAPIC), the PIT and kvmclock.
 * Saved from a paused VM; restored on a freshly built one before any vCPU
 * runs, in the order KVM needs (CPUID is set when the vCPU is created). */
#ifndef MINIVMM_KVM_STATE_H
#define MINIVMM_KVM_STATE_H

#include <stdint.h>

#include "common/err.h"
#include "vmm/snapshot_file.h"

/* The MSRs KVM reports for save/restore (KVM_GET_MSR_INDEX_LIST), at most
 * this many. */
#define KVM_STATE_MAX_MSRS 1024

int kvm_state_save_vcpu(int kvm_fd, int vcpu_fd, uint32_t index, struct snap_writer *w,
			struct err *e);
int kvm_state_restore_vcpu(int vcpu_fd, uint32_t index, const struct snap_index *idx,
			   struct err *e);
int kvm_state_save_vm(int vm_fd, struct snap_writer *w, struct err *e);
int kvm_state_restore_vm(int vm_fd, const struct snap_index *idx, struct err *e);

/* This machine's fingerprint: KVM's API version and the CPU's vendor,
 * family, model and stepping (CPUID leaves 0 and 1). */
void kvm_state_this_host(struct snap_host *h);

#endif
