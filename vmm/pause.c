#include "vmm/pause.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "vmm/vm.h"

int vm_pause_init(struct vm_pause *p, struct err *e)
{
	pthread_condattr_t attr;

	p->members = p->parked = 0;
	atomic_store(&p->requested, false);
	p->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->fd < 0)
		return err_sys(e, "eventfd");
	pthread_mutex_init(&p->lock, NULL);
	/* Deadlines on the monotonic clock: a wall-clock step must not stretch
	 * or cut the wait for a pause. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &attr);
	pthread_condattr_destroy(&attr);
	return 0;
}

void vm_pause_destroy(struct vm_pause *p)
{
	if (p->fd < 0)
		return;
	close(p->fd);
	p->fd = -1;
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

void vm_pause_join(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause.lock);
	vm->pause.members++;
	pthread_mutex_unlock(&vm->pause.lock);
}

void vm_pause_leave(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause.lock);
	vm->pause.members--;
	/* A requester may be waiting for this thread to park. */
	pthread_cond_broadcast(&vm->pause.cond);
	pthread_mutex_unlock(&vm->pause.lock);
}

void vm_pause_point(struct vm *vm, void (*on_resume)(void *arg), void *arg)
{
	struct vm_pause *p = &vm->pause;

	/* With on_resume (the vCPUs, after a kick) always take the lock: a kick
	 * whose pause was already undone must still be cleared. */
	if (!on_resume && !atomic_load_explicit(&p->requested, memory_order_acquire))
		return;
	pthread_mutex_lock(&p->lock);
	if (atomic_load(&p->requested) && !vm_stopping(vm)) {
		p->parked++;
		pthread_cond_broadcast(&p->cond);
		while (atomic_load(&p->requested) && !vm_stopping(vm))
			pthread_cond_wait(&p->cond, &p->lock);
		p->parked--;
	}
	if (on_resume && !vm_stopping(vm))
		on_resume(arg);
	pthread_mutex_unlock(&p->lock);
}

static void deadline_after(struct timespec *ts, uint64_t ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ns += (uint64_t)ts->tv_nsec;
	ts->tv_sec += (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

int vm_pause(struct vm *vm, void (*kick)(void *arg), void *arg, uint64_t timeout_ns)
{
	struct vm_pause *p = &vm->pause;
	struct timespec deadline;
	uint64_t one = 1;
	int r = 0;

	deadline_after(&deadline, timeout_ns);
	pthread_mutex_lock(&p->lock);
	if (!atomic_load(&p->requested)) {
		atomic_store_explicit(&p->requested, true, memory_order_release);
		if (write(p->fd, &one, sizeof(one)) < 0) {
			/* Counter overflow only: it is readable already. */
		}
		if (kick)
			kick(arg);
	}
	while (r == 0 && p->parked < p->members && !vm_stopping(vm))
		r = -pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
	if (vm_stopping(vm))
		r = -ESHUTDOWN;
	else if (p->parked >= p->members)
		r = 0;
	pthread_mutex_unlock(&p->lock);
	return r;
}

void vm_resume(struct vm *vm)
{
	struct vm_pause *p = &vm->pause;
	uint64_t v;

	pthread_mutex_lock(&p->lock);
	atomic_store_explicit(&p->requested, false, memory_order_release);
	if (read(p->fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing was pending. */
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void vm_pause_wake_all(struct vm_pause *p)
{
	if (p->fd < 0)
		return;
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}
