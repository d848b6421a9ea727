/* virtio-net device model: features, config space, the frame engine
 * (transmit chains to the TAP, TAP frames into receive chains) and the glue
 * that drives it from the transport's I/O thread. */
#include "devices/virtio_net.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "devices/virtio_pci.h"
#include "vmm/vm.h"

#define F(bit)	   (1ULL << (bit))
/* Frames handled per wakeup before yielding to the other queue. */
#define RX_BUDGET  256
#define TX_BUDGET  256
/* The largest frame a TAP hands us: a 64 KiB GSO frame, a VLAN tag and
 * the Ethernet header, plus slack; a read that fills it was truncated. */
#define RX_BUF_LEN (NET_HDR_LEN + NET_MAX_FRAME + 512)

struct virtio_net {
	struct virtio_dev_ops ops;
	struct virtio_pci *vp;
	struct vm *vm;
	char name[16];
	char ifname[IFNAMSIZ];
	struct virtio_net_config config;
	uint64_t offered;
	int tap_fd;
	bool tap_offload;

	/* I/O thread only. */
	int rx_epoll;	  /* holds tap_fd; watched by the transport */
	bool rx_watching; /* tap_fd is armed in rx_epoll */
	unsigned applied_offloads;
	/* A frame in rxbuf waiting for buffers. Not part of a snapshot: the
	 * transport's state (SNAP_DEV_VIRTIO_PCI) is all a restored NIC gets
	 * back, so a frame waiting here when the VM was saved is dropped, as
	 * a network may drop a frame. The negotiated TAP offloads are applied
	 * again from the restored features on the first receive or transmit. */
	size_t pending_len;
	struct net_stats stats;
	struct dev_metrics *metrics; /* stats published here for GET /metrics */
	struct vq_chain tx_chain;
	struct net_rx_scratch rx;
	uint8_t rxbuf[RX_BUF_LEN];
};

/* --- the frame engine --- */

uint64_t net_offered_features(bool offload)
{
	uint64_t f = F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) | F(VIRTIO_NET_F_MRG_RXBUF);

	if (offload)
		f |= F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) |
		     F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_HOST_ECN) |
		     F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6) |
		     F(VIRTIO_NET_F_GUEST_ECN);
	return f;
}

