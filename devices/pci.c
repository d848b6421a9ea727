#include "devices/pci.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "vmm/layout.h"
#include "vmm/snapshot_file.h"
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

/* Can a BAR of size bytes sit at addr: aligned to its size and wholly inside
 * the PCI MMIO window (subtraction only, no overflow)? */
static bool bar_fits(uint64_t addr, uint32_t size)
{
	return !(addr & (size - 1)) && addr >= LAYOUT_PCI_MMIO_START &&
	       addr < LAYOUT_PCI_MMIO_END && LAYOUT_PCI_MMIO_END - addr >= size;
}

/* Move BAR i's bus range to want and tell the device (ioeventfds follow).
 * The guest's BAR writes and snapshot restore both come here. Host lock
 * held. */
static int bar_place(struct pci_device *d, unsigned i, uint64_t want, struct err *e)
{
	struct pci_bar *bar = &d->bars[i];
	uint64_t old = bar->addr;
	int r;

	if (want == old)
		return 0;
	if (!bar_fits(want, bar->size))
		return err_set(e, ERANGE,
			       "%s: BAR %u at 0x%" PRIx64 " (0x%x bytes) is not an aligned range "
			       "inside the PCI MMIO window",
			       d->name, i, want, bar->size);
	r = bus_move(&d->vm->mmio_bus, old, want, bar, e);
	if (r < 0)
		return r;
	bar->addr = want;
	if (d->ops && d->ops->bar_moved)
		d->ops->bar_moved(d, i, old, want);
	return 0;
}

/* The guest wrote BAR i's register: follow it with the bus range, or refuse
 * and roll the register back. Host lock held. */
static void bar_written(struct pci_device *d, unsigned i)
{
	struct pci_bar *bar = &d->bars[i];
	uint8_t *reg = &d->cfg[PCI_BASE_ADDRESS_0 + 4 * i];
	uint64_t want = get32(reg) & PCI_BASE_ADDRESS_MEM_MASK;
	uint32_t mask = ~(bar->size - 1);
	struct err e;

	if (!bar->size || want == bar->addr)
		return;
	/* All address bits set: the guest is sizing the BAR. The register
	 * reads back the size mask; the mapping stays until a real address. */
	if (want == (mask & PCI_BASE_ADDRESS_MEM_MASK))
		return;
	if (bar_place(d, i, want, &e) < 0)
		put32(reg, (uint32_t)bar->addr);
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

/* ---- snapshot -------------------------------------------------------- */

/* SNAP_DEV_PCI, one per published function (instance = slot). A fixed
 * layout of explicit-width fields with no implicit padding, copied as the
 * host's bytes: minivmm is x86-64 only, so they are the little-endian bytes
 * vmm/snapshot_file.h specifies. Changing it means a new format version. */
struct pci_snap {
	uint8_t cfg[256];     /* config space as the guest reads it */
	uint32_t bar_addr[6]; /* where each BAR is mapped (0: not implemented) */
	uint32_t bar_size[6];
	int32_t gsi; /* INTx line, -1: none */
	uint32_t msix_vectors;
	uint64_t msix_pba;
	struct pci_msix_entry msix_table[64];
	uint32_t host_cf8;  /* the host's 0xCF8 register, in slot 0's section only */
	uint8_t intx_level; /* the device's INTA# wish, 0 or 1 */
	uint8_t reserved[3];
};
_Static_assert(sizeof(struct pci_snap) == 1352, "SNAP_DEV_PCI layout changed");
_Static_assert(PCI_CFG_SIZE == 256 && PCI_NUM_BARS == 6 && PCI_MSIX_MAX == 64 &&
		       sizeof(struct pci_msix_entry) == 16,
	       "SNAP_DEV_PCI layout changed");

/* Host lock held. */
static void save_function(struct pci_host *p, struct pci_device *d, struct pci_snap *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < PCI_CFG_SIZE; i++)
		s->cfg[i] = __atomic_load_n(&d->cfg[i], __ATOMIC_RELAXED);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		s->bar_addr[i] = (uint32_t)d->bars[i].addr;
		s->bar_size[i] = d->bars[i].size;
	}
	s->gsi = d->gsi;
	s->msix_vectors = d->msix_vectors;
	pthread_mutex_lock(&d->msix_lock);
	s->msix_pba = d->msix_pba;
	memcpy(s->msix_table, d->msix_table, sizeof(s->msix_table));
	s->intx_level = d->intx_level;
	pthread_mutex_unlock(&d->msix_lock);
	if (d->slot == 0)
		s->host_cf8 = p->cf8;
}

