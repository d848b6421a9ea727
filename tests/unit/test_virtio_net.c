/* virtio-net frame engine over fake guest RAM: transmit chains to a
 * SOCK_SEQPACKET socketpair standing in for the TAP (it keeps frame
 * boundaries like a TAP does), malformed transmit chains dropped and
 * counted, receive into one chain or merged over several (num_buffers),
 * back-pressure (no buffers: nothing consumed), bad receive chains, and the
 * offload feature mapping. test_virtio_net_dev.c drives the whole device. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/if_tun.h>

#include "devices/virtio_net.h"
#include "tests/mock/fake_ring.h"

#define F(bit)	 (1ULL << (bit))
#define MRG	 F(VIRTIO_NET_F_MRG_RXBUF)
#define RAM_SIZE (4u << 20)
#define RING	 0x1000u  /* descriptor table; avail and used rings follow */
#define BUF	 0x10000u /* buffers from here */

struct net_fixture {
	struct fake_queue fx;
	int sock[2]; /* [0] the device's "TAP", [1] the host side */
	struct net_stats stats;
	struct net_rx_scratch scratch;
	struct net_rxq q;
	uint64_t next_buf; /* bump allocator for buffers in fake RAM */
	unsigned errors;   /* device errors the engine reported */
};

static int fx_pop(void *ctx, struct vq_chain *c)
{
	return vq_pop(&((struct net_fixture *)ctx)->fx.vq, c);
}

static void fx_complete(void *ctx, const struct vring_used_elem *els, unsigned n)
{
	vq_push_batch(&((struct net_fixture *)ctx)->fx.vq, els, n);
}

static void fx_unpop(void *ctx, unsigned n)
{
	vq_unpop(&((struct net_fixture *)ctx)->fx.vq, (uint16_t)n);
}

static void fx_error(void *ctx, unsigned n)
{
	struct net_fixture *f = ctx;

	assert_true(n >= 1);
	f->errors++;
	f->fx.vq.broken = true; /* as the transport's NEEDS_RESET stops it */
}

static int setup(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (fake_queue_init(&f->fx, RAM_SIZE, RING, 8, false) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, f->sock) < 0)
		return -1;
	f->q = (struct net_rxq){
		.ctx = f,
		.pop = fx_pop,
		.complete = fx_complete,
		.unpop = fx_unpop,
		.error = fx_error,
		.ring_size = 8,
	};
	f->next_buf = BUF;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct net_fixture *f = *state;

	close(f->sock[0]);
	close(f->sock[1]);
	fake_queue_free(&f->fx);
	free(f);
	return 0;
}

/* Put a one-descriptor chain (descriptor i) of len bytes in RAM and make it
 * available; returns its guest address. */
static uint64_t add_buf(struct net_fixture *f, unsigned i, uint32_t len, bool writable)
{
	uint64_t gpa = f->next_buf;

	f->next_buf += (len + 4095) & ~4095u;
	fake_ring_add_buf(&f->fx.ring, (uint16_t)i, gpa, len, writable);
	return gpa;
}

/* A frame as the TAP would hand it: header, then bytes i & 0xff ^ seed. */
static size_t make_frame(uint8_t *buf, size_t frame_len, uint8_t seed, uint8_t hflags)
{
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr.flags = hflags };

	memcpy(buf, &h, sizeof(h));
	for (size_t i = 0; i < frame_len; i++)
		buf[NET_HDR_LEN + i] = (uint8_t)(i ^ seed);
	return NET_HDR_LEN + frame_len;
}

/* Fresh rings and queue: a device error leaves the old one broken. */
static void fresh_queue(struct net_fixture *f)
{
	struct err e;

	fake_ring_clear(&f->fx.ring);
	f->fx.ring.avail_idx = 0;
	assert_int_equal(fake_ring_enable(&f->fx.ring, &f->fx.vq, &f->fx.ram.mem, false, &e), 0);
}

static uint16_t used_idx(struct net_fixture *f)
{
	return fake_ring_used_idx(&f->fx.ring);
}

