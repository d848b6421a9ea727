/* `--disk PATH[,ro][,cache=writeback|unsafe][,serial=ID]`: a pure parser
 * (disk_opts_parse) split from the side effects of opening the image
 * (disk_open), so the CLI can reject bad options and unusable images before
 * /dev/kvm is opened. */
#ifndef MINIVMM_DISK_OPTS_H
#define MINIVMM_DISK_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#include "common/err.h"

#define VM_MAX_DISKS	 16
#define DISK_PATH_MAX	 4096
#define DISK_SECTOR_SIZE 512

enum disk_cache {
	DISK_CACHE_WRITEBACK, /* default: a guest flush is an fdatasync */
	DISK_CACHE_UNSAFE,    /* flushes are dropped: scratch disks only */
};

struct disk_config {
	/* Filled by disk_opts_parse(). */
	char path[DISK_PATH_MAX];
	bool readonly;
	enum disk_cache cache;
	bool has_serial;
	char serial[VIRTIO_BLK_ID_BYTES + 1]; /* NUL-terminated, <= 20 bytes */

	/* Filled by disk_open(). */
	int fd;	       /* -1 until opened */
	uint64_t size; /* bytes, a multiple of 512 */
	bool is_blockdev;
	bool can_punch_hole; /* fallocate(PUNCH_HOLE) works: offer DISCARD */
	bool can_zero_range; /* offer WRITE_ZEROES (ZERO_RANGE, else written zeros) */
};

/* Parse one --disk argument into *out (which is fully reset; fd = -1).
 * Errors: empty path, unknown key, duplicate key, bad cache mode, serial
 * longer than 20 bytes or empty. */
int disk_opts_parse(const char *arg, struct disk_config *out, struct err *e);

/* Open cfg->path: O_RDWR (O_RDONLY for ro), regular file or block device,
 * size a multiple of 512; writable images get an OFD write lock so a second
 * VMM fails with "PATH is in use by another process". Errors name the path. */
int disk_open(struct disk_config *cfg, struct err *e);
/* Close the image if open (the lock goes with the fd). */
void disk_close(struct disk_config *cfg);

#endif
