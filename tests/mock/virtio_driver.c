/* The mock virtio-pci driver behind virtio_driver.h: the steps of virtio
 * 1.x section 3.1.1 (device initialisation) and 4.1 (the PCI transport),
 * written the way a guest driver takes them. */
#include <string.h>
#include <unistd.h>

#include "tests/mock/fake_irq.h"
#include "tests/mock/fake_vm.h"
#include "tests/mock/virtio_driver.h"
#include "vmm/layout.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define POLL_US		  1000

#define common_rd(d, field, len)    guest_mmio_rd((d)->vm, VDRV_COMMON(d, field), len)
#define common_wr(d, field, len, v) guest_mmio_wr((d)->vm, VDRV_COMMON(d, field), len, v)

static uint32_t cfg_rd(struct virtio_driver *d, unsigned reg, unsigned len)
{
	return guest_cfg_rd(d->vm, d->slot, reg, len);
}

/* Bit n of a mask, with everything from 31 up folded into bit 31. */
static uint32_t bit(unsigned n)
{
	return n < 31 ? 1u << n : 1u << 31;
}

static void note_vendor_cap(struct virtio_driver *d, unsigned at)
{
	unsigned type = cfg_rd(d, at + offsetof(struct virtio_pci_cap, cfg_type), 1);
	struct vdrv_cap c = {
		.at = at,
		.bar = cfg_rd(d, at + offsetof(struct virtio_pci_cap, bar), 1),
		.off = cfg_rd(d, at + offsetof(struct virtio_pci_cap, offset), 4),
		.len = cfg_rd(d, at + offsetof(struct virtio_pci_cap, length), 4),
	};

	d->cap_types |= bit(type);
	d->cap_bars |= bit(c.bar);
	if (type > VIRTIO_PCI_CAP_PCI_CFG || d->cap[type].at)
		return;
	d->cap[type] = c;
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		d->notify_mult = cfg_rd(d, at + sizeof(struct virtio_pci_cap), 4);
}

static void note_msix_cap(struct virtio_driver *d, unsigned at)
{
	uint32_t table = cfg_rd(d, at + PCI_MSIX_TABLE, 4);

	d->msix_cap = at;
	d->msix_table = d->bar[table & PCI_MSIX_TABLE_BIR] + (table & PCI_MSIX_TABLE_OFFSET);
}

/* The capability list, bounded: a device could make it loop. */
static void walk_caps(struct virtio_driver *d)
{
	unsigned at = cfg_rd(d, PCI_CAPABILITY_LIST, 1) & 0xfc;

	for (unsigned steps = 0; at && steps < 48; steps++) {
		unsigned id = cfg_rd(d, at, 1);

		if (id == PCI_CAP_ID_VNDR)
			note_vendor_cap(d, at);
		else if (id == PCI_CAP_ID_MSIX)
			note_msix_cap(d, at);
		at = cfg_rd(d, at + 1, 1) & 0xfc;
	}
}

static uint64_t region(struct virtio_driver *d, unsigned type)
{
	const struct vdrv_cap *c = &d->cap[type];

	return c->bar < PCI_STD_NUM_BARS ? d->bar[c->bar] + c->off : 0;
}

int vdrv_probe(struct virtio_driver *d)
{
	uint32_t cmd = cfg_rd(d, PCI_COMMAND, 2);

	if (cfg_rd(d, PCI_VENDOR_ID, 2) != VIRTIO_PCI_VENDOR)
		return -1;
	if (!(cmd & PCI_COMMAND_MEMORY))
		guest_cfg_wr(d->vm, d->slot, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY);
	for (unsigned b = 0; b < PCI_STD_NUM_BARS; b++)
		d->bar[b] = cfg_rd(d, PCI_BASE_ADDRESS_0 + 4 * b, 4) & PCI_BASE_ADDRESS_MEM_MASK;
	memset(d->cap, 0, sizeof(d->cap));
	d->cap_types = d->cap_bars = 0;
	d->msix_cap = 0;
	walk_caps(d);
	d->common = region(d, VIRTIO_PCI_CAP_COMMON_CFG);
	d->isr = region(d, VIRTIO_PCI_CAP_ISR_CFG);
	d->devcfg = region(d, VIRTIO_PCI_CAP_DEVICE_CFG);
	d->notify = region(d, VIRTIO_PCI_CAP_NOTIFY_CFG);
	d->gsi = cfg_rd(d, PCI_INTERRUPT_LINE, 1);
	if (!d->cap[VIRTIO_PCI_CAP_COMMON_CFG].at || !d->cap[VIRTIO_PCI_CAP_ISR_CFG].at ||
	    !d->cap[VIRTIO_PCI_CAP_NOTIFY_CFG].at)
		return -1;
	return 0;
}

int vdrv_init(struct virtio_driver *d, struct vm *vm, uint8_t *ram, unsigned slot)
{
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->ram = ram;
	d->slot = slot;
	return vdrv_probe(d);
}

uint64_t vdrv_device_features(struct virtio_driver *d)
{
	uint64_t lo;

	common_wr(d, device_feature_select, 4, 0);
	lo = common_rd(d, device_feature, 4);
	common_wr(d, device_feature_select, 4, 1);
	return lo | common_rd(d, device_feature, 4) << 32;
}

