/* Per-vCPU CPUID: KVM_GET_SUPPORTED_CPUID describes the host; each vCPU must
 * instead see its own APIC ID and one consistent topology (one socket,
 * ncpus cores, one thread per core) that matches the MP table. */
#ifndef MINIVMM_CPUID_H
#define MINIVMM_CPUID_H

#include <linux/kvm.h>

/* Adjust, in place, the n entries returned by KVM_GET_SUPPORTED_CPUID for
 * vCPU index (its APIC ID) of ncpus (1..255). Call once per vCPU on a fresh
 * copy of the supported list, then KVM_SET_CPUID2. Only entries present in
 * the array are changed; none are added:
 *   leaf 1:          EBX[31:24] APIC ID, EBX[23:16] logical count, EDX.HTT
 *                    when ncpus > 1, ECX.hypervisor set;
 *   leaf 4 (Intel):  cores per package, threads sharing each cache level;
 *   leaf 0xA:        zeroed (no vPMU is advertised);
 *   leaf 0xB, 0x1F:  SMT and core levels with their APIC ID shifts, x2APIC ID;
 *   0x80000008 ECX:  NC = ncpus - 1, ApicIdCoreIdSize;
 *   0x8000001D:      threads sharing each cache level (AMD);
 *   0x8000001E:      extended APIC ID, core ID, one thread per core (AMD). */
void cpuid_adjust(struct kvm_cpuid_entry2 *ent, unsigned n, unsigned index, unsigned ncpus);

/* Bits needed to number ncpus APIC IDs: ceil(log2(ncpus)), 0 for 1. */
unsigned cpuid_apic_id_bits(unsigned ncpus);

#endif
