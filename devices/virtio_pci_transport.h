/* Private to the virtio-pci transport (virtio_pci.c: registers and
 * lifetime; virtio_pci_queue.c: I/O thread, queue service and interrupts).
 * Device models include devices/virtio_pci.h only and ask through its
 * functions, so the transport's locking stays in these two files. */
#ifndef MINIVMM_VIRTIO_PCI_TRANSPORT_H
#define MINIVMM_VIRTIO_PCI_TRANSPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio_pci.h"

#define VIRTIO_PCI_MAX_EXTRA 4 /* extra fds a device may watch */

struct virtio_pci_watch {
	int fd;
	void (*cb)(void *dev, struct virtio_pci *vp, int fd);
};

/* Transport state. Fields below lock are guarded by it. */
struct virtio_pci {
	struct vm *vm;
	struct pci_device *pci;
	const struct virtio_dev_ops *ops;
	void *dev;
	char thread_name[16];

	pthread_mutex_t lock;
	uint64_t offered; /* device features */
	uint64_t driver_features;
	uint32_t dev_feat_sel, drv_feat_sel;
	uint8_t status; /* as the driver wrote it (NEEDS_RESET apart) */
	uint8_t config_gen;
	uint8_t isr; /* VIRTIO_PCI_ISR_* bits, INTx mode */
	bool needs_reset;
	bool reset_pending; /* reset requested while a chain was in flight */
	bool in_flight;	    /* a popped chain is not completed yet */
	uint16_t msix_config;
	uint16_t queue_sel;
	struct virtqueue vqs[VIRTIO_PCI_MAX_QUEUES];
	bool irq_owed[VIRTIO_PCI_MAX_QUEUES]; /* completions not signalled yet */
	unsigned irq_batch[VIRTIO_PCI_MAX_QUEUES];

	uint8_t cfg_cap; /* VIRTIO_PCI_CAP_PCI_CFG offset (host lock) */

	/* Immutable after create. */
	int kick_fd[VIRTIO_PCI_MAX_QUEUES];	/* queue notifications */
	bool kick_bound[VIRTIO_PCI_MAX_QUEUES]; /* ioeventfd registered */
	int stop_fd;
	int epoll_fd;
	pthread_t thread;
	bool thread_started;
	struct virtio_pci_watch watch[VIRTIO_PCI_MAX_EXTRA];
	unsigned nwatch;
};

/* Called between the two transport files; *_locked with vp->lock held. */
void virtio_pci_reset_locked(struct virtio_pci *vp);
void virtio_pci_config_irq_locked(struct virtio_pci *vp);
int virtio_pci_start_thread(struct virtio_pci *vp, struct err *e);
void virtio_pci_stop_thread(struct virtio_pci *vp);

#endif
