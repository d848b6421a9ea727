/* The machine's state, shared by the files that run it: machine.c (set-up,
 * the wait loop, teardown) and machine_api.c (the control API's calls).
 * Private to vmm/; everything else goes through machine.h. */
#ifndef MINIVMM_MACHINE_STATE_H
#define MINIVMM_MACHINE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/disk_opts.h"
#include "devices/net_opts.h"
#include "devices/tap.h"
#include "vmm/cli.h"
#include "vmm/inputs.h"
#include "vmm/vm.h"

struct api_server;
struct snapshot_restore;
struct serial;
struct i8042;
struct rtc;
struct sysports;
struct acpi_pm;
struct pvpanic;
struct pci_host;
struct vcpu;

struct machine {
	/* Host side: opened once, kept across the guest's reboots. */
	struct console *console;
	struct disk_config disks[CLI_MAX_DISKS];
	unsigned ndisks;
	struct net_config nics[CLI_MAX_NICS];
	struct tap taps[CLI_MAX_NICS];
	unsigned nnics;
	/* Opened once and kept for the whole run; each boot's devices get
	 * copies, so a guest reset opens nothing (the paths may be out of
	 * reach in --jail, and the sandbox forbids opening files). */
	int kvm_fd;
	int disk_fds[CLI_MAX_DISKS];
	int tap_fds[CLI_MAX_NICS];
	int signal_fd;
	struct api_server *api; /* --api-sock: NULL without */
	uint64_t start_ns;	/* minivmm's start (uptime_ms) */
	unsigned boots;		/* this boot's number: 1 + the guest's resets */
	/* --restore: the snapshot the first boot starts from; NULL after it. */
	const struct snapshot_restore *restore;

	/* One boot of the guest: built again after it resets the machine. */
	struct vm vm;
	bool vm_common, vm_kvm;
	struct serial *serial;
	struct i8042 *kbd;
	struct rtc *rtc;
	struct sysports *ports;
	struct acpi_pm *pm;
	struct pvpanic *panic;
	struct pci_host *pci;
	struct vcpu *vcpus;
	/* The power button was pressed: stop the VM at this time (0: not). */
	uint64_t shutdown_deadline_ns;
	uint64_t sigterm_ns; /* when the SIGTERM that pressed it came */
	/* The guest panicked: end the VM at this time unless it resets first. */
	uint64_t panic_deadline_ns;
	bool paused; /* PUT /vm/pause: every vCPU and I/O thread parked */
};

/* SIGTERM, Ctrl-A p or PUT /vm/shutdown: press the power button once (a
 * paused guest is resumed first) and give the guest --shutdown-timeout
 * seconds to power off. */
void machine_start_shutdown(struct machine *m, const struct vmm_options *o, const char *why);

/* Answer the control API's waiting call, if any (main thread). */
void machine_api_call(struct machine *m, const struct vmm_options *o, const struct vm_inputs *in);
struct machine_snapshot_info {
	uint64_t memory_bytes; /* guest RAM (the memory file's size) */
	size_t state_bytes;
	uint64_t ms; /* taking it, state and memory written and synced */
};

/* PUT /vm/snapshot on the paused machine: DIR/memory, then DIR/state
 * (vmm/snapshot.h). DIR is created if missing; existing snapshot files in
 * it are never overwritten. */
int machine_snapshot(struct machine *m, const struct vmm_options *o, const char *dir,
		     struct machine_snapshot_info *info, struct err *e);
/* --restore, on the first boot's freshly built VM and devices: guest RAM
 * mapped from the memory file, vCPUs created, then KVM's and every device's
 * state from the state file, before any vCPU runs. */
int machine_restore(struct machine *m, const struct snapshot_restore *rs, struct err *e);

/* Undo PUT /vm/pause (before a shutdown, or when it timed out). */
void machine_resume(struct machine *m);

#endif
