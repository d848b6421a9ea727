/* PCI bus 0 behind configuration mechanism #1 (ports 0xCF8/0xCFC): a host
 * bridge in slot 0 and type 0 devices with 32-bit memory BARs the guest can
 * size and move, a capability list, MSI-X (table and PBA in a BAR) and a
 * level-triggered INTA# routed to an IOAPIC GSI.
 *
 * Locking: the host lock serialises every config-space access and BAR move
 * (vCPU threads). Each device's MSI-X state has its own lock, taken by I/O
 * threads when they signal a vector; lock order is host -> msix. */
#ifndef MINIVMM_PCI_H
#define MINIVMM_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot/boot.h"
#include "common/err.h"
#include "vmm/bus.h"

struct vm;
struct pci_host;
struct pci_device;
struct snap_index;
struct snap_writer;

#define PCI_SLOTS    32
#define PCI_CFG_SIZE 256
#define PCI_NUM_BARS 6
#define PCI_MSIX_MAX 64 /* vectors per device */

struct pci_device_ops {
	/* After the guest wrote config bytes [off, off+len) that the device
	 * declared writable (pci_cfg_set_writable); optional. Host lock held. */
	void (*cfg_written)(struct pci_device *d, unsigned off, unsigned len);
	/* Before the guest reads config bytes [off, off+len): a chance to
	 * refresh them (virtio's PCI config access window); optional. Host
	 * lock held. */
	void (*cfg_read)(struct pci_device *d, unsigned off, unsigned len);
	/* A BAR moved from old_addr to new_addr (e.g. to rebind ioeventfds);
	 * optional. Host lock held. */
	void (*bar_moved)(struct pci_device *d, unsigned bar, uint64_t old_addr, uint64_t new_addr);
	/* Stop threads, close fds, free the device (not d itself). */
	void (*destroy)(struct pci_device *d);
	/* Snapshot: append the function's own sections (beyond SNAP_DEV_PCI)
	 * to w; optional. VM paused, host lock held. */
	int (*snap_save)(struct pci_device *d, struct snap_writer *w);
	/* Restore those sections: check only (apply false), or check and
	 * apply (true, once every function passed its check and the BARs
	 * and config space are restored). Optional; host lock held. */
	int (*snap_load)(struct pci_device *d, const struct snap_index *idx, bool apply,
			 struct err *e);
};

struct pci_bar {
	uint32_t size;	     /* power of two >= 16; 0 = BAR not implemented */
	uint64_t addr;	     /* where the range is registered on vm->mmio_bus */
	bus_handler handler; /* device handler, offset relative to the BAR */
	void *opaque;
	struct pci_device *dev;
	unsigned index;
};

struct pci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct pci_device {
	struct pci_host *host;
	struct vm *vm;
	unsigned slot;
	const char *name;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE]; /* guest-writable bits (BARs handled apart) */
	uint8_t cap_end;	     /* next free byte for capabilities */
	uint8_t last_cap;	     /* offset of the last capability, 0 = none */
	struct pci_bar bars[PCI_NUM_BARS];
	const struct pci_device_ops *ops;
	void *priv; /* the device model */

	bool published; /* visible in config space */

	int gsi;	    /* INTx GSI, -1 when none */
	bool intx_level;    /* device's wish; masked by COMMAND.INTX_DISABLE */
	bool intx_asserted; /* what the IOAPIC line is at */

	/* MSI-X (msix_cap == 0: none). */
	uint8_t msix_cap;
	unsigned msix_bar, msix_vectors;
	pthread_mutex_t msix_lock;
	bool msix_enabled, msix_fmask;
	struct pci_msix_entry msix_table[PCI_MSIX_MAX];
	uint64_t msix_pba; /* pending bits, PCI_MSIX_MAX <= 64 */
};

/* Register the host bridge (bus 0, slot 0) and the 0xCF8/0xCFC ports on
 * vm->io_bus. */
int pci_host_create(struct vm *vm, struct pci_host **out, struct err *e);
/* Destroy every device (their ops->destroy: I/O threads joined, fds closed),
 * unregister all ranges and free the host. Call after the vCPUs stopped. */
void pci_host_destroy(struct pci_host *p);
/* Save the PCI host's and every function's state: SNAP_DEV_PCI (instance =
 * slot) for config space/BARs/MSI-X/INTx, and for virtio functions
 * SNAP_DEV_VIRTIO_PCI (instance = slot) for the transport and queues. The
 * VM is paused. Returns 0 or snap_put's negative errno (-EBUSY: a virtio
 * request was still in flight, the I/O threads were not parked). */
