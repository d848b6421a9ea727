/* Small file helpers shared by the minictr parts; the text-knob helpers
 * (read_text, write_text, remove_stale) are common/file_text.h, included here
 * for them. */
#ifndef MINICTR_FSUTIL_H
#define MINICTR_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/file_text.h"

/* mkdir -p with mode for missing components. */
int mkdir_p(const char *path, mode_t mode, struct err *e);
/* Create an empty file (for bind-mount targets) if it does not exist. */
int touch(const char *path, struct err *e);
/* rm -rf without following symlinks or crossing mounts. */
int remove_tree(const char *path, struct err *e);

#endif
