/* A whole regular file mapped read-only (kernel, initrd and later images),
 * with one clear error for a missing, empty or non-regular file. */
#ifndef MINIVMM_FILE_MAP_H
#define MINIVMM_FILE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct mapped_file {
	const char *path;
	const uint8_t *data;
	size_t len;
};

/* what names the file in errors ("kernel", "initrd"). */
int map_file(struct mapped_file *f, const char *path, const char *what, struct err *e);
/* Safe on a file never mapped or already unmapped. */
void unmap_file(struct mapped_file *f);

#endif
