/* Assembling and running a whole machine: VM, devices, boot, vCPUs, console,
 * and the orderly teardown every exit path goes through. */
#ifndef MINIVMM_MACHINE_H
#define MINIVMM_MACHINE_H

#include <stdint.h>

#include "common/err.h"
#include "vmm/cli.h"
#include "vmm/exit_status.h"
#include "vmm/inputs.h"

struct snapshot_restore;

/* Boot the machine described by opts and in, run it until it stops, tear it
 * down. Returns the VM's exit status (>= 0), or a negative errno with e
 * filled when it did not run to its end; *fail_status is then minivmm's exit
 * status (restore: start the first boot from that snapshot, else NULL):
 * EXIT_USAGE for bad input (found before /dev/kvm is opened),
 * EXIT_RUNTIME_FAILURE, or EXIT_TIMEOUT when --timeout stopped the VM. */
int machine_run(const struct vmm_options *opts, struct vm_inputs *in,
		const struct snapshot_restore *restore, uint64_t start_ns, int *fail_status,
		struct err *e);

#endif
