/* The fixed-layout ACPI tables (ACPI 6.4 chapter 5) around the DSDT.
 *
 * The platform is hardware-reduced (5.2.9 flag HW_REDUCED_ACPI): no PM1,
 * GPE or PM timer blocks, no SCI, no FACS. Power off is the FADT's sleep
 * control register written with SLP_TYP from \_S5 and SLP_EN; reboot is
 * the reset register; the power button is a GED interrupt (acpi_dsdt.c).
 * Linux then uses no 8259 (its null legacy PIC) and no PIT for the timer.
 *
 * Tables are written in one pass through the bounded struct aml writer;
 * the pointers between them, lengths and checksums are patched at the end,
 * once every offset is known. */
#include "boot/acpi.h"

#include <errno.h>
#include <string.h>

#include "boot/bytes.h"

#define RSDP_LEN       36
#define RSDP_V1_LEN    20 /* what the first checksum covers */
#define RSDP_REVISION  2
#define HDR_LEN	       36
#define HDR_LENGTH_OFF 4
#define HDR_CSUM_OFF   9
#define TABLE_ALIGN    8

#define XSDT_REVISION 1
#define XSDT_ENTRIES  2 /* FADT, MADT: the DSDT is reached through the FADT */

#define FADT_LEN	     276 /* ACPI 6.x, up to the hypervisor vendor identity */
#define FADT_REVISION	     6
#define FADT_MINOR	     4
#define FADT_DSDT	     40
#define FADT_CENTURY	     108
#define FADT_IAPC_BOOT	     109
#define FADT_FLAGS	     112
#define FADT_RESET_REG	     116
#define FADT_RESET_VAL	     128
#define FADT_MINOR_OFF	     131
#define FADT_X_DSDT	     140
#define FADT_SLEEP_CTL	     244
#define FADT_SLEEP_STS	     256
#define FADT_HV_VENDOR	     268
/* FADT flags (5.2.9, table 5.10). */
#define FADT_WBINVD	     (1u << 0)
#define FADT_PWR_BUTTON	     (1u << 4) /* power button is a device, not fixed */
#define FADT_SLP_BUTTON	     (1u << 5) /* no fixed sleep button */
#define FADT_RESET_REG_SUP   (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)
/* IA-PC boot architecture flags (5.2.9.3). 8042 stays clear: the kernel
 * then does not probe for a PS/2 controller (only its reset port exists).
 * CMOS RTC Not Present and MSI Not Supported stay clear: both exist. */
#define IAPC_LEGACY_DEVICES  (1u << 0) /* COM1, RTC */
#define IAPC_VGA_NOT_PRESENT (1u << 2)
/* CMOS index of the century byte (devices/rtc.c serves it). */
#define CMOS_CENTURY	     0x32

/* Generic Address Structure (5.2.3.2). */
#define GAS_SYSTEM_IO	1
#define GAS_ACCESS_BYTE 1

#define MADT_REVISION	5
#define MADT_LAPIC	0
#define MADT_IOAPIC	1
#define MADT_ISO	2
#define MADT_LAPIC_NMI	4
#define MADT_LAPIC_LEN	8
#define MADT_IOAPIC_LEN 12
#define MADT_ISO_LEN	10
#define MADT_NMI_LEN	6
#define LAPIC_ENABLED	1
#define ISO_LEVEL_LOW	0x000f /* polarity 11 active low, trigger 11 level */
#define ALL_PROCESSORS	0xff
#define NMI_LINT	1

#define DSDT_REVISION  2   /* 64-bit integers */
#define MAX_CPUS       254 /* APIC IDs 0..253, the IOAPIC's, 0xff broadcast */
#define MAX_PCI_ROUTES 32
#define PCI_MAX_SLOT   31

/* Where each table starts and ends in the buffer. */
struct span {
	size_t start, end;
};
struct offsets {
	struct span xsdt, fadt, madt, dsdt;
};

