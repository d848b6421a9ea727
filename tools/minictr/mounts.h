/* The container's filesystem, set up by its first process inside its own
 * mount namespace: overlay over the image, volumes, /proc, /dev, /sys, then
 * pivot_root and the OCI-style masks. */
#ifndef MINICTR_MOUNTS_H
#define MINICTR_MOUNTS_H

#include <stdbool.h>

#include "common/err.h"
#include "tools/minictr/opts.h"

struct mounts_cfg {
	const struct ctr_opts *o;
	const char *lower;   /* image directory (overlay lowerdir) */
	int lower_fd;	     /* or a detached mount of it to attach first, -1 if none */
	const char *scratch; /* empty host directory to mount the tmpfs on */
	const int *vol_fds;  /* O_PATH fds of the volumes' host paths, opened by
				* minictr with the caller's rights, one per o->vols */
	bool gid5_mapped;    /* devpts may use gid=5 (tty) */
};

/* 0, or 1 when the root is a chroot (an initramfs cannot be pivoted away). */
int mounts_setup(const struct mounts_cfg *c, struct err *e);
/* Make a detached mount tree read-only, submounts included. */
int mounts_tree_rdonly(int tree, struct err *e);

#endif
