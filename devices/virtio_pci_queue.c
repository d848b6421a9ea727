/* virtio-pci transport, I/O side: the per-device I/O thread, queue service
 * (pop/complete under the transport lock, device I/O outside it), reset
 * and interrupt delivery (MSI-X vectors, or ISR + INTx). */
#include "devices/virtio_pci_transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "vmm/seccomp.h"
#include "vmm/vm.h"

/* Completions after which an interrupt goes out even if the queue still has
 * work, so a busy queue does not starve the driver of completions. */
#define IRQ_BATCH 32

#define EV_STOP	   0x100
#define EV_VM_STOP 0x101
#define EV_PAUSE   0x102
#define EV_WATCH   0x200

void virtio_pci_kick(struct virtio_pci *vp, unsigned q)
{
	uint64_t one = 1;

	if (q < vp->ops->num_queues && vp->kick_fd[q] >= 0 &&
	    write(vp->kick_fd[q], &one, sizeof(one)) < 0) {
		/* Only fails when the counter is saturated: already pending. */
	}
}

static void interrupt_locked(struct virtio_pci *vp, uint16_t vector, uint8_t isr_bit)
{
	/* MSI-X on: the vector, or nothing when the driver mapped none.
	 * MSI-X off (-ENODEV): ISR bit and INTx. One check, no window for the
	 * guest to toggle MSI-X in between. */
	if (vector != VIRTIO_MSI_NO_VECTOR) {
		if (pci_msix_notify(vp->pci, vector) != -ENODEV)
			return;
	} else if (pci_msix_enabled(vp->pci)) {
		return;
	}
	vp->isr |= isr_bit;
	pci_intx_set(vp->pci, true);
}

void virtio_pci_config_irq_locked(struct virtio_pci *vp)
{
	interrupt_locked(vp, vp->msix_config, VIRTIO_PCI_ISR_CONFIG);
}

/* Device error (virtio 1.x 2.1.2): DEVICE_NEEDS_RESET and one config
 * interrupt; queues stay untouched until the driver writes status 0. */
static void needs_reset_locked(struct virtio_pci *vp)
{
	if (vp->needs_reset)
		return;
	vp->needs_reset = true;
	virtio_pci_config_irq_locked(vp);
}

void virtio_pci_set_needs_reset(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->lock);
	needs_reset_locked(vp);
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->lock);
	vp->config_gen++;
	if (vp->status & VIRTIO_CONFIG_S_DRIVER_OK)
		virtio_pci_config_irq_locked(vp);
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_reset_locked(struct virtio_pci *vp)
{
	for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
		vq_reset(&vp->vqs[q], vp->ops->queue_max_size);
		vp->irq_owed[q] = false;
		vp->irq_batch[q] = 0;
	}
	vp->driver_features = 0;
	vp->dev_feat_sel = vp->drv_feat_sel = 0;
	vp->status = 0;
	vp->needs_reset = false;
	vp->reset_pending = false;
	vp->msix_config = VIRTIO_MSI_NO_VECTOR;
	vp->queue_sel = 0;
	vp->isr = 0;
	if (vp->pci)
		pci_intx_set(vp->pci, false);
	if (vp->ops->reset)
		vp->ops->reset(vp->dev);
}

/* Send the interrupt a queue owes, unless the driver suppressed it. */
static void flush_irq_locked(struct virtio_pci *vp, unsigned q)
{
	struct virtqueue *vq = &vp->vqs[q];

	if (!vp->irq_owed[q])
		return;
	vp->irq_owed[q] = false;
	vp->irq_batch[q] = 0;
	if (vq_want_interrupt(vq))
		interrupt_locked(vp, vq->msix_vector, 0x1 /* queue interrupt */);
}

