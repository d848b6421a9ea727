/* virtio-net through the whole stack: the test plays the guest driver over
 * fake RAM (PCI config, virtio-pci registers, rings) and the host side of a
 * SOCK_SEQPACKET socketpair standing in for the TAP. Checked: config space
 * (default MAC, link up), transmit on the kick, receive driven by the
 * "TAP", back-pressure without buffers (frames wait, the I/O thread
 * sleeps), delivery once buffers are posted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "devices/pci.h"
#include "devices/virtio_net.h"
#include "devices/virtio_pci.h"
#include "tests/unit/fake_irq.h"

#define RAM_SIZE (8u << 20)
#define QSIZE 8
#define SLOT  1
#define RXQ_BASE 0x10000u   /* desc, avail, used at +0, +0x1000, +0x2000 */
#define TXQ_BASE 0x20000u
#define RXBUF    0x100000u  /* rx buffer i at RXBUF + i * 0x1000 */
#define TXBUF    0x200000u
#define COMMON(f) (bar0 + offsetof(struct virtio_pci_common_cfg, f))
#define F(bit) (1ULL << (bit))

static struct vm vm;
static uint8_t *ram;
static struct pci_host *host;
static uint64_t bar0;
static int peer = -1;   /* the host end of the "TAP" */
static uint16_t rx_avail, tx_avail;

static uint32_t rd(uint64_t addr, unsigned len)
{
	uint32_t v = 0;

	bus_dispatch(&vm.mmio_bus, addr, (uint8_t *)&v, len, false);
	return v;
}

static void wr(uint64_t addr, unsigned len, uint32_t v)
{
	bus_dispatch(&vm.mmio_bus, addr, (uint8_t *)&v, len, true);
}

static void setup_queue(unsigned q, uint32_t base, uint16_t vector)
{
	wr(COMMON(queue_select), 2, q);
	wr(COMMON(queue_size), 2, QSIZE);
	wr(COMMON(queue_desc_lo), 4, base);
	wr(COMMON(queue_avail_lo), 4, base + 0x1000);
	wr(COMMON(queue_used_lo), 4, base + 0x2000);
	wr(COMMON(queue_msix_vector), 2, vector);
	wr(COMMON(queue_enable), 2, 1);
}

