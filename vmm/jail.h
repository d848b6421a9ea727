/* --jail DIR --uid U --gid G: minivmm's second wall, after seccomp. Once
 * everything the VM needs is open (/dev/kvm, images, TAPs, the console), the
 * VMM continues as PID 1 of a new PID namespace, in new mount, IPC and UTS
 * namespaces, with DIR as its root, no capabilities, the unprivileged user
 * and no_new_privs; then seccomp goes on as without a jail. The process that
 * started it stays outside, in the VMM's place for the caller: it relays
 * SIGINT, SIGTERM and SIGHUP, ends with the VMM's exit status, gives the
 * terminal back and removes the VMM's cgroup (--jail-mem, --jail-cpus). */
#ifndef MINIVMM_JAIL_H
#define MINIVMM_JAIL_H

#include "common/err.h"
#include "vmm/cli.h"

/* The jail's preconditions, checked before /dev/kvm is opened: root, and DIR
 * an existing directory other than "/". 0 without --jail. */
int jail_check(const struct vmm_options *o, struct err *e);

/* Enter the jail (nothing without --jail: returns 0). Returns 0 in the
 * jailed VMM, which goes on to run the VM; in the process outside, returns
 * 1 once the VMM has ended, with *status its exit status. A negative errno
 * when the jail could not be made (in whichever process found out). */
int jail_enter(const struct vmm_options *o, int *status, struct err *e);

#endif
