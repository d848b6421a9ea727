/* virtio 1.x modern PCI transport (virtio spec 4.1), kvmtool style: the
 * transport owns the PCI function, the common/notify/ISR/device config
 * capabilities, feature negotiation, device status, the virtqueues, the
 * interrupts (MSI-X, INTx fallback) and one I/O thread per device. A device
 * model (virtio_blk.c, virtio_net.c) only supplies a struct virtio_dev_ops.
 *
 * BAR 0 (16 KiB): common cfg at 0x0000, ISR at 0x1000, device cfg at 0x2000,
 * notify at 0x3000 (notify_off_multiplier 4, queue q at 0x3000 + 4*q).
 * BAR 2 (4 KiB): MSI-X table and PBA, vectors = num_queues + 1.
 *
 * Threads: common-cfg accesses come from vCPU threads; queue processing runs
 * on the device's I/O thread ("vio-NAME"), woken by one eventfd per queue
 * (bound with ioeventfd to the notify address, or signalled by the MMIO
 * handler when ioeventfd is unavailable), by extra fds the device adds, or
 * by the stop eventfds. A vCPU never waits for device I/O: a reset that
 * arrives while a request is in flight completes when the request does, and
 * device_status reads stay nonzero until then (the driver polls for 0). */
#ifndef MINIVMM_VIRTIO_PCI_H
#define MINIVMM_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "devices/pci.h"
#include "devices/virtqueue.h"

struct vm;
struct virtio_pci;

#define VIRTIO_PCI_MAX_QUEUES 8

#define VIRTIO_PCI_BAR0_SIZE   0x4000
#define VIRTIO_PCI_COMMON_OFF  0x0000
#define VIRTIO_PCI_ISR_OFF     0x1000
#define VIRTIO_PCI_DEVCFG_OFF  0x2000
#define VIRTIO_PCI_NOTIFY_OFF  0x3000
#define VIRTIO_PCI_NOTIFY_MULT 4

struct virtio_dev_ops {
	const char *name;	 /* short, for the thread name and messages */
	uint16_t device_id;	 /* VIRTIO_ID_BLOCK, VIRTIO_ID_NET, ... */
	uint32_t pci_class;	 /* class << 8 | prog-if */
	unsigned num_queues;	 /* <= VIRTIO_PCI_MAX_QUEUES */
	uint16_t queue_max_size; /* power of two <= VQ_MAX_SIZE */
	/* Offered features; the transport adds VIRTIO_F_VERSION_1 and
	 * VIRTIO_RING_F_INDIRECT_DESC. */
	uint64_t (*features)(void *dev);
	/* Device config space: config_size bytes produced by get_config. Writes
	 * go to set_config (optional; ignored when NULL). Any thread. */
	size_t config_size;
	void (*get_config)(void *dev, void *buf);
	void (*set_config)(void *dev, unsigned off, const void *data, unsigned len);
	/* Queue q was kicked (or DRIVER_OK arrived): pop with virtio_pci_pop()
	 * until it returns 0, completing every chain. I/O thread. */
	void (*process_queue)(void *dev, struct virtio_pci *vp, unsigned q);
	/* The driver reset the device (status 0); drop device state. Runs with
	 * no request in flight. Optional. */
	void (*reset)(void *dev);
	/* Release the device model after the I/O thread stopped. */
	void (*destroy)(void *dev);
};

/* Create the PCI function with BARs, capabilities, MSI-X and INTx, the queue
 * eventfds and the I/O thread. On success the PCI host owns everything
 * (ops->destroy is called from pci_host_destroy); on failure nothing is
 * left behind and ops->destroy is NOT called. */
int virtio_pci_create(struct vm *vm, struct pci_host *host, const struct virtio_dev_ops *ops,
		      void *dev, struct virtio_pci **out, struct err *e);

/* Watch fd (EPOLLIN) on the I/O thread and call cb(dev, fd) when readable.
 * Call before the guest can run (right after virtio_pci_create). */
int virtio_pci_watch_fd(struct virtio_pci *vp, int fd,
			void (*cb)(void *dev, struct virtio_pci *vp, int fd), struct err *e);

/* I/O thread side. Pop the next chain of queue q: 1 = chain in *c, 0 =
 * nothing (queue empty, not ready, driver not OK, reset pending or
 * NEEDS_RESET). A malformed chain is never handed out: the device goes to
 * NEEDS_RESET (config interrupt) and pop returns 0 until the driver resets
 * it. Every popped chain must be completed with virtio_pci_complete() (or
 * refused with virtio_pci_chain_error()) before the next pop. */
int virtio_pci_pop(struct virtio_pci *vp, unsigned q, struct vq_chain *c);
/* Return the chain's head with len bytes written. Interrupts are batched:
 * sent when pop finds the queue empty, or after several completions. */
void virtio_pci_complete(struct virtio_pci *vp, unsigned q, const struct vq_chain *c, uint32_t len);
/* Several chains in flight on one queue (virtio-net mergeable receive: one
 * packet spans several chains). After popping n chains of queue q without
 * completing them, either complete them together (one used index update,
 * so the driver never sees part of a packet) or give them all back. */
void virtio_pci_complete_batch(struct virtio_pci *vp, unsigned q, const struct vring_used_elem *els,
			       unsigned n);
void virtio_pci_unpop(struct virtio_pci *vp, unsigned q, unsigned n);
/* The last n popped chains of queue q break the device's own rules (e.g. a
 * virtio-blk request without a device-readable header or a device-writable
 * status byte): a device error. None is completed; the device goes to
 * NEEDS_RESET with a config interrupt and stops until the driver resets it. */
void virtio_pci_chain_error(struct virtio_pci *vp, unsigned q, unsigned n);
/* Send the interrupt queue q owes now: for completions made outside a
 * pop-until-empty loop (receive driven by a backend fd). */
void virtio_pci_flush_irq(struct virtio_pci *vp, unsigned q);
/* Have the I/O thread call process_queue for q again (as a driver kick
 * does): a device that stopped at its budget lets other work run first. */
void virtio_pci_kick(struct virtio_pci *vp, unsigned q);
/* Put the device in NEEDS_RESET and send a config-change interrupt. */
void virtio_pci_set_needs_reset(struct virtio_pci *vp);
/* Device config changed: bump config_generation, config interrupt. */
void virtio_pci_config_changed(struct virtio_pci *vp);
/* Negotiated features (valid once FEATURES_OK). */
uint64_t virtio_pci_driver_features(struct virtio_pci *vp);
struct pci_device *virtio_pci_device(struct virtio_pci *vp);
/* queue_size of queue q as the driver set it; fixed while q is enabled. */
uint16_t virtio_pci_queue_size(struct virtio_pci *vp, unsigned q);

#endif
