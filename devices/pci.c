#include "devices/pci.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "vmm/layout.h"
#include "vmm/vm.h"

#define CF8_PORT   0xCF8
#define CFC_PORT   0xCFC
#define CF8_ENABLE 0x80000000u
#define CAP_START  0x40
/* Command bits a guest may set: I/O, memory, bus master, parity, SERR, INTx disable. */
#define COMMAND_WMASK                                                                    \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | \
	 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

struct pci_host {
	struct vm *vm;
	pthread_mutex_t lock; /* config space, cf8, BAR moves */
	uint32_t cf8;
	/* Devices asserting each shared INTx line, under intx_lock: the line
	 * stays high until the last of them lets go. */
	pthread_mutex_t intx_lock;
	unsigned intx_asserting[LAYOUT_GSI_PCI_LAST + 1];
	struct pci_device *slots[PCI_SLOTS];
	bool ports_registered;
};

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint16_t command_of(struct pci_device *d)
{
	/* Read by vCPU and I/O threads outside the host lock: one atomic load. */
	return __atomic_load_n((uint16_t *)(void *)&d->cfg[PCI_COMMAND], __ATOMIC_RELAXED);
}

/* ---- config space ---------------------------------------------------- */

static struct pci_device *visible(struct pci_host *p, unsigned slot)
{
	struct pci_device *d = slot < PCI_SLOTS ? p->slots[slot] : NULL;

	return d && d->published ? d : NULL;
}

uint32_t pci_cfg_read(struct pci_host *p, unsigned slot, unsigned off, unsigned len)
{
	struct pci_device *d;
	uint32_t v = 0;

	if (len > 4)
		len = 4;
	pthread_mutex_lock(&p->lock);
	d = visible(p, slot);
	if (d && d->ops && d->ops->cfg_read && off < PCI_CFG_SIZE)
		d->ops->cfg_read(d, off, len);
	for (unsigned i = 0; i < len; i++) {
		unsigned o = off + i;
		uint8_t b = 0xff;

		if (d && o < PCI_CFG_SIZE)
			b = __atomic_load_n(&d->cfg[o], __ATOMIC_RELAXED);
		v |= (uint32_t)b << (8 * i);
	}
	pthread_mutex_unlock(&p->lock);
	return v;
}

/* One device raises or lowers its share of a (possibly shared) line. */
static void intx_line(struct pci_device *d, bool level)
{
	struct pci_host *p = d->host;
	unsigned gsi = (unsigned)d->gsi;
	bool change;

	pthread_mutex_lock(&p->intx_lock);
	if (level)
		change = p->intx_asserting[gsi]++ == 0;
	else
		change = --p->intx_asserting[gsi] == 0;
	/* Under the lock, so a raise and a lower of two sharers never reorder. */
	if (change)
		d->vm->irq.line(d->vm, gsi, level);
	pthread_mutex_unlock(&p->intx_lock);
}

/* Raise or lower the IOAPIC line to match the device's wish. msix_lock held. */
static void intx_update_locked(struct pci_device *d)
{
	bool level = d->intx_level && !(command_of(d) & PCI_COMMAND_INTX_DISABLE);

	if (d->gsi < 0 || level == d->intx_asserted)
		return;
	d->intx_asserted = level;
	if (level)
		__atomic_fetch_or(&d->cfg[PCI_STATUS], PCI_STATUS_INTERRUPT, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&d->cfg[PCI_STATUS], (uint8_t)~PCI_STATUS_INTERRUPT,
				   __ATOMIC_RELAXED);
	intx_line(d, level);
}

/* The guest wrote BAR i's register: follow it with the bus range, or refuse
 * and roll the register back. Host lock held. */
