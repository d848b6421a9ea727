/* cgroup v2 limits for one process tree, shared by minictr (a container) and
 * minivmm (a VM): the group <mount>/<tool>/<name>. Pure formatting/parsing
 * helpers first (unit-tested), then the few functions that touch
 * /sys/fs/cgroup. */
#ifndef MINIVMM_CGROUP_H
#define MINIVMM_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

#define CG_PERIOD_US 100000

/* What to limit; 0 in a field means no limit. */
struct cg_limits {
	/* memory.max, and memory.swap.max 0 when the file exists (the limit means RAM) */
	uint64_t mem_bytes;
	uint64_t cpu_millis; /* cpu.max in thousandths of a CPU */
	uint64_t pids_max;   /* pids.max */
	uint64_t io_weight;  /* io.weight (else io.bfq.weight) */
};

struct cg_spec {
	/* "minictr" / "minivmm": the parent group <mount>/<tool>/ and the prefix
	 * of verbose lines */
	const char *tool;
	const char *name; /* the group's own directory under <mount>/<tool>/, one component */
	struct cg_limits limits;
	/* Make a cgroup even without limits or a memory controller (minictr's
	 * device filter without a user namespace). */
	bool required;
	bool verbose;
};

struct cgroup {
	char path[PATH_MAX]; /* "" when running without a cgroup */
	bool has_memory;
};

/* Mount point of the cgroup2 hierarchy in /proc/self/mountinfo text; prefers
 * a pure v2 hierarchy at /sys/fs/cgroup. -ENOENT when there is none. */
int cg_find_v2_mount(const char *mountinfo, char *out, size_t len, struct err *e);
/* Is NAME one of the space-separated words of a cgroup.controllers file? */
bool cg_has_controller(const char *controllers, const char *name);
/* Controllers the limits need, space-separated, into buf ("" for none). */
void cg_needed(const struct cg_limits *l, char *buf, size_t len);
/* The needed controllers missing from available, space-separated ("" if none). */
void cg_missing(const char *needed, const char *available, char *buf, size_t len);
/* cpu.max for a CPU count in thousandths: 500 -> "50000 100000". */
int cg_format_cpu_max(uint64_t millis, char *buf, size_t len, struct err *e);
/* "<mount>/<tool>/<name>", checking length; name must be one component. */
int cg_path(const char *mount, const char *tool, const char *name, char *buf, size_t len,
	    struct err *e);

/* Create the group and write the requested limits. Without a usable
 * hierarchy: an error naming what is missing if a limit was asked for, else
 * cg->path stays "" (and verbose says so). With s->required a cgroup is made
 * even with no memory controller; without it only when memory can be
 * accounted. Empty "<anything>-PID" groups of dead processes under
 * <mount>/<tool>/ are removed on the way. */
int cg_create(struct cgroup *cg, const struct cg_spec *s, struct err *e);
int cg_add_pid(const struct cgroup *cg, pid_t pid, struct err *e);
/* Peak memory (memory.peak, else memory.current) in bytes. */
int cg_memory_peak(const struct cgroup *cg, uint64_t *bytes, struct err *e);
/* Kill what is left and remove the directory; safe to call on "" paths. */
void cg_destroy(struct cgroup *cg);

#endif
