/* Making a directory the process's root, for minictr's containers and
 * minivmm's --jail. Call in a private mount namespace, with dir a mount
 * point (bind-mount it on itself first). */
#ifndef MINIVMM_ROOT_H
#define MINIVMM_ROOT_H

#include "common/err.h"

/* pivot_root into dir and detach the old root. Where the old root is the
 * initramfs, which cannot be pivoted away, dir is moved over it and chrooted
 * into: returns 1, and the caller must drop CAP_SYS_CHROOT (a chroot is left
 * by chrooting again). 0 after a pivot, or a negative errno. */
int root_enter(const char *dir, struct err *e);

#endif