static void bar_written(struct pci_device *d, unsigned i)
{
	struct pci_bar *bar = &d->bars[i];
	uint8_t *reg = &d->cfg[PCI_BASE_ADDRESS_0 + 4 * i];
	uint64_t want = get32(reg) & PCI_BASE_ADDRESS_MEM_MASK;
	uint64_t old = bar->addr;
	uint32_t mask = ~(bar->size - 1);
	struct err e;

	if (!bar->size || want == old)
		return;
	/* All address bits set: the guest is sizing the BAR. The register
	 * reads back the size mask; the mapping stays until a real address. */
	if (want == (mask & PCI_BASE_ADDRESS_MEM_MASK))
		return;
	if (want < LAYOUT_PCI_MMIO_START || want + bar->size > LAYOUT_PCI_MMIO_END ||
	    bus_move(&d->vm->mmio_bus, old, want, bar, &e) < 0) {
		put32(reg, (uint32_t)old);
		return;
	}
	bar->addr = want;
	if (d->ops && d->ops->bar_moved)
		d->ops->bar_moved(d, i, old, want);
}

static bool touches(unsigned off, unsigned len, unsigned reg, unsigned reg_len)
{
	return off < reg + reg_len && reg < off + len;
}

void pci_cfg_write(struct pci_host *p, unsigned slot, unsigned off, unsigned len, uint32_t val)
{
	struct pci_device *d;

	if (len > 4)
		len = 4;
	if (off >= PCI_CFG_SIZE)
		return;
	if (off + len > PCI_CFG_SIZE)
		len = PCI_CFG_SIZE - off;
	pthread_mutex_lock(&p->lock);
	d = visible(p, slot);
	if (!d)
		goto out;
	for (unsigned i = 0; i < len; i++) {
		uint8_t m = d->wmask[off + i], b = (uint8_t)(val >> (8 * i));
		uint8_t cur = __atomic_load_n(&d->cfg[off + i], __ATOMIC_RELAXED);

		__atomic_store_n(&d->cfg[off + i], (uint8_t)((cur & ~m) | (b & m)),
				 __ATOMIC_RELAXED);
	}
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (touches(off, len, PCI_BASE_ADDRESS_0 + 4 * i, 4))
			bar_written(d, i);
	if (touches(off, len, PCI_COMMAND, 2)) {
		pthread_mutex_lock(&d->msix_lock);
		intx_update_locked(d);
		pthread_mutex_unlock(&d->msix_lock);
	}
	if (d->msix_cap && touches(off, len, d->msix_cap + PCI_MSIX_FLAGS, 2))
		pci_msix_control_written(d);
	if (d->ops && d->ops->cfg_written)
		d->ops->cfg_written(d, off, len);
out:
	pthread_mutex_unlock(&p->lock);
}

/* ---- mechanism #1 ports ---------------------------------------------- */

static void cf8_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct pci_host *p = opaque;

	/* Only full 32-bit accesses reach the address register (byte writes
	 * to 0xCFB are mechanism #2 probes). */
	if (off != 0 || len != 4)
		return;
	pthread_mutex_lock(&p->lock);
	if (is_write)
		memcpy(&p->cf8, data, 4);
	else
		memcpy(data, &p->cf8, 4);
	pthread_mutex_unlock(&p->lock);
}

static void cfc_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct pci_host *p = opaque;
	unsigned slot, reg;
	uint32_t addr, v = 0;

	pthread_mutex_lock(&p->lock);
	addr = p->cf8;
	pthread_mutex_unlock(&p->lock);
	if (len > 4)
		len = 4;
	/* Enabled, bus 0, function 0; otherwise nothing answers. */
	if (!(addr & CF8_ENABLE) || (addr & 0x00ff0700u))
		return;
	slot = (addr >> 11) & 0x1f;
	reg = (addr & 0xfc) + (unsigned)off;
	if (is_write) {
		memcpy(&v, data, len);
		pci_cfg_write(p, slot, reg, len, v);
	} else {
		v = pci_cfg_read(p, slot, reg, len);
		memcpy(data, &v, len);
	}
}

/* ---- devices --------------------------------------------------------- */

static void bar_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct pci_bar *bar = opaque;

	/* Memory decoding off: the BAR does not answer. */
	if (!(command_of(bar->dev) & PCI_COMMAND_MEMORY))
		return;
	bar->handler(bar->opaque, off, data, len, is_write);
}

