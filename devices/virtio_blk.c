/* virtio-blk device model: features, config space and the request queue.
 * The transport (virtio_pci.c) does the PCI side and runs process_queue on
 * the device's I/O thread; blk_request.c executes each request. */
#include "devices/virtio_blk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/virtio_ids.h>

#include "devices/virtio_pci.h"
#include "vmm/vm.h"

#define F(bit) (1ULL << (bit))

struct virtio_blk {
	struct blk_backend be;
	struct virtio_blk_config config;
	uint64_t features;
	struct virtio_dev_ops ops;
	char name[16];
	struct vq_chain chain; /* scratch for the one request in flight */
};

void blk_default_serial(const unsigned char uuid[16], unsigned index,
			char out[VIRTIO_BLK_ID_BYTES + 1])
{
	/* "mvm" + 6 UUID bytes in hex + "-" + index: unique per VM and disk. */
	snprintf(out, VIRTIO_BLK_ID_BYTES + 1, "mvm%02x%02x%02x%02x%02x%02x-%u", uuid[0], uuid[1],
		 uuid[2], uuid[3], uuid[4], uuid[5], index % 1000u);
}

static uint64_t blk_features(void *dev)
{
	return ((struct virtio_blk *)dev)->features;
}

static void blk_get_config(void *dev, void *buf)
{
	memcpy(buf, &((struct virtio_blk *)dev)->config, sizeof(struct virtio_blk_config));
}

static void blk_process_queue(void *dev, struct virtio_pci *vp, unsigned q)
{
	struct virtio_blk *blk = dev;

	while (virtio_pci_pop(vp, q, &blk->chain) > 0) {
		uint32_t used;

		if (blk_handle_request(&blk->be, &blk->chain, &used) < 0) {
			if (blk->be.metrics)
				metric_add(&blk->be.metrics->errors, 1);
			virtio_pci_chain_error(vp, q, 1);
			return;
		}
		virtio_pci_complete(vp, q, &blk->chain, used);
	}
}

static void blk_destroy(void *dev)
{
	struct virtio_blk *blk = dev;

	if (blk->be.fd >= 0)
		close(blk->be.fd);
	free(blk);
}

static void setup(struct virtio_blk *blk, const struct disk_config *cfg)
{
	struct virtio_blk_config *c = &blk->config;
	struct blk_backend *b = &blk->be;

	b->sectors = cfg->size / DISK_SECTOR_SIZE;
	b->readonly = cfg->readonly;
	b->unsafe = cfg->cache == DISK_CACHE_UNSAFE;
	b->discard = !cfg->readonly && cfg->can_punch_hole;
	b->write_zeroes = !cfg->readonly && cfg->can_zero_range;

	/* FLUSH is offered with cache=unsafe too, and completes at once. */
	blk->features = F(VIRTIO_BLK_F_SEG_MAX) | F(VIRTIO_BLK_F_BLK_SIZE) | F(VIRTIO_BLK_F_FLUSH);
	c->capacity = b->sectors;
	c->seg_max = VIRTIO_BLK_SEG_MAX;
	c->blk_size = DISK_SECTOR_SIZE;
	if (b->readonly)
		blk->features |= F(VIRTIO_BLK_F_RO);
	if (b->discard) {
		blk->features |= F(VIRTIO_BLK_F_DISCARD);
		c->max_discard_sectors = VIRTIO_BLK_MAX_RANGE_SECTORS;
		c->max_discard_seg = 1;
		c->discard_sector_alignment = 1;
	}
	if (b->write_zeroes) {
		blk->features |= F(VIRTIO_BLK_F_WRITE_ZEROES);
		c->max_write_zeroes_sectors = VIRTIO_BLK_MAX_RANGE_SECTORS;
		c->max_write_zeroes_seg = 1;
	}
}

int virtio_blk_create(struct vm *vm, struct pci_host *pci, struct disk_config *cfg, unsigned index,
		      struct err *e)
{
	struct virtio_blk *blk;
	struct virtio_pci *vp;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	int r;

	if (cfg->fd < 0)
		return err_set(e, EBADF, "disk %s is not open", cfg->path);
	blk = calloc(1, sizeof(*blk));
	if (!blk)
		return err_set(e, ENOMEM, "disk %s: out of memory", cfg->path);
	snprintf(blk->name, sizeof(blk->name), "blk%u", index);
	blk->be.metrics = vm_dev_metrics(vm, blk->name);
	blk->be.fd = cfg->fd;
	if (cfg->has_serial)
		snprintf(serial, sizeof(serial), "%s", cfg->serial);
	else
		blk_default_serial(vm->uuid, index, serial);
	/* The ID field is NUL-padded, not NUL-terminated, at 20 bytes. */
	memcpy(blk->be.serial, serial, strlen(serial));
	setup(blk, cfg);
	blk->ops = (struct virtio_dev_ops){
		.name = blk->name,
		.device_id = VIRTIO_ID_BLOCK,
		.pci_class = 0x018000, /* mass storage, other */
		.num_queues = 1,
		.queue_max_size = VIRTIO_BLK_QUEUE_SIZE,
		.features = blk_features,
		.config_size = sizeof(struct virtio_blk_config),
		.get_config = blk_get_config,
		.process_queue = blk_process_queue,
		.destroy = blk_destroy,
	};
	r = virtio_pci_create(vm, pci, &blk->ops, blk, &vp, e);
	if (r < 0) {
		free(blk);
		return err_wrap(e, "disk %s", cfg->path);
	}
	cfg->fd = -1; /* the device owns the image now */
	return 0;
}