unsigned net_tun_offloads(uint64_t features)
{
	unsigned t = 0;

	/* The TAP refuses segmentation offloads without checksum offload. */
	if (!(features & F(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	t |= TUN_F_CSUM;
	if (features & F(VIRTIO_NET_F_GUEST_TSO4))
		t |= TUN_F_TSO4;
	if (features & F(VIRTIO_NET_F_GUEST_TSO6))
		t |= TUN_F_TSO6;
	if ((t & (TUN_F_TSO4 | TUN_F_TSO6)) && (features & F(VIRTIO_NET_F_GUEST_ECN)))
		t |= TUN_F_TSO_ECN;
	return t;
}

/* Is a transmit header consistent with the negotiated features (the HOST_
 * ones: the device does the offload on transmit) and with the frame of
 * flen bytes (5.1.6.2)? Checked here so that nothing the driver did not
 * negotiate reaches the host kernel's virtio_net_hdr parser. */
static bool tx_header_ok(const struct virtio_net_hdr *h, uint64_t features, uint64_t flen)
{
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint64_t need;

	if (h->flags & ~(uint8_t)VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return false; /* DATA_VALID, RSC_INFO: the device's flags */
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* The 16-bit checksum field lies inside the frame (no
		 * overflow: three 16-bit values in 64 bits). */
		if (!(features & F(VIRTIO_NET_F_CSUM)) ||
		    (uint64_t)h->csum_start + h->csum_offset + 2 > flen)
			return false;
	}
	if (h->hdr_len > flen)
		return false;
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE: return !(h->gso_type & VIRTIO_NET_HDR_GSO_ECN);
	case VIRTIO_NET_HDR_GSO_TCPV4: need = F(VIRTIO_NET_F_HOST_TSO4); break;
	case VIRTIO_NET_HDR_GSO_TCPV6: need = F(VIRTIO_NET_F_HOST_TSO6); break;
	case VIRTIO_NET_HDR_GSO_UDP: need = F(VIRTIO_NET_F_HOST_UFO); break;
	default: return false;
	}
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
		need |= F(VIRTIO_NET_F_HOST_ECN);
	/* Segmentation needs the checksum request and an MSS. */
	return (features & need) == need && (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	       h->gso_size != 0;
}

/* Write the checked header copy h, then the frame from the chain: the
 * guest may rewrite its header after the check, the TAP never sees that. */
static ssize_t tx_write(int fd, const struct vq_chain *c, struct virtio_net_hdr_mrg_rxbuf *h)
{
	struct iovec iov[VQ_MAX_SIZE + 1];
	int n = vq_chain_slice(c, false, NET_HDR_LEN, c->out_bytes - NET_HDR_LEN, iov + 1,
			       VQ_MAX_SIZE);

	if (n < 0) {
		errno = -n;
		return -1;
	}
	iov[0] = (struct iovec){ .iov_base = h, .iov_len = NET_HDR_LEN };
	return writev(fd, iov, n + 1);
}

int net_tx_chain(int fd, const struct vq_chain *c, uint64_t features, struct net_stats *s)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	ssize_t w;

	if (c->out_bytes < NET_HDR_LEN + NET_MIN_FRAME ||
	    c->out_bytes > NET_HDR_LEN + NET_MAX_FRAME) {
		s->tx_dropped++;
		return -EINVAL;
	}
	/* A bad header drops the frame, it is not a device error: the header
	 * is frame content, which guest user space can set through packet
	 * sockets with PACKET_VNET_HDR, and one bad frame must not take the
	 * whole NIC down (a NIC drops what it cannot send). Copied once, then
	 * checked; the copy is what the TAP gets. */
	vq_chain_read(c, 0, &h, sizeof(h));
	h.num_buffers = 0; /* receive only */
	if (!tx_header_ok(&h.hdr, features, c->out_bytes - NET_HDR_LEN)) {
		s->tx_dropped++;
		s->tx_bad_headers++;
		return -EINVAL;
	}
	w = tx_write(fd, c, &h);
	if (w < 0) {
		/* The kernel refused the frame or its queue is full: the frame
		 * is lost, as on a real wire. */
		s->tx_dropped++;
		return -errno;
	}
	s->tx_packets++;
	s->tx_bytes += c->out_bytes - NET_HDR_LEN;
	return 0;
}

/* Does the header ask for something the driver did not negotiate? */
static bool header_acceptable(const struct virtio_net_hdr *h, uint64_t features)
{
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !(features & F(VIRTIO_NET_F_GUEST_CSUM)))
		return false;
	if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) && !(features & F(VIRTIO_NET_F_GUEST_ECN)))
		return false;
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE: return true;
	case VIRTIO_NET_HDR_GSO_TCPV4: return features & F(VIRTIO_NET_F_GUEST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6: return features & F(VIRTIO_NET_F_GUEST_TSO6);
	default: return false;
	}
}

/* Return the n popped chains unused (length 0) and count the frame lost. */
static enum net_rx_result rx_drop(const struct net_rxq *q, struct net_rx_scratch *sc, unsigned n,
				  struct net_stats *s)
{
	for (unsigned i = 0; i < n; i++)
		sc->used[i].len = 0;
	if (n)
		q->complete(q->ctx, sc->used, n);
	s->rx_dropped++;
	return NET_RX_DROPPED;
}

