/* acpi_build(): the tables read back from the buffer, as the kernel reads
 * them (RSDP -> XSDT -> FADT/MADT, FADT -> DSDT).
 *
 * With MINIVMM_ACPI_DUMP=<dir> set, the tables of a 2-vCPU guest are also
 * written there (rsdp.dat, xsdt.dat, facp.dat, apic.dat, dsdt.dat) for
 * `iasl -d` and `acpiexec`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/acpi.h"
#include "tests/unit/boot_fixture.h"

#define GPA	 LAYOUT_ACPI_ADDR
#define BUF_LEN	 0x8000
#define GUARD	 64
#define HDR_LEN	 36
#define FADT_LEN 276

static uint8_t buf[BUF_LEN + GUARD];

static const struct mp_pci_irq pci4[] = { { 1, 5 }, { 2, 10 }, { 3, 16 }, { 4, 10 } };

struct tables {
	long size;
	const uint8_t *xsdt, *fadt, *madt, *dsdt;
};

static uint64_t get(const uint8_t *p, size_t off, unsigned bytes)
{
	return fake_get(p, off, bytes);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* The table a guest-physical pointer names, checked: inside what was
 * built, 8-byte aligned, the given signature, length and checksum right. */
static const uint8_t *table_at(const struct tables *t, uint64_t ptr, const char *sig)
{
	const uint8_t *p;
	uint32_t len;

	assert_true(ptr >= GPA + 36 && ptr < GPA + (uint64_t)t->size);
	assert_int_equal(ptr % 8, 0);
	p = buf + (ptr - GPA);
	assert_memory_equal(p, sig, 4);
	len = (uint32_t)get(p, 4, 4);
	assert_true(len >= HDR_LEN && ptr + len <= GPA + (uint64_t)t->size);
	assert_int_equal(sum(p, len), 0);
	assert_memory_equal(p + 10, "MINVMM", 6);
	assert_memory_equal(p + 16, "MINIVMM ", 8);
	return p;
}

static struct tables build(unsigned ncpus, const struct mp_pci_irq *pci, unsigned npci)
{
	struct acpi_config cfg = { .ncpus = ncpus, .pci_irqs = pci, .npci_irqs = npci };
	struct tables t = { 0 };
	const uint8_t *rsdp = buf;

	memset(buf, 0xa5, sizeof(buf));
	t.size = acpi_build(buf, BUF_LEN, GPA, &cfg);
	assert_true(t.size > 0 && t.size <= BUF_LEN);
	for (size_t i = BUF_LEN; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);

	/* RSDP: revision 2, both checksums, the XSDT. */
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, 36), 0);
	assert_memory_equal(rsdp + 9, "MINVMM", 6);
	assert_int_equal(rsdp[15], 2);
	assert_int_equal(get(rsdp, 20, 4), 36);
	t.xsdt = table_at(&t, get(rsdp, 24, 8), "XSDT");

	/* XSDT: FADT then MADT, 64-bit pointers; the DSDT only via the FADT. */
	assert_int_equal(get(t.xsdt, 4, 4), HDR_LEN + 2 * 8);
	t.fadt = table_at(&t, get(t.xsdt, HDR_LEN, 8), "FACP");
	t.madt = table_at(&t, get(t.xsdt, HDR_LEN + 8, 8), "APIC");
	t.dsdt = table_at(&t, get(t.fadt, 140, 8), "DSDT");
	/* The DSDT is last and ends where acpi_build() says. */
	assert_true(t.dsdt + get(t.dsdt, 4, 4) == buf + t.size);
	return t;
}

static void dump(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	fclose(f);
}