static struct pci_device *device_new(struct pci_host *p, unsigned slot)
{
	struct pci_device *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->host = p;
	d->vm = p->vm;
	d->slot = slot;
	d->gsi = -1;
	d->cap_end = CAP_START;
	pthread_mutex_init(&d->msix_lock, NULL);
	return d;
}

int pci_device_alloc(struct pci_host *p, uint16_t vendor, uint16_t device, uint32_t class_code,
		     uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id, const char *name,
		     struct pci_device **out, struct err *e)
{
	struct pci_device *d = NULL;
	unsigned slot;

	pthread_mutex_lock(&p->lock);
	for (slot = 0; slot < PCI_SLOTS && p->slots[slot]; slot++)
		;
	if (slot < PCI_SLOTS) {
		d = device_new(p, slot);
		p->slots[slot] = d;
	}
	pthread_mutex_unlock(&p->lock);
	if (slot == PCI_SLOTS)
		return err_set(e, ENOSPC, "%s: no free PCI slot", name);
	if (!d)
		return err_set(e, ENOMEM, "%s: out of memory", name);
	d->name = name;
	put16(&d->cfg[PCI_VENDOR_ID], vendor);
	put16(&d->cfg[PCI_DEVICE_ID], device);
	put32(&d->cfg[PCI_CLASS_REVISION], class_code << 8 | revision);
	put16(&d->cfg[PCI_SUBSYSTEM_VENDOR_ID], subsys_vendor);
	put16(&d->cfg[PCI_SUBSYSTEM_ID], subsys_id);
	d->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	/* No firmware here: decoding starts enabled at the BARs we assign. */
	put16(&d->cfg[PCI_COMMAND], PCI_COMMAND_MEMORY);
	put16(&d->wmask[PCI_COMMAND], COMMAND_WMASK);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	*out = d;
	return 0;
}

int pci_device_add_bar(struct pci_device *d, unsigned bar, uint32_t size, bus_handler h,
		       void *opaque, struct err *e)
{
	struct pci_bar *b;
	uint64_t addr;
	int r;

	if (bar >= PCI_NUM_BARS || d->bars[bar].size || size < 16 || (size & (size - 1)))
		return err_set(e, EINVAL, "%s: bad BAR %u of size 0x%x", d->name, bar, size);
	addr = vm_alloc_mmio(d->vm, size);
	if (!addr)
		return err_set(e, ENOSPC, "%s: no MMIO space for BAR %u", d->name, bar);
	b = &d->bars[bar];
	*b = (struct pci_bar){
		.size = size, .addr = addr, .handler = h, .opaque = opaque, .dev = d, .index = bar
	};
	r = bus_register(&d->vm->mmio_bus, addr, size, bar_access, b, d->name, e);
	if (r < 0) {
		b->size = 0;
		return r;
	}
	put32(&d->cfg[PCI_BASE_ADDRESS_0 + 4 * bar], (uint32_t)addr);
	put32(&d->wmask[PCI_BASE_ADDRESS_0 + 4 * bar], ~(size - 1) & PCI_BASE_ADDRESS_MEM_MASK);
	return 0;
}

int pci_device_add_cap(struct pci_device *d, const void *data, unsigned len, struct err *e)
{
	unsigned at = d->cap_end;

	if (len < 2 || at + len > PCI_CFG_SIZE)
		return err_set(e, ENOSPC, "%s: config space full", d->name);
	memcpy(&d->cfg[at], data, len);
	d->cfg[at + 1] = 0;
	if (d->last_cap)
		d->cfg[d->last_cap + 1] = (uint8_t)at;
	else
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)at;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->last_cap = (uint8_t)at;
	/* Keep capabilities dword aligned. */
	d->cap_end = (uint8_t)((at + len + 3) & ~3u);
	return (int)at;
}

void pci_cfg_set_writable(struct pci_device *d, unsigned off, unsigned len)
{
	for (unsigned i = off; i < off + len && i < PCI_CFG_SIZE; i++)
		d->wmask[i] = 0xff;
}

