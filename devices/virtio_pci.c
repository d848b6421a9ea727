/* virtio-pci modern transport: PCI function, capabilities, BAR 0 registers
 * (common cfg, ISR, device cfg, notify), feature negotiation, status and
 * reset, device lifetime. Queue service and interrupts: virtio_pci_queue.c. */
#include "devices/virtio_pci_transport.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "common/cleanup.h"
#include "vmm/snapshot_file.h"
#include "vmm/vm.h"

#define VIRTIO_PCI_VENDOR      0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* modern device IDs: 0x1040 + virtio ID */
#define DEVCFG_MAX	       256
#define F(bit)		       (1ULL << (bit))

typedef struct virtio_pci_common_cfg common_cfg;

uint64_t virtio_pci_driver_features(struct virtio_pci *vp)
{
	uint64_t f;

	pthread_mutex_lock(&vp->lock);
	f = vp->driver_features;
	pthread_mutex_unlock(&vp->lock);
	return f;
}

struct pci_device *virtio_pci_device(struct virtio_pci *vp)
{
	return vp->pci;
}

uint16_t virtio_pci_queue_size(struct virtio_pci *vp, unsigned q)
{
	uint16_t size;

	if (q >= vp->ops->num_queues)
		return 0;
	pthread_mutex_lock(&vp->lock);
	size = vp->vqs[q].size;
	pthread_mutex_unlock(&vp->lock);
	return size;
}

static struct virtqueue *selected_vq(struct virtio_pci *vp)
{
	return vp->queue_sel < vp->ops->num_queues ? &vp->vqs[vp->queue_sel] : NULL;
}

static uint16_t valid_vector(struct virtio_pci *vp, uint16_t v)
{
	/* A vector the table does not have reads back as "no vector", which is
	 * how the driver learns the mapping failed. */
	return v < vp->pci->msix_vectors ? v : VIRTIO_MSI_NO_VECTOR;
}

static uint8_t status_locked(struct virtio_pci *vp)
{
	return vp->status | (vp->needs_reset ? VIRTIO_CONFIG_S_NEEDS_RESET : 0);
}

/* The common config as the driver would read it now. */
static void common_snapshot(struct virtio_pci *vp, common_cfg *c)
{
	struct virtqueue *vq = selected_vq(vp);

	memset(c, 0, sizeof(*c));
	c->device_feature_select = vp->dev_feat_sel;
	if (vp->dev_feat_sel < 2)
		c->device_feature = (uint32_t)(vp->offered >> (32 * vp->dev_feat_sel));
	c->guest_feature_select = vp->drv_feat_sel;
	if (vp->drv_feat_sel < 2)
		c->guest_feature = (uint32_t)(vp->driver_features >> (32 * vp->drv_feat_sel));
	c->msix_config = vp->msix_config;
	c->num_queues = (uint16_t)vp->ops->num_queues;
	c->device_status = status_locked(vp);
	c->config_generation = vp->config_gen;
	c->queue_select = vp->queue_sel;
	if (!vq)
		return;
	c->queue_size = vq->size;
	c->queue_msix_vector = vq->msix_vector;
	c->queue_enable = vq->ready;
	c->queue_notify_off = vp->queue_sel;
	c->queue_desc_lo = (uint32_t)vq->desc_addr;
	c->queue_desc_hi = (uint32_t)(vq->desc_addr >> 32);
	c->queue_avail_lo = (uint32_t)vq->avail_addr;
	c->queue_avail_hi = (uint32_t)(vq->avail_addr >> 32);
	c->queue_used_lo = (uint32_t)vq->used_addr;
	c->queue_used_hi = (uint32_t)(vq->used_addr >> 32);
}

static bool features_acceptable(struct virtio_pci *vp)
{
	return !(vp->driver_features & ~vp->offered) &&
	       (vp->driver_features & F(VIRTIO_F_VERSION_1));
}

static void status_written(struct virtio_pci *vp, uint8_t v)
{
	uint8_t old = vp->status;

	if (v == 0) {
		/* With a chain in flight the reset completes when it does; until
		 * then device_status keeps reading nonzero. */
		if (vp->in_flight)
			vp->reset_pending = true;
		else
			virtio_pci_reset_locked(vp);
		return;
	}
	v &= (uint8_t)~VIRTIO_CONFIG_S_NEEDS_RESET;
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !features_acceptable(vp))
		v &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	vp->status = v;
	/* Buffers made available before DRIVER_OK are looked at now. */
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK))
		for (unsigned q = 0; q < vp->ops->num_queues; q++)
			virtio_pci_kick(vp, q);
}

