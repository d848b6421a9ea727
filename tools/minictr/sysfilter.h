/* The container's default seccomp filter, after Docker's default profile in
 * spirit: the calls that reach the host kernel's most exposed or global parts
 * (keys, BPF, perf, modules, kexec, clocks, swap, new namespaces and mounts,
 * userfaultfd) fail with EPERM; everything else is allowed. --seccomp=unconfined
 * turns it off. */
#ifndef MINICTR_SYSFILTER_H
#define MINICTR_SYSFILTER_H

#include <linux/filter.h>
#include <stddef.h>

#include "common/err.h"

#define SYSFILTER_MAX_INSNS 128

/* The program into insns (at least SYSFILTER_MAX_INSNS); returns its length. */
size_t sysfilter_build(struct sock_filter *insns);
/* Install it on the calling thread (no_new_privs must be set). */
int sysfilter_install(struct err *e);

#endif
