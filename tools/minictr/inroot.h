/* Paths inside the container's root, resolved as the container would see
 * them, before pivot_root: an image's symlink (vol -> ../../../etc) can
 * never lead a mount or a new directory out onto the host. */
#ifndef MINICTR_INROOT_H
#define MINICTR_INROOT_H

#include <stdbool.h>

#include "common/err.h"

/* An O_PATH fd for path (absolute inside the root) resolved under root
 * (openat2 RESOLVE_IN_ROOT: "..", absolute symlinks and all stay inside),
 * creating what is missing: directories, and the last component as a
 * directory (dir) or an empty file. */
int inroot_open(int root, const char *path, bool dir, struct err *e);
/* Make root/name a real directory: a symlink the image put there is
 * replaced (in the writable layer) so that a plain path through it is safe. */
int inroot_plain_dir(int root, const char *name, struct err *e);

#endif
