/* The container's device filter: a cgroup v2 BPF program (as runc and crun
 * install) that lets the container open or mknod only the minimal /dev, so
 * even a root that keeps host ids (--no-user) cannot reach a host disk. */
#ifndef MINICTR_DEVFILTER_H
#define MINICTR_DEVFILTER_H

#include <linux/bpf.h>
#include <stddef.h>

#include "common/err.h"

#define DEVFILTER_MAX_INSNS 64

/* The program, into insns (at least DEVFILTER_MAX_INSNS): returns its length.
 * It returns 1 (allow) for character devices null, zero, full, random,
 * urandom, tty, ptmx and the pty slaves, 0 for everything else. */
size_t devfilter_build(struct bpf_insn *insns);
/* Load the program and attach it to the cgroup directory cg_path. */
int devfilter_attach(const char *cg_path, struct err *e);

#endif
