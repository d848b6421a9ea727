/* Capabilities left to the container: Docker's default set (applied by
 * simple_identity, simple_spec.h). */
#ifndef MINICTR_CAPS_H
#define MINICTR_CAPS_H

#include <stdbool.h>

/* Is capability number cap in the default set? */
bool caps_default_has(unsigned cap);
/* Is cap kept in the container? chrooted: its root is a chroot (no
 * pivot_root from an initramfs), which CAP_SYS_CHROOT would let it leave. */
bool caps_keep(unsigned cap, bool chrooted);

#endif
