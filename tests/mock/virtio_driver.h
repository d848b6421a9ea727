/* A mock virtio-pci driver. Unit tests play the guest against a device made
 * by virtio_pci_create() (virtio-blk, virtio-net, a test device) the way
 * Linux's virtio_pci_modern does, through PCI configuration cycles and BAR
 * MMIO on the VM's buses only, never through the transport's internals:
 * find the BARs and the virtio capabilities, reset, ACKNOWLEDGE | DRIVER,
 * negotiate features (FEATURES_OK read back), program and enable MSI-X or
 * stay on INTx, set queues up over fake RAM (tests/mock/fake_ring.h),
 * DRIVER_OK, submit chains and kick, wait for interrupts and used entries,
 * read the ISR. Every wait gives up after VDRV_WAIT_S seconds, so a stuck
 * device fails a test instead of hanging it.
 *
 * Interrupts are seen through tests/mock/fake_irq.h, which must be the
 * VM's before the device is created (fake_vm_init() sees to that). */
#ifndef MINIVMM_MOCK_VIRTIO_DRIVER_H
#define MINIVMM_MOCK_VIRTIO_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "devices/virtio_pci.h"
#include "tests/mock/fake_ring.h"

struct vm;

#define VDRV_WAIT_S 5

/* One virtio vendor capability (virtio 1.x, 4.1.4): the first of its type. */
struct vdrv_cap {
	unsigned at; /* offset in config space; 0: absent */
	unsigned bar;
	uint32_t off, len;
};

struct virtio_driver {
	struct vm *vm;
	uint8_t *ram; /* host address of guest address 0 */
	unsigned slot;
	/* What vdrv_probe() found. */
	uint32_t bar[PCI_STD_NUM_BARS];
	struct vdrv_cap cap[VIRTIO_PCI_CAP_PCI_CFG + 1];
	uint32_t cap_types; /* bit t: a vendor capability of type t */
	uint32_t cap_bars;  /* bit b: a vendor capability points into BAR b */
	uint32_t notify_mult;
	uint64_t common, isr, devcfg, notify; /* MMIO addresses of the regions */
	unsigned msix_cap;		      /* offset of the MSI-X capability; 0: none */
	uint64_t msix_table;
	unsigned gsi; /* INTx line */
	/* The driver's own state. */
	uint8_t status; /* as last written */
	bool msix;	/* MSI-X on: interrupts are MSIs, not the line */
	struct fake_ring q[VIRTIO_PCI_MAX_QUEUES];
	uint16_t notify_off[VIRTIO_PCI_MAX_QUEUES];
};

/* Address of a common configuration register. */
#define VDRV_COMMON(d, field) ((d)->common + offsetof(struct virtio_pci_common_cfg, field))

/* Bind d to the virtio function in slot, rings in ram, and probe it. 0, or
 * -1 when the slot holds no virtio-pci device with the regions it needs. */
int vdrv_init(struct virtio_driver *d, struct vm *vm, uint8_t *ram, unsigned slot);
/* Find the BARs, capabilities and regions again (after moving a BAR); turns
 * memory decoding on. Driver state is kept. */
int vdrv_probe(struct virtio_driver *d);

uint64_t vdrv_device_features(struct virtio_driver *d);
uint8_t vdrv_status(struct virtio_driver *d);
void vdrv_set_status(struct virtio_driver *d, uint8_t status);
/* Wait for device_status to read 0: a reset completes after the request
 * in flight. vdrv_reset() writes 0 first. */
bool vdrv_wait_reset(struct virtio_driver *d);
bool vdrv_reset(struct virtio_driver *d);
/* Reset, ACKNOWLEDGE | DRIVER, offer features, FEATURES_OK; returns the
 * status read back (FEATURES_OK clear: refused). */
uint8_t vdrv_negotiate(struct virtio_driver *d, uint64_t features);
/* Program vectors 0..nvec-1 (message data, data + 1, ...), unmasked, enable
 * MSI-X and use vector 0 for config changes; false when refused. */
bool vdrv_msix_enable(struct virtio_driver *d, unsigned nvec, uint32_t data);
/* Queue q: size entries (0: the device's maximum) with zeroed rings at
 * guest address base, interrupt vector (VIRTIO_MSI_NO_VECTOR: none), then
 * enabled. Returns the device's maximum size read first; 0 (nothing done)
 * when the queue does not exist. */
unsigned vdrv_queue_setup(struct virtio_driver *d, unsigned q, uint16_t size, uint64_t base,
			  uint16_t vector);
void vdrv_driver_ok(struct virtio_driver *d);

/* Kick queue q through its notify address. */
void vdrv_notify(struct virtio_driver *d, unsigned q);
/* Put segs in queue q as the chain at descriptor head, publish, kick. */
void vdrv_submit(struct virtio_driver *d, unsigned q, uint16_t head, const struct fake_seg *segs,
		 unsigned n);
/* Wait for an interrupt: an MSI after the first `seen` ones (take
 * fake_irq_msis() before the kick), or the INTx line high. */
bool vdrv_wait_irq(struct virtio_driver *d, unsigned seen);
/* Wait until queue q's used index reaches idx. */
bool vdrv_wait_used(struct virtio_driver *d, unsigned q, uint16_t idx);
/* Read (and so clear) the ISR status byte; drops the INTx line. */
uint8_t vdrv_isr(struct virtio_driver *d);

#endif
