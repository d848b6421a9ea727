/* The control API's JSON bodies, built with jansson from plain snapshots of
 * the VM's state (filled by the main thread): pure, unit-tested. Each
 * returns a malloc'd string, or NULL when out of memory. */
#ifndef MINIVMM_API_JSON_H
#define MINIVMM_API_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/exit_stats.h"

#define API_MAX_DISKS 16
#define API_MAX_NICS  8

struct api_disk_info {
	const char *id, *path, *cache, *serial;
	bool read_only;
	uint64_t size_bytes;
};

struct api_nic_info {
	const char *id, *tap, *mac;
};

struct api_vm_info {
	const char *state; /* "running", "paused", "shutting-down" */
	const char *uuid;
	unsigned vcpus;
	uint64_t memory_mib;
	uint64_t uptime_ms;
	unsigned boots; /* 1 + the guest's resets */
	const char *kernel, *kernel_kind;
	struct api_disk_info disks[API_MAX_DISKS];
	unsigned ndisks;
	struct api_nic_info nics[API_MAX_NICS];
	unsigned nnics;
};

/* Counters of one device (monotonic since its boot). */
struct api_dev_metrics {
	const char *id;
	uint64_t requests, read_bytes, write_bytes, errors; /* disks */
	uint64_t tx_packets, tx_bytes, tx_dropped;	    /* NICs */
	uint64_t rx_packets, rx_bytes, rx_dropped;
};

struct api_metrics {
	uint64_t uptime_ms;
	const struct exit_stats *exits; /* every vCPU's summed */
	uint64_t console_dropped_bytes;
	struct api_dev_metrics disks[API_MAX_DISKS];
	unsigned ndisks;
	struct api_dev_metrics nics[API_MAX_NICS];
	unsigned nnics;
};

/* Once, before the sandbox is entered. */
void api_json_init(void);
char *api_json_vm(const struct api_vm_info *vm);
char *api_json_metrics(const struct api_metrics *m);
/* PUT /vm/snapshot's answer. */
char *api_json_snapshot(const char *path, uint64_t memory_bytes, uint64_t state_bytes, uint64_t ms);
/* {"state": state} */
char *api_json_state(const char *state);
/* {"error": message} */
char *api_json_error(const char *message);

#endif