enum net_rx_result net_rx_frame(const struct net_rxq *q, uint64_t features, const uint8_t *frame,
				size_t len, struct net_rx_scratch *sc, struct net_stats *s)
{
	bool mergeable = features & F(VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr_mrg_rxbuf hdr;
	unsigned n = 0;
	size_t off = 0;

	if (len < NET_HDR_LEN + NET_MIN_FRAME || len > NET_HDR_LEN + NET_MAX_FRAME + 512)
		return rx_drop(q, sc, 0, s);
	memcpy(&hdr, frame, sizeof(hdr));
	if (!header_acceptable(&hdr.hdr, features))
		return rx_drop(q, sc, 0, s);
	while (off < len) {
		struct vq_chain *c = n ? &sc->cur : &sc->first;
		size_t chunk;

		if (n == VQ_MAX_SIZE || q->pop(q->ctx, c) <= 0) {
			/* Every buffer the ring can hold is not enough: the
			 * frame could never be delivered, waiting would stall. */
			if (n == VQ_MAX_SIZE || (n && n >= q->ring_size)) {
				q->unpop(q->ctx, n);
				s->rx_dropped++;
				return NET_RX_DROPPED;
			}
			if (n)
				q->unpop(q->ctx, n);
			return NET_RX_NO_BUFFERS;
		}
		sc->used[n].id = c->head;
		sc->used[n].len = 0;
		n++;
		if (c->in_bytes == 0 || (n == 1 && c->in_bytes < NET_HDR_LEN)) {
			/* Receive buffers are device-writable and hold the
			 * header (5.1.6.3.1): the driver broke the rules. */
			s->rx_bad_chains++;
			q->error(q->ctx, n);
			return NET_RX_DEVICE_ERROR;
		}
		chunk = len - off < c->in_bytes ? len - off : (size_t)c->in_bytes;
		if (!mergeable && chunk < len)
			return rx_drop(q, sc, n, s); /* too big for the buffer */
		vq_chain_write(c, 0, frame + off, chunk);
		sc->used[n - 1].len = (uint32_t)chunk;
		off += chunk;
	}
	/* num_buffers lives in the first chain's header (little endian). */
	hdr.num_buffers = (uint16_t)n;
	vq_chain_write(&sc->first, offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers),
		       &hdr.num_buffers, sizeof(hdr.num_buffers));
	q->complete(q->ctx, sc->used, n);
	s->rx_packets++;
	s->rx_bytes += len - NET_HDR_LEN;
	return NET_RX_DELIVERED;
}

/* --- the device on the transport --- */

static int rxq_pop(void *ctx, struct vq_chain *c)
{
	struct virtio_net *n = ctx;

	return virtio_pci_pop(n->vp, VIRTIO_NET_RXQ, c);
}

static void rxq_complete(void *ctx, const struct vring_used_elem *els, unsigned count)
{
	struct virtio_net *n = ctx;

	virtio_pci_complete_batch(n->vp, VIRTIO_NET_RXQ, els, count);
}

static void rxq_unpop(void *ctx, unsigned count)
{
	struct virtio_net *n = ctx;

	virtio_pci_unpop(n->vp, VIRTIO_NET_RXQ, count);
}

static void rxq_error(void *ctx, unsigned count)
{
	struct virtio_net *n = ctx;

	virtio_pci_chain_error(n->vp, VIRTIO_NET_RXQ, count);
}

/* Match the TAP's offloads to what the driver negotiated (it may change
 * after every reset). */
static uint64_t sync_features(struct virtio_net *n)
{
	uint64_t f = virtio_pci_driver_features(n->vp);
	unsigned want = n->tap_offload ? net_tun_offloads(f) : 0;
	struct err e;

	if (want != n->applied_offloads) {
		if (tap_set_offload(n->tap_fd, want, &e) == 0)
			n->applied_offloads = want;
		else if (n->vm->verbose)
			fprintf(stderr, "minivmm: %s: %s\n", n->name, e.msg);
	}
	return f;
}

/* Arm or disarm the TAP: disarmed while the guest has no receive buffers,
 * so frames wait in the TAP and the I/O thread sleeps. */