int pci_device_add_intx(struct pci_device *d, struct err *e)
{
	int gsi = vm_alloc_gsi(d->vm);

	(void)e;
	d->gsi = gsi;
	d->cfg[PCI_INTERRUPT_LINE] = (uint8_t)gsi;
	d->cfg[PCI_INTERRUPT_PIN] = 1; /* INTA# */
	return 0;
}

int pci_device_publish(struct pci_device *d, const struct pci_device_ops *ops, void *priv,
		       struct err *e)
{
	(void)e;
	pthread_mutex_lock(&d->host->lock);
	d->ops = ops;
	d->priv = priv;
	d->published = true;
	pthread_mutex_unlock(&d->host->lock);
	return 0;
}

void pci_device_free(struct pci_device *d)
{
	struct pci_host *p;

	if (!d)
		return;
	p = d->host;
	/* A device going away lets go of its share of a line. */
	if (d->gsi >= 0 && d->intx_asserted)
		intx_line(d, false);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bars[i].size)
			bus_unregister(&d->vm->mmio_bus, d->bars[i].addr, &d->bars[i]);
	pthread_mutex_lock(&p->lock);
	if (p->slots[d->slot] == d)
		p->slots[d->slot] = NULL;
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_destroy(&d->msix_lock);
	free(d);
}

/* ---- interrupts ------------------------------------------------------ */

void pci_intx_set(struct pci_device *d, bool level)
{
	pthread_mutex_lock(&d->msix_lock);
	d->intx_level = level;
	intx_update_locked(d);
	pthread_mutex_unlock(&d->msix_lock);
}

/* ---- host ------------------------------------------------------------ */

int pci_host_create(struct vm *vm, struct pci_host **out, struct err *e)
{
	struct pci_host *p = calloc(1, sizeof(*p));
	struct pci_device *bridge;
	int r;

	if (!p)
		return err_set(e, ENOMEM, "pci: out of memory");
	p->vm = vm;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->intx_lock, NULL);
	/* Red Hat "QEMU PCIe host bridge" IDs: no guest quirks attached. */
	r = pci_device_alloc(p, 0x1b36, 0x0008, 0x060000 /* host bridge */, 0, 0x1af4, 0x1100,
			     "pci-host", &bridge, e);
	if (r == 0)
		r = pci_device_publish(bridge, NULL, NULL, e);
	if (r == 0)
		r = bus_register(&vm->io_bus, CF8_PORT, 4, cf8_access, p, "pci-cf8", e);
	if (r == 0) {
		r = bus_register(&vm->io_bus, CFC_PORT, 4, cfc_access, p, "pci-cfc", e);
		if (r < 0)
			bus_unregister(&vm->io_bus, CF8_PORT, p);
	}
	if (r < 0) {
		p->ports_registered = false;
		pci_host_destroy(p);
		return r;
	}
	p->ports_registered = true;
	*out = p;
	return 0;
}

void pci_host_destroy(struct pci_host *p)
{
	if (!p)
		return;
	if (p->ports_registered) {
		bus_unregister(&p->vm->io_bus, CF8_PORT, p);
		bus_unregister(&p->vm->io_bus, CFC_PORT, p);
	}
	for (unsigned s = 0; s < PCI_SLOTS; s++) {
		struct pci_device *d = p->slots[s];

		if (!d)
			continue;
		if (d->published && d->ops && d->ops->destroy)
			d->ops->destroy(d);
		pci_device_free(d);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->intx_lock);
	free(p);
}

unsigned pci_host_irq_routes(const struct pci_host *p, struct mp_pci_irq *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned s = 0; s < PCI_SLOTS && n < max; s++) {
		const struct pci_device *d = p->slots[s];

		if (d && d->published && d->gsi >= 0)
			out[n++] = (struct mp_pci_irq){ .slot = (uint8_t)s,
							.ioapic_pin = (uint8_t)d->gsi };
	}
	return n;
}
