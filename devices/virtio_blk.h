/* virtio-blk (virtio spec 5.2) over the virtio-pci transport: one request
 * queue served by the device's I/O thread with preadv/pwritev on the image.
 * Requests: IN, OUT, FLUSH (fdatasync before the status is written; dropped
 * with cache=unsafe), GET_ID, DISCARD and WRITE_ZEROES (fallocate, offered
 * only when the image supports it). */
#ifndef MINIVMM_VIRTIO_BLK_H
#define MINIVMM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#include "common/err.h"
#include "devices/dev_metrics.h"
#include "devices/disk_opts.h"
#include "devices/virtqueue.h"

struct vm;
struct pci_host;

#define VIRTIO_BLK_QUEUE_SIZE	     256
#define VIRTIO_BLK_SEG_MAX	     (VIRTIO_BLK_QUEUE_SIZE - 2)
/* Sectors per DISCARD / WRITE_ZEROES segment (advertised, and enforced). */
#define VIRTIO_BLK_MAX_RANGE_SECTORS 0x400000u

/* Add disk number index (0-based, command-line order) as a virtio-blk PCI
 * device. cfg must have been opened with disk_open(); on success the device
 * takes cfg->fd (cfg->fd becomes -1), on failure the caller still owns it.
 * Without serial= the ID is derived from vm->uuid and index. */
int virtio_blk_create(struct vm *vm, struct pci_host *pci, struct disk_config *cfg, unsigned index,
		      struct err *e);

/* The request engine, independent of the transport (unit tests, fuzzing). */
struct blk_backend {
	int fd;
	uint64_t sectors; /* capacity in 512-byte sectors */
	bool readonly;
	bool unsafe;	   /* cache=unsafe: FLUSH is a no-op */
	bool discard;	   /* DISCARD offered */
	bool write_zeroes; /* WRITE_ZEROES offered */
	char serial[VIRTIO_BLK_ID_BYTES];
	struct dev_metrics *metrics; /* counted into when set (GET /metrics) */
};

/* Execute one request chain: 0 with *used the length to report (bytes
 * written into the chain, status included); a request the device refuses
 * gets an error status. -EINVAL when the chain has no 16-byte
 * device-readable header or no device-writable status byte: a device error
 * (the caller puts the device in NEEDS_RESET), nothing was written. */
int blk_handle_request(const struct blk_backend *b, const struct vq_chain *c, uint32_t *used);

/* The default serial for disk index of the VM with this UUID (<= 20 bytes). */
void blk_default_serial(const unsigned char uuid[16], unsigned index,
			char out[VIRTIO_BLK_ID_BYTES + 1]);

#endif