static void tx_sends_header_and_frame(void **state)
{
	struct net_fixture *f = *state;
	const struct fake_seg segs[] = {
		{ BUF, NET_HDR_LEN, false },
		{ BUF + 0x1000, 100, false },
	};
	uint8_t frame[NET_HDR_LEN + 100], got[256];
	struct vq_chain c;

	make_frame(frame, 100, 7, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	/* Header and frame in separate descriptors, as Linux sends them. */
	memcpy(f->fx.ram.base + BUF, frame, NET_HDR_LEN);
	memcpy(f->fx.ram.base + BUF + 0x1000, frame + NET_HDR_LEN, 100);
	fake_ring_add(&f->fx.ring, 0, segs, 2);
	assert_int_equal(vq_pop(&f->fx.vq, &c), 1);
	assert_int_equal(net_tx_chain(f->sock[0], &c, F(VIRTIO_NET_F_CSUM), &f->stats), 0);
	assert_int_equal(recv(f->sock[1], got, sizeof(got), 0), sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
	assert_int_equal(f->stats.tx_packets, 1);
	assert_int_equal(f->stats.tx_bytes, 100);
	assert_int_equal(f->stats.tx_dropped, 0);
}

static void tx_malformed_chains_dropped(void **state)
{
	struct net_fixture *f = *state;
	const struct fake_seg too_long[] = {
		{ BUF, 40 << 10, false },
		{ BUF + (40 << 10), 40 << 10, false },
	};
	uint8_t got[64];
	struct vq_chain c;

	/* 1: shorter than header + Ethernet header. */
	fake_ring_add_buf(&f->fx.ring, 0, BUF, NET_HDR_LEN + 13, false);
	/* 2: longer than header + 64 KiB (two 40 KiB segments). */
	fake_ring_add(&f->fx.ring, 1, too_long, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(vq_pop(&f->fx.vq, &c), 1);
		assert_true(net_tx_chain(f->sock[0], &c, 0, &f->stats) < 0);
	}
	assert_int_equal(f->stats.tx_dropped, 2);
	/* A buffer outside guest RAM, a chain that loops on itself, a length
	 * that wraps the address space: device errors, never seen here. */
	fresh_queue(f);
	fake_ring_add_buf(&f->fx.ring, 3, RAM_SIZE - 16, 64, false);
	assert_int_equal(vq_pop(&f->fx.vq, &c), -EFAULT);
	fresh_queue(f);
	fake_ring_desc(&f->fx.ring, f->fx.ring.desc, 4, BUF, 64, VRING_DESC_F_NEXT, 4);
	fake_ring_publish(&f->fx.ring, 4);
	assert_int_equal(vq_pop(&f->fx.vq, &c), -ELOOP);
	fresh_queue(f);
	fake_ring_add_buf(&f->fx.ring, 5, ~0ULL - 8, 64, false);
	assert_int_equal(vq_pop(&f->fx.vq, &c), -EFAULT);
	assert_int_equal(f->stats.tx_packets, 0);
	/* Nothing reached the "TAP". */
	assert_int_equal(recv(f->sock[1], got, sizeof(got), 0), -1);
	assert_int_equal(errno, EAGAIN);
}

/* Transmit one 200-byte frame with header h under features: the result of
 * net_tx_chain, and the frame must reach the "TAP" exactly when it is 0. */
static int tx_with_header(struct net_fixture *f, const struct virtio_net_hdr *h, uint64_t features)
{
	uint8_t frame[NET_HDR_LEN + 200], got[512];
	struct vq_chain c;
	ssize_t n;
	int r;

	make_frame(frame, 200, 3, 0);
	memcpy(frame, h, sizeof(*h));
	memcpy(f->fx.ram.base + BUF, frame, sizeof(frame));
	fake_ring_add_buf(&f->fx.ring, 0, BUF, sizeof(frame), false);
	assert_int_equal(vq_pop(&f->fx.vq, &c), 1);
	r = net_tx_chain(f->sock[0], &c, features, &f->stats);
	vq_push(&f->fx.vq, c.head, 0);
	n = recv(f->sock[1], got, sizeof(got), 0);
	assert_int_equal(n, r == 0 ? (ssize_t)sizeof(frame) : -1);
	return r;
}

/* The same for a header that must be refused; returns 1 (one drop). */
static unsigned tx_dropped(struct net_fixture *f, const struct virtio_net_hdr *h, uint64_t features)
{
	assert_int_equal(tx_with_header(f, h, features), -EINVAL);
	return 1;
}

static void tx_header_checked_against_features(void **state)
{
	struct net_fixture *f = *state;
	const uint64_t csum = F(VIRTIO_NET_F_CSUM);
	const uint64_t all = csum | F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |
			     F(VIRTIO_NET_F_HOST_ECN) | F(VIRTIO_NET_F_HOST_UFO);
	const uint64_t guest = csum | F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6) |
			       F(VIRTIO_NET_F_GUEST_ECN) | F(VIRTIO_NET_F_GUEST_UFO);
	/* TCP over IPv4: checksum at 34 + 16, headers 54 bytes. */
	const struct virtio_net_hdr partial = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
						.csum_start = 34,
						.csum_offset = 16 };
	struct virtio_net_hdr tso = partial, h;
	const struct {
		uint8_t gso;
		uint64_t needs;
	} gso[] = {
		{ VIRTIO_NET_HDR_GSO_TCPV4, F(VIRTIO_NET_F_HOST_TSO4) },
		{ VIRTIO_NET_HDR_GSO_TCPV6, F(VIRTIO_NET_F_HOST_TSO6) },
		{ VIRTIO_NET_HDR_GSO_UDP, F(VIRTIO_NET_F_HOST_UFO) },
		{ VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
		  F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_ECN) },
	};
	unsigned dropped = 0;

	tso.hdr_len = 54;
	tso.gso_size = 100;
	/* No header fields: always fine. */
	h = (struct virtio_net_hdr){ 0 };
	assert_int_equal(tx_with_header(f, &h, 0), 0);
	/* A partial checksum only with VIRTIO_NET_F_CSUM, and inside the frame. */
	dropped += tx_dropped(f, &partial, 0);
	assert_int_equal(tx_with_header(f, &partial, csum), 0);
	h = partial;
	h.csum_start = 200 - 17; /* the 2-byte field would end past the frame */
	dropped += tx_dropped(f, &h, csum);
	h.csum_start = 200 - 18;
	assert_int_equal(tx_with_header(f, &h, csum), 0);
	h = partial;
	h.csum_start = 0xffff;
	h.csum_offset = 0xffff;
	dropped += tx_dropped(f, &h, all);
	/* Flags the driver may not send (DATA_VALID is the device's). */
	h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	dropped += tx_dropped(f, &h, all);
	/* Each segmentation offload only with its HOST_ feature (the transmit
	 * direction; the GUEST_ ones are for receive), a checksum request, an
	 * MSS and headers inside the frame. */
	for (unsigned i = 0; i < sizeof(gso) / sizeof(gso[0]); i++) {
		h = tso;
		h.gso_type = gso[i].gso;
		assert_int_equal(tx_with_header(f, &h, csum | gso[i].needs), 0);
		dropped += tx_dropped(f, &h, all & ~gso[i].needs);
		dropped += tx_dropped(f, &h, guest);
	}
	h = tso;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.flags = 0; /* segmentation without a checksum request */
	dropped += tx_dropped(f, &h, all);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.gso_size = 0; /* no MSS */
	dropped += tx_dropped(f, &h, all);
	h.gso_size = 100;
	h.hdr_len = 201; /* headers longer than the frame */
	dropped += tx_dropped(f, &h, all);
	h = tso;
	h.gso_type = 5; /* unknown */
	dropped += tx_dropped(f, &h, all);
	h.gso_type = VIRTIO_NET_HDR_GSO_ECN; /* ECN without segmentation */
	dropped += tx_dropped(f, &h, all);
	assert_int_equal(f->stats.tx_bad_headers, dropped);
	assert_int_equal(f->stats.tx_dropped, dropped);
	assert_int_equal(f->stats.tx_packets, 7);
}

