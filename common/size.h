/* Size strings shared by minivmm and minictr: "512", "64K", "128m", "2G", "1T".
 * Binary units (K = 1024), case-insensitive, no suffix means bytes. */
#ifndef MINIVMM_SIZE_H
#define MINIVMM_SIZE_H

#include <stdint.h>

#include "common/err.h"

/* Parse s into *out. Rejects empty, signed, non-decimal, trailing garbage and
 * values that overflow 64 bits. Zero is accepted: callers decide whether it
 * makes sense. Returns 0 or -EINVAL / -ERANGE with e filled. */
int parse_size(const char *s, uint64_t *out, struct err *e);

#endif
