/* The read-only image under the container's overlay: a directory used as
 * is, or a copy in the cache when it is a tar archive or when its owners must
 * be shifted into the user namespace's host id range. */
#ifndef MINICTR_IMAGE_H
#define MINICTR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/err.h"
#include "tools/minictr/idmap.h"

/* Resolve rootfs to a directory usable as overlay lowerdir. map (NULL: keep
 * owners) moves every file's uid/gid to its host id; an id outside it is an
 * error. Device nodes are never copied. The cache is $MINICTR_CACHE, else
 * /var/cache/minictr as root, else ~/.cache/minictr, made 0700: a copy
 * keeps the image's setuid files. */
int image_resolve(const char *rootfs, const struct idmap *map, bool verbose, char *lower,
		  size_t len, struct err *e);
/* Host owner of an image file owned by uid:gid (rel names it in the error),
 * or -ERANGE when the map does not cover either id. */
int image_map_owner(const struct idmap *m, const char *rel, uint32_t uid, uint32_t gid,
		    uint32_t *host_uid, uint32_t *host_gid, struct err *e);
/* Cache key part for a tar archive: its size, mtime, ctime, inode, device. */
uint64_t image_tar_key(uint64_t h, const struct stat *st);
/* 64-bit FNV-1a, for cache keys. */
uint64_t image_hash(uint64_t h, const void *data, size_t len);

#endif
