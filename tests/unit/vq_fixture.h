/* Fake guest memory with one split virtqueue in it, and a temporary disk
 * image, for the virtqueue / virtio-blk unit tests and the fuzzer. */
#ifndef MINIVMM_TEST_VQ_FIXTURE_H
#define MINIVMM_TEST_VQ_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtqueue.h"

#define FX_MEM_SIZE  (4u << 20)
#define FX_DESC      0x1000u
#define FX_AVAIL     0x2000u
#define FX_USED      0x3000u
#define FX_BUF       0x10000u   /* buffers from here */

struct vq_fixture {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtqueue vq;
	uint16_t avail_idx;
};

static inline void fx_init(struct vq_fixture *f, uint16_t size, bool indirect)
{
	struct err e;

	f->ram = aligned_alloc(4096, FX_MEM_SIZE);
	memset(f->ram, 0, FX_MEM_SIZE);
	guest_mem_layout(&f->mem, f->ram, FX_MEM_SIZE);
	vq_reset(&f->vq, 256);
	f->vq.size = size;
	f->vq.desc_addr = FX_DESC;
	f->vq.avail_addr = FX_AVAIL;
	f->vq.used_addr = FX_USED;
	f->avail_idx = 0;
	if (vq_enable(&f->vq, &f->mem, indirect, &e) != 0)
		abort();
}

static inline void fx_free(struct vq_fixture *f)
{
	free(f->ram);
}

static inline void fx_desc(struct vq_fixture *f, uint64_t table, unsigned i, uint64_t addr,
			   uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(f->ram + table + 16 * i, &d, sizeof(d));
}

static inline void fx_publish(struct vq_fixture *f, uint16_t head)
{
	struct vring_avail *a = (struct vring_avail *)(f->ram + FX_AVAIL);

	a->ring[f->avail_idx % f->vq.size] = head;
	f->avail_idx++;
	__atomic_store_n(&a->idx, f->avail_idx, __ATOMIC_RELEASE);
}

static inline struct vring_used *fx_used(struct vq_fixture *f)
{
	return (struct vring_used *)(f->ram + FX_USED);
}

#endif
