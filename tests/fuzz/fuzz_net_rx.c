/* libFuzzer target: the virtio-net receive path. A random split ring in
 * fake guest memory (tests/mock/fake_ring.h) is the receive queue; frames
 * from the input, as a TAP would hand them (header + frame), go through
 * net_rx_frame with random negotiated features (mergeable buffers,
 * checksum and segmentation offloads), one after another as the I/O thread
 * delivers them. Besides what the sanitizers catch, every run checks that
 * no byte of guest RAM changed outside the used ring and the device-writable
 * buffers of the chains the engine popped, and that no used length exceeds
 * its chain's writable bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_net.h"
#include "devices/virtqueue.h"
#include "tests/mock/fake_ring.h"

#define RAM_SIZE 0x20000u
#define F(bit)	 (1ULL << (bit))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The writable bytes of each chain popped and not yet completed, in pop
 * order: the engine completes them in that order. Not keyed by head: a
 * hostile ring may list one head twice, and a frame written into the first
 * copy may rewrite the descriptors the second pop reads. */
struct rx_ctx {
	struct virtqueue *vq;
	uint64_t in_bytes[1u << 16];
	unsigned npopped;
};

static struct fake_queue fq;
static struct rx_ctx ctx;
static struct net_rx_scratch scratch;
static uint8_t frame[NET_HDR_LEN + 8192];

static int pop(void *p, struct vq_chain *c)
{
	struct rx_ctx *x = p;
	int r = vq_pop(x->vq, c);

	if (r == 1) {
		if (x->npopped == sizeof(x->in_bytes) / sizeof(x->in_bytes[0]))
			abort();
		x->in_bytes[x->npopped++] = c->in_bytes;
		fake_queue_allow(&fq, c);
	}
	return r;
}

static void complete(void *p, const struct vring_used_elem *els, unsigned n)
{
	struct rx_ctx *x = p;

	if (n > x->npopped)
		abort();
	for (unsigned i = 0; i < n; i++)
		if (els[i].len > x->in_bytes[x->npopped - n + i])
			abort();
	x->npopped -= n;
	vq_push_batch(x->vq, els, n);
}

static void unpop(void *p, unsigned n)
{
	struct rx_ctx *x = p;

	if (n > x->npopped)
		abort();
	x->npopped -= n;
	vq_unpop(x->vq, (uint16_t)n);
}

static void error(void *p, unsigned n)
{
	struct rx_ctx *x = p;

	(void)n;
	x->npopped = 0;	      /* nothing of this frame is completed */
	x->vq->broken = true; /* as NEEDS_RESET stops it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t offloads[] = {
		F(VIRTIO_NET_F_MRG_RXBUF),  F(VIRTIO_NET_F_GUEST_CSUM), F(VIRTIO_NET_F_GUEST_TSO4),
		F(VIRTIO_NET_F_GUEST_TSO6), F(VIRTIO_NET_F_GUEST_ECN),
	};
	struct net_rxq q = {
		.ctx = &ctx, .pop = pop, .complete = complete, .unpop = unpop, .error = error
	};
	struct net_stats stats = { 0 };
	uint64_t features = 0;
	struct err e;
	uint16_t qsize;
	size_t flen, ram_len;

	if (!fq.ram.base && fake_ram_alloc(&fq.ram, RAM_SIZE) < 0)
		abort();
	if (size < 8)
		return 0;
	/* Byte 0: queue size and indirect; byte 1: features; bytes 2-3: start
	 * index; bytes 4-5: frame length; byte 6: frames; byte 7: where the
	 * frame starts in the rest; then RAM. */
	qsize = (uint16_t)(1u << (data[0] % 9));
	for (unsigned i = 0; i < sizeof(offloads) / sizeof(offloads[0]); i++)
		if (data[1] & (1u << i))
			features |= offloads[i];
	ram_len = size - 8;
	if (fake_queue_load(&fq, data + 8, ram_len, qsize, data[0] & 0x80, &e) < 0)
		return 0;
	fq.vq.last_avail = (uint16_t)(data[2] | data[3] << 8);
	flen = (size_t)(data[4] | data[5] << 8) % sizeof(frame);
	memset(frame, 0, sizeof(frame));
	if (ram_len) {
		size_t at = (size_t)data[7] * 16 % ram_len;
		size_t n = ram_len - at < flen ? ram_len - at : flen;

		memcpy(frame, data + 8 + at, n);
	}
	ctx.vq = &fq.vq;
	ctx.npopped = 0;
	q.ring_size = qsize;
	for (unsigned n = 0; n < 1u + data[6] % 4; n++) {
		enum net_rx_result r;

		if (fake_queue_watch(&fq) < 0)
			abort();
		r = net_rx_frame(&q, features, frame, flen, &scratch, &stats);
		/* Only the used ring and popped writable buffers changed. */
		if (fake_queue_wrote_outside(&fq))
			abort();
		if (r == NET_RX_NO_BUFFERS || r == NET_RX_DEVICE_ERROR)
			break;
	}
	return 0;
}