static void tx_largest_frame_passes(void **state)
{
	struct net_fixture *f = *state;
	struct vq_chain c;
	int big = 256 << 10;

	assert_int_equal(setsockopt(f->sock[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big)), 0);
	fake_ring_add_buf(&f->fx.ring, 0, BUF, NET_HDR_LEN + NET_MAX_FRAME, false);
	assert_int_equal(vq_pop(&f->fx.vq, &c), 1);
	assert_int_equal(net_tx_chain(f->sock[0], &c, 0, &f->stats), 0);
	assert_int_equal(f->stats.tx_bytes, NET_MAX_FRAME);
}

static void rx_one_chain(void **state)
{
	struct net_fixture *f = *state;
	uint8_t frame[NET_HDR_LEN + 100];
	struct virtio_net_hdr_mrg_rxbuf h;
	size_t len = make_frame(frame, 100, 3, 0);
	uint64_t gpa = add_buf(f, 0, 2048, true);

	assert_int_equal(net_rx_frame(&f->q, 0, frame, len, &f->scratch, &f->stats),
			 NET_RX_DELIVERED);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[0].id, 0);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[0].len, len);
	memcpy(&h, f->fx.ram.base + gpa, sizeof(h));
	assert_int_equal(h.num_buffers, 1);
	assert_memory_equal(f->fx.ram.base + gpa + NET_HDR_LEN, frame + NET_HDR_LEN, 100);
	assert_int_equal(f->stats.rx_packets, 1);
	assert_int_equal(f->stats.rx_bytes, 100);
}

