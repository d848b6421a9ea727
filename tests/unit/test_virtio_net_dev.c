/* virtio-net through the whole stack: the test plays the guest driver over
 * fake RAM (PCI config, virtio-pci registers, rings) and the host side of a
 * SOCK_SEQPACKET socketpair standing in for the TAP. Checked: config space
 * (default MAC, link up), transmit on the kick, receive driven by the
 * "TAP", back-pressure without buffers (frames wait, the I/O thread
 * sleeps), delivery once buffers are posted; a bad transmit header drops
 * its frame, a bad receive buffer puts the device in NEEDS_RESET. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/virtio_net.h"
#include "tests/mock/fake_vm.h"
#include "tests/mock/virtio_driver.h"

#define RAM_SIZE (8u << 20)
#define QSIZE	 8
#define SLOT	 1
#define RXQ_BASE 0x10000u /* descriptor table; avail and used rings follow */
#define TXQ_BASE 0x20000u
#define RXBUF	 0x100000u /* rx buffer i at RXBUF + i * 0x1000 */
#define TXBUF	 0x200000u
#define F(bit)	 (1ULL << (bit))

#define rd(addr, len) guest_mmio_rd(&fv.vm, addr, len)

static struct fake_vm fv;
static struct virtio_driver drv;
static uint8_t *ram;
static int peer = -1; /* the host end of the "TAP" */

/* Driver bring-up with MSI-X: config vector 0, rx 1, tx 2. */
static int bring_up(void)
{
	uint64_t feats = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |
			 F(VIRTIO_NET_F_MRG_RXBUF);

	if (vdrv_init(&drv, &fv.vm, ram, SLOT) < 0 ||
	    !(vdrv_negotiate(&drv, feats) & VIRTIO_CONFIG_S_FEATURES_OK) ||
	    !vdrv_msix_enable(&drv, 3, 0x40) ||
	    !vdrv_queue_setup(&drv, VIRTIO_NET_RXQ, QSIZE, RXQ_BASE, 1) ||
	    !vdrv_queue_setup(&drv, VIRTIO_NET_TXQ, QSIZE, TXQ_BASE, 2))
		return -1;
	vdrv_driver_ok(&drv);
	return 0;
}