int virtio_pci_pop(struct virtio_pci *vp, unsigned q, struct vq_chain *c)
{
	int r = 0;

	if (q >= vp->ops->num_queues)
		return 0;
	pthread_mutex_lock(&vp->lock);
	if (!vp->reset_pending && !vp->needs_reset && (vp->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		struct virtqueue *vq = &vp->vqs[q];

		r = vq_pop(vq, c);
		/* Kicks are off while we drain the queue; before calling it
		 * empty, turn them on and look once more. */
		if (r == 0 && vq->kicks_off) {
			vq_set_kicks(vq, true);
			r = vq_pop(vq, c);
		}
		if (r == 1 && !vq->kicks_off)
			vq_set_kicks(vq, false);
	}
	if (r < 0) {
		/* A broken ring or a malformed chain: stop and tell the driver;
		 * the bad chain is not completed. */
		if (vp->vm->verbose)
			fprintf(stderr, "minivmm: %s: queue %u: malformed ring or chain (%s)\n",
				vp->ops->name, q, strerror(-r));
		needs_reset_locked(vp);
		r = 0;
	}
	if (r == 0)
		flush_irq_locked(vp, q);
	else
		vp->in_flight = true;
	pthread_mutex_unlock(&vp->lock);
	return r;
}

/* The chains in flight are done with. True when the driver reset the
 * device meanwhile: the reset happens now, the chains are forgotten. */
static bool done_locked(struct virtio_pci *vp)
{
	vp->in_flight = false;
	if (!vp->reset_pending)
		return false;
	virtio_pci_reset_locked(vp);
	return true;
}

void virtio_pci_complete_batch(struct virtio_pci *vp, unsigned q, const struct vring_used_elem *els,
			       unsigned n)
{
	if (q >= vp->ops->num_queues)
		return;
	pthread_mutex_lock(&vp->lock);
	if (!done_locked(vp) && vp->vqs[q].ready && n) {
		vq_push_batch(&vp->vqs[q], els, n);
		vp->irq_owed[q] = true;
		vp->irq_batch[q] += n;
		if (vp->irq_batch[q] >= IRQ_BATCH)
			flush_irq_locked(vp, q);
	}
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_complete(struct virtio_pci *vp, unsigned q, const struct vq_chain *c, uint32_t len)
{
	struct vring_used_elem el = { .id = c->head, .len = len };

	virtio_pci_complete_batch(vp, q, &el, 1);
}

void virtio_pci_unpop(struct virtio_pci *vp, unsigned q, unsigned n)
{
	if (q >= vp->ops->num_queues)
		return;
	pthread_mutex_lock(&vp->lock);
	if (!done_locked(vp) && vp->vqs[q].ready)
		vq_unpop(&vp->vqs[q], (uint16_t)n);
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_chain_error(struct virtio_pci *vp, unsigned q, unsigned n)
{
	(void)n; /* the device is stopped until reset: nothing to give back */
	if (q >= vp->ops->num_queues)
		return;
	pthread_mutex_lock(&vp->lock);
	if (!done_locked(vp)) {
		if (vp->vm->verbose)
			fprintf(stderr, "minivmm: %s: queue %u: malformed request\n", vp->ops->name,
				q);
		needs_reset_locked(vp);
	}
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_flush_irq(struct virtio_pci *vp, unsigned q)
{
	if (q >= vp->ops->num_queues)
		return;
	pthread_mutex_lock(&vp->lock);
	flush_irq_locked(vp, q);
	pthread_mutex_unlock(&vp->lock);
}

static int epoll_add(struct virtio_pci *vp, int fd, uint64_t tag, struct err *e)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(vp->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return err_sys(e, "%s: epoll_ctl", vp->ops->name);
	return 0;
}

int virtio_pci_watch_fd(struct virtio_pci *vp, int fd,
			void (*cb)(void *dev, struct virtio_pci *vp, int fd), struct err *e)
{
	unsigned i = vp->nwatch;

	if (i == VIRTIO_PCI_MAX_EXTRA)
		return err_set(e, ENOSPC, "%s: too many watched fds", vp->ops->name);
	vp->watch[i] = (struct virtio_pci_watch){ .fd = fd, .cb = cb };
	vp->nwatch++;
	return epoll_add(vp, fd, EV_WATCH + i, e);
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: another wakeup already consumed it. */
	}
}

static void io_loop(struct virtio_pci *vp)
{
	for (;;) {
		struct epoll_event ev[VIRTIO_PCI_MAX_QUEUES + VIRTIO_PCI_MAX_EXTRA + 2];
		int n = epoll_wait(vp->epoll_fd, ev, (int)(sizeof(ev) / sizeof(ev[0])), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;

			/* The VM's stop fd is only watched, never read: every
			 * thread must see it. */
			if (tag == EV_STOP || tag == EV_VM_STOP)
				return;
			if (tag == EV_PAUSE) {
				/* Parked until resumed: no guest memory touched,
				 * no interrupt raised meanwhile. */
				vm_pause_point(vp->vm, NULL, NULL);
			} else if (tag >= EV_WATCH) {
				const struct virtio_pci_watch *w = &vp->watch[tag - EV_WATCH];

				w->cb(vp->dev, vp, w->fd);
			} else {
				drain(vp->kick_fd[tag]);
				vp->ops->process_queue(vp->dev, vp, (unsigned)tag);
			}
		}
	}
}

static void *io_thread(void *arg)
{
	struct virtio_pci *vp = arg;

	/* Named from inside: naming another thread opens its /proc comm file,
	 * which no filter allows. */
	pthread_setname_np(pthread_self(), vp->thread_name);
	if (seccomp_enter_thread(vp->vm, seccomp_io_role(vp->ops->name)) == 0)
		io_loop(vp);
	vm_pause_leave(vp->vm);
	return NULL;
}

int virtio_pci_start_thread(struct virtio_pci *vp, struct err *e)
{
	int r;

	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		r = epoll_add(vp, vp->kick_fd[q], q, e);
		if (r < 0)
			return r;
	}
	r = epoll_add(vp, vp->stop_fd, EV_STOP, e);
	if (r == 0 && vp->vm->stop_fd >= 0)
		r = epoll_add(vp, vp->vm->stop_fd, EV_VM_STOP, e);
	if (r == 0 && vp->vm->pause.fd >= 0)
		r = epoll_add(vp, vp->vm->pause.fd, EV_PAUSE, e);
	if (r < 0)
		return r;
	vm_pause_join(vp->vm);
	r = pthread_create(&vp->thread, NULL, io_thread, vp);
	if (r != 0) {
		vm_pause_leave(vp->vm);
		return err_set(e, r, "%s: pthread_create failed", vp->ops->name);
	}
	vp->thread_started = true;
	return 0;
}

void virtio_pci_stop_thread(struct virtio_pci *vp)
{
	uint64_t one = 1;

	if (!vp->thread_started)
		return;
	if (write(vp->stop_fd, &one, sizeof(one)) < 0) {
		/* Cannot fail on a fresh eventfd; the join below would hang
		 * only if it did, and then the thread was already signalled. */
	}
	pthread_join(vp->thread, NULL);
	vp->thread_started = false;
}
