#include <stdlib.h>
#include <string.h>

#include "tests/mock/fake_ring.h"

void fake_ring_init(struct fake_ring *r, uint8_t *ram, uint64_t base, uint16_t size)
{
	r->ram = ram;
	r->size = size;
	r->desc = base;
	r->avail = base + FAKE_RING_AVAIL_OFF;
	r->used = base + FAKE_RING_USED_OFF;
	r->avail_idx = 0;
}

void fake_ring_clear(const struct fake_ring *r)
{
	memset(r->ram + r->desc, 0, FAKE_RING_BYTES);
}

void fake_ring_desc(const struct fake_ring *r, uint64_t table, unsigned i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(r->ram + table + sizeof(d) * i, &d, sizeof(d));
}

struct vring_avail *fake_ring_avail(const struct fake_ring *r)
{
	return (struct vring_avail *)(r->ram + r->avail);
}

struct vring_used *fake_ring_used(const struct fake_ring *r)
{
	return (struct vring_used *)(r->ram + r->used);
}

uint16_t fake_ring_used_idx(const struct fake_ring *r)
{
	return __atomic_load_n(&fake_ring_used(r)->idx, __ATOMIC_ACQUIRE);
}

void fake_ring_publish(struct fake_ring *r, uint16_t head)
{
	struct vring_avail *a = fake_ring_avail(r);

	a->ring[r->avail_idx % r->size] = head;
	r->avail_idx++;
	__atomic_store_n(&a->idx, r->avail_idx, __ATOMIC_RELEASE);
}

void fake_ring_add(struct fake_ring *r, uint16_t head, const struct fake_seg *segs, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		bool more = k + 1 < n;
		uint16_t flags = (more ? VRING_DESC_F_NEXT : 0) |
				 (segs[k].writable ? VRING_DESC_F_WRITE : 0);

		fake_ring_desc(r, r->desc, head + k, segs[k].addr, segs[k].len, flags,
			       more ? (uint16_t)(head + k + 1) : 0);
	}
	fake_ring_publish(r, head);
}

void fake_ring_add_buf(struct fake_ring *r, uint16_t head, uint64_t addr, uint32_t len,
		       bool writable)
{
	const struct fake_seg seg = { addr, len, writable };

	fake_ring_add(r, head, &seg, 1);
}

int fake_ring_enable(const struct fake_ring *r, struct virtqueue *vq, const struct guest_mem *mem,
		     bool indirect, struct err *e)
{
	vq_reset(vq, VQ_MAX_SIZE);
	vq->size = r->size;
	vq->desc_addr = r->desc;
	vq->avail_addr = r->avail;
	vq->used_addr = r->used;
	return vq_enable(vq, mem, indirect, e);
}

int fake_queue_init(struct fake_queue *q, size_t ram_size, uint64_t ring_base, uint16_t size,
		    bool indirect)
{
	struct err e;

	if (fake_ram_alloc(&q->ram, ram_size) < 0)
		return -1;
	fake_ring_init(&q->ring, q->ram.base, ring_base, size);
	if (fake_ring_enable(&q->ring, &q->vq, &q->ram.mem, indirect, &e) < 0) {
		fake_ram_free(&q->ram);
		return -1;
	}
	return 0;
}

void fake_queue_free(struct fake_queue *q)
{
	fake_ram_free(&q->ram);
	free(q->before);
	free(q->allowed);
	q->before = q->allowed = NULL;
}

int fake_queue_load(struct fake_queue *q, const uint8_t *bytes, size_t len, uint16_t size,
		    bool indirect, struct err *e)
{
	uint8_t *ram = q->ram.base;
	size_t ram_size = q->ram.size;

	memset(ram, 0, ram_size);
	memcpy(ram, bytes, len < ram_size ? len : ram_size);
	/* Laid out again per input: the fuzzers have always covered it. */
	guest_mem_layout(&q->ram.mem, ram, ram_size);
	fake_ring_init(&q->ring, ram, 0, size);
	for (unsigned i = 0; i < size; i++) {
		struct vring_desc *d = (struct vring_desc *)(ram + q->ring.desc) + i;

		if (d->flags & 0x8000) {
			d->addr &= ram_size - 1;
			d->len &= 0x3fff;
		}
	}
	return fake_ring_enable(&q->ring, &q->vq, &q->ram.mem, indirect, e);
}

int fake_queue_watch(struct fake_queue *q)
{
	if (!q->before)
		q->before = malloc(q->ram.size);
	if (!q->allowed)
		q->allowed = malloc(q->ram.size);
	if (!q->before || !q->allowed)
		return -1;
	memcpy(q->before, q->ram.base, q->ram.size);
	memset(q->allowed, 0, q->ram.size);
	return 0;
}

void fake_queue_allow(struct fake_queue *q, const struct vq_chain *c)
{
	for (unsigned i = c->nout; i < c->nout + c->nin; i++) {
		size_t off = (size_t)((uint8_t *)c->iov[i].iov_base - q->ram.base);

		/* Segments come from guest_buf: always inside RAM. */
		if (off > q->ram.size || c->iov[i].iov_len > q->ram.size - off)
			abort();
		memset(q->allowed + off, 1, c->iov[i].iov_len);
	}
}

bool fake_queue_wrote_outside(const struct fake_queue *q)
{
	uint64_t used = q->ring.used, used_end = used + 4 + 8u * q->ring.size;

	/* Block by block: fuzz targets call this on every input. */
	for (size_t b = 0; b < q->ram.size; b += 256) {
		size_t n = q->ram.size - b < 256 ? q->ram.size - b : 256;

		if (memcmp(q->before + b, q->ram.base + b, n) == 0)
			continue;
		for (size_t i = b; i < b + n; i++)
			if (q->before[i] != q->ram.base[i] && !q->allowed[i] &&
			    (i < used || i >= used_end))
				return true;
	}
	return false;
}
