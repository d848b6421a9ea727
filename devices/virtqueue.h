/* Split virtqueues (virtio 1.x, section 2.7), hardened against a malicious
 * driver: sizes, ring placement, every descriptor and every chain are
 * validated; descriptors are copied once, then checked, then used.
 *
 * Pure over struct guest_mem: no locking, no interrupts. The transport
 * (virtio_pci.c) serialises access and decides on notifications. */
#ifndef MINIVMM_VIRTQUEUE_H
#define MINIVMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#include "common/err.h"
#include "vmm/guest_mem.h"

/* Upper bound for any device's queue size; a chain (direct descriptors plus
 * indirect ones) never has more segments than the queue size. */
#define VQ_MAX_SIZE 256

struct virtqueue {
	/* Driver-programmed configuration (written by the transport). */
	uint16_t max_size; /* device maximum, power of two <= VQ_MAX_SIZE */
	uint16_t size;	   /* driver's choice; checked by vq_enable() */
	uint64_t desc_addr, avail_addr, used_addr;
	uint16_t msix_vector;
	bool ready; /* vq_enable() succeeded */

	/* Valid while ready: host views of the rings (bounds-checked once). */
	const struct guest_mem *mem;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool indirect;	     /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	uint16_t last_avail; /* next avail ring slot we will consume */
	uint16_t used_idx;   /* our copy of used->idx */
	bool broken;	     /* driver broke the ring or a chain: device needs reset */
	bool kicks_off;	     /* VRING_USED_F_NO_NOTIFY set while we are busy */
};

/* One descriptor chain popped from the avail ring. Device-readable segments
 * come first (iov[0..nout)), device-writable ones follow
 * (iov[nout..nout+nin)). Only well-formed chains are handed out: a
 * malformed one is a device error (see vq_pop). */
struct vq_chain {
	uint16_t head;
	int error; /* why vq_pop refused it: 0 or -EINVAL, -EFAULT, -ELOOP */
	unsigned nout, nin;
	uint64_t out_bytes, in_bytes;
	struct iovec iov[VQ_MAX_SIZE];
};

/* Forget everything (device reset); max_size is the device maximum. */
void vq_reset(struct virtqueue *vq, uint16_t max_size);
/* Validate size (nonzero power of two <= max_size) and the three rings
 * (aligned, whole ring inside guest RAM), then mark the queue ready. */
int vq_enable(struct virtqueue *vq, const struct guest_mem *mem, bool indirect, struct err *e);
/* The checks of vq_enable() alone, changing nothing (restoring a snapshot
 * validates every queue before it enables any). */
int vq_check(const struct virtqueue *vq, const struct guest_mem *mem, struct err *e);
/* Pop the next chain: 1 = *c filled, 0 = ring empty, queue not ready or
 * broken. Negative errno = the driver broke the rules, a device error
 * (virtio 1.x 2.1.2): -EIO for the ring (avail index more than size ahead,
 * a head out of range), -EINVAL / -EFAULT / -ELOOP for the chain (a NEXT
 * out of range, a readable buffer after a writable one, a bad or nested
 * indirect table, a buffer outside guest RAM, more descriptors than the
 * queue size). vq->broken is then set, nothing was consumed or written,
 * and the device must go to NEEDS_RESET and stop using the queue. */
int vq_pop(struct virtqueue *vq, struct vq_chain *c);
/* Return a head to the used ring with len bytes written, and publish it
 * (release ordering: the element is visible before the index). */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);
/* After pushes: does the driver want an interrupt (VRING_AVAIL_F_NO_INTERRUPT
 * clear)? Includes the full barrier the check needs. */
bool vq_want_interrupt(struct virtqueue *vq);
/* Ask the driver to kick (on) or not to bother (off, while the device is
 * busy anyway). Turning kicks back on includes the full barrier after which
 * the caller must look at the avail ring once more. */
void vq_set_kicks(struct virtqueue *vq, bool on);
/* Has the driver made buffers available that we have not popped? */
bool vq_has_work(struct virtqueue *vq);

/* Copy between a chain's readable (out) / writable (in) segments and a flat
 * buffer, starting at byte off of that direction. Return bytes copied
 * (short when the segments end). */
size_t vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf, size_t len);
size_t vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf, size_t len);
/* Describe bytes [off, off+len) of a chain's in (writable=true) or out
 * segments as an iovec array (at most max entries). Returns the number of
 * entries, or -EINVAL when the range is not fully covered or needs more. */
int vq_chain_slice(const struct vq_chain *c, bool writable, uint64_t off, uint64_t len,
		   struct iovec *out, unsigned max);

/* Several chains per request (virtio-net mergeable receive buffers):
 * vq_unpop gives back the last n popped, not yet pushed chains (the next
 * pops return them again); vq_push_batch returns n heads with one used
 * index store, so the driver sees all of them at once or none. */
void vq_unpop(struct virtqueue *vq, uint16_t n);
void vq_push_batch(struct virtqueue *vq, const struct vring_used_elem *els, unsigned n);

#endif