uint8_t vdrv_status(struct virtio_driver *d)
{
	return (uint8_t)common_rd(d, device_status, 1);
}

void vdrv_set_status(struct virtio_driver *d, uint8_t status)
{
	d->status = status;
	common_wr(d, device_status, 1, status);
}

bool vdrv_wait_reset(struct virtio_driver *d)
{
	for (unsigned i = 0; i < VDRV_WAIT_S * 1000000 / POLL_US; i++) {
		if (vdrv_status(d) == 0)
			return true;
		usleep(POLL_US);
	}
	return false;
}

bool vdrv_reset(struct virtio_driver *d)
{
	vdrv_set_status(d, 0);
	return vdrv_wait_reset(d);
}

uint8_t vdrv_negotiate(struct virtio_driver *d, uint64_t features)
{
	if (!vdrv_reset(d))
		return 0;
	vdrv_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	common_wr(d, guest_feature_select, 4, 0);
	common_wr(d, guest_feature, 4, (uint32_t)features);
	common_wr(d, guest_feature_select, 4, 1);
	common_wr(d, guest_feature, 4, (uint32_t)(features >> 32));
	vdrv_set_status(d, d->status | VIRTIO_CONFIG_S_FEATURES_OK);
	return vdrv_status(d);
}

bool vdrv_msix_enable(struct virtio_driver *d, unsigned nvec, uint32_t data)
{
	if (!d->msix_cap)
		return false;
	for (unsigned v = 0; v < nvec; v++) {
		uint64_t entry = d->msix_table + PCI_MSIX_ENTRY_SIZE * v;

		guest_mmio_wr(d->vm, entry + PCI_MSIX_ENTRY_LOWER_ADDR, 4, LAYOUT_LAPIC_ADDR);
		guest_mmio_wr(d->vm, entry + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
		guest_mmio_wr(d->vm, entry + PCI_MSIX_ENTRY_DATA, 4, data + v);
		guest_mmio_wr(d->vm, entry + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	}
	guest_cfg_wr(d->vm, d->slot, d->msix_cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	d->msix = true;
	common_wr(d, msix_config, 2, 0);
	return common_rd(d, msix_config, 2) == 0;
}

static void queue_addresses(struct virtio_driver *d, const struct fake_ring *r)
{
	common_wr(d, queue_desc_lo, 4, (uint32_t)r->desc);
	common_wr(d, queue_desc_hi, 4, (uint32_t)(r->desc >> 32));
	common_wr(d, queue_avail_lo, 4, (uint32_t)r->avail);
	common_wr(d, queue_avail_hi, 4, (uint32_t)(r->avail >> 32));
	common_wr(d, queue_used_lo, 4, (uint32_t)r->used);
	common_wr(d, queue_used_hi, 4, (uint32_t)(r->used >> 32));
}

unsigned vdrv_queue_setup(struct virtio_driver *d, unsigned q, uint16_t size, uint64_t base,
			  uint16_t vector)
{
	unsigned max;

	if (q >= VIRTIO_PCI_MAX_QUEUES)
		return 0;
	common_wr(d, queue_select, 2, q);
	max = common_rd(d, queue_size, 2);
	if (!max)
		return 0;
	if (size)
		common_wr(d, queue_size, 2, size);
	fake_ring_init(&d->q[q], d->ram, base, size ? size : (uint16_t)max);
	fake_ring_clear(&d->q[q]);
	queue_addresses(d, &d->q[q]);
	if (vector != VIRTIO_MSI_NO_VECTOR)
		common_wr(d, queue_msix_vector, 2, vector);
	d->notify_off[q] = common_rd(d, queue_notify_off, 2);
	common_wr(d, queue_enable, 2, 1);
	return max;
}

void vdrv_driver_ok(struct virtio_driver *d)
{
	vdrv_set_status(d, d->status | VIRTIO_CONFIG_S_DRIVER_OK);
}

void vdrv_notify(struct virtio_driver *d, unsigned q)
{
	guest_mmio_wr(d->vm, d->notify + (uint64_t)d->notify_mult * d->notify_off[q], 2, q);
}

void vdrv_submit(struct virtio_driver *d, unsigned q, uint16_t head, const struct fake_seg *segs,
		 unsigned n)
{
	fake_ring_add(&d->q[q], head, segs, n);
	vdrv_notify(d, q);
}

bool vdrv_wait_irq(struct virtio_driver *d, unsigned seen)
{
	return fake_irq_wait(seen, d->msix ? -1 : (int)d->gsi);
}

bool vdrv_wait_used(struct virtio_driver *d, unsigned q, uint16_t idx)
{
	for (unsigned i = 0; i < VDRV_WAIT_S * 1000000 / POLL_US; i++) {
		/* Reached, in the ring's wrapping 16-bit arithmetic. */
		if ((int16_t)(fake_ring_used_idx(&d->q[q]) - idx) >= 0)
			return true;
		usleep(POLL_US);
	}
	return false;
}

uint8_t vdrv_isr(struct virtio_driver *d)
{
	return (uint8_t)guest_mmio_rd(d->vm, d->isr, 1);
}
