/* Shared by the virtqueue fuzz targets: lay a fuzz input out as guest RAM
 * holding a split ring (descriptors at 0, avail at 0x1000, used at 0x2000)
 * and enable the queue over it. */
#ifndef MINIVMM_FUZZ_RING_H
#define MINIVMM_FUZZ_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "devices/virtqueue.h"

#define FUZZ_DESC  0x0000u
#define FUZZ_AVAIL 0x1000u
#define FUZZ_USED  0x2000u

/* Copy payload into ram (ram_size, a power of two), fold the addresses of
 * descriptors with flag bit 15 into RAM so the fuzzer reaches the device
 * engines and not only the bounds checks, then enable vq of qsize entries.
 * Returns vq_enable()'s result. */
static inline int fuzz_ring_load(uint8_t *ram, size_t ram_size, const uint8_t *payload,
				 size_t payload_len, uint16_t qsize, bool indirect,
				 struct guest_mem *mem, struct virtqueue *vq, struct err *e)
{
	memset(ram, 0, ram_size);
	memcpy(ram, payload, payload_len < ram_size ? payload_len : ram_size);
	for (unsigned i = 0; i < qsize; i++) {
		struct vring_desc *d = (struct vring_desc *)(ram + FUZZ_DESC) + i;

		if (d->flags & 0x8000) {
			d->addr &= ram_size - 1;
			d->len &= 0x3fff;
		}
	}
	guest_mem_layout(mem, ram, ram_size);
	vq_reset(vq, 256);
	vq->size = qsize;
	vq->desc_addr = FUZZ_DESC;
	vq->avail_addr = FUZZ_AVAIL;
	vq->used_addr = FUZZ_USED;
	return vq_enable(vq, mem, indirect, e);
}

#endif