static void set_half(uint64_t *v, unsigned hi, uint32_t half)
{
	if (hi)
		*v = (*v & 0xffffffffULL) | (uint64_t)half << 32;
	else
		*v = (*v & ~0xffffffffULL) | half;
}

/* Queue q's enable register written (by the driver, or by restore). */
static void queue_enable_written(struct virtio_pci *vp, unsigned q, uint16_t v)
{
	struct virtqueue *vq = &vp->vqs[q];
	struct err e;
	bool indirect = vp->driver_features & F(VIRTIO_RING_F_INDIRECT_DESC);

	if (v != 1 || vq->ready)
		return;
	if (vq_enable(vq, &vp->vm->mem, indirect, &e) < 0) {
		if (vp->vm->verbose)
			fprintf(stderr, "minivmm: %s: queue %u: %s\n", vp->ops->name, q, e.msg);
		vp->needs_reset = true;
		virtio_pci_config_irq_locked(vp);
	}
}

#define FIELD_HIT(f) touches(off, len, offsetof(common_cfg, f), sizeof(((common_cfg *)0)->f))

static bool touches(uint64_t off, uint32_t len, size_t at, size_t size)
{
	return off < at + size && at < off + len;
}

/* Apply the fields a write covered, in register order. */
static void common_write(struct virtio_pci *vp, uint64_t off, const uint8_t *data, uint32_t len)
{
	common_cfg c;
	struct virtqueue *vq;

	if (off >= sizeof(c))
		return;
	if (len > sizeof(c) - off)
		len = (uint32_t)(sizeof(c) - off);
	common_snapshot(vp, &c);
	memcpy((uint8_t *)&c + off, data, len);
	if (FIELD_HIT(device_feature_select))
		vp->dev_feat_sel = c.device_feature_select;
	if (FIELD_HIT(guest_feature_select))
		vp->drv_feat_sel = c.guest_feature_select;
	/* Features are frozen once FEATURES_OK was accepted. */
	if (FIELD_HIT(guest_feature) && vp->drv_feat_sel < 2 &&
	    !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK))
		set_half(&vp->driver_features, vp->drv_feat_sel, c.guest_feature);
	if (FIELD_HIT(msix_config))
		vp->msix_config = valid_vector(vp, c.msix_config);
	if (FIELD_HIT(device_status))
		status_written(vp, c.device_status);
	if (FIELD_HIT(queue_select))
		vp->queue_sel = c.queue_select;
	vq = selected_vq(vp);
	if (!vq || vp->reset_pending)
		return;
	if (FIELD_HIT(queue_msix_vector))
		vq->msix_vector = valid_vector(vp, c.queue_msix_vector);
	/* The ring layout cannot change under an enabled queue. */
	if (!vq->ready) {
		if (FIELD_HIT(queue_size))
			vq->size = c.queue_size;
		if (FIELD_HIT(queue_desc_lo) || FIELD_HIT(queue_desc_hi))
			vq->desc_addr = (uint64_t)c.queue_desc_hi << 32 | c.queue_desc_lo;
		if (FIELD_HIT(queue_avail_lo) || FIELD_HIT(queue_avail_hi))
			vq->avail_addr = (uint64_t)c.queue_avail_hi << 32 | c.queue_avail_lo;
		if (FIELD_HIT(queue_used_lo) || FIELD_HIT(queue_used_hi))
			vq->used_addr = (uint64_t)c.queue_used_hi << 32 | c.queue_used_lo;
	}
	if (FIELD_HIT(queue_enable))
		queue_enable_written(vp, vp->queue_sel, c.queue_enable);
}

static void common_access(struct virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len,
			  bool is_write)
{
	common_cfg c;

	pthread_mutex_lock(&vp->lock);
	if (is_write) {
		common_write(vp, off, data, len);
	} else {
		common_snapshot(vp, &c);
		for (uint32_t i = 0; i < len; i++)
			data[i] = off + i < sizeof(c) ? ((uint8_t *)&c)[off + i] : 0;
	}
	pthread_mutex_unlock(&vp->lock);
}

