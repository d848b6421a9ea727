/* libFuzzer target: a random split ring in fake guest memory, used as a
 * virtio-net transmit queue (every chain through net_tx_chain into a
 * socketpair standing in for the TAP) and as a receive queue (a frame from
 * the input delivered with net_rx_frame, mergeable or not, with the
 * multi-chain pop / unpop / batch-push path). Sanitizers turn any
 * out-of-bounds access or UB into a crash; a hang is a fuzzer timeout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio_net.h"
#include "devices/virtqueue.h"
#include "tests/mock/fake_ring.h"

#define RAM_SIZE 0x20000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake_queue fq;
static int sock[2] = { -1, -1 };
static struct net_rx_scratch scratch;
static uint8_t sink[NET_HDR_LEN + NET_MAX_FRAME + 1024];

static void init_once(void)
{
	int big = 1 << 20;

	if (fq.ram.base)
		return;
	if (fake_ram_alloc(&fq.ram, RAM_SIZE) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sock) < 0)
		abort();
	setsockopt(sock[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
}

static int pop(void *ctx, struct vq_chain *c)
{
	return vq_pop(ctx, c);
}
static void complete(void *ctx, const struct vring_used_elem *els, unsigned n)
{
	vq_push_batch(ctx, els, n);
}
static void unpop(void *ctx, unsigned n)
{
	vq_unpop(ctx, (uint16_t)n);
}
static void error(void *ctx, unsigned n)
{
	(void)n;
	((struct virtqueue *)ctx)->broken = true; /* as NEEDS_RESET stops it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_chain chain;
	static uint8_t frame[NET_HDR_LEN + 4096];
	struct net_stats stats = { 0 };
	struct virtqueue *vq = &fq.vq;
	struct err e;
	uint16_t qsize;
	size_t flen;

	init_once();
	if (size < 8)
		return 0;
	/* Byte 0: queue size; byte 1: indirect, rx/tx, mergeable; bytes 2-3:
	 * start index; bytes 4-5: frame length; then RAM. */
	qsize = (uint16_t)(1u << (data[0] % 9));
	if (fake_queue_load(&fq, data + 8, size - 8, qsize, data[1] & 1, &e) < 0)
		return 0;
	vq->last_avail = (uint16_t)(data[2] | data[3] << 8);
	if (data[1] & 2) {
		struct net_rxq q = { .ctx = vq,
				     .pop = pop,
				     .complete = complete,
				     .unpop = unpop,
				     .error = error,
				     .ring_size = qsize };
		uint64_t features = (data[1] & 4) ? 1ULL << VIRTIO_NET_F_MRG_RXBUF : 0;

		flen = (size_t)(data[4] | data[5] << 8) % sizeof(frame);
		memcpy(frame, data + 8, size - 8 < flen ? size - 8 : flen);
		for (unsigned n = 0; n < 4; n++)
			if (net_rx_frame(&q, features | (1ULL << VIRTIO_NET_F_GUEST_CSUM), frame,
					 flen, &scratch, &stats) >= NET_RX_NO_BUFFERS)
				break;
		return 0;
	}
	for (unsigned n = 0; n < 2u * qsize; n++) {
		if (vq_pop(vq, &chain) <= 0)
			break;
		/* Bytes 4-5 pick the negotiated features (the offload bits
		 * live in the low 16). */
		net_tx_chain(sock[0], &chain, (uint64_t)(data[4] | data[5] << 8), &stats);
		vq_push(vq, chain.head, 0);
		while (recv(sock[1], sink, sizeof(sink), 0) > 0)
			;
	}
	return 0;
}
