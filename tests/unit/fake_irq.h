/* Fake interrupt plumbing for device tests: records every line change and
 * MSI, and lets a test wait (with a timeout) for the next MSI from an I/O
 * thread. ioeventfd can be made to fail with -ENOSYS to test the fallback. */
#ifndef MINIVMM_TEST_FAKE_IRQ_H
#define MINIVMM_TEST_FAKE_IRQ_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "vmm/vm.h"

struct fake_irq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int level[32];
	unsigned raises;         /* line transitions to 1 */
	unsigned msis;
	uint64_t msi_addr;
	uint32_t msi_data;
	unsigned ioeventfds;     /* currently bound */
	bool ioeventfd_enosys;
};

static struct fake_irq fake = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static int fake_line(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	pthread_mutex_lock(&fake.lock);
	if (gsi < 32) {
		if (level && !fake.level[gsi])
			fake.raises++;
		fake.level[gsi] = level;
	}
	pthread_cond_broadcast(&fake.cond);
	pthread_mutex_unlock(&fake.lock);
	return 0;
}

static int fake_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	(void)vm;
	pthread_mutex_lock(&fake.lock);
	fake.msis++;
	fake.msi_addr = addr;
	fake.msi_data = data;
	pthread_cond_broadcast(&fake.cond);
	pthread_mutex_unlock(&fake.lock);
	return 0;
}

static int fake_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, int fd, bool mmio,
			  bool assign)
{
	(void)vm; (void)addr; (void)len; (void)fd; (void)mmio;
	if (fake.ioeventfd_enosys)
		return -ENOSYS;
	pthread_mutex_lock(&fake.lock);
	fake.ioeventfds += assign ? 1u : (unsigned)-1;
	pthread_mutex_unlock(&fake.lock);
	return 0;
}

static inline void fake_install(struct vm *vm)
{
	pthread_mutex_lock(&fake.lock);
	for (unsigned i = 0; i < 32; i++)
		fake.level[i] = 0;
	fake.raises = fake.msis = fake.ioeventfds = 0;
	fake.msi_addr = 0;
	fake.msi_data = 0;
	pthread_mutex_unlock(&fake.lock);
	vm->irq.line = fake_line;
	vm->irq.msi = fake_msi;
	vm->irq.ioeventfd = fake_ioeventfd;
}

static inline unsigned fake_msis(void)
{
	unsigned n;

	pthread_mutex_lock(&fake.lock);
	n = fake.msis;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

static inline int fake_level(unsigned gsi)
{
	int l;

	pthread_mutex_lock(&fake.lock);
	l = fake.level[gsi];
	pthread_mutex_unlock(&fake.lock);
	return l;
}

/* Wait until more than `seen` MSIs arrived, or the line gsi is high
 * (gsi >= 0); false after 5 s. */
static inline bool fake_wait(unsigned seen, int gsi)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&fake.lock);
	while (!(ok = (gsi < 0 ? fake.msis > seen : fake.level[gsi] != 0)))
		if (pthread_cond_timedwait(&fake.cond, &fake.lock, &until) == ETIMEDOUT)
			break;
	ok = gsi < 0 ? fake.msis > seen : fake.level[gsi] != 0;
	pthread_mutex_unlock(&fake.lock);
	return ok;
}

/* Guest MMIO accesses of len bytes (little endian) through the VM's bus. */
static inline uint32_t mmio_rd(struct vm *vm, uint64_t addr, unsigned len)
{
	uint32_t v = 0;

	bus_dispatch(&vm->mmio_bus, addr, (uint8_t *)&v, len, false);
	return v;
}

static inline void mmio_wr(struct vm *vm, uint64_t addr, unsigned len, uint32_t v)
{
	bus_dispatch(&vm->mmio_bus, addr, (uint8_t *)&v, len, true);
}

#endif
