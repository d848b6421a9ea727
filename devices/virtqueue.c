#include "devices/virtqueue.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* The guest writes the rings concurrently from other CPUs. Every value we
 * act on is copied into a local first; the compiler barrier stops the
 * compiler from re-reading guest memory in place of the copy. */
#define compiler_barrier() __asm__ __volatile__("" ::: "memory")

void vq_reset(struct virtqueue *vq, uint16_t max_size)
{
	memset(vq, 0, sizeof(*vq));
	vq->max_size = max_size;
	vq->size = max_size;
	vq->msix_vector = 0xffff; /* VIRTIO_MSI_NO_VECTOR */
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Host view of a ring of len bytes at gpa with the given alignment. */
static void *ring_view(const struct guest_mem *mem, uint64_t gpa, uint64_t len, uint64_t align,
		       const char *what, struct err *e)
{
	void *p;

	if (gpa & (align - 1)) {
		err_set(e, EINVAL, "%s ring at 0x%" PRIx64 " is not %" PRIu64 "-byte aligned", what,
			gpa, align);
		return NULL;
	}
	p = guest_buf(mem, gpa, len);
	if (!p)
		err_set(e, EFAULT, "%s ring 0x%" PRIx64 "+0x%" PRIx64 " is outside guest RAM", what,
			gpa, len);
	return p;
}

/* The three rings' host views, or an error naming the first bad one. */
static int ring_views(const struct virtqueue *vq, const struct guest_mem *mem,
		      struct vring_desc **desc, struct vring_avail **avail,
		      struct vring_used **used, struct err *e)
{
	uint64_t n = vq->size;

	if (!is_pow2(vq->size) || vq->size > vq->max_size)
		return err_set(e, EINVAL, "queue size %u is not a power of two <= %u", vq->size,
			       vq->max_size);
	*desc = ring_view(mem, vq->desc_addr, 16 * n, 16, "descriptor", e);
	if (!*desc)
		return -e->code;
	*avail = ring_view(mem, vq->avail_addr, 4 + 2 * n, 2, "available", e);
	if (!*avail)
		return -e->code;
	*used = ring_view(mem, vq->used_addr, 4 + 8 * n, 4, "used", e);
	if (!*used)
		return -e->code;
	return 0;
}

int vq_check(const struct virtqueue *vq, const struct guest_mem *mem, struct err *e)
{
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	return ring_views(vq, mem, &desc, &avail, &used, e);
}

int vq_enable(struct virtqueue *vq, const struct guest_mem *mem, bool indirect, struct err *e)
{
	int r;

	vq->ready = false;
	r = ring_views(vq, mem, &vq->desc, &vq->avail, &vq->used, e);
	if (r < 0)
		return r;
	vq->mem = mem;
	vq->indirect = indirect;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->broken = false;
	vq->kicks_off = false;
	__atomic_store_n(&vq->used->flags, 0, __ATOMIC_RELAXED);
	vq->ready = true;
	return 0;
}

static void read_desc(struct vring_desc *out, const void *src)
{
	memcpy(out, src, sizeof(*out));
	compiler_barrier();
}

/* Add one checked descriptor's buffer to the chain. The caller bounds the
 * number of descriptors by the queue size (<= VQ_MAX_SIZE entries of iov). */
static int add_segment(struct vq_chain *c, const struct guest_mem *mem, const struct vring_desc *d)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	void *p;

	if (!writable && c->nin)
		return -EINVAL; /* readable after writable (2.7.4.2) */
	p = guest_buf(mem, d->addr, d->len);
	if (!p)
		return -EFAULT;
	if (d->len == 0)
		return 0;
	c->iov[c->nout + c->nin] = (struct iovec){ .iov_base = p, .iov_len = d->len };
	if (writable) {
		c->nin++;
		c->in_bytes += d->len;
	} else {
		c->nout++;
		c->out_bytes += d->len;
	}
	return 0;
}

/* Walk an indirect table: its entries count against the chain's budget
 * (2.7.5.3.1: no chain longer than the queue size, tables included). */
static int walk_indirect(struct vq_chain *c, const struct guest_mem *mem,
			 const struct vring_desc *ind, unsigned budget)
{
	const uint8_t *table;
	unsigned count, i = 0;

	if (ind->len == 0 || ind->len % sizeof(struct vring_desc))
		return -EINVAL;
	table = guest_buf(mem, ind->addr, ind->len);
	if (!table)
		return -EFAULT;
	count = ind->len / sizeof(struct vring_desc);
	for (unsigned steps = 0;; steps++) {
		struct vring_desc d;
		int r;

		if (steps >= count || steps >= budget)
			return -ELOOP;
		read_desc(&d, table + (size_t)i * sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL; /* nested tables are forbidden */
		r = add_segment(c, mem, &d);
		if (r < 0)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= count)
			return -EINVAL;
		i = d.next;
	}
}

