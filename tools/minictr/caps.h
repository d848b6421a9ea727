/* Capabilities left to the container: Docker's default set. */
#ifndef MINICTR_CAPS_H
#define MINICTR_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

/* Is capability number cap in the default set? */
bool caps_default_has(unsigned cap);
/* Drop every other capability from the bounding set, the ambient set and the
 * current sets, and set no_new_privs. */
/* Is cap kept in the container? chrooted: its root is a chroot (no
 * pivot_root from an initramfs), which CAP_SYS_CHROOT would let it leave. */
bool caps_keep(unsigned cap, bool chrooted);
int caps_restrict(bool chrooted, struct err *e);

#endif
