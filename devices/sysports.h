/* Two one-byte I/O ports for guests that know about minivmm:
 *  - 0x3f0 boot signal: writing 123 marks "guest init started" (Firecracker's
 *    convention); with --boot-time minivmm prints the time since it started.
 *  - 0xf4 exit port: writing N ends the VM after an orderly shutdown, and
 *    minivmm exits with status N (for CI: a test guest hands back its verdict). */
#ifndef MINIVMM_SYSPORTS_H
#define MINIVMM_SYSPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vm.h"

#define SYSPORT_BOOT_SIGNAL 0x3f0
#define SYSPORT_BOOT_MAGIC  123
#define SYSPORT_EXIT	    0xf4

struct sysports;

/* start_ns: CLOCK_MONOTONIC time minivmm started; print_boot_time: --boot-time. */
int sysports_create(struct vm *vm, uint64_t start_ns, bool print_boot_time, struct sysports **out,
		    struct err *e);
void sysports_destroy(struct sysports *s);

#endif
