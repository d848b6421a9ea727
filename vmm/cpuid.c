/* Per-vCPU CPUID topology (see cpuid.h). Field layouts from the Intel SDM
 * vol. 2A (CPUID) and AMD APM vol. 3 (appendix E). */
#include "vmm/cpuid.h"

#include <stdbool.h>
#include <stdint.h>

#define VENDOR_INTEL_EBX 0x756e6547u /* "Genu" */
#define VENDOR_AMD_EBX	 0x68747541u /* "Auth" */
#define VENDOR_HYGON_EBX 0x6f677948u /* "Hygo" */

#define LEAF1_EDX_HTT	     (1u << 28)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define TOPO_LEVEL_SMT	     1u
#define TOPO_LEVEL_CORE	     2u

enum vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD };

unsigned cpuid_apic_id_bits(unsigned ncpus)
{
	unsigned bits = 0;

	while (bits < 32 && (1u << bits) < ncpus)
		bits++;
	return bits;
}

static uint32_t set_field(uint32_t reg, unsigned lo, unsigned width, uint32_t v)
{
	uint32_t mask = (width >= 32 ? ~0u : ((1u << width) - 1)) << lo;

	return (reg & ~mask) | ((v << lo) & mask);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static enum vendor vendor_of(const struct kvm_cpuid_entry2 *ent, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ent[i].function != 0)
			continue;
		if (ent[i].ebx == VENDOR_INTEL_EBX)
			return VENDOR_INTEL;
		if (ent[i].ebx == VENDOR_AMD_EBX || ent[i].ebx == VENDOR_HYGON_EBX)
			return VENDOR_AMD;
	}
	return VENDOR_OTHER;
}

static void adjust_leaf1(struct kvm_cpuid_entry2 *c, unsigned index, unsigned ncpus)
{
	c->ebx = set_field(c->ebx, 24, 8, index);
	c->ebx = set_field(c->ebx, 16, 8, ncpus);
	if (ncpus > 1)
		c->edx |= LEAF1_EDX_HTT;
	else
		c->edx &= ~LEAF1_EDX_HTT;
	c->ecx |= LEAF1_ECX_HYPERVISOR;
}

/* Cache descriptors (Intel leaf 4, AMD 0x8000001D) share EAX[25:14]:
 * threads sharing this cache - 1. L1/L2 belong to one core (one thread);
 * L3 is shared by the whole package. */
static void adjust_cache_sharing(struct kvm_cpuid_entry2 *c, unsigned ncpus)
{
	unsigned level = (c->eax >> 5) & 7;

	if ((c->eax & 0x1f) == 0) /* no more caches */
		return;
	c->eax = set_field(c->eax, 14, 12, level >= 3 ? ncpus - 1 : 0);
}

/* Leaf 0xB / 0x1F: one entry per level; EAX[4:0] is how far to shift the
 * x2APIC ID to get the next level's ID, EBX[15:0] the logical processors at
 * this level, ECX[15:8] the level type, ECX[7:0] the subleaf. */
static void adjust_ext_topology(struct kvm_cpuid_entry2 *c, unsigned index, unsigned ncpus)
{
	unsigned sub = c->index;

	c->edx = index;
	if (sub == 0) {
		c->eax = 0; /* one thread per core: no SMT bits */
		c->ebx = 1;
		c->ecx = (TOPO_LEVEL_SMT << 8) | sub;
	} else if (sub == 1) {
		c->eax = cpuid_apic_id_bits(ncpus);
		c->ebx = ncpus;
		c->ecx = (TOPO_LEVEL_CORE << 8) | sub;
	} else {
		c->eax = 0; /* level type 0: end of the list */
		c->ebx = 0;
		c->ecx = sub & 0xff;
	}
}

static void adjust_entry(struct kvm_cpuid_entry2 *c, enum vendor v, unsigned index, unsigned ncpus)
{
	switch (c->function) {
	case 0x1: adjust_leaf1(c, index, ncpus); break;
	case 0x4:
		if (v != VENDOR_INTEL)
			break;
		adjust_cache_sharing(c, ncpus);
		if (c->eax & 0x1f) /* EAX[31:26]: cores per package - 1 */
			c->eax = set_field(c->eax, 26, 6, min_u32(ncpus - 1, 63));
		break;
	case 0xa: c->eax = c->ebx = c->ecx = c->edx = 0; break;
	case 0xb:
	case 0x1f: adjust_ext_topology(c, index, ncpus); break;
	case 0x80000008:
		if (v != VENDOR_AMD)
			break;
		c->ecx = set_field(c->ecx, 0, 8, ncpus - 1); /* NC */
		c->ecx = set_field(c->ecx, 12, 4, cpuid_apic_id_bits(ncpus));
		break;
	case 0x8000001d:
		if (v == VENDOR_AMD)
			adjust_cache_sharing(c, ncpus);
		break;
	case 0x8000001e:
		if (v != VENDOR_AMD)
			break;
		c->eax = index;	       /* extended APIC ID */
		c->ebx = index & 0xff; /* core ID; threads per core - 1 = 0 */
		c->ecx = 0;	       /* node 0, one node per package */
		break;
	default: break;
	}
}

void cpuid_adjust(struct kvm_cpuid_entry2 *ent, unsigned n, unsigned index, unsigned ncpus)
{
	enum vendor v = vendor_of(ent, n);

	if (ncpus == 0)
		ncpus = 1;
	for (unsigned i = 0; i < n; i++)
		adjust_entry(&ent[i], v, index, ncpus);
}
