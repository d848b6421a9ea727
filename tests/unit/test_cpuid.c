#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/cpuid.h"

#define HTT	   (1u << 28)
#define HYPERVISOR (1u << 31)

static struct kvm_cpuid_entry2 leaf(uint32_t fn, uint32_t idx, uint32_t a, uint32_t b, uint32_t c,
				    uint32_t d)
{
	struct kvm_cpuid_entry2 e;

	memset(&e, 0, sizeof(e));
	e.function = fn;
	e.index = idx;
	e.eax = a;
	e.ebx = b;
	e.ecx = c;
	e.edx = d;
	return e;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid_entry2 *t, unsigned n,
					   uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < n; i++)
		if (t[i].function == fn && t[i].index == idx)
			return &t[i];
	fail_msg("leaf 0x%x.%u missing", fn, idx);
	abort(); /* not reached: fail_msg() leaves the test */
}

/* What a host with 16 threads might report. Cache descriptors: type in
 * EAX[4:0], level in EAX[7:5], sharing in EAX[25:14], cores in EAX[31:26]. */
static unsigned intel_host(struct kvm_cpuid_entry2 *t)
{
	unsigned n = 0;

	t[n++] = leaf(0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);
	t[n++] = leaf(1, 0, 0x000906ea, 0x0a100800, 0x7ffafbbf, 0xbfebfbff);
	t[n++] = leaf(4, 0, (7u << 26) | (1u << 14) | (1 << 5) | 1, 0x1c0003f, 0x3f, 0);
	t[n++] = leaf(4, 1, (7u << 26) | (1u << 14) | (1 << 5) | 2, 0x1c0003f, 0x3f, 0);
	t[n++] = leaf(4, 2, (7u << 26) | (1u << 14) | (2 << 5) | 3, 0x1c0003f, 0x3ff, 0);
	t[n++] = leaf(4, 3, (7u << 26) | (15u << 14) | (3 << 5) | 3, 0x3c0003f, 0x2fff, 6);
	t[n++] = leaf(4, 4, 0, 0, 0, 0);
	t[n++] = leaf(0xa, 0, 0x07300404, 0, 0, 0x603);
	t[n++] = leaf(0xb, 0, 1, 2, 0x100, 0x0a);
	t[n++] = leaf(0xb, 1, 4, 16, 0x201, 0x0a);
	t[n++] = leaf(0xb, 2, 0, 0, 2, 0x0a);
	t[n++] = leaf(0x80000008, 0, 0x3027, 0, 0, 0);
	return n;
}

static unsigned amd_host(struct kvm_cpuid_entry2 *t)
{
	unsigned n = 0;

	t[n++] = leaf(0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);
	t[n++] = leaf(1, 0, 0x00a50f00, 0x05100800, 0x7ed8320b, 0x178bfbff);
	t[n++] = leaf(4, 0, 0x1234, 0, 0, 0); /* reserved on AMD: untouched */
	t[n++] = leaf(0x80000008, 0, 0x3030, 0, (1u << 16) | (7u << 12) | 15, 0);
	t[n++] = leaf(0x8000001d, 0, (1u << 14) | (1 << 5) | 1, 0x1c0003f, 0x3f, 0);
	t[n++] = leaf(0x8000001d, 1, (1u << 14) | (2 << 5) | 3, 0x1c0003f, 0x3ff, 2);
	t[n++] = leaf(0x8000001d, 2, (15u << 14) | (3 << 5) | 3, 0x3c0003f, 0x7fff, 1);
	t[n++] = leaf(0x8000001d, 3, 0, 0, 0, 0);
	t[n++] = leaf(0x8000001e, 0, 5, 0x102, 0x300, 0);
	return n;
}

static void test_apic_id_bits(void **state)
{
	(void)state;
	assert_int_equal(cpuid_apic_id_bits(1), 0);
	assert_int_equal(cpuid_apic_id_bits(2), 1);
	assert_int_equal(cpuid_apic_id_bits(3), 2);
	assert_int_equal(cpuid_apic_id_bits(4), 2);
	assert_int_equal(cpuid_apic_id_bits(5), 3);
	assert_int_equal(cpuid_apic_id_bits(64), 6);
	assert_int_equal(cpuid_apic_id_bits(255), 8);
}

static void test_leaf1(void **state)
{
	struct kvm_cpuid_entry2 t[16];
	unsigned n = intel_host(t);
	const struct kvm_cpuid_entry2 *l1;

	(void)state;
	cpuid_adjust(t, n, 2, 3);
	l1 = find(t, n, 1, 0);
	assert_int_equal(l1->ebx >> 24, 2);	     /* APIC ID */
	assert_int_equal((l1->ebx >> 16) & 0xff, 3); /* logical processors */
	assert_int_equal(l1->ebx & 0xffff, 0x0800);  /* brand/CLFLUSH kept */
	assert_true(l1->edx & HTT);
	assert_true(l1->ecx & HYPERVISOR);
	assert_int_equal(l1->ecx & ~HYPERVISOR, 0x7ffafbbf); /* other features kept */
	assert_int_equal(l1->eax, 0x000906ea);

	/* Single vCPU: no HTT. */
	n = intel_host(t);
	cpuid_adjust(t, n, 0, 1);
	l1 = find(t, n, 1, 0);
	assert_int_equal(l1->ebx >> 24, 0);
	assert_int_equal((l1->ebx >> 16) & 0xff, 1);
	assert_false(l1->edx & HTT);
}

