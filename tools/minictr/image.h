/* The read-only image under the container's overlay: a directory used as
 * is, or a copy in the cache when it is a tar archive or when its owners must
 * be shifted into the user namespace's host id range. */
#ifndef MINICTR_IMAGE_H
#define MINICTR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Resolve rootfs to a directory usable as overlay lowerdir. shift is added to
 * every file's uid/gid (0: keep owners). The cache is $MINICTR_CACHE, else
 * /var/cache/minictr as root, else ~/.cache/minictr. */
int image_resolve(const char *rootfs, uint32_t shift, bool verbose, char *lower, size_t len,
		  struct err *e);
/* 64-bit FNV-1a, for cache keys. */
uint64_t image_hash(uint64_t h, const void *data, size_t len);

#endif
