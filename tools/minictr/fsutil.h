/* Small file helpers shared by the minictr parts. */
#ifndef MINICTR_FSUTIL_H
#define MINICTR_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

/* Write text to an existing file (cgroup and /proc knobs) in one write(). */
int write_text(const char *path, const char *text, struct err *e);
/* Read up to len-1 bytes and NUL-terminate. */
int read_text(const char *path, char *buf, size_t len, struct err *e);
/* mkdir -p with mode for missing components. */
int mkdir_p(const char *path, mode_t mode, struct err *e);
/* Create an empty file (for bind-mount targets) if it does not exist. */
int touch(const char *path, struct err *e);
/* rm -rf without following symlinks or crossing mounts. */
int remove_tree(const char *path, struct err *e);

/* Remove the empty directories "ctr-PID" in dir whose minictr (PID) is gone:
 * a minictr killed with SIGKILL could not remove its own. */
void remove_stale(const char *dir);

#endif
