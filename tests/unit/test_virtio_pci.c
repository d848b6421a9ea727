/* The virtio-pci transport with a test device whose requests block until
 * the test releases them: a reset that arrives while a chain is in flight
 * keeps device_status nonzero until the chain is done, then drops its
 * completion; NEEDS_RESET reaches an INTx driver as ISR bit 1. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/mock/fake_vm.h"
#include "tests/mock/virtio_driver.h"

#define RAM_SIZE  (1u << 20)
#define RING	  0x1000u /* descriptor table; avail and used rings follow */
#define BUF	  0x8000u
#define QSIZE	  4
#define COMMON(f) VDRV_COMMON(&drv, f)

struct slow_dev {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool popped, release;
	unsigned resets;
	struct vq_chain chain;
};

static struct slow_dev slow = { .lock = PTHREAD_MUTEX_INITIALIZER,
				.cond = PTHREAD_COND_INITIALIZER };
static struct fake_vm fv;
static struct virtio_driver drv;
static struct pci_host *host;

static uint64_t slow_features(void *dev)
{
	(void)dev;
	return 0;
}
static void slow_config(void *dev, void *buf)
{
	(void)dev;
	memset(buf, 0x5a, 4);
}
static void slow_destroy(void *dev)
{
	(void)dev;
}

static void slow_reset(void *dev)
{
	struct slow_dev *s = dev;

	s->resets++; /* transport lock held: no other writer */
}

static void slow_process(void *dev, struct virtio_pci *vp, unsigned q)
{
	struct slow_dev *s = dev;

	while (virtio_pci_pop(vp, q, &s->chain) > 0) {
		pthread_mutex_lock(&s->lock);
		s->popped = true;
		pthread_cond_broadcast(&s->cond);
		while (!s->release)
			pthread_cond_wait(&s->cond, &s->lock);
		pthread_mutex_unlock(&s->lock);
		virtio_pci_complete(vp, q, &s->chain, 1);
	}
}

static const struct virtio_dev_ops slow_ops = {
	.name = "slow",
	.device_id = 42,
	.pci_class = 0xff0000,
	.num_queues = 1,
	.queue_max_size = QSIZE,
	.features = slow_features,
	.config_size = 4,
	.get_config = slow_config,
	.process_queue = slow_process,
	.reset = slow_reset,
	.destroy = slow_destroy,
};

static int setup(void **state)
{
	struct virtio_pci *vp;
	struct err e;

	(void)state;
	if (fake_vm_init(&fv, RAM_SIZE, &e) < 0)
		return -1;
	host = fv.host;
	slow.popped = slow.release = false;
	slow.resets = 0;
	if (virtio_pci_create(&fv.vm, host, &slow_ops, &slow, &vp, &e) < 0)
		return -1;
	return vdrv_init(&drv, &fv.vm, fv.ram.base, 1);
}

static void release_requests(void)
{
	pthread_mutex_lock(&slow.lock);
	slow.release = true;
	pthread_cond_broadcast(&slow.cond);
	pthread_mutex_unlock(&slow.lock);
}

static int teardown(void **state)
{
	(void)state;
	release_requests();
	fake_vm_destroy(&fv);
	return 0;
}

#define rd(addr, len)	 guest_mmio_rd(&fv.vm, addr, len)
#define wr(addr, len, v) guest_mmio_wr(&fv.vm, addr, len, v)

/* INTx, one queue of the device's maximum size. */
static void bring_up(void)
{
	assert_true(vdrv_negotiate(&drv, 1ULL << VIRTIO_F_VERSION_1) & VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(vdrv_queue_setup(&drv, 0, 0, RING, VIRTIO_MSI_NO_VECTOR), QSIZE);
	vdrv_driver_ok(&drv);
}

static void kick_one(void)
{
	const struct fake_seg seg = { BUF, 16, true };

	vdrv_submit(&drv, 0, 0, &seg, 1);
}

static void reset_waits_for_request_in_flight(void **state)
{
	unsigned resets;

	(void)state;
	bring_up();
	resets = slow.resets;
	kick_one();
	pthread_mutex_lock(&slow.lock);
	while (!slow.popped)
		pthread_cond_wait(&slow.cond, &slow.lock);
	pthread_mutex_unlock(&slow.lock);

	/* The vCPU is not blocked: the write returns, status stays nonzero. */
	wr(COMMON(device_status), 1, 0);
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(slow.resets, resets);

	release_requests();
	assert_true(vdrv_wait_reset(&drv));
	assert_int_equal(slow.resets, resets + 1);
	/* The late completion went nowhere. */
	assert_int_equal(fake_ring_used(&drv.q[0])->idx, 0);
	wr(COMMON(queue_select), 2, 0);
	assert_int_equal(rd(COMMON(queue_enable), 2), 0);
}

static void needs_reset_reaches_intx_driver(void **state)
{
	int gsi = (int)pci_cfg_read(host, 1, PCI_INTERRUPT_LINE, 1);

	(void)state;
	bring_up();
	__atomic_store_n(&fake_ring_avail(&drv.q[0])->idx, QSIZE + 1, __ATOMIC_RELEASE);
	vdrv_notify(&drv, 0);
	assert_true(vdrv_wait_irq(&drv, 0));
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(vdrv_isr(&drv), VIRTIO_PCI_ISR_CONFIG);
	assert_int_equal(fake_irq_level((unsigned)gsi), 0);
	/* Device config of the test device reads through. */
	assert_int_equal(rd(drv.devcfg, 4), 0x5a5a5a5a);
	assert_int_equal(rd(drv.devcfg + 4, 4), 0);
}

/* Sixteen devices (the most --disk allows) fit: own slots, own GSIs, BARs
 * that do not overlap, one MP table route each. */
static void sixteen_devices(void **state)
{
	struct mp_pci_irq routes[PCI_SLOTS];
	uint32_t bar[17][2];
	unsigned n;

	(void)state;
	for (unsigned i = 2; i <= 16; i++) {
		struct virtio_pci *vp;
		struct err e;

		assert_int_equal(virtio_pci_create(&fv.vm, host, &slow_ops, &slow, &vp, &e), 0);
	}
	n = pci_host_irq_routes(host, routes, PCI_SLOTS);
	assert_int_equal(n, 16);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(routes[i].slot, i + 1);
		assert_true(routes[i].ioapic_pin >= 5 && routes[i].ioapic_pin <= 23);
		assert_int_not_equal(routes[i].ioapic_pin, 4);
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(routes[i].ioapic_pin, routes[j].ioapic_pin);
	}
	for (unsigned s = 1; s <= 16; s++) {
		bar[s][0] = pci_cfg_read(host, s, PCI_BASE_ADDRESS_0, 4);
		bar[s][1] = pci_cfg_read(host, s, PCI_BASE_ADDRESS_2, 4);
		assert_int_equal(pci_cfg_read(host, s, PCI_VENDOR_ID, 2), 0x1af4);
		for (unsigned t = 1; t < s; t++)
			for (unsigned a = 0; a < 2; a++)
				for (unsigned b = 0; b < 2; b++)
					assert_int_not_equal(bar[s][a], bar[t][b]);
	}
	assert_int_equal(pci_cfg_read(host, 17, PCI_VENDOR_ID, 2), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reset_waits_for_request_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(needs_reset_reaches_intx_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(sixteen_devices, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
