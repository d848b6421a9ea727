/* The virtio-pci transport with a test device whose requests block until
 * the test releases them: a reset that arrives while a chain is in flight
 * keeps device_status nonzero until the chain is done, then drops its
 * completion; NEEDS_RESET reaches an INTx driver as ISR bit 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "devices/virtio_pci.h"
#include "tests/unit/fake_irq.h"

#define RAM_SIZE (1u << 20)
#define DESC  0x1000u
#define AVAIL 0x2000u
#define USED  0x3000u
#define BUF   0x8000u
#define QSIZE 4
#define COMMON(f) (bar0 + offsetof(struct virtio_pci_common_cfg, f))

struct slow_dev {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool popped, release;
	unsigned resets;
	struct vq_chain chain;
};

static struct slow_dev slow = { .lock = PTHREAD_MUTEX_INITIALIZER,
				.cond = PTHREAD_COND_INITIALIZER };
static struct vm vm;
static uint8_t *ram;
static struct pci_host *host;
static uint64_t bar0;

static uint64_t slow_features(void *dev) { (void)dev; return 0; }
static void slow_config(void *dev, void *buf) { (void)dev; memset(buf, 0x5a, 4); }
static void slow_destroy(void *dev) { (void)dev; }

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
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	if (vm_init_common(&vm, ram, RAM_SIZE, &e) < 0)
		return -1;
	fake_install(&vm);
	slow.popped = slow.release = false;
	slow.resets = 0;
	if (pci_host_create(&vm, &host, &e) < 0 ||
	    virtio_pci_create(&vm, host, &slow_ops, &slow, &vp, &e) < 0)
		return -1;
	bar0 = pci_cfg_read(host, 1, PCI_BASE_ADDRESS_0, 4) & ~0xfu;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pthread_mutex_lock(&slow.lock);
	slow.release = true;
	pthread_cond_broadcast(&slow.cond);
	pthread_mutex_unlock(&slow.lock);
	pci_host_destroy(host);
	vm_destroy_common(&vm);
	free(ram);
	return 0;
}

#define rd(addr, len) mmio_rd(&vm, addr, len)
#define wr(addr, len, v) mmio_wr(&vm, addr, len, v)

static void bring_up(void)
{
	wr(COMMON(device_status), 1, 0);
	wr(COMMON(guest_feature_select), 4, 1);
	wr(COMMON(guest_feature), 4, 1); /* VIRTIO_F_VERSION_1 */
	wr(COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	   VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_FEATURES_OK);
	wr(COMMON(queue_select), 2, 0);
	wr(COMMON(queue_desc_lo), 4, DESC);
	wr(COMMON(queue_avail_lo), 4, AVAIL);
	wr(COMMON(queue_used_lo), 4, USED);
	wr(COMMON(queue_enable), 2, 1);
	wr(COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	   VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void kick_one(void)
{
	struct vring_desc d = { BUF, 16, VRING_DESC_F_WRITE, 0 };
	struct vring_avail *a = (struct vring_avail *)(ram + AVAIL);

	memcpy(ram + DESC, &d, sizeof(d));
	a->ring[a->idx % QSIZE] = 0;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
	wr(bar0 + VIRTIO_PCI_NOTIFY_OFF, 2, 0);
}

static bool wait_status_zero(void)
{
	for (unsigned i = 0; i < 5000; i++) {
		if (rd(COMMON(device_status), 1) == 0)
			return true;
		usleep(1000);
	}
	return false;
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

	pthread_mutex_lock(&slow.lock);
	slow.release = true;
	pthread_cond_broadcast(&slow.cond);
	pthread_mutex_unlock(&slow.lock);
	assert_true(wait_status_zero());
	assert_int_equal(slow.resets, resets + 1);
	/* The late completion went nowhere. */
	assert_int_equal(((struct vring_used *)(ram + USED))->idx, 0);
	wr(COMMON(queue_select), 2, 0);
	assert_int_equal(rd(COMMON(queue_enable), 2), 0);
}

static void needs_reset_reaches_intx_driver(void **state)
{
	struct vring_avail *a = (struct vring_avail *)(ram + AVAIL);
	int gsi = (int)pci_cfg_read(host, 1, PCI_INTERRUPT_LINE, 1);

	(void)state;
	bring_up();
	__atomic_store_n(&a->idx, QSIZE + 1, __ATOMIC_RELEASE);
	wr(bar0 + VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	assert_true(fake_wait(0, gsi));
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(rd(bar0 + VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_CONFIG);
	assert_int_equal(fake_level((unsigned)gsi), 0);
	/* Device config of the test device reads through. */
	assert_int_equal(rd(bar0 + VIRTIO_PCI_DEVCFG_OFF, 4), 0x5a5a5a5a);
	assert_int_equal(rd(bar0 + VIRTIO_PCI_DEVCFG_OFF + 4, 4), 0);
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

		assert_int_equal(virtio_pci_create(&vm, host, &slow_ops, &slow, &vp, &e), 0);
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
