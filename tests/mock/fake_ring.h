/* The driver side of one split virtqueue (virtio 1.x, 2.7) in fake guest
 * RAM: lay out the rings, write descriptors, publish avail entries, read
 * used ones, and enable a device-side struct virtqueue over it. One layout
 * for every test and fuzz target: descriptor table at base, avail ring at
 * base + 0x1000, used ring at base + 0x2000, room for VQ_MAX_SIZE entries.
 *
 * struct fake_queue bundles fake RAM, one ring and the virtqueue over it,
 * for the tests and fuzz targets that run a device engine directly (pop
 * what they publish); tests/mock/virtio_driver.h puts rings in front of a
 * whole virtio-pci device instead. */
#ifndef MINIVMM_MOCK_FAKE_RING_H
#define MINIVMM_MOCK_FAKE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/virtqueue.h"
#include "tests/mock/fake_ram.h"

#define FAKE_RING_AVAIL_OFF 0x1000u
#define FAKE_RING_USED_OFF  0x2000u
#define FAKE_RING_BYTES	    0x3000u

struct fake_ring {
	uint8_t *ram; /* host address of guest address 0 */
	uint16_t size;
	uint64_t desc, avail, used; /* guest addresses of the three parts */
	uint16_t avail_idx;	    /* the index the driver publishes next */
};

/* One buffer of a chain: device-readable, or device-writable. */
struct fake_seg {
	uint64_t addr;
	uint32_t len;
	bool writable;
};

/* Place a ring of size entries at guest address base (RAM not touched). */
void fake_ring_init(struct fake_ring *r, uint8_t *ram, uint64_t base, uint16_t size);
/* Zero the three parts, as a driver does with fresh rings. */
void fake_ring_clear(const struct fake_ring *r);
/* Write descriptor i of the table at guest address table (the ring's own,
 * r->desc, or an indirect one). */
void fake_ring_desc(const struct fake_ring *r, uint64_t table, unsigned i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next);
/* Make head available (release: the entry is visible before the index). */
void fake_ring_publish(struct fake_ring *r, uint16_t head);
/* Write segs as the chain of descriptors head, head + 1, ... and publish. */
void fake_ring_add(struct fake_ring *r, uint16_t head, const struct fake_seg *segs, unsigned n);
/* The same for a chain of one buffer. */
void fake_ring_add_buf(struct fake_ring *r, uint16_t head, uint64_t addr, uint32_t len,
		       bool writable);
struct vring_avail *fake_ring_avail(const struct fake_ring *r);
struct vring_used *fake_ring_used(const struct fake_ring *r);
uint16_t fake_ring_used_idx(const struct fake_ring *r); /* acquire load */
/* Reset vq, program it with r's size and addresses, then vq_enable(). */
int fake_ring_enable(const struct fake_ring *r, struct virtqueue *vq, const struct guest_mem *mem,
		     bool indirect, struct err *e);

struct fake_queue {
	struct fake_ram ram;
	struct fake_ring ring;
	struct virtqueue vq;
	/* Write watch (fake_queue_watch): RAM as it was, and the bytes the
	 * device may write since. */
	uint8_t *before, *allowed;
};

/* Fresh RAM of ram_size with a ring of size at ring_base, enabled; 0 or -1. */
int fake_queue_init(struct fake_queue *q, size_t ram_size, uint64_t ring_base, uint16_t size,
		    bool indirect);
void fake_queue_free(struct fake_queue *q);
/* Fuzz targets: q->ram (allocated once, size a power of two) becomes bytes
 * (zero-padded or cut), read as a ring of size entries at guest address 0,
 * then enabled. Descriptors with flag bit 15 get their address folded into
 * RAM and a shorter length, so that inputs reach the device engines and not
 * only the bounds checks. Returns vq_enable()'s result. */
int fake_queue_load(struct fake_queue *q, const uint8_t *bytes, size_t len, uint16_t size,
		    bool indirect, struct err *e);

/* Fuzz targets check that a device writes only where a chain allows it:
 * watch remembers RAM (0, or -1 when out of memory), allow adds a popped
 * chain's device-writable segments, and wrote_outside says whether any
 * byte outside them and the used ring changed since the watch began. */
int fake_queue_watch(struct fake_queue *q);
void fake_queue_allow(struct fake_queue *q, const struct vq_chain *c);
bool fake_queue_wrote_outside(const struct fake_queue *q);

#endif