static void isr_access(struct virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len,
		       bool is_write)
{
	if (is_write)
		return;
	memset(data, 0, len);
	if (off != 0)
		return;
	/* Reading the ISR clears it and deasserts INTx. */
	pthread_mutex_lock(&vp->lock);
	data[0] = vp->isr;
	vp->isr = 0;
	pci_intx_set(vp->pci, false);
	pthread_mutex_unlock(&vp->lock);
}

static void devcfg_access(struct virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len,
			  bool is_write)
{
	uint8_t buf[DEVCFG_MAX] = { 0 };
	size_t size = vp->ops->config_size;

	if (is_write) {
		if (vp->ops->set_config && off < size && len <= size - off)
			vp->ops->set_config(vp->dev, (unsigned)off, data, len);
		return;
	}
	vp->ops->get_config(vp->dev, buf);
	for (uint32_t i = 0; i < len; i++)
		data[i] = off + i < size ? buf[off + i] : 0;
}

static void bar0_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct virtio_pci *vp = opaque;

	if (off < VIRTIO_PCI_ISR_OFF) {
		common_access(vp, off - VIRTIO_PCI_COMMON_OFF, data, len, is_write);
	} else if (off < VIRTIO_PCI_DEVCFG_OFF) {
		isr_access(vp, off - VIRTIO_PCI_ISR_OFF, data, len, is_write);
	} else if (off < VIRTIO_PCI_NOTIFY_OFF) {
		devcfg_access(vp, off - VIRTIO_PCI_DEVCFG_OFF, data, len, is_write);
	} else if (is_write) {
		uint64_t q = (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT;

		/* Reached when ioeventfd is unavailable or the write's width
		 * differs from the binding: signal the queue ourselves. */
		if (q < vp->ops->num_queues)
			virtio_pci_kick(vp, (unsigned)q);
	} else {
		memset(data, 0, len);
	}
}

static uint64_t notify_addr(uint64_t bar, unsigned q)
{
	return bar + VIRTIO_PCI_NOTIFY_OFF + (uint64_t)q * VIRTIO_PCI_NOTIFY_MULT;
}

/* (Un)bind the queue eventfds to the notify addresses in a BAR at base. */
static void bind_kicks(struct virtio_pci *vp, uint64_t base, bool assign)
{
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		if (!assign && !vp->kick_bound[q])
			continue;
		int r = vp->vm->irq.ioeventfd(vp->vm, notify_addr(base, q), 2, vp->kick_fd[q], true,
					      assign);
		vp->kick_bound[q] = assign && r == 0;
	}
}

static void bar_moved(struct pci_device *d, unsigned bar, uint64_t old_addr, uint64_t new_addr)
{
	struct virtio_pci *vp = d->priv;

	if (bar != 0)
		return;
	bind_kicks(vp, old_addr, false);
	bind_kicks(vp, new_addr, true);
}

static void transport_free(struct virtio_pci *vp)
{
	for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
		if (vp->kick_fd[q] >= 0)
			close(vp->kick_fd[q]);
	if (vp->stop_fd >= 0)
		close(vp->stop_fd);
	if (vp->epoll_fd >= 0)
		close(vp->epoll_fd);
	pthread_mutex_destroy(&vp->lock);
	free(vp);
}

static void device_destroy(struct pci_device *d)
{
	struct virtio_pci *vp = d->priv;

	virtio_pci_stop_thread(vp);
	if (vp->pci->bars[0].size)
		bind_kicks(vp, vp->pci->bars[0].addr, false);
	vp->ops->destroy(vp->dev);
	transport_free(vp);
}

/* VIRTIO_PCI_CAP_PCI_CFG: an access window into the BARs through config
 * space. The guest sets bar/offset/length, then reads or writes
 * pci_cfg_data; we do the BAR access on its behalf. Host lock held. */
static void cfg_window(struct pci_device *d, unsigned off, unsigned len, bool is_write)
{
	struct virtio_pci *vp = d->priv;
	unsigned data = vp->cfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	struct virtio_pci_cap cap;

	if (!(off < data + 4 && data < off + len))
		return;
	memcpy(&cap, &d->cfg[vp->cfg_cap], sizeof(cap));
	if (cap.bar != 0 || (cap.length != 1 && cap.length != 2 && cap.length != 4) ||
	    cap.offset % cap.length || cap.offset >= VIRTIO_PCI_BAR0_SIZE)
		return;
	bar0_access(vp, cap.offset, &d->cfg[data], cap.length, is_write);
}