static void test_fadt(void **state)
{
	struct tables t = build(2, pci4, 4);
	const uint8_t *f = t.fadt;
	const char *dir = getenv("MINIVMM_ACPI_DUMP");

	(void)state;
	if (dir) {
		dump(dir, "rsdp.dat", buf, 36);
		dump(dir, "xsdt.dat", t.xsdt, get(t.xsdt, 4, 4));
		dump(dir, "facp.dat", t.fadt, get(t.fadt, 4, 4));
		dump(dir, "apic.dat", t.madt, get(t.madt, 4, 4));
		dump(dir, "dsdt.dat", t.dsdt, get(t.dsdt, 4, 4));
	}
	assert_int_equal(get(f, 4, 4), FADT_LEN);
	assert_int_equal(f[8], 6);   /* revision */
	assert_int_equal(f[131], 4); /* minor: ACPI 6.4 */
	/* Both DSDT pointers agree. */
	assert_int_equal(get(f, 40, 4), get(f, 140, 8));
	/* No FACS, SCI, SMI command port, PM1/PM2/PM timer/GPE blocks. */
	for (size_t off = 36; off < 40; off++)
		assert_int_equal(f[off], 0);
	for (size_t off = 44; off < 106; off++)
		assert_int_equal(f[off], 0);
	for (size_t off = 132; off < 140; off++)
		assert_int_equal(f[off], 0);
	for (size_t off = 148; off < 244; off++)
		assert_int_equal(f[off], 0);
	assert_int_equal(f[108], 0x32); /* CMOS century index */
	/* Flags: WBINVD, PWR_BUTTON, SLP_BUTTON, RESET_REG_SUP, HW_REDUCED_ACPI. */
	assert_int_equal(get(f, 112, 4), 0x00100431);
	/* IA-PC boot flags: legacy devices, VGA not present; no 8042, MSI
	 * supported, ASPM, RTC present. */
	assert_int_equal(get(f, 109, 2), 0x0005);
	/* RESET_REG: SystemIO, 8 bits at offset 0, byte access. */
	assert_memory_equal(f + 116, ((uint8_t[]){ 1, 8, 0, 1 }), 4);
	assert_int_equal(get(f, 120, 8), LAYOUT_PORT_RESET);
	assert_int_equal(f[128], LAYOUT_RESET_VALUE);
	assert_memory_equal(f + 244, ((uint8_t[]){ 1, 8, 0, 1 }), 4);
	assert_int_equal(get(f, 248, 8), LAYOUT_PORT_SLEEP_CTL);
	assert_memory_equal(f + 256, ((uint8_t[]){ 1, 8, 0, 1 }), 4);
	assert_int_equal(get(f, 260, 8), LAYOUT_PORT_SLEEP_STS);
}

static void check_madt(unsigned ncpus, const struct mp_pci_irq *pci, unsigned npci,
		       uint32_t want_isos)
{
	struct tables t = build(ncpus, pci, npci);
	const uint8_t *m = t.madt;
	uint32_t len = (uint32_t)get(m, 4, 4), isos = 0;
	unsigned lapics = 0, ioapics = 0, nmis = 0;

	assert_int_equal(m[8], 5);
	assert_int_equal(get(m, 36, 4), LAYOUT_LAPIC_ADDR);
	assert_int_equal(get(m, 40, 4), 0); /* no PCAT_COMPAT */
	for (size_t off = 44; off < len;) {
		const uint8_t *e = m + off;

		assert_true(off + 2 <= len && e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case 0: /* local APIC: UID = APIC ID = index, enabled */
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], lapics);
			assert_int_equal(e[3], lapics);
			assert_int_equal(get(e, 4, 4), 1);
			assert_int_equal(ioapics + isos + nmis, 0); /* CPUs first */
			lapics++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], ncpus);
			assert_int_equal(get(e, 4, 4), LAYOUT_IOAPIC_ADDR);
			assert_int_equal(get(e, 8, 4), 0);
			ioapics++;
			break;
		case 2: /* ISA bus, identity, level + active low */
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0);
			assert_int_equal(get(e, 4, 4), e[3]);
			assert_int_equal(get(e, 8, 2), 0x000f);
			assert_true(e[3] < 16 && e[3] >= LAYOUT_GSI_PCI_FIRST);
			assert_false(isos & (1u << e[3])); /* once each */
			isos |= 1u << e[3];
			break;
		case 4: /* NMI on LINT1 of every processor */
			assert_int_equal(e[1], 6);
			assert_int_equal(e[2], 0xff);
			assert_int_equal(get(e, 3, 2), 0);
			assert_int_equal(e[5], 1);
			nmis++;
			break;
		default: fail_msg("unexpected MADT entry type %u", e[0]);
		}
		off += e[1];
	}
	assert_int_equal(lapics, ncpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(nmis, 1);
	assert_int_equal(isos, want_isos);
}

