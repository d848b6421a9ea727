/* Small text-file helpers for kernel knobs (cgroup, /proc) that minictr and
 * minivmm share. */
#ifndef MINIVMM_FILE_TEXT_H
#define MINIVMM_FILE_TEXT_H

#include <stddef.h>

#include "common/err.h"

/* Write text to an existing file (cgroup and /proc knobs) in one write(). */
int write_text(const char *path, const char *text, struct err *e);
/* Read up to len-1 bytes and NUL-terminate. */
int read_text(const char *path, char *buf, size_t len, struct err *e);
/* Remove the empty directories "<anything>-PID" in dir whose process PID is
 * gone: an owner killed with SIGKILL could not remove its own. */
void remove_stale(const char *dir);

#endif