/* Header with length and checksum left zero; returns the table's offset. */
static size_t table_begin(struct aml *a, const char sig[4], uint8_t revision)
{
	size_t off;

	aml_align(a, TABLE_ALIGN);
	off = a->len;
	aml_put_bytes(a, sig, 4);
	aml_put32(a, 0);
	aml_put8(a, revision);
	aml_put8(a, 0);
	aml_put_bytes(a, ACPI_OEM_ID, 6);
	aml_put_bytes(a, ACPI_OEM_TABLE_ID, 8);
	aml_put32(a, ACPI_OEM_REVISION);
	aml_put_bytes(a, ACPI_CREATOR_ID, 4);
	aml_put32(a, ACPI_CREATOR_REVISION);
	return off;
}

/* Length and checksum, once the table's bytes are final. */
static void table_end(uint8_t *buf, size_t off, size_t end)
{
	put32(buf + off + HDR_LENGTH_OFF, (uint32_t)(end - off));
	buf[off + HDR_CSUM_OFF] = 0;
	buf[off + HDR_CSUM_OFF] = checksum(buf + off, end - off);
}

/* A one-byte register in I/O space. */
static void gas_io8(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8; /* bit width */
	p[2] = 0; /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	put64(p + 4, port);
}

static void fadt(struct aml *a, struct span *s)
{
	uint8_t f[FADT_LEN] = { 0 };

	s->start = table_begin(a, "FACP", FADT_REVISION);
	/* SCI_INT, SMI_CMD, every PM/GPE block and FIRMWARE_CTRL stay zero. */
	f[FADT_CENTURY] = CMOS_CENTURY;
	put16(f + FADT_IAPC_BOOT, IAPC_LEGACY_DEVICES | IAPC_VGA_NOT_PRESENT);
	put32(f + FADT_FLAGS, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP |
				      FADT_HW_REDUCED_ACPI);
	gas_io8(f + FADT_RESET_REG, LAYOUT_PORT_RESET);
	f[FADT_RESET_VAL] = LAYOUT_RESET_VALUE;
	f[FADT_MINOR_OFF] = FADT_MINOR;
	gas_io8(f + FADT_SLEEP_CTL, LAYOUT_PORT_SLEEP_CTL);
	gas_io8(f + FADT_SLEEP_STS, LAYOUT_PORT_SLEEP_STS);
	memcpy(f + FADT_HV_VENDOR, "MINIVMM", 7);
	aml_put_bytes(a, f + HDR_LEN, FADT_LEN - HDR_LEN);
	s->end = a->len;
}

static void madt(struct aml *a, struct span *s, const struct acpi_config *cfg)
{
	uint32_t overridden = 0;

	s->start = table_begin(a, "APIC", MADT_REVISION);
	aml_put32(a, (uint32_t)LAYOUT_LAPIC_ADDR);
	aml_put32(a, 0); /* no PCAT_COMPAT: there is no 8259 for the OS */
	/* Exactly ncpus processors, all enabled: possible == present. */
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		aml_put8(a, MADT_LAPIC);
		aml_put8(a, MADT_LAPIC_LEN);
		aml_put8(a, (uint8_t)i); /* ACPI processor UID */
		aml_put8(a, (uint8_t)i); /* APIC ID */
		aml_put32(a, LAPIC_ENABLED);
	}
	aml_put8(a, MADT_IOAPIC);
	aml_put8(a, MADT_IOAPIC_LEN);
	aml_put8(a, (uint8_t)cfg->ncpus); /* the ID the MP table gives it */
	aml_put8(a, 0);
	aml_put32(a, (uint32_t)LAYOUT_IOAPIC_ADDR);
	aml_put32(a, 0); /* GSI base */
	/* GSIs below 16 are taken as ISA (edge, active high) unless
	 * overridden: PCI lines are level, active low, as in the _PRT. */
	for (unsigned i = 0; i < cfg->npci_irqs; i++) {
		unsigned gsi = cfg->pci_irqs[i].ioapic_pin;

		if (gsi >= 16 || (overridden & (1u << gsi)))
			continue;
		overridden |= 1u << gsi;
		aml_put8(a, MADT_ISO);
		aml_put8(a, MADT_ISO_LEN);
		aml_put8(a, 0); /* bus: ISA */
		aml_put8(a, (uint8_t)gsi);
		aml_put32(a, gsi);
		aml_put16(a, ISO_LEVEL_LOW);
	}
	aml_put8(a, MADT_LAPIC_NMI);
	aml_put8(a, MADT_NMI_LEN);
	aml_put8(a, ALL_PROCESSORS);
	aml_put16(a, 0); /* flags: conforms to the bus */
	aml_put8(a, NMI_LINT);
	s->end = a->len;
}