static void test_madt(void **state)
{
	static const struct mp_pci_irq pci_high[] = { { 1, 16 }, { 2, 23 } };
	static const struct mp_pci_irq pci_low[] = { { 0, 5 }, { 31, 15 }, { 7, 15 }, { 8, 9 } };

	(void)state;
	check_madt(1, NULL, 0, 0);
	check_madt(2, pci4, 4, (1u << 5) | (1u << 10));
	check_madt(4, pci_high, 2, 0);
	check_madt(254, pci_low, 4, (1u << 5) | (1u << 9) | (1u << 15));
}

static size_t pkglength(const uint8_t *p, size_t *nbytes)
{
	size_t n = (size_t)(p[0] >> 6) + 1, v;

	*nbytes = n;
	if (n == 1)
		return p[0] & 0x3f;
	v = p[0] & 0x0f;
	for (size_t i = 1; i < n; i++)
		v |= (size_t)p[i] << (4 + 8 * (i - 1));
	return v;
}

static bool contains(const uint8_t *p, size_t len, const void *what, size_t n)
{
	return memmem(p, len, what, n) != NULL;
}

#define HAS(p, len, ...)                                                   \
	assert_true(contains((p), (len), (const uint8_t[]){ __VA_ARGS__ }, \
			     sizeof((const uint8_t[]){ __VA_ARGS__ })))

struct device {
	const uint8_t *p; /* the device's body after its name */
	size_t len;
};

/* Walk \_SB's term list: only Device objects, each within the scope, the
 * scope followed by Name (\_S5, ...) that ends the table. */
static void walk_dsdt(const uint8_t *d, const char names[][5], struct device *devs, size_t ndevs)
{
	size_t len = get(d, 4, 4), pos = HDR_LEN, n, scope_end, i = 0;

	assert_int_equal(d[8], 2);	/* 64-bit integers */
	assert_int_equal(d[pos], 0x10); /* ScopeOp */
	scope_end = pos + 1 + pkglength(d + pos + 1, &n);
	assert_true(scope_end <= len);
	pos += 1 + n;
	assert_memory_equal(d + pos, "\\_SB_", 5);
	pos += 5;
	while (pos < scope_end) {
		size_t end;

		assert_true(i < ndevs);
		assert_memory_equal(d + pos, "\x5b\x82", 2);
		end = pos + 2 + pkglength(d + pos + 2, &n);
		assert_true(end <= scope_end);
		pos += 2 + n;
		assert_memory_equal(d + pos, names[i], 4);
		devs[i].p = d + pos + 4;
		devs[i].len = end - pos - 4;
		pos = end;
		i++;
	}
	assert_int_equal(pos, scope_end);
	assert_int_equal(i, ndevs);
	/* Name (\_S5, Package (4) { 5, 0, 0, 0 }) */
	assert_int_equal(len - pos, 14);
	assert_memory_equal(d + pos,
			    ((uint8_t[]){ 0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a,
					  LAYOUT_SLEEP_TYPE_S5, 0, 0, 0 }),
			    14);
}

