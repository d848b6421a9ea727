/* A spec's process settings applied to the container's init just before it
 * execs the user's program: resource limits, oom_score_adj, and its user
 * and capability sets. The computation (which capabilities to drop, the
 * capset data) is apart from the system calls, so it is tested on its own. */
#ifndef MINICTR_OCI_PROC_H
#define MINICTR_OCI_PROC_H

#include <linux/capability.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "tools/minictr/oci_spec.h"

/* What oci_proc_identity does with the capabilities, as 64-bit masks over
 * the capabilities the running kernel knows (0..cap_last_cap). */
struct oci_caps_plan {
	uint64_t drop_bounding; /* known capabilities outside caps.bounding */
	uint64_t effective, permitted, inheritable;
	/* caps.ambient less what is not both permitted and inheritable (the
	 * kernel refuses to raise those) */
	uint64_t ambient;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]; /* for capset */
};

/* "RLIMIT_NOFILE" for RLIMIT_NOFILE; "RLIMIT_?" when unknown. */
const char *oci_rlimit_name(int resource);
/* The plan for caps (NULL: no "capabilities" object, every set empty). */
void oci_caps_plan(const struct oci_caps *caps, unsigned cap_last_cap, struct oci_caps_plan *plan);
/* The last capability the running kernel knows (/proc/sys/kernel/cap_last_cap,
 * else probed with PR_CAPBSET_READ). */
unsigned oci_cap_last_cap(void);

/* setrlimit for each of p->rlimits. Raising a hard limit needs
 * CAP_SYS_RESOURCE: call before oci_proc_identity. */
int oci_proc_rlimits(const struct oci_process *p, struct err *e);
/* Write /proc/<pid>/oom_score_adj when the spec sets it (pid 0: self). */
int oci_proc_oom_score_adj(const struct oci_process *p, pid_t pid, struct err *e);
/* Become the spec's user with exactly its capability sets: drop the
 * bounding set to caps.bounding (needs CAP_SETPCAP), keep capabilities
 * across the uid change, setgroups (left alone when the user namespace
 * denies it and there are no additional gids), setresgid, setresuid, umask,
 * capset, raise the ambient ones, and set no_new_privs when the spec says
 * so. Needs CAP_SETUID, CAP_SETGID and CAP_SETPCAP to start with. */
int oci_proc_identity(const struct oci_process *p, struct err *e);

#endif