static int check_config(uint64_t gpa, const struct acpi_config *cfg)
{
	if (!cfg || cfg->ncpus == 0 || cfg->ncpus > MAX_CPUS || (gpa & 15))
		return -EINVAL;
	if (cfg->npci_irqs > MAX_PCI_ROUTES || (cfg->npci_irqs && !cfg->pci_irqs))
		return -EINVAL;
	for (unsigned i = 0; i < cfg->npci_irqs; i++) {
		const struct mp_pci_irq *r = &cfg->pci_irqs[i];

		if (r->slot > PCI_MAX_SLOT || r->ioapic_pin < LAYOUT_GSI_PCI_FIRST ||
		    r->ioapic_pin > LAYOUT_GSI_PCI_LAST)
			return -EINVAL;
	}
	return 0;
}

/* Pointers, lengths and checksums, now that every table is in place. */
static void link_tables(uint8_t *buf, uint64_t gpa, const struct offsets *o)
{
	uint64_t dsdt = gpa + o->dsdt.start;

	put64(buf + o->xsdt.start + HDR_LEN, gpa + o->fadt.start);
	put64(buf + o->xsdt.start + HDR_LEN + 8, gpa + o->madt.start);
	/* The 32-bit pointer only where it can hold the address. */
	put32(buf + o->fadt.start + FADT_DSDT, dsdt <= UINT32_MAX ? (uint32_t)dsdt : 0);
	put64(buf + o->fadt.start + FADT_X_DSDT, dsdt);
	table_end(buf, o->xsdt.start, o->xsdt.end);
	table_end(buf, o->fadt.start, o->fadt.end);
	table_end(buf, o->madt.start, o->madt.end);
	table_end(buf, o->dsdt.start, o->dsdt.end);

	memcpy(buf, "RSD PTR ", 8);
	memcpy(buf + 9, ACPI_OEM_ID, 6);
	buf[15] = RSDP_REVISION;
	put32(buf + 16, 0); /* no RSDT: revision 2 readers take the XSDT */
	put32(buf + 20, RSDP_LEN);
	put64(buf + 24, gpa + o->xsdt.start);
	buf[8] = checksum(buf, RSDP_V1_LEN);
	buf[32] = checksum(buf, RSDP_LEN);
}

void acpi_reset_vector(uint8_t out[LAYOUT_RESET_VECTOR_SIZE])
{
	uint8_t *p = out;

	memset(out, 0, LAYOUT_RESET_VECTOR_SIZE);
	*p++ = 0xfa; /* cli */
	*p++ = 0xb0; /* mov al, imm8 */
	*p++ = LAYOUT_RESET_VALUE;
	*p++ = 0xba; /* mov dx, imm16 */
	put16(p, LAYOUT_PORT_RESET);
	p += 2;
	*p++ = 0xee; /* out dx, al */
	*p++ = 0xf4; /* 1: hlt */
	*p++ = 0xeb; /* jmp 1b */
	*p = 0xfd;
}

long acpi_build(uint8_t *buf, size_t len, uint64_t gpa, const struct acpi_config *cfg)
{
	struct offsets o;
	struct aml a;
	uint8_t rsdp[RSDP_LEN] = { 0 };
	int r = check_config(gpa, cfg);

	if (r < 0)
		return r;
	aml_init(&a, buf, len);
	aml_put_bytes(&a, rsdp, RSDP_LEN); /* filled in by link_tables() */

	o.xsdt.start = table_begin(&a, "XSDT", XSDT_REVISION);
	for (unsigned i = 0; i < XSDT_ENTRIES; i++)
		aml_put64(&a, 0);
	o.xsdt.end = a.len;
	fadt(&a, &o.fadt);
	madt(&a, &o.madt, cfg);
	o.dsdt.start = table_begin(&a, "DSDT", DSDT_REVISION);
	acpi_dsdt_aml(&a, cfg);
	o.dsdt.end = a.len;
	r = aml_finish(&a);
	if (r < 0)
		return r;
	link_tables(buf, gpa, &o);
	return (long)o.dsdt.end;
}