int pci_host_snapshot(struct pci_host *p, struct snap_writer *w)
{
	struct pci_snap s;
	int r = 0;

	pthread_mutex_lock(&p->lock);
	for (unsigned slot = 0; slot < PCI_SLOTS && r == 0; slot++) {
		struct pci_device *d = visible(p, slot);

		if (!d)
			continue;
		save_function(p, d, &s);
		r = snap_put(w, SNAP_DEV_PCI, slot, &s, sizeof(s));
		if (r == 0 && d->ops && d->ops->snap_save)
			r = d->ops->snap_save(d, w);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* Every PCI or virtio section names a function this machine has. */
static int check_extra_sections(struct pci_host *p, const struct snap_index *idx, struct err *e)
{
	for (uint32_t i = 0; i < idx->count; i++) {
		const struct snap_section *sec = &idx->sec[i];
		struct pci_device *d = visible(p, sec->instance);

		if (sec->tag != SNAP_DEV_PCI && sec->tag != SNAP_DEV_VIRTIO_PCI)
			continue;
		if (!d)
			return err_set(
				e, ENODEV,
				"snapshot has a PCI function in slot %u, this machine has none",
				sec->instance);
		if (sec->tag == SNAP_DEV_VIRTIO_PCI && !(d->ops && d->ops->snap_load))
			return err_set(
				e, ENODEV,
				"snapshot has a virtio function in slot %u, this machine has %s",
				sec->instance, d->name);
	}
	return 0;
}

static uint32_t cfg32(const uint8_t *cfg, unsigned off)
{
	return get32(cfg + off);
}

/* Same IDs and class, and every bit the guest cannot write (capabilities,
 * BAR flags, ...) as this machine built it. */
static int check_identity(const struct pci_device *d, const struct pci_snap *s, struct err *e)
{
	uint32_t want_id = cfg32(s->cfg, PCI_VENDOR_ID), have_id = cfg32(d->cfg, PCI_VENDOR_ID);

	if (want_id != have_id ||
	    cfg32(s->cfg, PCI_CLASS_REVISION) != cfg32(d->cfg, PCI_CLASS_REVISION))
		return err_set(e, ENODEV,
			       "snapshot has %04x:%04x class %06x, this machine has %04x:%04x "
			       "class %06x",
			       want_id & 0xffff, want_id >> 16,
			       cfg32(s->cfg, PCI_CLASS_REVISION) >> 8, have_id & 0xffff,
			       have_id >> 16, cfg32(d->cfg, PCI_CLASS_REVISION) >> 8);
	for (unsigned i = 0; i < PCI_CFG_SIZE; i++) {
		uint8_t fixed = (uint8_t)~d->wmask[i];
		unsigned bar = (i - PCI_BASE_ADDRESS_0) / 4;

		/* Implemented BARs: check_bars() judges the whole register. */
		if (i >= PCI_BASE_ADDRESS_0 && bar < PCI_NUM_BARS && d->bars[bar].size)
			continue;
		/* The device sets STATUS.INTERRUPT itself (restored with INTx). */
		if (i == PCI_STATUS)
			fixed &= (uint8_t)~PCI_STATUS_INTERRUPT;
		if ((s->cfg[i] ^ d->cfg[i]) & fixed)
			return err_set(e, ENODEV,
				       "read-only config byte 0x%02x is 0x%02x in the snapshot, "
				       "0x%02x here",
				       i, s->cfg[i], d->cfg[i]);
	}
	return 0;
}

static int check_bars(const struct pci_device *d, const struct pci_snap *s, struct err *e)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t size = d->bars[i].size, addr = s->bar_addr[i];
		uint32_t saved = cfg32(s->cfg, PCI_BASE_ADDRESS_0 + 4 * i);
		uint32_t flags = cfg32(d->cfg, PCI_BASE_ADDRESS_0 + 4 * i) &
				 ~PCI_BASE_ADDRESS_MEM_MASK;
		uint32_t reg = saved & PCI_BASE_ADDRESS_MEM_MASK;

		if (s->bar_size[i] != size)
			return err_set(e, EINVAL,
				       "BAR %u has 0x%x bytes in the snapshot, 0x%x here", i,
				       s->bar_size[i], size);
		if (!size) {
			if (addr)
				return err_set(e, EINVAL, "BAR %u is not implemented but mapped",
					       i);
			continue;
		}
		if (!bar_fits(addr, size))
			return err_set(e, ERANGE,
				       "BAR %u at 0x%x (0x%x bytes) is not an aligned range inside "
				       "the PCI MMIO window",
				       i, addr, size);
		/* The register holds the BAR's type flags and the mapping, or
		 * the size mask while the guest sizes it. */
		if ((saved & ~PCI_BASE_ADDRESS_MEM_MASK) != flags ||
		    (reg != addr && reg != (~(size - 1) & PCI_BASE_ADDRESS_MEM_MASK)))
			return err_set(e, EINVAL,
				       "BAR %u register 0x%x disagrees with its mapping 0x%x", i,
				       reg, addr);
	}
	return 0;
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static int check_interrupts(const struct pci_device *d, const struct pci_snap *s, struct err *e)
{
	if (s->gsi != d->gsi)
		return err_set(e, EINVAL, "INTx line %d in the snapshot, %d here", s->gsi, d->gsi);
	if (s->intx_level > 1)
		return err_set(e, EINVAL, "INTx level %u is not 0 or 1", s->intx_level);
	if (s->msix_vectors != d->msix_vectors)
		return err_set(e, EINVAL, "%u MSI-X vectors in the snapshot, %u here",
			       s->msix_vectors, d->msix_vectors);
	if (d->msix_vectors < 64 && (s->msix_pba >> d->msix_vectors))
		return err_set(e, EINVAL, "MSI-X pending bits 0x%" PRIx64 " beyond %u vectors",
			       s->msix_pba, d->msix_vectors);
	if (!all_zero(&s->msix_table[d->msix_vectors],
		      sizeof(s->msix_table[0]) * (PCI_MSIX_MAX - d->msix_vectors)))
		return err_set(e, EINVAL, "MSI-X table entries beyond %u vectors are not zero",
			       d->msix_vectors);
	return 0;
}

/* Check slot's SNAP_DEV_PCI section against the live function. */
static int check_function(struct pci_device *d, const struct snap_index *idx, struct pci_snap *s,
			  struct err *e)
{
	int r = snap_get_exact(idx, SNAP_DEV_PCI, d->slot, s, sizeof(*s), e);

	if (r == 0)
		r = check_identity(d, s, e);
	if (r == 0)
		r = check_bars(d, s, e);
	if (r == 0)
		r = check_interrupts(d, s, e);
	if (r == 0 && d->slot != 0 && s->host_cf8)
		r = err_set(e, EINVAL, "host address register saved with a function");
	if (r == 0 && !all_zero(s->reserved, sizeof(s->reserved)))
		r = err_set(e, EINVAL, "reserved bytes are not zero");
	if (r == 0 && d->ops && d->ops->snap_load)
		r = d->ops->snap_load(d, idx, false, e);
	return r < 0 ? err_wrap(e, "PCI slot %u (%s)", d->slot, d->name) : 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* No two saved BARs (of any functions) overlap. */
static int check_bar_overlaps(struct pci_host *p, const struct pci_snap *s, struct err *e)
{
	for (unsigned a = 0; a < PCI_SLOTS * PCI_NUM_BARS; a++) {
		const struct pci_snap *sa = &s[a / PCI_NUM_BARS];
		unsigned ia = a % PCI_NUM_BARS;

		if (!visible(p, a / PCI_NUM_BARS) || !sa->bar_size[ia])
			continue;
		for (unsigned b = a + 1; b < PCI_SLOTS * PCI_NUM_BARS; b++) {
			const struct pci_snap *sb = &s[b / PCI_NUM_BARS];
			unsigned ib = b % PCI_NUM_BARS;

			if (!visible(p, b / PCI_NUM_BARS) || !sb->bar_size[ib])
				continue;
			if (ranges_overlap(sa->bar_addr[ia], sa->bar_size[ia], sb->bar_addr[ib],
					   sb->bar_size[ib]))
				return err_set(e, EINVAL,
					       "PCI slot %u BAR %u overlaps slot %u BAR %u at 0x%x",
					       a / PCI_NUM_BARS, ia, b / PCI_NUM_BARS, ib,
					       sb->bar_addr[ib]);
		}
	}
	return 0;
}

/* One BAR moved by restore, to undo if a later one cannot move. */
struct bar_move {
	struct pci_device *d;
	unsigned bar;
	uint64_t from;
};

/* Map every BAR where the snapshot has it. Moves are retried while any
 * succeeds, so a BAR may take the place another one leaves; on failure the
 * moves made are undone in reverse order (each undo frees what the next
 * needs), leaving the bus as it was. Host lock held. */
static int place_bars(struct pci_host *p, const struct pci_snap *s, struct err *e)
{
	struct bar_move done[PCI_SLOTS * PCI_NUM_BARS];
	unsigned ndone = 0, pending;
	bool progress = true;
	struct err undo;

	do {
		pending = 0;
		progress = false;
		for (unsigned slot = 0; slot < PCI_SLOTS; slot++) {
			struct pci_device *d = visible(p, slot);

			for (unsigned i = 0; d && i < PCI_NUM_BARS; i++) {
				uint64_t from = d->bars[i].addr;

				if (!d->bars[i].size || from == s[slot].bar_addr[i])
					continue;
				if (bar_place(d, i, s[slot].bar_addr[i], e) < 0) {
					pending++;
					continue;
				}
				done[ndone++] = (struct bar_move){ d, i, from };
				progress = true;
			}
		}
	} while (pending && progress);
	if (!pending)
		return 0;
	while (ndone--)
		bar_place(done[ndone].d, done[ndone].bar, done[ndone].from, &undo);
	return -e->code;
}

/* The guest-writable config bits, then what follows from them: MSI-X
 * enable and function mask, INTx (the line is raised again if the device
 * asserted it, so a shared line's count is rebuilt). Host lock held. */
static void apply_function(struct pci_device *d, const struct pci_snap *s)
{
	for (unsigned i = 0; i < PCI_CFG_SIZE; i++) {
		uint8_t m = d->wmask[i], cur = __atomic_load_n(&d->cfg[i], __ATOMIC_RELAXED);

		__atomic_store_n(&d->cfg[i], (uint8_t)((cur & ~m) | (s->cfg[i] & m)),
				 __ATOMIC_RELAXED);
	}
	pthread_mutex_lock(&d->msix_lock);
	memcpy(d->msix_table, s->msix_table, sizeof(d->msix_table));
	d->msix_pba = s->msix_pba;
	pthread_mutex_unlock(&d->msix_lock);
	if (d->msix_cap)
		pci_msix_control_written(d);
	pthread_mutex_lock(&d->msix_lock);
	d->intx_level = s->intx_level;
	intx_update_locked(d);
	pthread_mutex_unlock(&d->msix_lock);
}

static int check_all(struct pci_host *p, const struct snap_index *idx, struct pci_snap *s,
		     struct err *e)
{
	int r = check_extra_sections(p, idx, e);

	for (unsigned slot = 0; slot < PCI_SLOTS && r == 0; slot++) {
		struct pci_device *d = visible(p, slot);

		if (d)
			r = check_function(d, idx, &s[slot], e);
	}
	if (r == 0)
		r = check_bar_overlaps(p, s, e);
	return r;
}

int pci_host_restore(struct pci_host *p, const struct snap_index *idx, struct err *e)
{
	struct pci_snap *s = calloc(PCI_SLOTS, sizeof(*s));
	int r;

	if (!s)
		return err_set(e, ENOMEM, "pci restore: out of memory");
	pthread_mutex_lock(&p->lock);
	r = check_all(p, idx, s, e);
	if (r == 0)
		r = place_bars(p, s, e);
	for (unsigned slot = 0; slot < PCI_SLOTS && r == 0; slot++) {
		struct pci_device *d = visible(p, slot);

		if (d)
			apply_function(d, &s[slot]);
	}
	if (r == 0)
		p->cf8 = s[0].host_cf8;
	/* Devices last: their interrupts go through the MSI-X state above. */
	for (unsigned slot = 0; slot < PCI_SLOTS && r == 0; slot++) {
		struct pci_device *d = visible(p, slot);

		if (d && d->ops && d->ops->snap_load && d->ops->snap_load(d, idx, true, e) < 0)
			r = err_wrap(e, "PCI slot %u (%s)", slot, d->name);
	}
	pthread_mutex_unlock(&p->lock);
	free(s);
	return r;
}