int pci_host_snapshot(struct pci_host *p, struct snap_writer *w);
/* Restore onto a PCI host whose devices were just created in the same order
 * (before any vCPU runs). Every value is validated first (slots present and
 * of the same kind and device ID, BARs inside the PCI MMIO window and
 * aligned to their size, ring addresses inside guest RAM with overflow-safe
 * arithmetic via the existing checked accessors, queue sizes powers of two
 * not above the device's maximum, indices consistent): a corrupted snapshot
 * gets one clear error and nothing half applied where avoidable. Then BARs
 * are mapped, ioeventfds bound, queues live.
 *
 * Guest RAM must already hold the snapshot's memory. Every live virtio
 * queue is kicked once at the end (a guest's kick still in an eventfd when
 * the snapshot was taken is not in the file), so an I/O thread may complete
 * requests and send interrupts right away: call this once the irqchip and
 * vCPU state are restored, or while the VM is paused (vm_pause: the I/O
 * threads are parked and look at the queues when it resumes). */
int pci_host_restore(struct pci_host *p, const struct snap_index *idx, struct err *e);
/* INTA# -> IOAPIC pin routes for the MP table; returns the number written. */
unsigned pci_host_irq_routes(const struct pci_host *p, struct mp_pci_irq *out, unsigned max);

/* Allocate a device in the next free slot with the given IDs and class
 * (class << 8 | prog-if, e.g. 0x018000). The device is not visible to the
 * guest until pci_device_publish(). */
int pci_device_alloc(struct pci_host *p, uint16_t vendor, uint16_t device, uint32_t class_code,
		     uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id, const char *name,
		     struct pci_device **out, struct err *e);
/* Give the device a 32-bit memory BAR of size bytes (power of two), placed
 * with vm_alloc_mmio() and registered on vm->mmio_bus. Accesses reach h only
 * while memory decoding is enabled in the command register. */
int pci_device_add_bar(struct pci_device *d, unsigned bar, uint32_t size, bus_handler h,
		       void *opaque, struct err *e);
/* Append a capability (data[0] = ID, data[1] is overwritten with the next
 * pointer). Returns its config-space offset, or negative errno when full. */
int pci_device_add_cap(struct pci_device *d, const void *data, unsigned len, struct err *e);
/* Mark config bytes [off, off+len) guest-writable (ops->cfg_written called). */
void pci_cfg_set_writable(struct pci_device *d, unsigned off, unsigned len);
/* MSI-X with n vectors: capability plus table at offset 0 and PBA at 0x800
 * of a new BAR (size 4 KiB). */
int pci_device_add_msix(struct pci_device *d, unsigned bar, unsigned n, struct err *e);
/* Allocate an INTx GSI (vm_alloc_gsi: shared once all are taken), set interrupt
 * line/pin (INTA#). */
int pci_device_add_intx(struct pci_device *d, struct err *e);
/* Make the device visible in its slot; ops/priv must be set. On success the
 * host owns it (ops->destroy at pci_host_destroy). On failure the caller
 * frees it with pci_device_free(). */
int pci_device_publish(struct pci_device *d, const struct pci_device_ops *ops, void *priv,
		       struct err *e);
/* Free an unpublished device: unregister its BARs, free memory. */
void pci_device_free(struct pci_device *d);

/* Interrupts (any thread). */
bool pci_msix_enabled(struct pci_device *d);
/* Deliver (or, when masked, mark pending) MSI-X vector v. Returns 0, or
 * -EINVAL for a vector outside the table, -ENODEV when MSI-X is disabled. */
int pci_msix_notify(struct pci_device *d, unsigned v);
/* Set the INTA# level (honours COMMAND.INTX_DISABLE). */
void pci_intx_set(struct pci_device *d, bool level);

/* pci.c -> pci_msix.c: the guest wrote the MSI-X message control. Host lock held. */
void pci_msix_control_written(struct pci_device *d);

/* Config space access as the guest sees it (tests, the CF8/CFC handler):
 * slot on bus 0, function 0, any offset/width; reads of absent devices
 * return all ones. len is 1..4, off + len may exceed 256 (clipped). */
uint32_t pci_cfg_read(struct pci_host *p, unsigned slot, unsigned off, unsigned len);
void pci_cfg_write(struct pci_host *p, unsigned slot, unsigned off, unsigned len, uint32_t val);

#endif