static int setup(void **state)
{
	struct net_config cfg = { .ifname = "fake0" };
	struct tap tap = { .name = "fake0" };
	struct err e;
	int sv[2];

	(void)state;
	if (fake_vm_init(&fv, RAM_SIZE, &e) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	ram = fv.ram.base;
	memset(fv.vm.uuid, 0x5a, sizeof(fv.vm.uuid));
	tap.fd = sv[0];
	peer = sv[1];
	if (virtio_net_create(&fv.vm, fv.host, &cfg, &tap, 0, &e) < 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	assert_int_equal(tap.fd, -1); /* the device took it */
	return bring_up();
}

static int teardown(void **state)
{
	(void)state;
	fake_vm_destroy(&fv);
	close(peer);
	return 0;
}

static uint16_t used_idx(unsigned q)
{
	return fake_ring_used_idx(&drv.q[q]);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void config_space(void **state)
{
	uint8_t mac[NET_MAC_LEN], want[NET_MAC_LEN];
	uint64_t cfg = drv.devcfg;

	(void)state;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		mac[i] = (uint8_t)rd(cfg + i, 1);
	net_default_mac(fv.vm.uuid, 0, want);
	assert_memory_equal(mac, want, NET_MAC_LEN);
	assert_int_equal(rd(cfg + offsetof(struct virtio_net_config, status), 2),
			 VIRTIO_NET_S_LINK_UP);
}

static void transmit_on_kick(void **state)
{
	uint8_t frame[NET_HDR_LEN + 60] = { 0 }, got[128];
	const struct fake_seg seg = { TXBUF, sizeof(frame), false };
	unsigned seen = fake_irq_msis();

	(void)state;
	memset(frame + NET_HDR_LEN, 0xab, 60);
	memcpy(ram + TXBUF, frame, sizeof(frame));
	vdrv_submit(&drv, VIRTIO_NET_TXQ, 0, &seg, 1);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_int_equal(used_idx(VIRTIO_NET_TXQ), 1);
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
	assert_int_equal(used_idx(VIRTIO_NET_RXQ), 0);
	assert_true(cpu_seconds() - cpu < 0.05);
	/* Buffers arrive with a kick: every waiting frame is delivered. */
	seen = fake_irq_msis();
	for (uint16_t i = 0; i < 4; i++)
		fake_ring_add_buf(&drv.q[VIRTIO_NET_RXQ], i, RXBUF + i * 0x1000u, 2048, true);
	vdrv_notify(&drv, VIRTIO_NET_RXQ);
	assert_true(vdrv_wait_irq(&drv, seen));
	vdrv_wait_used(&drv, VIRTIO_NET_RXQ, 3);
	assert_int_equal(used_idx(VIRTIO_NET_RXQ), 3);
	for (unsigned i = 0; i < 3; i++) {
		memcpy(&h, ram + RXBUF + i * 0x1000u, sizeof(h));
		assert_int_equal(h.num_buffers, 1);
		assert_int_equal(ram[RXBUF + i * 0x1000u + NET_HDR_LEN], 0x10 + i);
	}
	/* The TAP is watched again: a new frame goes straight in. */
	seen = fake_irq_msis();
	memset(frame + NET_HDR_LEN, 0x77, 64);
	assert_int_equal(send(peer, frame, sizeof(frame), 0), sizeof(frame));
	assert_true(vdrv_wait_irq(&drv, seen));
	vdrv_wait_used(&drv, VIRTIO_NET_RXQ, 4);
	assert_int_equal(used_idx(VIRTIO_NET_RXQ), 4);
	assert_int_equal(ram[RXBUF + 3 * 0x1000u + NET_HDR_LEN], 0x77);
}

/* A transmit header the driver may not send (a partial checksum without
 * VIRTIO_NET_F_CSUM) drops that frame only: completed, never on the TAP,
 * the device keeps working. */
static void transmit_bad_header_dropped(void **state)
{
	uint8_t frame[NET_HDR_LEN + 60] = { 0 }, got[128];
	const struct fake_seg seg = { TXBUF, sizeof(frame), false };
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 14 };
	unsigned seen = fake_irq_msis();

	(void)state;
	memcpy(frame, &h, sizeof(h));
	memcpy(ram + TXBUF, frame, sizeof(frame));
	vdrv_submit(&drv, VIRTIO_NET_TXQ, 0, &seg, 1);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_int_equal(used_idx(VIRTIO_NET_TXQ), 1);
	assert_int_equal(recv(peer, got, sizeof(got), MSG_DONTWAIT), -1);
	assert_false(rd(VDRV_COMMON(&drv, device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* The next, good frame goes out. */
	memset(ram + TXBUF, 0, NET_HDR_LEN);
	seen = fake_irq_msis();
	vdrv_submit(&drv, VIRTIO_NET_TXQ, 1, &seg, 1);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_int_equal(recv(peer, got, sizeof(got), 0), sizeof(frame));
}

/* A read-only receive buffer is a device error: NEEDS_RESET on the config
 * vector, nothing written or completed, transmit stopped too; after the
 * reset the waiting frame is delivered. */
static void receive_bad_buffer_needs_reset(void **state)
{
	uint8_t frame[NET_HDR_LEN + 64] = { 0 }, got[128];
	const struct fake_seg tx = { TXBUF, sizeof(frame), false };
	unsigned seen = fake_irq_msis();

	(void)state;
	memset(frame + NET_HDR_LEN, 0x5e, 64);
	memcpy(ram + TXBUF, frame, sizeof(frame));
	fake_ring_add_buf(&drv.q[VIRTIO_NET_RXQ], 0, RXBUF, 2048, false);
	vdrv_notify(&drv, VIRTIO_NET_RXQ);
	assert_int_equal(send(peer, frame, sizeof(frame), 0), sizeof(frame));
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_true(rd(VDRV_COMMON(&drv, device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(fake_irq_msi_data(), 0x40); /* the config vector */
	assert_int_equal(used_idx(VIRTIO_NET_RXQ), 0);
	assert_int_equal(ram[RXBUF], 0);
	vdrv_submit(&drv, VIRTIO_NET_TXQ, 0, &tx, 1);
	usleep(50 * 1000);
	assert_int_equal(used_idx(VIRTIO_NET_TXQ), 0);
	assert_int_equal(recv(peer, got, sizeof(got), MSG_DONTWAIT), -1);
	/* Reset and bring-up: the frame that waited arrives. */
	assert_int_equal(bring_up(), 0);
	assert_false(rd(VDRV_COMMON(&drv, device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	seen = fake_irq_msis();
	fake_ring_add_buf(&drv.q[VIRTIO_NET_RXQ], 0, RXBUF, 2048, true);
	vdrv_notify(&drv, VIRTIO_NET_RXQ);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_true(vdrv_wait_used(&drv, VIRTIO_NET_RXQ, 1));
	assert_int_equal(ram[RXBUF + NET_HDR_LEN], 0x5e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_space, setup, teardown),
		cmocka_unit_test_setup_teardown(transmit_bad_header_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(receive_bad_buffer_needs_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(transmit_on_kick, setup, teardown),
		cmocka_unit_test_setup_teardown(receive_waits_for_buffers_without_spinning, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
