/* A whole regular file mapped read-only (kernel, initrd and later images),
 * with one clear error for a missing, empty or non-regular file. The file
 * stays open after unmap_file(), so it can be mapped again without its path
 * (a guest reset inside --jail, where the path is gone). */
#ifndef MINIVMM_FILE_MAP_H
#define MINIVMM_FILE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct mapped_file {
	const char *path;
	const char *what; /* names the file in errors ("kernel", "initrd") */
	const uint8_t *data;
	size_t len;
	int fd;
	bool open; /* fd is ours: a zeroed struct holds no descriptor */
};

/* Open and map path. */
int map_file(struct mapped_file *f, const char *path, const char *what, struct err *e);
/* Map the file again from its open descriptor (after unmap_file). */
int remap_file(struct mapped_file *f, struct err *e);
/* Drop the mapping, keep the file open. Safe on a file never mapped. */
void unmap_file(struct mapped_file *f);
/* Unmap and close. Safe to repeat. */
void close_mapped_file(struct mapped_file *f);

#endif