static void test_intel_topology(void **state)
{
	struct kvm_cpuid_entry2 t[16];
	unsigned n = intel_host(t);
	const struct kvm_cpuid_entry2 *c;

	(void)state;
	cpuid_adjust(t, n, 5, 6);
	/* Leaf 4: cores per package - 1 = 5; L1/L2 private, L3 shared by 6. */
	for (unsigned sub = 0; sub < 3; sub++) {
		c = find(t, n, 4, sub);
		assert_int_equal(c->eax >> 26, 5);
		assert_int_equal((c->eax >> 14) & 0xfff, 0);
		assert_int_equal(c->ebx, 0x1c0003f); /* geometry kept */
	}
	c = find(t, n, 4, 3);
	assert_int_equal(c->eax >> 26, 5);
	assert_int_equal((c->eax >> 14) & 0xfff, 5);
	assert_int_equal(c->eax & 0x3fff, (3 << 5) | 3);
	assert_int_equal(find(t, n, 4, 4)->eax, 0); /* terminator untouched */

	/* Leaf 0xB: SMT level 1 thread, shift 0; core level 6 cores, shift 3. */
	c = find(t, n, 0xb, 0);
	assert_int_equal(c->eax, 0);
	assert_int_equal(c->ebx, 1);
	assert_int_equal(c->ecx, 0x100);
	assert_int_equal(c->edx, 5);
	c = find(t, n, 0xb, 1);
	assert_int_equal(c->eax, 3);
	assert_int_equal(c->ebx, 6);
	assert_int_equal(c->ecx, 0x201);
	assert_int_equal(c->edx, 5);
	c = find(t, n, 0xb, 2);
	assert_int_equal(c->eax, 0);
	assert_int_equal(c->ebx, 0);
	assert_int_equal(c->ecx, 2); /* level type 0: invalid, ends the list */
	assert_int_equal(c->edx, 5);

	/* No vPMU. */
	c = find(t, n, 0xa, 0);
	assert_int_equal(c->eax | c->ebx | c->ecx | c->edx, 0);
	/* AMD-only fields untouched on Intel. */
	assert_int_equal(find(t, n, 0x80000008, 0)->ecx, 0);
}

static void test_amd_topology(void **state)
{
	struct kvm_cpuid_entry2 t[16];
	unsigned n = amd_host(t);
	const struct kvm_cpuid_entry2 *c;

	(void)state;
	cpuid_adjust(t, n, 3, 4);
	c = find(t, n, 1, 0);
	assert_int_equal(c->ebx >> 24, 3);
	assert_int_equal((c->ebx >> 16) & 0xff, 4);
	assert_true(c->edx & HTT);
	/* NC = 3, ApicIdCoreIdSize = 2, other bits (PerfTscSize) kept. */
	c = find(t, n, 0x80000008, 0);
	assert_int_equal(c->ecx & 0xff, 3);
	assert_int_equal((c->ecx >> 12) & 0xf, 2);
	assert_int_equal(c->ecx >> 16, 1);
	assert_int_equal(c->eax, 0x3030);
	/* Cache sharing: L1/L2 private, L3 for all four. */
	assert_int_equal((find(t, n, 0x8000001d, 0)->eax >> 14) & 0xfff, 0);
	assert_int_equal((find(t, n, 0x8000001d, 1)->eax >> 14) & 0xfff, 0);
	assert_int_equal((find(t, n, 0x8000001d, 2)->eax >> 14) & 0xfff, 3);
	assert_int_equal(find(t, n, 0x8000001d, 3)->eax, 0);
	/* Extended APIC ID = 3, core 3, one thread per core, node 0. */
	c = find(t, n, 0x8000001e, 0);
	assert_int_equal(c->eax, 3);
	assert_int_equal(c->ebx, 3);
	assert_int_equal(c->ecx, 0);
	/* Leaf 4 is Intel-only. */
	assert_int_equal(find(t, n, 4, 0)->eax, 0x1234);
}

static void test_each_vcpu_distinct(void **state)
{
	struct kvm_cpuid_entry2 t[16];

	(void)state;
	/* Adjusting a fresh copy per vCPU gives each its own ID, same topology. */
	for (unsigned i = 0; i < 8; i++) {
		unsigned n = intel_host(t);

		cpuid_adjust(t, n, i, 8);
		assert_int_equal(find(t, n, 1, 0)->ebx >> 24, i);
		assert_int_equal(find(t, n, 0xb, 0)->edx, i);
		assert_int_equal(find(t, n, 0xb, 1)->eax, 3);
		assert_int_equal(find(t, n, 0xb, 1)->ebx, 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apic_id_bits),	   cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_intel_topology),	   cmocka_unit_test(test_amd_topology),
		cmocka_unit_test(test_each_vcpu_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