static void rx_watch(struct virtio_net *n, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.fd = n->tap_fd };

	if (n->rx_watching == on)
		return;
	if (epoll_ctl(n->rx_epoll, EPOLL_CTL_MOD, n->tap_fd, &ev) == 0)
		n->rx_watching = on;
}

static void rx_pump(struct virtio_net *n)
{
	uint64_t features = sync_features(n);
	struct net_rxq q = {
		.ctx = n,
		.pop = rxq_pop,
		.complete = rxq_complete,
		.unpop = rxq_unpop,
		.error = rxq_error,
		/* Fixed while the queue is enabled; only bounds a wait. */
		.ring_size = virtio_pci_queue_size(n->vp, VIRTIO_NET_RXQ),
	};
	bool more = true;

	for (unsigned i = 0; i < RX_BUDGET && more; i++) {
		enum net_rx_result res;

		if (!n->pending_len) {
			ssize_t r = read(n->tap_fd, n->rxbuf, sizeof(n->rxbuf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				more = false; /* EAGAIN: the TAP is empty */
				break;
			}
			n->pending_len = (size_t)r;
		}
		res = net_rx_frame(&q, features, n->rxbuf, n->pending_len, &n->rx, &n->stats);
		if (res == NET_RX_NO_BUFFERS || res == NET_RX_DEVICE_ERROR) {
			/* The frame waits for buffers, or for the reset. */
			rx_watch(n, false);
			virtio_pci_flush_irq(n->vp, VIRTIO_NET_RXQ);
			return;
		}
		n->pending_len = 0;
	}
	/* Emptied the TAP, or used the budget with frames left: then the armed
	 * TAP wakes us again after the other queue had its turn. */
	rx_watch(n, true);
	virtio_pci_flush_irq(n->vp, VIRTIO_NET_RXQ);
}

static void tx_process(struct virtio_net *n, struct virtio_pci *vp)
{
	uint64_t features = sync_features(n);

	for (unsigned i = 0; i < TX_BUDGET; i++) {
		if (virtio_pci_pop(vp, VIRTIO_NET_TXQ, &n->tx_chain) <= 0)
			return;
		net_tx_chain(n->tap_fd, &n->tx_chain, features, &n->stats);
		virtio_pci_complete(vp, VIRTIO_NET_TXQ, &n->tx_chain, 0);
	}
	/* Budget used up: let receive run, come back through our own kick. */
	virtio_pci_flush_irq(vp, VIRTIO_NET_TXQ);
	virtio_pci_kick(vp, VIRTIO_NET_TXQ);
}

/* The I/O thread's counters, copied where the main thread may read them. */
static void publish_stats(struct virtio_net *n)
{
	struct dev_metrics *m = n->metrics;

	if (!m)
		return;
	metric_set(&m->tx_packets, n->stats.tx_packets);
	metric_set(&m->tx_bytes, n->stats.tx_bytes);
	metric_set(&m->tx_dropped, n->stats.tx_dropped);
	metric_set(&m->rx_packets, n->stats.rx_packets);
	metric_set(&m->rx_bytes, n->stats.rx_bytes);
	metric_set(&m->rx_dropped, n->stats.rx_dropped);
}

static void net_process_queue(void *dev, struct virtio_pci *vp, unsigned q)
{
	struct virtio_net *n = dev;

	if (q == VIRTIO_NET_TXQ)
		tx_process(n, vp);
	else if (q == VIRTIO_NET_RXQ)
		rx_pump(n); /* new receive buffers: deliver what waits */
	publish_stats(n);
}

static void tap_readable(void *dev, struct virtio_pci *vp, int fd)
{
	(void)vp;
	(void)fd;
	rx_pump(dev);
	publish_stats(dev);
}

static uint64_t net_features(void *dev)
{
	return ((struct virtio_net *)dev)->offered;
}

static void net_get_config(void *dev, void *buf)
{
	memcpy(buf, &((struct virtio_net *)dev)->config, sizeof(struct virtio_net_config));
}

static void net_destroy(void *dev)
{
	struct virtio_net *n = dev;
	const struct net_stats *s = &n->stats;

	if (n->vm->verbose)
		fprintf(stderr,
			"minivmm: %s (%s): tx %" PRIu64 " frames %" PRIu64 " bytes %" PRIu64
			" dropped (%" PRIu64 " bad headers); rx %" PRIu64 " frames %" PRIu64
			" bytes %" PRIu64 " dropped %" PRIu64 " bad chains\n",
			n->name, n->ifname, s->tx_packets, s->tx_bytes, s->tx_dropped,
			s->tx_bad_headers, s->rx_packets, s->rx_bytes, s->rx_dropped,
			s->rx_bad_chains);
	if (n->rx_epoll >= 0)
		close(n->rx_epoll);
	if (n->tap_fd >= 0)
		close(n->tap_fd);
	free(n);
}

static int open_rx_epoll(struct virtio_net *n, struct err *e)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = n->tap_fd };

	n->rx_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (n->rx_epoll < 0)
		return err_sys(e, "%s: epoll_create1", n->name);
	if (epoll_ctl(n->rx_epoll, EPOLL_CTL_ADD, n->tap_fd, &ev) < 0)
		return err_sys(e, "%s: epoll_ctl", n->name);
	n->rx_watching = true;
	return 0;
}

