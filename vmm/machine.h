/* Assembling and running a whole machine: VM, devices, boot, vCPUs, console,
 * and the orderly teardown every exit path goes through. */
#ifndef MINIVMM_MACHINE_H
#define MINIVMM_MACHINE_H

#include <stdint.h>

#include "vmm/cli.h"
#include "common/err.h"
#include "vmm/inputs.h"

/* Exit statuses of minivmm besides the guest's own (0, or N from the exit
 * port) and 128+N after signal N. */
#define EXIT_RUNTIME_FAILURE 1
#define EXIT_USAGE 2
/* --timeout stopped the VM. Not 124: that is what timeout(1) returns inside
 * a guest script, which a guest may hand back through the exit port; 125-127
 * and 128+N are shell and signal conventions. */
#define EXIT_TIMEOUT 121

/* Boot the machine described by opts and in, run it until it stops, tear it
 * down. Returns the VM's exit status (>= 0), or a negative errno with e
 * filled when it did not run to its end; *fail_status is then minivmm's exit
 * status: EXIT_USAGE for bad input (found before /dev/kvm is opened),
 * EXIT_RUNTIME_FAILURE, or EXIT_TIMEOUT when --timeout stopped the VM. */
int machine_run(const struct vmm_options *opts, struct vm_inputs *in,
		uint64_t start_ns, int *fail_status, struct err *e);

#endif