static void test_dsdt(void **state)
{
	static const char names[][5] = { "PCI0", "COM1", "RTC_", "PWRB", "GED_", "PEVT" };
	struct device dev[6];
	struct tables t = build(2, pci4, 4);
	const struct device *pci = &dev[0], *com = &dev[1], *rtc = &dev[2], *btn = &dev[3],
			    *ged = &dev[4], *pv = &dev[5];

	(void)state;
	walk_dsdt(t.dsdt, names, dev, 6);

	/* Host bridge: _HID PNP0A03, bus 0, config ports, I/O and MMIO windows. */
	HAS(pci->p, pci->len, 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03);
	HAS(pci->p, pci->len, 0x08, '_', 'S', 'E', 'G', 0x00);
	HAS(pci->p, pci->len, 0x08, '_', 'B', 'B', 'N', 0x00);
	HAS(pci->p, pci->len, 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08);
	HAS(pci->p, pci->len, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00, 0xf8, 0x0c);
	HAS(pci->p, pci->len, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3);
	HAS(pci->p, pci->len, 0x00, 0x00, 0x00, 0xc0, 0xff, 0xff, 0xbf, 0xfe);
	/* _PRT: Package (4) of Package (4) { slot << 16 | 0xFFFF, 0, 0, gsi }. */
	HAS(pci->p, pci->len, 0x08, '_', 'P', 'R', 'T', 0x12);
	for (unsigned i = 0; i < 4; i++)
		HAS(pci->p, pci->len, 0x12, 0x0b, 0x04, 0x0c, 0xff, 0xff, pci4[i].slot, 0x00, 0x00,
		    0x00, 0x0a, pci4[i].ioapic_pin);

	HAS(com->p, com->len, 0x0c, 0x41, 0xd0, 0x05, 0x01); /* PNP0501 */
	HAS(com->p, com->len, 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00);
	HAS(rtc->p, rtc->len, 0x0c, 0x41, 0xd0, 0x0b, 0x00); /* PNP0B00 */
	HAS(rtc->p, rtc->len, 0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x79, 0x00);
	HAS(btn->p, btn->len, 0x0c, 0x41, 0xd0, 0x0c, 0x0c); /* PNP0C0C */
	/* GED: edge/high GSI, _EVT(1) notifies the button. */
	HAS(ged->p, ged->len, 0x0d, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0x00);
	HAS(ged->p, ged->len, 0x89, 0x06, 0x00, 0x03, 0x01, LAYOUT_IRQ_GED, 0, 0, 0);
	HAS(ged->p, ged->len, '_', 'E', 'V', 'T', 0x09, 0xa0);
	HAS(ged->p, ged->len, 0x93, 0x68, 0x0a, LAYOUT_IRQ_GED, 0x86, 0x5c, 0x2e, '_', 'S', 'B',
	    '_', 'P', 'W', 'R', 'B', 0x0a, 0x80);
	HAS(pv->p, pv->len, 0x0d, 'Q', 'E', 'M', 'U', '0', '0', '0', '1', 0x00);
	HAS(pv->p, pv->len, 0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 0x01, 0x01);
	HAS(pv->p, pv->len, 0x08, '_', 'S', 'T', 'A', 0x0a, 0x0f);
}

static void test_dsdt_without_pci(void **state)
{
	static const char names[][5] = { "PCI0", "COM1", "RTC_", "PWRB", "GED_", "PEVT" };
	struct device dev[6];
	struct tables t = build(1, NULL, 0);

	(void)state;
	walk_dsdt(t.dsdt, names, dev, 6);
	HAS(dev[0].p, dev[0].len, 0x08, '_', 'P', 'R', 'T', 0x12, 0x02, 0x00);
}

/* Every length short of the tables fails with -ENOSPC and leaves the bytes
 * from len on untouched. */
static void check_short(unsigned ncpus, const struct mp_pci_irq *pci, unsigned npci)
{
	struct acpi_config cfg = { .ncpus = ncpus, .pci_irqs = pci, .npci_irqs = npci };
	long need = build(ncpus, pci, npci).size;

	for (size_t len = 0; len < (size_t)need; len++) {
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(acpi_build(buf, len, GPA, &cfg), -ENOSPC);
		for (size_t i = len; i < sizeof(buf); i++)
			if (buf[i] != 0xa5)
				fail_msg("byte %zu written with len %zu", i, len);
	}
	assert_int_equal(acpi_build(buf, (size_t)need, GPA, &cfg), need);
}

static void test_enospc(void **state)
{
	(void)state;
	check_short(1, NULL, 0);
	check_short(254, pci4, 4);
}