static void rx_merged_over_three_buffers(void **state)
{
	struct net_fixture *f = *state;
	static uint8_t frame[NET_HDR_LEN + 2500];
	struct virtio_net_hdr_mrg_rxbuf h;
	size_t len = make_frame(frame, 2500, 9, 0);
	uint64_t gpa[3];

	for (unsigned i = 0; i < 3; i++)
		gpa[i] = add_buf(f, i, 1000, true);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_DELIVERED);
	/* Published together: 3 used entries, lengths 1000, 1000, 512. */
	assert_int_equal(used_idx(f), 3);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[0].len, 1000);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[1].len, 1000);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[2].len, len - 2000);
	memcpy(&h, f->fx.ram.base + gpa[0], sizeof(h));
	assert_int_equal(h.num_buffers, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_memory_equal(f->fx.ram.base + gpa[i] + (i ? 0 : NET_HDR_LEN),
				    frame + 1000 * i + (i ? 0 : NET_HDR_LEN),
				    i == 2 ? len - 2000 : 1000 - (i ? 0 : NET_HDR_LEN));
}

static void rx_waits_for_buffers(void **state)
{
	struct net_fixture *f = *state;
	static uint8_t frame[NET_HDR_LEN + 2500];
	size_t len = make_frame(frame, 2500, 1, 0);

	/* Empty ring: nothing consumed. */
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_NO_BUFFERS);
	/* Two buffers are not enough: both given back, nothing published. */
	add_buf(f, 0, 1000, true);
	add_buf(f, 1, 1000, true);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_NO_BUFFERS);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->fx.vq.last_avail, 0);
	/* A third arrives: the same frame goes into all three. */
	add_buf(f, 2, 1000, true);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_DELIVERED);
	assert_int_equal(used_idx(f), 3);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[0].id, 0);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[2].id, 2);
	assert_int_equal(f->stats.rx_dropped, 0);
}

static void rx_frame_larger_than_ring_dropped(void **state)
{
	struct net_fixture *f = *state;
	static uint8_t frame[NET_HDR_LEN + 2500];
	size_t len = make_frame(frame, 2500, 1, 0);

	/* The driver's whole ring (2 here) cannot hold it: waiting would
	 * stall receive forever, so the frame is dropped. */
	f->q.ring_size = 2;
	add_buf(f, 0, 1000, true);
	add_buf(f, 1, 1000, true);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_DROPPED);
	assert_int_equal(f->stats.rx_dropped, 1);
	assert_int_equal(f->fx.vq.last_avail, 0); /* the buffers stay the driver's */
}

static void rx_without_mergeable_needs_one_chain(void **state)
{
	struct net_fixture *f = *state;
	uint8_t frame[NET_HDR_LEN + 200];
	size_t len = make_frame(frame, 200, 1, 0);

	add_buf(f, 0, 100, true);
	assert_int_equal(net_rx_frame(&f->q, 0, frame, len, &f->scratch, &f->stats),
			 NET_RX_DROPPED);
	/* The chain goes back with nothing written. */
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(fake_ring_used(&f->fx.ring)->ring[0].len, 0);
	assert_int_equal(f->stats.rx_dropped, 1);
}