static void cfg_written(struct pci_device *d, unsigned off, unsigned len)
{
	cfg_window(d, off, len, true);
}

static void cfg_read(struct pci_device *d, unsigned off, unsigned len)
{
	cfg_window(d, off, len, false);
}

/* ---- snapshot ---- */

/* SNAP_DEV_VIRTIO_PCI, one per virtio function (instance = PCI slot): the
 * transport and its queues, under the fixed little-endian layout rules of
 * SNAP_DEV_PCI (devices/pci.c). The rings and buffers themselves are in
 * guest RAM, restored with it. EVENT_IDX is never offered, so the
 * notification state is VRING_USED_F_NO_NOTIFY (kicks_off) and the
 * interrupts owed. Nothing is in flight at a snapshot (the I/O thread is
 * parked between requests), so reset_pending and in_flight are not saved.
 * virtio-blk keeps no state of its own; virtio-net's is in virtio_net.c. */
struct vq_snap {
	uint64_t desc_addr, avail_addr, used_addr;
	uint16_t size, msix_vector;
	uint16_t last_avail, used_idx;		    /* next avail slot to consume; our used->idx */
	uint8_t ready, broken, kicks_off, irq_owed; /* each 0 or 1 */
	uint32_t irq_batch;
};

struct virtio_pci_snap {
	uint16_t device_id, num_queues, queue_max_size; /* identity */
	uint16_t msix_config;
	uint64_t offered;
	uint64_t driver_features;
	uint32_t dev_feat_sel, drv_feat_sel;
	uint8_t status; /* as the driver wrote it, NEEDS_RESET apart */
	uint8_t config_gen;
	uint8_t isr;
	uint8_t needs_reset;
	uint16_t queue_sel;
	uint16_t reserved;
	struct vq_snap vq[8]; /* zeros past num_queues */
};
_Static_assert(sizeof(struct vq_snap) == 40, "SNAP_DEV_VIRTIO_PCI queue layout changed");
_Static_assert(sizeof(struct virtio_pci_snap) == 360, "SNAP_DEV_VIRTIO_PCI layout changed");
_Static_assert(VIRTIO_PCI_MAX_QUEUES == 8, "SNAP_DEV_VIRTIO_PCI layout changed");

static void save_queue(struct virtio_pci *vp, unsigned q, struct vq_snap *s)
{
	const struct virtqueue *vq = &vp->vqs[q];

	*s = (struct vq_snap){
		.desc_addr = vq->desc_addr,
		.avail_addr = vq->avail_addr,
		.used_addr = vq->used_addr,
		.size = vq->size,
		.msix_vector = vq->msix_vector,
		.last_avail = vq->last_avail,
		.used_idx = vq->used_idx,
		.ready = vq->ready,
		.broken = vq->broken,
		.kicks_off = vq->kicks_off,
		.irq_owed = vp->irq_owed[q],
		.irq_batch = vp->irq_batch[q],
	};
}

/* pci_device_ops.snap_save. Host lock held. */
static int snap_save(struct pci_device *d, struct snap_writer *w)
{
	struct virtio_pci *vp = d->priv;
	struct virtio_pci_snap s;

	memset(&s, 0, sizeof(s));
	pthread_mutex_lock(&vp->lock);
	if (vp->in_flight) {
		pthread_mutex_unlock(&vp->lock);
		return -EBUSY; /* the I/O thread is not parked */
	}
	s.device_id = vp->ops->device_id;
	s.num_queues = (uint16_t)vp->ops->num_queues;
	s.queue_max_size = vp->ops->queue_max_size;
	s.msix_config = vp->msix_config;
	s.offered = vp->offered;
	s.driver_features = vp->driver_features;
	s.dev_feat_sel = vp->dev_feat_sel;
	s.drv_feat_sel = vp->drv_feat_sel;
	s.status = vp->status;
	s.config_gen = vp->config_gen;
	s.isr = vp->isr;
	s.needs_reset = vp->needs_reset;
	s.queue_sel = vp->queue_sel;
	for (unsigned q = 0; q < vp->ops->num_queues; q++)
		save_queue(vp, q, &s.vq[q]);
	pthread_mutex_unlock(&vp->lock);
	return snap_put(w, SNAP_DEV_VIRTIO_PCI, d->slot, &s, sizeof(s));
}

