#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "tests/unit/boot_fixture.h"

#define GPA 0x9fc00u

static uint8_t sum_bytes(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Expect an 8-byte interrupt entry (I/O type 3 or local type 4). */
static const uint8_t *expect_irq(const uint8_t *p, uint8_t type, uint8_t irqtype, uint16_t flags,
				 uint8_t bus, uint8_t bus_irq, uint8_t dst, uint8_t pin)
{
	assert_int_equal(p[0], type);
	assert_int_equal(p[1], irqtype);
	assert_int_equal(fake_get(p, 2, 2), flags);
	assert_int_equal(p[4], bus);
	assert_int_equal(p[5], bus_irq);
	assert_int_equal(p[6], dst);
	assert_int_equal(p[7], pin);
	return p + 8;
}

static void check_table(const uint8_t *buf, long size, unsigned ncpus, const struct mp_pci_irq *pci,
			unsigned npci)
{
	const uint8_t *mpf = buf, *mpc = buf + 16, *p;
	unsigned entries = ncpus + 2 + 1 + 15 + npci + 2;
	size_t mpc_len = 44 + 20 * ncpus + 8 * (entries - ncpus);

	assert_int_equal(size, 16 + mpc_len);
	assert_int_equal((size_t)size, mptable_size(ncpus, npci));

	/* Floating pointer structure. */
	assert_memory_equal(mpf, "_MP_", 4);
	assert_int_equal(fake_get(mpf, 4, 4), GPA + 16);
	assert_int_equal(mpf[8], 1);
	assert_int_equal(mpf[9], 4);
	assert_int_equal(sum_bytes(mpf, 16), 0);
	for (unsigned i = 11; i < 16; i++)
		assert_int_equal(mpf[i], 0); /* features: default config none, no IMCR */

	/* Configuration table header. */
	assert_memory_equal(mpc, "PCMP", 4);
	assert_int_equal(fake_get(mpc, 4, 2), mpc_len);
	assert_int_equal(mpc[6], 4);
	assert_int_equal(sum_bytes(mpc, mpc_len), 0);
	assert_int_equal(fake_get(mpc, 28, 4), 0); /* no OEM table */
	assert_int_equal(fake_get(mpc, 32, 2), 0);
	assert_int_equal(fake_get(mpc, 34, 2), entries);
	assert_int_equal(fake_get(mpc, 36, 4), 0xfee00000);
	assert_int_equal(fake_get(mpc, 40, 2), 0); /* no extended table */
	assert_int_equal(mpc[42], 0);

	p = mpc + 44;
	for (unsigned i = 0; i < ncpus; i++, p += 20) {
		assert_int_equal(p[0], 0);
		assert_int_equal(p[1], i);
		assert_int_equal(p[2], 0x14);
		assert_int_equal(p[3], i == 0 ? 3 : 1); /* enabled, BSP flag on 0 */
		assert_int_not_equal(fake_get(p, 4, 4), 0);
		assert_true(fake_get(p, 8, 4) & (1u << 9)); /* APIC feature */
		assert_true(fake_get(p, 12, 8) == 0);
	}
	assert_int_equal(p[0], 1);
	assert_int_equal(p[1], 0);
	assert_memory_equal(p + 2, "PCI   ", 6);
	p += 8;
	assert_int_equal(p[0], 1);
	assert_int_equal(p[1], 1);
	assert_memory_equal(p + 2, "ISA   ", 6);
	p += 8;
	assert_int_equal(p[0], 2);
	assert_int_equal(p[1], ncpus); /* IOAPIC ID follows the CPUs' */
	assert_int_equal(p[2], 0x11);
	assert_int_equal(p[3], 1);
	assert_int_equal(fake_get(p, 4, 4), 0xfec00000);
	p += 8;
	/* ISA: identity as in KVM's default GSI routing (the PIT raises GSI 0,
	 * which goes to pin 0); IRQ2 (cascade) absent. */
	for (uint8_t irq = 0; irq < 16; irq++)
		if (irq != 2)
			p = expect_irq(p, 3, 0, 0, 1, irq, (uint8_t)ncpus, irq);
	/* PCI INTA#: level, active low. */
	for (unsigned i = 0; i < npci; i++)
		p = expect_irq(p, 3, 0, 0xf, 0, (uint8_t)(pci[i].slot << 2), (uint8_t)ncpus,
			       pci[i].ioapic_pin);
	p = expect_irq(p, 4, 3, 0, 1, 0, 0xff, 0); /* LINT0: ExtINT */
	p = expect_irq(p, 4, 1, 0, 1, 0, 0xff, 1); /* LINT1: NMI */
	assert_ptr_equal(p, buf + size);
}

static void test_one_cpu_no_pci(void **state)
{
	static uint8_t buf[4096];
	long size;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	size = mptable_build(buf, sizeof(buf), GPA, 1, NULL, 0);
	check_table(buf, size, 1, NULL, 0);
	assert_int_equal(buf[size], 0xee); /* nothing written past the end */
}

static void test_four_cpus_with_pci(void **state)
{
	static uint8_t buf[4096];
	const struct mp_pci_irq pci[] = { { 1, 5 }, { 2, 10 }, { 31, 11 } };
	long size;

	(void)state;
	size = mptable_build(buf, sizeof(buf), GPA, 4, pci, 3);
	check_table(buf, size, 4, pci, 3);
	/* Slot 31 lands in bits 6:2 of the third PCI entry's source bus IRQ. */
	assert_int_equal(buf[16 + 44 + 4 * 20 + 3 * 8 + 15 * 8 + 2 * 8 + 5], 0x7c);
}

static void test_max_cpus(void **state)
{
	static uint8_t buf[8192];
	long size;

	(void)state;
	size = mptable_build(buf, sizeof(buf), GPA, 64, NULL, 0);
	check_table(buf, size, 64, NULL, 0);
	/* Still inside the reserved EBDA..1 MiB area. */
	assert_true(GPA + (unsigned long)size <= 0x100000);
}

static void test_buffer_too_small(void **state)
{
	static uint8_t buf[4096];
	size_t need = mptable_size(2, 1);
	const struct mp_pci_irq pci[] = { { 3, 7 } };

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(mptable_build(buf, need - 1, GPA, 2, pci, 1), -ENOSPC);
	assert_int_equal(buf[0], 0xee); /* untouched */
	assert_int_equal(mptable_build(buf, need, GPA, 2, pci, 1), (long)need);
	check_table(buf, (long)need, 2, pci, 1);
}

static void test_invalid_cpu_counts(void **state)
{
	static uint8_t buf[8192];

	(void)state;
	assert_int_equal(mptable_build(buf, sizeof(buf), GPA, 0, NULL, 0), -EINVAL);
	assert_int_equal(mptable_build(buf, sizeof(buf), GPA, 255, NULL, 0), -EINVAL);
	/* The table must be addressable with 32-bit pointers. */
	assert_int_equal(mptable_build(buf, sizeof(buf), 0xfffffff0ULL, 1, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu_no_pci),
		cmocka_unit_test(test_four_cpus_with_pci),
		cmocka_unit_test(test_max_cpus),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_invalid_cpu_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