static void rx_offloads_only_when_negotiated(void **state)
{
	struct net_fixture *f = *state;
	uint8_t frame[NET_HDR_LEN + 100];
	size_t len = make_frame(frame, 100, 1, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 };

	add_buf(f, 0, 2048, true);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_DROPPED);
	assert_int_equal(f->fx.vq.last_avail, 0); /* no buffer spent on it */
	assert_int_equal(net_rx_frame(&f->q, MRG | F(VIRTIO_NET_F_GUEST_CSUM), frame, len,
				      &f->scratch, &f->stats),
			 NET_RX_DELIVERED);
	memcpy(frame, &h, sizeof(h));
	add_buf(f, 1, 2048, true);
	assert_int_equal(net_rx_frame(&f->q, MRG | F(VIRTIO_NET_F_GUEST_CSUM), frame, len,
				      &f->scratch, &f->stats),
			 NET_RX_DROPPED);
	assert_int_equal(net_rx_frame(&f->q,
				      MRG | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4),
				      frame, len, &f->scratch, &f->stats),
			 NET_RX_DELIVERED);
}

/* A receive chain without room for the header (read-only, or shorter than
 * the header) breaks the driver's rules (5.1.6.3.1): a device error. Nothing
 * is completed or written, the frame waits for the reset. */
static void rx_bad_chains_are_device_errors(void **state)
{
	struct net_fixture *f = *state;
	uint8_t frame[NET_HDR_LEN + 100];
	size_t len = make_frame(frame, 100, 1, 0);
	uint64_t gpa;

	gpa = add_buf(f, 0, 2048, false); /* read-only */
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_DEVICE_ERROR);
	assert_int_equal(f->errors, 1);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->fx.ram.base[gpa], 0);
	fresh_queue(f);
	gpa = add_buf(f, 0, 8, true); /* smaller than the header */
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_DEVICE_ERROR);
	assert_int_equal(f->fx.ram.base[gpa], 0);
	/* A later buffer of a merged frame that is read-only. */
	fresh_queue(f);
	add_buf(f, 0, 64, true);
	gpa = add_buf(f, 1, 2048, false);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_DEVICE_ERROR);
	assert_int_equal(f->errors, 3);
	assert_int_equal(f->stats.rx_bad_chains, 3);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->fx.ram.base[gpa], 0);
	/* A chain outside RAM fails in vq_pop: to the engine, no buffers. */
	fresh_queue(f);
	fake_ring_add_buf(&f->fx.ring, 1, RAM_SIZE - 8, 2048, true);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, len, &f->scratch, &f->stats),
			 NET_RX_NO_BUFFERS);
	assert_true(f->fx.vq.broken);
	/* Runt and oversized frames from the backend never touch the ring. */
	fresh_queue(f);
	add_buf(f, 0, 2048, true);
	assert_int_equal(net_rx_frame(&f->q, MRG, frame, NET_HDR_LEN + 5, &f->scratch, &f->stats),
			 NET_RX_DROPPED);
	assert_int_equal(f->fx.vq.last_avail, 0);
}

static void offload_features(void **state)
{
	uint64_t plain = net_offered_features(false), off = net_offered_features(true);

	(void)state;
	assert_true(plain & F(VIRTIO_NET_F_MAC));
	assert_true(plain & F(VIRTIO_NET_F_STATUS));
	assert_true(plain & MRG);
	assert_false(plain & (F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |
			      F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO4)));
	assert_true(off & F(VIRTIO_NET_F_GUEST_TSO6));
	assert_true(off & F(VIRTIO_NET_F_HOST_TSO4));
	assert_int_equal(net_tun_offloads(0), 0);
	/* TSO without checksum offload is not something a TAP accepts. */
	assert_int_equal(net_tun_offloads(F(VIRTIO_NET_F_GUEST_TSO4)), 0);
	assert_int_equal(net_tun_offloads(F(VIRTIO_NET_F_GUEST_CSUM)), TUN_F_CSUM);
	assert_int_equal(net_tun_offloads(off),
			 TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tx_sends_header_and_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_malformed_chains_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_header_checked_against_features, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tx_largest_frame_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_one_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_merged_over_three_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_waits_for_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_frame_larger_than_ring_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_without_mergeable_needs_one_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rx_offloads_only_when_negotiated, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_bad_chains_are_device_errors, setup, teardown),
		cmocka_unit_test(offload_features),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