static bool vector_ok(struct virtio_pci *vp, uint16_t v)
{
	return valid_vector(vp, v) == v;
}

static bool is_flag(uint8_t v)
{
	return v <= 1;
}

static bool zeroed(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* A queue the driver never enabled (or that a reset disabled) has only
 * what the driver may have programmed: size, addresses, vector. */
static int check_idle_queue(const struct vq_snap *s, struct err *e)
{
	if (s->last_avail || s->used_idx || s->broken || s->kicks_off || s->irq_owed ||
	    s->irq_batch)
		return err_set(e, EINVAL, "disabled queue has ring state");
	return 0;
}

/* An enabled queue: its rings where vq_enable() would take them, indices
 * the device could have reached. */
static int check_live_queue(struct virtio_pci *vp, const struct vq_snap *s, bool needs_reset,
			    struct err *e)
{
	struct virtqueue tmp;
	uint16_t outstanding = (uint16_t)(s->last_avail - s->used_idx);

	vq_reset(&tmp, vp->ops->queue_max_size);
	tmp.size = s->size;
	tmp.desc_addr = s->desc_addr;
	tmp.avail_addr = s->avail_addr;
	tmp.used_addr = s->used_addr;
	if (vq_check(&tmp, &vp->vm->mem, e) < 0)
		return -e->code;
	if (!is_flag(s->broken) || !is_flag(s->kicks_off) || !is_flag(s->irq_owed))
		return err_set(e, EINVAL, "queue flags are not 0 or 1");
	/* Every chain popped was completed, unless a device error stopped
	 * the device with chains it will never complete. */
	if (needs_reset ? outstanding > s->size : outstanding != 0)
		return err_set(e, EINVAL,
			       "next available index %u and used index %u are inconsistent",
			       s->last_avail, s->used_idx);
	if (s->irq_batch > VQ_MAX_SIZE)
		return err_set(e, EINVAL, "%u completions owed an interrupt", s->irq_batch);
	return 0;
}

static int check_queue(struct virtio_pci *vp, unsigned q, const struct vq_snap *s, bool needs_reset,
		       struct err *e)
{
	int r;

	if (q >= vp->ops->num_queues)
		return zeroed(s, sizeof(*s)) ? 0 : err_set(e, EINVAL, "queue %u does not exist", q);
	if (!vector_ok(vp, s->msix_vector))
		r = err_set(e, EINVAL, "MSI-X vector %u out of range", s->msix_vector);
	else if (!is_flag(s->ready))
		r = err_set(e, EINVAL, "enable %u is not 0 or 1", s->ready);
	else if (s->ready)
		r = check_live_queue(vp, s, needs_reset, e);
	else
		r = check_idle_queue(s, e);
	return r < 0 ? err_wrap(e, "queue %u", q) : 0;
}

static int check_transport(struct virtio_pci *vp, const struct virtio_pci_snap *s, struct err *e)
{
	const struct virtio_dev_ops *ops = vp->ops;

	if (s->device_id != ops->device_id || s->num_queues != ops->num_queues ||
	    s->queue_max_size != ops->queue_max_size)
		return err_set(e, ENODEV,
			       "snapshot has virtio device %u with %u queues of %u, this one is "
			       "%u with %u of %u",
			       s->device_id, s->num_queues, s->queue_max_size, ops->device_id,
			       ops->num_queues, ops->queue_max_size);
	if (s->offered != vp->offered)
		return err_set(e, EINVAL,
			       "device offered features 0x%" PRIx64 ", now 0x%" PRIx64
			       " (different disk or NIC options?)",
			       s->offered, vp->offered);
	if ((s->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (!(s->driver_features & F(VIRTIO_F_VERSION_1)) || (s->driver_features & ~s->offered)))
		return err_set(e, EINVAL, "accepted features 0x%" PRIx64 " were never offered",
			       s->driver_features);
	if ((s->status & VIRTIO_CONFIG_S_NEEDS_RESET) || !is_flag(s->needs_reset))
		return err_set(e, EINVAL, "bad NEEDS_RESET state");
	if (s->isr & ~(0x1 /* queue */ | VIRTIO_PCI_ISR_CONFIG))
		return err_set(e, EINVAL, "ISR 0x%02x has unknown bits", s->isr);
	if (!vector_ok(vp, s->msix_config))
		return err_set(e, EINVAL, "config MSI-X vector %u out of range", s->msix_config);
	if (s->reserved)
		return err_set(e, EINVAL, "reserved bytes are not zero");
	for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
		int r = check_queue(vp, q, &s->vq[q], s->needs_reset, e);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Through the enable path (vq_enable: ring views, used->flags), then the
 * device's place in the rings. vp->lock held, driver_features restored. */
static void restore_queue(struct virtio_pci *vp, unsigned q, const struct vq_snap *s)
{
	struct virtqueue *vq = &vp->vqs[q];

	vq_reset(vq, vp->ops->queue_max_size);
	vq->size = s->size;
	vq->desc_addr = s->desc_addr;
	vq->avail_addr = s->avail_addr;
	vq->used_addr = s->used_addr;
	vq->msix_vector = s->msix_vector;
	if (s->ready) {
		queue_enable_written(vp, q, 1);
		vq->last_avail = s->last_avail;
		vq->used_idx = s->used_idx;
		vq->broken = s->broken;
		/* vq_enable cleared used->flags; put NO_NOTIFY back if it was set. */
		vq_set_kicks(vq, !s->kicks_off);
	}
	vp->irq_owed[q] = s->irq_owed;
	vp->irq_batch[q] = s->irq_batch;
}

static void apply_transport(struct virtio_pci *vp, const struct virtio_pci_snap *s)
{
	bool live;

	pthread_mutex_lock(&vp->lock);
	vp->driver_features = s->driver_features;
	for (unsigned q = 0; q < vp->ops->num_queues; q++)
		restore_queue(vp, q, &s->vq[q]);
	vp->dev_feat_sel = s->dev_feat_sel;
	vp->drv_feat_sel = s->drv_feat_sel;
	vp->status = s->status;
	vp->needs_reset = s->needs_reset;
	vp->config_gen = s->config_gen;
	vp->isr = s->isr;
	vp->msix_config = s->msix_config;
	vp->queue_sel = s->queue_sel;
	live = vp->status & VIRTIO_CONFIG_S_DRIVER_OK;
	pthread_mutex_unlock(&vp->lock);
	/* A kick the driver made just before the snapshot may have been
	 * waiting in its eventfd: look at every queue once, as DRIVER_OK does. */
	for (unsigned q = 0; live && q < vp->ops->num_queues; q++)
		if (s->vq[q].ready)
			virtio_pci_kick(vp, q);
}

/* pci_device_ops.snap_load. The PCI function (BARs, so the ioeventfds,
 * MSI-X) is restored before apply; the I/O thread is running but idle,
 * nothing has kicked it yet. Host lock held. */
static int snap_load(struct pci_device *d, const struct snap_index *idx, bool apply, struct err *e)
{
	struct virtio_pci *vp = d->priv;
	struct virtio_pci_snap s;
	int r = snap_get_exact(idx, SNAP_DEV_VIRTIO_PCI, d->slot, &s, sizeof(s), e);

	if (r == 0)
		r = check_transport(vp, &s, e);
	if (r == 0 && apply)
		apply_transport(vp, &s);
	return r;
}

static const struct pci_device_ops transport_pci_ops = {
	.cfg_written = cfg_written,
	.cfg_read = cfg_read,
	.bar_moved = bar_moved,
	.destroy = device_destroy,
	.snap_save = snap_save,
	.snap_load = snap_load,
};

static int add_virtio_cap(struct pci_device *d, uint8_t type, uint32_t off, uint32_t len,
			  struct err *e)
{
	struct virtio_pci_notify_cap c = {
		.cap = { .cap_vndr = PCI_CAP_ID_VNDR,
			 .cfg_type = type,
			 .bar = 0,
			 .offset = off,
			 .length = len },
		.notify_off_multiplier = VIRTIO_PCI_NOTIFY_MULT,
	};
	unsigned size = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? sizeof(c) : sizeof(c.cap);
	int r;

	c.cap.cap_len = (uint8_t)size;
	r = pci_device_add_cap(d, &c, size, e);
	return r < 0 ? r : 0;
}

static int add_cfg_window(struct virtio_pci *vp, struct err *e)
{
	struct virtio_pci_cfg_cap c = {
		.cap = { .cap_vndr = PCI_CAP_ID_VNDR,
			 .cap_len = sizeof(c),
			 .cfg_type = VIRTIO_PCI_CAP_PCI_CFG },
	};
	int at = pci_device_add_cap(vp->pci, &c, sizeof(c), e);

	if (at < 0)
		return at;
	vp->cfg_cap = (uint8_t)at;
	/* bar, offset, length and the data bytes are the guest's to write. */
	pci_cfg_set_writable(vp->pci, (unsigned)at + offsetof(struct virtio_pci_cap, bar), 1);
	pci_cfg_set_writable(vp->pci, (unsigned)at + offsetof(struct virtio_pci_cap, offset), 8);
	pci_cfg_set_writable(vp->pci,
			     (unsigned)at + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data), 4);
	return 0;
}

static int build_function(struct virtio_pci *vp, struct err *e)
{
	const struct virtio_dev_ops *ops = vp->ops;
	struct pci_device *d = vp->pci;
	int r;

	r = pci_device_add_bar(d, 0, VIRTIO_PCI_BAR0_SIZE, bar0_access, vp, e);
	if (r == 0)
		r = pci_device_add_msix(d, 2, ops->num_queues + 1, e);
	if (r == 0)
		r = pci_device_add_intx(d, e);
	if (r == 0)
		r = add_virtio_cap(d, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF,
				   sizeof(common_cfg), e);
	if (r == 0)
		r = add_virtio_cap(d, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, 1, e);
	if (r == 0)
		r = add_virtio_cap(d, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVCFG_OFF,
				   (uint32_t)ops->config_size, e);
	if (r == 0)
		r = add_virtio_cap(d, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
				   ops->num_queues * VIRTIO_PCI_NOTIFY_MULT, e);
	if (r == 0)
		r = add_cfg_window(vp, e);
	return r;
}

static int open_fds(struct virtio_pci *vp, struct err *e)
{
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		vp->kick_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->kick_fd[q] < 0)
			return err_sys(e, "%s: eventfd", vp->ops->name);
	}
	vp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vp->stop_fd < 0)
		return err_sys(e, "%s: eventfd", vp->ops->name);
	vp->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (vp->epoll_fd < 0)
		return err_sys(e, "%s: epoll_create1", vp->ops->name);
	return 0;
}

