/* The VMM's own sandbox: one seccomp allow-list per thread role, built once
 * before any VMM thread starts and installed by each thread on itself before
 * it touches guest-controlled data. Anything outside a role's list kills the
 * whole process with SIGSYS (exit status 159, README "Sandbox"). */
#ifndef MINIVMM_SECCOMP_H
#define MINIVMM_SECCOMP_H

#include <stdbool.h>

#include "common/err.h"

struct vm;

enum seccomp_role {
	/* The control thread: builds and rebuilds the VM after a guest reset,
	 * starts every other thread. Threads inherit its filter, so its list
	 * is the union of every role's plus what set-up needs. */
	SECCOMP_MAIN,
	SECCOMP_VCPU,	     /* KVM_RUN and exit dispatch */
	SECCOMP_BLK_IO,	     /* virtio-blk I/O thread: image reads, writes, discards, flushes */
	SECCOMP_NET_IO,	     /* virtio-net I/O thread: TAP frames */
	SECCOMP_IO,	     /* an I/O thread of another device kind: blk's and net's lists */
	SECCOMP_CONSOLE_IN,  /* stdin into the UART */
	SECCOMP_CONSOLE_OUT, /* guest output to stdout or the console file */
	SECCOMP_API,	     /* the control API's socket (vmm/api.c) */
	SECCOMP_NROLES,
};

const char *seccomp_role_name(enum seccomp_role role);

/* The I/O thread's role for a virtio device named "blkN", "netN" (the
 * transport knows only the name). */
enum seccomp_role seccomp_io_role(const char *device_name);

/* Build every role's filter and set no_new_privs on the calling thread (and
 * so on every thread it starts). Call once, before any other thread exists;
 * until it has run, seccomp_enter() installs nothing (--seccomp=off). */
int seccomp_prepare(struct err *e);

/* Install role's filter on the calling thread. 0 when installed or when no
 * filters were prepared; a negative errno when the kernel refused it. */
int seccomp_enter(enum seccomp_role role, struct err *e);

/* seccomp_enter for a VM thread: a thread that cannot confine itself must
 * not go on, so on failure it says why and stops the VM. */
int seccomp_enter_thread(struct vm *vm, enum seccomp_role role);

#endif
