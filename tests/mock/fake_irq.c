/* The interrupt recorder behind fake_irq.h. The I/O threads of the device
 * under test call in; the test thread reads and waits: one mutex guards it
 * all, a condition variable wakes the waiters. */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "tests/mock/fake_irq.h"
#include "vmm/vm.h"

struct record {
	int level[FAKE_IRQ_GSIS];
	unsigned msis;
	uint64_t msi_addr;
	uint32_t msi_data;
	unsigned ioeventfds; /* bound right now */
	bool ioeventfd_enosys;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct record rec;

static int rec_line(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	pthread_mutex_lock(&lock);
	if (gsi < FAKE_IRQ_GSIS)
		rec.level[gsi] = level;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

static int rec_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	(void)vm;
	pthread_mutex_lock(&lock);
	rec.msis++;
	rec.msi_addr = addr;
	rec.msi_data = data;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

static int rec_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, int fd, bool mmio, bool assign)
{
	int r = 0;

	(void)vm;
	(void)addr;
	(void)len;
	(void)fd;
	(void)mmio;
	pthread_mutex_lock(&lock);
	if (rec.ioeventfd_enosys)
		r = -ENOSYS;
	else
		rec.ioeventfds += assign ? 1u : (unsigned)-1;
	pthread_mutex_unlock(&lock);
	return r;
}

void fake_irq_install(struct vm *vm)
{
	pthread_mutex_lock(&lock);
	rec = (struct record){ 0 };
	pthread_mutex_unlock(&lock);
	vm->irq.line = rec_line;
	vm->irq.msi = rec_msi;
	vm->irq.ioeventfd = rec_ioeventfd;
}

void fake_irq_ioeventfd_enosys(bool on)
{
	pthread_mutex_lock(&lock);
	rec.ioeventfd_enosys = on;
	pthread_mutex_unlock(&lock);
}

/* A copy taken under the lock: the I/O thread may be writing. */
static struct record snapshot(void)
{
	struct record r;

	pthread_mutex_lock(&lock);
	r = rec;
	pthread_mutex_unlock(&lock);
	return r;
}

unsigned fake_irq_msis(void)
{
	return snapshot().msis;
}

uint64_t fake_irq_msi_addr(void)
{
	return snapshot().msi_addr;
}

uint32_t fake_irq_msi_data(void)
{
	return snapshot().msi_data;
}

unsigned fake_irq_ioeventfds(void)
{
	return snapshot().ioeventfds;
}

int fake_irq_level(unsigned gsi)
{
	return gsi < FAKE_IRQ_GSIS ? snapshot().level[gsi] : 0;
}

static bool arrived(unsigned seen, int gsi)
{
	return gsi < 0 ? rec.msis > seen : gsi < FAKE_IRQ_GSIS && rec.level[gsi] != 0;
}

bool fake_irq_wait(unsigned seen, int gsi)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += FAKE_IRQ_WAIT_S;
	pthread_mutex_lock(&lock);
	while (!(ok = arrived(seen, gsi)))
		if (pthread_cond_timedwait(&cond, &lock, &until) == ETIMEDOUT)
			break;
	ok = arrived(seen, gsi);
	pthread_mutex_unlock(&lock);
	return ok;
}
