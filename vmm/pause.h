/* Pausing a running VM: every thread that touches guest state (vCPUs, virtio
 * I/O threads, console input) is a member of the VM's pause gate and parks at
 * its next pause point when a pause is requested; the requester waits, with
 * a bound, until all members have parked. Resuming lets them go on. Used by
 * the control API (PUT /vm/pause, /vm/resume). */
#ifndef MINIVMM_PAUSE_H
#define MINIVMM_PAUSE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct vm;

struct vm_pause {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* CLOCK_MONOTONIC: parked/unparked, resumed, stopped */
	atomic_bool requested; /* read without the lock at every pause point */
	unsigned members;      /* threads that park at a pause */
	unsigned parked;
	/* An eventfd, readable while a pause is requested: threads that sleep
	 * in poll()/epoll_wait() watch it to reach their pause point. */
	int fd;
};

int vm_pause_init(struct vm_pause *p, struct err *e);
void vm_pause_destroy(struct vm_pause *p);

/* A thread joins before it is started (by whoever starts it, so a pause
 * requested meanwhile waits for it) and leaves as it ends. */
void vm_pause_join(struct vm *vm);
void vm_pause_leave(struct vm *vm);

/* Park here while a pause is requested (returns at once otherwise, or when
 * the VM stops). on_resume, when given, runs under the gate's lock on the
 * way out (also when there was nothing to park for), unless the VM is
 * stopping: no new pause's kick can come between it and the caller. */
void vm_pause_point(struct vm *vm, void (*on_resume)(void *arg), void *arg);

/* Request a pause and wait up to timeout_ns for every member to park. kick,
 * called under the gate's lock, gets threads blocked outside a pause point
 * (the vCPUs in KVM_RUN) there. Returns 0 when paused (also when it already
 * was), -ETIMEDOUT (the request stays: call vm_resume to undo it) or
 * -ESHUTDOWN when the VM is stopping. Main thread only. */
int vm_pause(struct vm *vm, void (*kick)(void *arg), void *arg, uint64_t timeout_ns);
/* Let every member go on. Harmless when not paused. */
void vm_resume(struct vm *vm);

/* Wake parked threads because the VM is stopping (vm_request_stop). */
void vm_pause_wake_all(struct vm_pause *p);

#endif
