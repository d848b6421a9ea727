/* cgroup v2 limits for one container. Pure formatting/parsing helpers first
 * (unit-tested), then the few functions that touch /sys/fs/cgroup. */
#ifndef MINICTR_CGROUP_H
#define MINICTR_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "tools/minictr/opts.h"

#define CG_PERIOD_US 100000

/* Mount point of the cgroup2 hierarchy in /proc/self/mountinfo text; prefers
 * a pure v2 hierarchy at /sys/fs/cgroup. -ENOENT when there is none. */
int cg_find_v2_mount(const char *mountinfo, char *out, size_t len, struct err *e);
/* Is NAME one of the space-separated words of a cgroup.controllers file? */
bool cg_has_controller(const char *controllers, const char *name);
/* Controllers the options need, space-separated, into buf ("" for none). */
void cg_needed(const struct ctr_opts *o, char *buf, size_t len);
/* The needed controllers missing from available, space-separated ("" if none). */
void cg_missing(const char *needed, const char *available, char *buf, size_t len);
/* cpu.max for a CPU count in thousandths: 500 -> "50000 100000". */
int cg_format_cpu_max(uint64_t millis, char *buf, size_t len, struct err *e);
/* "<mount>/minictr/<name>", checking length; name must be one component. */
int cg_path(const char *mount, const char *name, char *buf, size_t len, struct err *e);

struct cgroup {
	char path[PATH_MAX]; /* "" when the container runs without a cgroup */
	bool has_memory;
};

/* Create the container's cgroup and write the requested limits. Without a
 * usable hierarchy: an error naming what is missing if a limit was asked for,
 * else cg->path stays "" (and --verbose says so). Without a user namespace a
 * cgroup is made even with no memory controller (for the device filter). */
int cg_create(struct cgroup *cg, const struct ctr_opts *o, const char *name, struct err *e);
int cg_add_pid(const struct cgroup *cg, pid_t pid, struct err *e);
/* Peak memory (memory.peak, else memory.current) in bytes. */
int cg_memory_peak(const struct cgroup *cg, uint64_t *bytes, struct err *e);
/* Kill what is left and remove the directory; safe to call on "" paths. */
void cg_destroy(struct cgroup *cg);

#endif