int virtio_net_create(struct vm *vm, struct pci_host *pci, const struct net_config *cfg,
		      struct tap *tap, unsigned index, struct err *e)
{
	struct virtio_net *n;
	int r;

	if (tap->fd < 0)
		return err_set(e, EBADF, "TAP %s is not open", tap->name);
	n = calloc(1, sizeof(*n));
	if (!n)
		return err_set(e, ENOMEM, "NIC %s: out of memory", tap->name);
	n->vm = vm;
	n->tap_fd = tap->fd;
	n->tap_offload = tap->offload;
	n->offered = net_offered_features(tap->offload);
	snprintf(n->name, sizeof(n->name), "net%u", index);
	n->metrics = vm_dev_metrics(vm, n->name);
	snprintf(n->ifname, sizeof(n->ifname), "%s", tap->name);
	if (cfg->has_mac)
		memcpy(n->config.mac, cfg->mac, sizeof(n->config.mac));
	else
		net_default_mac(vm->uuid, index, n->config.mac);
	n->config.status = VIRTIO_NET_S_LINK_UP;
	n->rx_epoll = -1;
	r = open_rx_epoll(n, e);
	if (r < 0) {
		if (n->rx_epoll >= 0)
			close(n->rx_epoll);
		free(n);
		return r;
	}
	n->ops = (struct virtio_dev_ops){
		.name = n->name,
		.device_id = VIRTIO_ID_NET,
		.pci_class = 0x020000, /* network, Ethernet */
		.num_queues = 2,
		.queue_max_size = VIRTIO_NET_QUEUE_SIZE,
		.features = net_features,
		/* Up to status: no multiqueue, no MTU offered. */
		.config_size = offsetof(struct virtio_net_config, max_virtqueue_pairs),
		.get_config = net_get_config,
		.process_queue = net_process_queue,
		.destroy = net_destroy,
	};
	r = virtio_pci_create(vm, pci, &n->ops, n, &n->vp, e);
	if (r < 0) {
		close(n->rx_epoll);
		free(n);
		return err_wrap(e, "NIC %s", tap->name);
	}
	tap->fd = -1; /* the device owns it now, whatever follows */
	r = virtio_pci_watch_fd(n->vp, n->rx_epoll, tap_readable, e);
	if (r < 0)
		return err_wrap(e, "NIC %s", tap->name);
	if (vm->verbose) {
		char mac[NET_MAC_STR_LEN];

		net_format_mac(n->config.mac, mac);
		fprintf(stderr, "minivmm: %s: TAP %s, MAC %s, offloads %s\n", n->name, n->ifname,
			mac, tap->offload ? "on" : "off");
	}
	return 0;
}
