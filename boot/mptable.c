/* Intel MultiProcessor Specification 1.4 tables: the kernel finds the
 * 16-byte floating pointer by scanning the last KiB of base memory and
 * learns the CPUs, buses, IOAPIC and interrupt routing from the
 * configuration table that follows it. Written byte by byte (boot/bytes.h). */
#include "boot/boot.h"
#include "boot/bytes.h"

#include <errno.h>
#include <string.h>

#define MPF_LEN	      16
#define MPC_HDR_LEN   44
#define MPC_PROC_LEN  20
#define MPC_ENTRY_LEN 8 /* bus, IOAPIC, I/O and local interrupt entries */
#define MP_SPEC_REV   4 /* version 1.4 */

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

#define CPU_ENABLED    0x01
#define CPU_BSP	       0x02
#define LAPIC_VERSION  0x14
#define IOAPIC_VERSION 0x11
#define IOAPIC_ENABLED 0x01
#define BUS_PCI	       0
#define BUS_ISA	       1
/* Interrupt flags: polarity in bits 1:0, trigger mode in bits 3:2. */
#define IRQ_CONFORM    0x0
#define IRQ_LEVEL_LOW  0xf /* active low (3) | level-triggered (3 << 2) */
#define ISA_IRQS       16
#define ALL_LAPICS     0xff
/* CPU signature (family 6, model 1, stepping 3) and CPUID.1 EDX features
 * (FPU, APIC): nominal values, the kernel uses CPUID itself. */
#define CPU_SIGNATURE  ((6u << 8) | (1u << 4) | 3u)
#define CPU_FEATURES   ((1u << 0) | (1u << 9))

size_t mptable_size(unsigned ncpus, unsigned npci)
{
	return MPF_LEN + MPC_HDR_LEN + (size_t)ncpus * MPC_PROC_LEN +
	       MPC_ENTRY_LEN * (2 /* buses */ + 1 /* IOAPIC */ + (ISA_IRQS - 1) + (size_t)npci +
				2 /* LINT0/1 */);
}

static uint8_t *put_intsrc(uint8_t *p, uint8_t type, uint8_t irqtype, uint16_t flags, uint8_t bus,
			   uint8_t bus_irq, uint8_t dst_apic, uint8_t dst_pin)
{
	p[0] = type;
	p[1] = irqtype;
	put16(p + 2, flags);
	p[4] = bus;
	p[5] = bus_irq;
	p[6] = dst_apic;
	p[7] = dst_pin;
	return p + MPC_ENTRY_LEN;
}

static uint8_t *put_bus(uint8_t *p, uint8_t id, const char type[6])
{
	p[0] = MP_BUS;
	p[1] = id;
	memcpy(p + 2, type, 6);
	return p + MPC_ENTRY_LEN;
}

static uint8_t *put_processors(uint8_t *p, unsigned ncpus)
{
	for (unsigned i = 0; i < ncpus; i++, p += MPC_PROC_LEN) {
		p[0] = MP_PROCESSOR;
		p[1] = (uint8_t)i;
		p[2] = LAPIC_VERSION;
		p[3] = CPU_ENABLED | (i == 0 ? CPU_BSP : 0);
		put32(p + 4, CPU_SIGNATURE);
		put32(p + 8, CPU_FEATURES);
		/* bytes 12..19 reserved, already zero */
	}
	return p;
}

/* IOAPIC input the PIT's IRQ0 arrives on. Real PCs (and QEMU, through its
 * own KVM_SET_GSI_ROUTING) wire it to pin 2. We install no GSI routing, so
 * KVM's default table applies, which maps GSI n to IOAPIC pin n, and the
 * in-kernel PIT raises GSI 0: the timer is on pin 0, as in Firecracker and
 * kvmtool. Change this together with the VM's GSI routing. */

