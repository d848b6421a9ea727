/* An OCI container's cgroup (cgroup v2 only): where linux.cgroupsPath puts
 * it, the v2 files linux.resources turns into (both pure, unit-tested), and
 * the few functions that create, fill, join and remove the group. */
#ifndef MINICTR_OCI_CGROUP_H
#define MINICTR_OCI_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"
#include "tools/minictr/oci_spec.h"

/* The group, from the v2 mount and linux.cgroupsPath:
 *   NULL or ""          <mount>/minictr/<id>
 *   "/a/b" (absolute)   <mount>/a/b (containerd's cgroupfs form "/default/<id>")
 *   "a/b" (relative)    <mount>/a/b: relative to the hierarchy's root, NOT to
 *                       the runtime's own cgroup as runc does (minictr's own
 *                       group is a caller's accident, often the root)
 *   "slice:prefix:name" (no leading '/', exactly two ':'): systemd's form,
 *                       mapped without systemd to where it would put the unit:
 *                       <mount>/<expanded slice>/<prefix>-<name>.scope
 *                       ("machine-a.slice" -> "machine.slice/machine-a.slice";
 *                       an empty slice is "system.slice", "-.slice" the root;
 *                       a name ending in ".slice" is the unit itself).
 * Pure. Refuses ".", "..", empty components, a path that is the root itself,
 * and results longer than len (-ENAMETOOLONG). */
int oci_cgroup_path(const char *mount, const char *cgroups_path, const char *id, char *out,
		    size_t len, struct err *e);

struct oci_cg_file {
	char name[64];	 /* "memory.max" */
	char value[256]; /* "max", "1 + ... " (written in one write()) */
};

/* The v2 files for r, in the order they are written (unified last, so it
 * overrides): memory.max, memory.low, memory.swap.max, cpu.weight, cpu.max,
 * cpuset.cpus, cpuset.mems, pids.max, io.weight (default, then per device),
 * io.max (one entry per device), then linux.resources.unified as given.
 * runc's conversions: shares -> weight 1 + (shares-2)*9999/262142; blkio
 * weight 10..1000 -> 1 + (w-10)*9999/990; swap (memory+swap in OCI) -> swap -
 * limit. A 0 memory value means "not set" (as runc); disableOOMKiller has no
 * v2 file and is ignored (as runc). Pure; -ENOSPC past cap, -EINVAL with the
 * field named for what cannot be converted. */
int oci_cgroup_files(const struct oci_resources *r, struct oci_cg_file *out, size_t cap, size_t *n,
		     struct err *e);

/* Make the group dir (mkdir -p under the cgroup v2 mount that holds it),
 * enabling in each ancestor's cgroup.subtree_control the controllers the
 * files need (those the ancestor offers; a missing one surfaces as its file's
 * error), then write the files. An existing group is used as is (an engine may
 * have made it). Errors name the file: "cgroup memory.max: ...". A group this
 * call made is removed again when a file cannot be written. */
int oci_cgroup_create(const char *dir, const struct oci_resources *r, struct err *e);
int oci_cgroup_add_pid(const char *dir, pid_t pid, struct err *e);
/* Kill everything left in the group and its descendants (cgroup.kill when the
 * kernel has it, else SIGKILL to each pid in cgroup.procs, again on each
 * retry) and rmdir them, deepest first. A group that is not there is fine.
 * Gives up after about 2 s with -EBUSY naming what is left. */
int oci_cgroup_destroy(const char *dir, struct err *e);

#endif
