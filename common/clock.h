/* Monotonic time for measurements and deadlines (boot time, timeouts). */
#ifndef MINIVMM_CLOCK_H
#define MINIVMM_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t monotonic_ns(void);

#endif