int virtio_pci_create(struct vm *vm, struct pci_host *host, const struct virtio_dev_ops *ops,
		      void *dev, struct virtio_pci **out, struct err *e)
{
	struct virtio_pci *vp;
	int r;

	if (ops->num_queues == 0 || ops->num_queues > VIRTIO_PCI_MAX_QUEUES ||
	    ops->config_size > DEVCFG_MAX || ops->queue_max_size > VQ_MAX_SIZE ||
	    !ops->queue_max_size || (ops->queue_max_size & (ops->queue_max_size - 1)))
		return err_set(e, EINVAL, "%s: bad virtio device description", ops->name);
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return err_set(e, ENOMEM, "%s: out of memory", ops->name);
	vp->vm = vm;
	vp->ops = ops;
	vp->dev = dev;
	vp->stop_fd = vp->epoll_fd = -1;
	for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
		vp->kick_fd[q] = -1;
	pthread_mutex_init(&vp->lock, NULL);
	snprintf(vp->thread_name, sizeof(vp->thread_name), "vio-%s", ops->name);
	vp->offered = ops->features(dev) | F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_INDIRECT_DESC);
	pthread_mutex_lock(&vp->lock);
	virtio_pci_reset_locked(vp);
	pthread_mutex_unlock(&vp->lock);

	r = pci_device_alloc(host, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + ops->device_id,
			     ops->pci_class, 1, VIRTIO_PCI_VENDOR, 0x40 + ops->device_id, ops->name,
			     &vp->pci, e);
	if (r < 0) {
		transport_free(vp);
		return r;
	}
	r = build_function(vp, e);
	if (r == 0)
		r = open_fds(vp, e);
	if (r == 0)
		bind_kicks(vp, vp->pci->bars[0].addr, true);
	if (r == 0)
		r = virtio_pci_start_thread(vp, e);
	if (r == 0)
		r = pci_device_publish(vp->pci, &transport_pci_ops, vp, e);
	if (r < 0) {
		virtio_pci_stop_thread(vp);
		if (vp->pci->bars[0].size)
			bind_kicks(vp, vp->pci->bars[0].addr, false);
		pci_device_free(vp->pci);
		transport_free(vp);
		return r;
	}
	*out = vp;
	return 0;
}
