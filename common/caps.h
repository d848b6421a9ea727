/* Capability sets as 64-bit masks (bit N: capability N), for minictr's
 * containers and minivmm's --jail. */
#ifndef MINIVMM_CAPS_H
#define MINIVMM_CAPS_H

#include <stdint.h>

#include "common/err.h"

#define CAP_MASK(cap) (1ull << (cap))

/* Drop every capability outside keep from the bounding set (so no exec can
 * get it back) and clear the ambient set. Needs CAP_SETPCAP. Stops at the
 * kernel's last capability without reading /proc (absent in a jail). */
int caps_bound_to(uint64_t keep, struct err *e);
/* Set the effective, permitted and inheritable sets to mask. */
int caps_set(uint64_t mask, struct err *e);
/* The effective set now (all ones if it cannot be read). */
uint64_t caps_effective(void);

#endif
