/* Assembling and running a whole machine: VM, devices, boot, vCPUs, console,
 * and the orderly teardown every exit path goes through. */
#ifndef MINIVMM_MACHINE_H
#define MINIVMM_MACHINE_H

#include <stdint.h>

#include "cli.h"
#include "err.h"
#include "inputs.h"

/* Exit statuses of minivmm. */
#define EXIT_RUNTIME_FAILURE 1
#define EXIT_USAGE 2

/* Boot the machine described by opts and in, run it until it stops, tear it
 * down. Returns the VM's exit status (>= 0), or a negative errno with e
 * filled when setting it up failed. *before_kvm tells whether the failure
 * happened before /dev/kvm was opened (an input problem, not a runtime one). */
int machine_run(const struct vmm_options *opts, struct vm_inputs *in,
		uint64_t start_ns, bool *before_kvm, struct err *e);

#endif
