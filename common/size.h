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

/* A CPU count like "2" or "0.5" (at most 3 decimals, more than 0, at most
 * 1000000) in thousandths of a CPU; opt names the option in errors. */
int parse_cpu_millis(const char *opt, const char *s, uint64_t *millis, struct err *e);

#endif