static uint8_t *put_isa_irqs(uint8_t *p, uint8_t ioapic)
{
	p = put_intsrc(p, MP_INTSRC, MP_INT, IRQ_CONFORM, BUS_ISA, 0, ioapic, LAYOUT_IRQ_PIT);
	/* IRQ2 is the 8259 cascade: no device raises it, no entry. */
	for (uint8_t irq = 1; irq < ISA_IRQS; irq++) {
		if (irq == LAYOUT_IRQ_CASCADE)
			continue;
		p = put_intsrc(p, MP_INTSRC, MP_INT, IRQ_CONFORM, BUS_ISA, irq, ioapic, irq);
	}
	return p;
}

long mptable_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned ncpus,
		   const struct mp_pci_irq *pci, unsigned npci)
{
	size_t size = mptable_size(ncpus, npci);
	uint8_t *mpf = buf, *mpc = buf + MPF_LEN, *p;
	uint8_t ioapic_id = (uint8_t)ncpus;
	size_t mpc_len;

	/* APIC IDs 0..ncpus-1 plus the IOAPIC's must fit below 0xff (broadcast). */
	if (ncpus == 0 || ncpus > 254 || npci > 256)
		return -EINVAL;
	if (len < size)
		return -ENOSPC;
	if (gpa > UINT32_MAX - size)
		return -EINVAL; /* the pointers are 32-bit physical addresses */
	memset(buf, 0, size);

	p = mpc + MPC_HDR_LEN;
	p = put_processors(p, ncpus);
	p = put_bus(p, BUS_PCI, "PCI   ");
	p = put_bus(p, BUS_ISA, "ISA   ");
	p[0] = MP_IOAPIC;
	p[1] = ioapic_id;
	p[2] = IOAPIC_VERSION;
	p[3] = IOAPIC_ENABLED;
	put32(p + 4, (uint32_t)LAYOUT_IOAPIC_ADDR);
	p += MPC_ENTRY_LEN;
	p = put_isa_irqs(p, ioapic_id);
	/* PCI source bus IRQ: device number in bits 6:2, pin in bits 1:0 (0 = INTA#). */
	for (unsigned i = 0; i < npci; i++)
		p = put_intsrc(p, MP_INTSRC, MP_INT, IRQ_LEVEL_LOW, BUS_PCI,
			       (uint8_t)((pci[i].slot & 0x1f) << 2), ioapic_id, pci[i].ioapic_pin);
	p = put_intsrc(p, MP_LINTSRC, MP_EXTINT, IRQ_CONFORM, BUS_ISA, 0, ALL_LAPICS, 0);
	p = put_intsrc(p, MP_LINTSRC, MP_NMI, IRQ_CONFORM, BUS_ISA, 0, ALL_LAPICS, 1);
	mpc_len = (size_t)(p - mpc);

	/* Configuration table header. */
	memcpy(mpc, "PCMP", 4);
	put16(mpc + 4, (uint16_t)mpc_len);
	mpc[6] = MP_SPEC_REV;
	memcpy(mpc + 8, "MINIVMM ", 8);	      /* OEM ID */
	memcpy(mpc + 16, "000000000001", 12); /* product ID */
	put16(mpc + 34, (uint16_t)(ncpus + 2 + 1 + (ISA_IRQS - 1) + npci + 2));
	put32(mpc + 36, (uint32_t)LAYOUT_LAPIC_ADDR);
	mpc[7] = checksum(mpc, mpc_len);

	/* Floating pointer: points at the table right after it. */
	memcpy(mpf, "_MP_", 4);
	put32(mpf + 4, (uint32_t)(gpa + MPF_LEN));
	mpf[8] = 1; /* length in 16-byte units */
	mpf[9] = MP_SPEC_REV;
	/* feature byte 1 = 0: a configuration table is present; IMCR bit
	 * clear: virtual wire mode, no IMCR to program. */
	mpf[10] = checksum(mpf, MPF_LEN);
	return (long)size;
}
