/* An idmapped view of a container image: the image's owners (host root owns a
 * Debian tree) appear shifted into the container's id range without a file
 * being copied or chowned, as crun and podman do on kernels that allow it. */
#ifndef MINICTR_IDMOUNT_H
#define MINICTR_IDMOUNT_H

#include "common/err.h"
#include "tools/minictr/idmap.h"

/* A detached, read-only, nodev, nosuid mount of directory dir whose ids are
 * mapped through map (uid and gid alike; NULL: not mapped), for move_mount()
 * inside the container. Needs root
 * and a file system with idmapped-mount support (ext4, xfs, btrfs; tmpfs only
 * from Linux 6.3). On any failure, a negative errno and a message: the caller
 * falls back to a shifted copy. */
int idmount_open(const char *dir, const struct idmap *map, int *fd, struct err *e);

#endif
