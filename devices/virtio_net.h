/* virtio-net (virtio spec 5.1) over the virtio-pci transport, backed by a
 * TAP interface: receive queue 0, transmit queue 1, MAC and link status in
 * the config space, the 12-byte v1 header passed through to and from the
 * TAP, checksum offload and TSO when the TAP takes TUNSETOFFLOAD, mergeable
 * receive buffers.
 *
 * Everything runs on the device's I/O thread: transmit on the queue kick,
 * receive when the TAP becomes readable (or the guest adds receive buffers
 * after we ran out; until then the TAP is not watched and frames wait in
 * it). */
#ifndef MINIVMM_VIRTIO_NET_H
#define MINIVMM_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "common/err.h"
#include "devices/net_opts.h"
#include "devices/tap.h"
#include "devices/virtqueue.h"

struct vm;
struct pci_host;

#define VIRTIO_NET_QUEUE_SIZE 256
#define VIRTIO_NET_RXQ	      0
#define VIRTIO_NET_TXQ	      1
#define NET_HDR_LEN	      sizeof(struct virtio_net_hdr_mrg_rxbuf) /* 12 */
#define NET_MIN_FRAME	      14				      /* an Ethernet header */
#define NET_MAX_FRAME	      65536				      /* a 64 KiB GSO frame */

/* Add NIC number index (0-based, command-line order) backed by tap (opened
 * with tap_open). On success the device owns tap->fd (set to -1); on
 * failure the caller still does. The MAC is cfg->mac, or without mac= the
 * default derived from vm->uuid and index. */
int virtio_net_create(struct vm *vm, struct pci_host *pci, const struct net_config *cfg,
		      struct tap *tap, unsigned index, struct err *e);

/* --- the frame engine, independent of the transport (unit tests, fuzzing) --- */

struct net_stats {
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t tx_bad_headers; /* of tx_dropped: header against the features */
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t rx_bad_chains; /* receive chains the driver got wrong */
};

/* Send the frame of one transmit chain (header + frame in its readable
 * segments) to fd. A chain shorter than the header plus an Ethernet header
 * or longer than the header plus NET_MAX_FRAME is dropped and counted; so
 * is a header that asks for what the driver did not negotiate (features:
 * the negotiated ones) or does not fit the frame, and a frame the backend
 * refuses. Returns 0 when sent, else negative errno (dropped). */
int net_tx_chain(int fd, const struct vq_chain *c, uint64_t features, struct net_stats *s);

/* Where receive chains come from and go back to. */
struct net_rxq {
	void *ctx;
	/* 1 = chain in *c, 0 = no chain available. */
	int (*pop)(void *ctx, struct vq_chain *c);
	/* Return n chains together (one packet). */
	void (*complete)(void *ctx, const struct vring_used_elem *els, unsigned n);
	/* Give back the last n popped chains. */
	void (*unpop)(void *ctx, unsigned n);
	/* The last n popped chains are malformed: a device error, none is
	 * completed (the transport goes to NEEDS_RESET). */
	void (*error)(void *ctx, unsigned n);
	unsigned ring_size; /* chains the driver can post at most */
};

/* Scratch for net_rx_frame (large: keep it off the stack). */
struct net_rx_scratch {
	struct vq_chain first, cur;
	struct vring_used_elem used[VQ_MAX_SIZE];
};

enum net_rx_result {
	NET_RX_DELIVERED,
	NET_RX_DROPPED,	     /* counted; the frame is gone */
	NET_RX_NO_BUFFERS,   /* nothing consumed: retry when buffers arrive */
	NET_RX_DEVICE_ERROR, /* a malformed chain (q->error called): frame kept */
};

/* Deliver one frame as the TAP produced it (12-byte header + frame) into
 * receive chains, according to the negotiated features: with
 * VIRTIO_NET_F_MRG_RXBUF over as many chains as it needs (num_buffers set),
 * else into one chain. A header that asks for an offload the driver did not
 * negotiate, or a frame too big for the one chain, drops the frame. A chain
 * without device-writable room for the header (5.1.6.3.1) is a device
 * error. */
enum net_rx_result net_rx_frame(const struct net_rxq *q, uint64_t features, const uint8_t *frame,
				size_t len, struct net_rx_scratch *scratch, struct net_stats *s);

/* Offered features for a TAP (offload: TUNSETOFFLOAD works), and the
 * TUN_F_* flags that match what the driver negotiated. */
uint64_t net_offered_features(bool offload);
unsigned net_tun_offloads(uint64_t features);

#endif