static void test_einval(void **state)
{
	struct acpi_config cfg = { .ncpus = 0 };
	struct mp_pci_irq bad = { 1, 5 };
	struct mp_pci_irq many[33];

	(void)state;
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, &cfg), -EINVAL);
	cfg.ncpus = 255;
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, &cfg), -EINVAL);
	cfg.ncpus = 254;
	assert_true(acpi_build(buf, BUF_LEN, GPA, &cfg) > 0);
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, NULL), -EINVAL);
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA + 8, &cfg), -EINVAL);
	/* PCI routes: present, slot 0-31, on a PCI GSI, at most 32. */
	cfg.npci_irqs = 1;
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, &cfg), -EINVAL);
	cfg.pci_irqs = &bad;
	assert_true(acpi_build(buf, BUF_LEN, GPA, &cfg) > 0);
	bad.slot = 32;
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, &cfg), -EINVAL);
	bad.slot = 31;
	bad.ioapic_pin = LAYOUT_IRQ_COM1;
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, &cfg), -EINVAL);
	bad.ioapic_pin = LAYOUT_IOAPIC_PINS;
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, &cfg), -EINVAL);
	for (unsigned i = 0; i < 33; i++)
		many[i] = (struct mp_pci_irq){ (uint8_t)(i % 32), 16 };
	cfg.pci_irqs = many;
	cfg.npci_irqs = 32;
	assert_true(acpi_build(buf, BUF_LEN, GPA, &cfg) > 0);
	cfg.npci_irqs = 33;
	assert_int_equal(acpi_build(buf, BUF_LEN, GPA, &cfg), -EINVAL);
}

/* Above 4 GiB the FADT's 32-bit DSDT pointer is 0 and X_DSDT has it. */
static void test_high_gpa(void **state)
{
	struct acpi_config cfg = { .ncpus = 2 };
	uint64_t gpa = 0x100000000ULL;
	const uint8_t *x, *f;

	(void)state;
	assert_true(acpi_build(buf, BUF_LEN, gpa, &cfg) > 0);
	x = buf + (get(buf, 24, 8) - gpa);
	f = buf + (get(x, HDR_LEN, 8) - gpa);
	assert_memory_equal(f, "FACP", 4);
	assert_int_equal(get(f, 40, 4), 0);
	assert_memory_equal(buf + (get(f, 140, 8) - gpa), "DSDT", 4);
	assert_int_equal(sum(f, FADT_LEN), 0);
}

/* cli; mov al, 1; mov dx, 0x602; out dx, al; hlt; jmp back to the hlt */
static void test_reset_vector(void **state)
{
	uint8_t v[LAYOUT_RESET_VECTOR_SIZE];

	(void)state;
	memset(v, 0xcc, sizeof(v));
	acpi_reset_vector(v);
	assert_memory_equal(
		v,
		((uint8_t[]){ 0xfa, 0xb0, LAYOUT_RESET_VALUE, 0xba, LAYOUT_PORT_RESET & 0xff,
			      LAYOUT_PORT_RESET >> 8, 0xee, 0xf4, 0xeb, 0xfd, 0, 0, 0, 0, 0, 0 }),
		16);
	assert_int_equal(LAYOUT_RESET_VECTOR_ADDR, 0xf0000 + 0xfff0);
	assert_int_equal(LAYOUT_RESET_VECTOR_ADDR + LAYOUT_RESET_VECTOR_SIZE, LAYOUT_RESERVED_END);
	assert_int_equal(LAYOUT_ACPI_ADDR + LAYOUT_ACPI_SIZE, LAYOUT_RESET_VECTOR_ADDR);
}

static void test_sizes(void **state)
{
	(void)state;
	/* The largest configuration fits the room vmm/layout.h gives. */
	assert_true(build(254, pci4, 4).size <= (long)LAYOUT_ACPI_SIZE);
	print_message("ACPI tables: %ld bytes for 1 vCPU, %ld for 254 (4 PCI routes)\n",
		      build(1, pci4, 4).size, build(254, pci4, 4).size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fadt),	 cmocka_unit_test(test_madt),
		cmocka_unit_test(test_dsdt),	 cmocka_unit_test(test_dsdt_without_pci),
		cmocka_unit_test(test_enospc),	 cmocka_unit_test(test_einval),
		cmocka_unit_test(test_high_gpa), cmocka_unit_test(test_reset_vector),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