/* Walk the chain starting at head into c; any fault ends the walk. */
static int walk_chain(struct virtqueue *vq, struct vq_chain *c, uint16_t head)
{
	unsigned budget = vq->size; /* descriptors a chain may have in total */
	uint16_t i = head;

	for (;;) {
		struct vring_desc d;
		int r;

		if (budget == 0)
			return -ELOOP;
		read_desc(&d, &vq->desc[i]);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* The table must end the chain and hold all its buffers;
			 * the descriptor pointing at it is not a buffer and does
			 * not count (Linux puts seg_max + 2 = queue size entries
			 * in one table). */
			if (!vq->indirect || (d.flags & VRING_DESC_F_NEXT) || c->nout || c->nin)
				return -EINVAL;
			return walk_indirect(c, vq->mem, &d, budget);
		}
		budget--;
		r = add_segment(c, vq->mem, &d);
		if (r < 0)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= vq->size)
			return -EINVAL;
		i = d.next;
	}
}

int vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t avail_idx, pending, head;

	if (!vq->ready || vq->broken)
		return 0;
	avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending == 0)
		return 0;
	if (pending > vq->size) {
		vq->broken = true;
		return -EIO;
	}
	head = __atomic_load_n(&vq->avail->ring[vq->last_avail & (vq->size - 1)], __ATOMIC_RELAXED);
	if (head >= vq->size) {
		/* No valid head to return: the ring itself is corrupt. */
		vq->broken = true;
		return -EIO;
	}
	c->head = head;
	c->nout = c->nin = 0;
	c->out_bytes = c->in_bytes = 0;
	c->error = walk_chain(vq, c, head);
	if (c->error) {
		/* A device error (2.1.2): the chain is neither used nor
		 * completed, the queue stops until the driver resets it. */
		vq->broken = true;
		return c->error;
	}
	vq->last_avail++;
	return 1;
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem el = { .id = head, .len = len };

	vq_push_batch(vq, &el, 1);
}

bool vq_want_interrupt(struct virtqueue *vq)
{
	if (!vq->ready)
		return false;
	/* Order our used->idx store before reading the driver's flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
}

void vq_set_kicks(struct virtqueue *vq, bool on)
{
	if (!vq->ready)
		return;
	vq->kicks_off = !on;
	__atomic_store_n(&vq->used->flags, on ? 0 : VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
	/* Pairs with the driver's barrier between publishing avail->idx and
	 * reading used->flags: either we see its buffer or it sees the flag
	 * clear and kicks. */
	if (on)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool vq_has_work(struct virtqueue *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	return __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE) != vq->last_avail;
}

/* Copy across the segments [first, first+n) starting at byte off. */
static size_t iov_copy(const struct iovec *iov, unsigned n, uint64_t off, void *buf, size_t len,
		       bool to_iov)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, chunk;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		chunk = seg - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + off, (uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, (uint8_t *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf, size_t len)
{
	return iov_copy(c->iov, c->nout, off, buf, len, false);
}

size_t vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf, size_t len)
{
	return iov_copy(c->iov + c->nout, c->nin, off, (void *)(uintptr_t)buf, len, true);
}

int vq_chain_slice(const struct vq_chain *c, bool writable, uint64_t off, uint64_t len,
		   struct iovec *out, unsigned max)
{
	const struct iovec *iov = writable ? c->iov + c->nout : c->iov;
	unsigned n = writable ? c->nin : c->nout, k = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t seg = iov[i].iov_len, chunk;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		if (k == max)
			return -EINVAL;
		chunk = seg - off < len ? seg - off : len;
		out[k++] = (struct iovec){ (uint8_t *)iov[i].iov_base + off, chunk };
		len -= chunk;
		off = 0;
	}
	return len ? -EINVAL : (int)k;
}

void vq_unpop(struct virtqueue *vq, uint16_t n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

void vq_push_batch(struct virtqueue *vq, const struct vring_used_elem *els, unsigned n)
{
	if (!vq->ready)
		return;
	for (unsigned i = 0; i < n; i++) {
		struct vring_used_elem *el =
			&vq->used->ring[(uint16_t)(vq->used_idx + i) & (vq->size - 1)];

		__atomic_store_n(&el->id, els[i].id, __ATOMIC_RELAXED);
		__atomic_store_n(&el->len, els[i].len, __ATOMIC_RELAXED);
	}
	vq->used_idx = (uint16_t)(vq->used_idx + n);
	/* Every element must be visible before the index that publishes them. */
	__atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
}