static int setup(void **state)
{
	uint64_t msix_bar, feats = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC) |
				   F(VIRTIO_NET_F_STATUS) | F(VIRTIO_NET_F_MRG_RXBUF);
	struct net_config cfg = { .ifname = "fake0" };
	struct tap tap = { .name = "fake0" };
	struct err e;
	int sv[2];
	uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	(void)state;
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	if (vm_init_common(&vm, ram, RAM_SIZE, &e) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	memset(vm.uuid, 0x5a, sizeof(vm.uuid));
	fake_install(&vm);
	tap.fd = sv[0];
	peer = sv[1];
	if (pci_host_create(&vm, &host, &e) < 0 ||
	    virtio_net_create(&vm, host, &cfg, &tap, 0, &e) < 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	assert_int_equal(tap.fd, -1); /* the device took it */
	bar0 = pci_cfg_read(host, SLOT, PCI_BASE_ADDRESS_0, 4) & ~0xfu;
	msix_bar = pci_cfg_read(host, SLOT, PCI_BASE_ADDRESS_2, 4) & ~0xfu;
	pci_cfg_write(host, SLOT, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* Driver bring-up with MSI-X: config vector 0, rx 1, tx 2. */
	wr(COMMON(device_status), 1, st);
	wr(COMMON(guest_feature_select), 4, 0);
	wr(COMMON(guest_feature), 4, (uint32_t)feats);
	wr(COMMON(guest_feature_select), 4, 1);
	wr(COMMON(guest_feature), 4, (uint32_t)(feats >> 32));
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	wr(COMMON(device_status), 1, st);
	if (!(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -1;
	for (unsigned v = 0; v < 3; v++) {
		wr(msix_bar + 16 * v, 4, 0xfee00000);
		wr(msix_bar + 16 * v + 8, 4, 0x40 + v);
		wr(msix_bar + 16 * v + 12, 4, 0);
	}
	pci_cfg_write(host, SLOT, 0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	wr(COMMON(msix_config), 2, 0);
	setup_queue(VIRTIO_NET_RXQ, RXQ_BASE, 1);
	setup_queue(VIRTIO_NET_TXQ, TXQ_BASE, 2);
	wr(COMMON(device_status), 1, st | VIRTIO_CONFIG_S_DRIVER_OK);
	rx_avail = tx_avail = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pci_host_destroy(host);
	vm_destroy_common(&vm);
	close(peer);
	free(ram);
	return 0;
}

static void publish(uint32_t base, uint16_t *idx, uint16_t head, uint64_t addr,
		    uint32_t len, uint16_t flags)
{
	struct vring_desc d = { .addr = addr, .len = len, .flags = flags };
	struct vring_avail *a = (struct vring_avail *)(ram + base + 0x1000);

	memcpy(ram + base + 16 * head, &d, sizeof(d));
	a->ring[*idx % QSIZE] = head;
	__atomic_store_n(&a->idx, ++*idx, __ATOMIC_RELEASE);
}

static uint16_t used_idx(uint32_t base)
{
	return __atomic_load_n(&((struct vring_used *)(ram + base + 0x2000))->idx,
			       __ATOMIC_ACQUIRE);
}

static void kick(unsigned q)
{
	wr(bar0 + VIRTIO_PCI_NOTIFY_OFF + VIRTIO_PCI_NOTIFY_MULT * q, 2, q);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void config_space(void **state)
{
	uint8_t mac[NET_MAC_LEN], want[NET_MAC_LEN];
	uint64_t cfg = bar0 + VIRTIO_PCI_DEVCFG_OFF;

	(void)state;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		mac[i] = (uint8_t)rd(cfg + i, 1);
	net_default_mac(vm.uuid, 0, want);
	assert_memory_equal(mac, want, NET_MAC_LEN);
	assert_int_equal(rd(cfg + offsetof(struct virtio_net_config, status), 2),
			 VIRTIO_NET_S_LINK_UP);
}

static void transmit_on_kick(void **state)
{
	uint8_t frame[NET_HDR_LEN + 60] = { 0 }, got[128];
	unsigned seen = fake_msis();

	(void)state;
	memset(frame + NET_HDR_LEN, 0xab, 60);
	memcpy(ram + TXBUF, frame, sizeof(frame));
	publish(TXQ_BASE, &tx_avail, 0, TXBUF, sizeof(frame), 0);
	kick(VIRTIO_NET_TXQ);
	assert_true(fake_wait(seen, -1));
	assert_int_equal(used_idx(TXQ_BASE), 1);
	assert_int_equal(recv(peer, got, sizeof(got), 0), sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
}

static void receive_waits_for_buffers_without_spinning(void **state)
{
	uint8_t frame[NET_HDR_LEN + 64] = { 0 };
	struct virtio_net_hdr_mrg_rxbuf h;
	double cpu;
	unsigned seen;

	(void)state;
	/* Three frames arrive while the guest has posted no buffers. */
	for (unsigned i = 0; i < 3; i++) {
		memset(frame + NET_HDR_LEN, 0x10 + (int)i, 64);
		assert_int_equal(send(peer, frame, sizeof(frame), 0), sizeof(frame));
	}
	cpu = cpu_seconds();
	usleep(300 * 1000);
	/* Nothing delivered, and the I/O thread slept instead of polling. */
	assert_int_equal(used_idx(RXQ_BASE), 0);
	assert_true(cpu_seconds() - cpu < 0.05);
	/* Buffers arrive with a kick: every waiting frame is delivered. */
	seen = fake_msis();
	for (uint16_t i = 0; i < 4; i++)
		publish(RXQ_BASE, &rx_avail, i, RXBUF + i * 0x1000u, 2048, VRING_DESC_F_WRITE);
	kick(VIRTIO_NET_RXQ);
	assert_true(fake_wait(seen, -1));
	for (unsigned tries = 0; used_idx(RXQ_BASE) < 3 && tries < 500; tries++)
		usleep(1000);
	assert_int_equal(used_idx(RXQ_BASE), 3);
	for (unsigned i = 0; i < 3; i++) {
		memcpy(&h, ram + RXBUF + i * 0x1000u, sizeof(h));
		assert_int_equal(h.num_buffers, 1);
		assert_int_equal(ram[RXBUF + i * 0x1000u + NET_HDR_LEN], 0x10 + i);
	}
	/* The TAP is watched again: a new frame goes straight in. */
	seen = fake_msis();
	memset(frame + NET_HDR_LEN, 0x77, 64);
	assert_int_equal(send(peer, frame, sizeof(frame), 0), sizeof(frame));
	assert_true(fake_wait(seen, -1));
	for (unsigned tries = 0; used_idx(RXQ_BASE) < 4 && tries < 500; tries++)
		usleep(1000);
	assert_int_equal(used_idx(RXQ_BASE), 4);
	assert_int_equal(ram[RXBUF + 3 * 0x1000u + NET_HDR_LEN], 0x77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_space, setup, teardown),
		cmocka_unit_test_setup_teardown(transmit_on_kick, setup, teardown),
		cmocka_unit_test_setup_teardown(receive_waits_for_buffers_without_spinning,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
