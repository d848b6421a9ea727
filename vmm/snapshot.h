/* Snapshots on disk: a directory with `memory` (guest RAM, byte for byte,
 * zero pages left as holes) and `state` (vmm/snapshot_file.h: the VM's
 * configuration, KVM's state, every device's), written in that order so a
 * directory without `state` is an unfinished snapshot. This file records
 * the configuration and loads a snapshot for --restore before /dev/kvm is
 * opened; vmm/machine_snapshot.c takes and applies the rest. */
#ifndef MINIVMM_SNAPSHOT_H
#define MINIVMM_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "vmm/cli.h"
#include "vmm/snapshot_file.h"

#define SNAPSHOT_STATE_FILE  "state"
#define SNAPSHOT_MEMORY_FILE "memory"
#define SNAPSHOT_PATH_MAX    4096

/* A snapshot loaded for --restore. */
struct snapshot_restore {
	const char *dir; /* --restore's directory, for messages */
	uint8_t *state;	 /* DIR/state's bytes; idx points into them */
	size_t state_len;
	struct snap_index *idx;
	int memory_fd; /* DIR/memory, read-only: mapped privately over guest RAM */
	int argc;      /* the recorded arguments that recreate the VM (owned) */
	char **argv;
};

/* The arguments that recreate o's VM (--kernel, --initrd, --append, --mem,
 * --cpus, --uuid, --disk..., --net...) as a JSON array, malloc'd; NULL when
 * out of memory. */
char *snapshot_config_json(const struct vmm_options *o);

/* --restore DIR: read DIR/state and check it (format, checksum, this host),
 * parse its recorded arguments as a command line would be, take the
 * restore's own options from cmdline (console, API socket, timeouts,
 * sandbox, jail), and open DIR/memory (its size must be the VM's). Fills
 * *out and *rs. Errors are usage errors: nothing has touched KVM. */
int snapshot_load(const struct vmm_options *cmdline, struct vmm_options *out,
		  struct snapshot_restore *rs, struct err *e);
void snapshot_restore_free(struct snapshot_restore *rs);

#endif
