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
int caps_restrict(struct err *e);

#endif
