/* virtio-blk through the whole stack: mechanism #1 config cycles, the
 * virtio-pci capabilities, feature negotiation, queue setup, requests
 * processed by the device's I/O thread, MSI-X and INTx completions, reset
 * and NEEDS_RESET. The test plays the guest driver over fake RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "devices/pci.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_pci.h"
#include "tests/unit/fake_irq.h"

#define RAM_SIZE (8u << 20)
#define DESC  0x10000u
#define AVAIL 0x11000u
#define USED  0x12000u
#define HDR   0x20000u
#define STAT  0x20100u
#define DATA  0x21000u
#define QSIZE 8
#define SLOT  1
#define COMMON(f) (bar0 + offsetof(struct virtio_pci_common_cfg, f))

static struct vm vm;
static uint8_t *ram;
static struct pci_host *host;
static char img_path[64];
static uint64_t bar0;
static uint16_t avail_idx;

static void make_image(void)
{
	uint8_t sector[512];
	int fd;

	snprintf(img_path, sizeof(img_path), "/tmp/minivmm-blk-XXXXXX");
	fd = mkstemp(img_path);
	assert_true(fd >= 0);
	for (unsigned s = 0; s < 64; s++) {
		memset(sector, (int)s, sizeof(sector));
		assert_int_equal(pwrite(fd, sector, 512, (off_t)s * 512), 512);
	}
	close(fd);
}

static int start(const char *opts)
{
	char arg[128];
	struct disk_config cfg;
	struct err e;

	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	if (vm_init_common(&vm, ram, RAM_SIZE, &e) < 0)
		return -1;
	memset(vm.uuid, 0xab, sizeof(vm.uuid));
	fake_install(&vm);
	make_image();
	snprintf(arg, sizeof(arg), "%s%s", img_path, opts);
	if (pci_host_create(&vm, &host, &e) < 0 || disk_opts_parse(arg, &cfg, &e) < 0 ||
	    disk_open(&cfg, &e) < 0 || virtio_blk_create(&vm, host, &cfg, 0, &e) < 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	assert_int_equal(cfg.fd, -1); /* the device took it */
	bar0 = pci_cfg_read(host, SLOT, PCI_BASE_ADDRESS_0, 4) & ~0xfu;
	avail_idx = 0;
	return 0;
}

static int setup_rw(void **state) { (void)state; return start(""); }
static int setup_ro(void **state) { (void)state; return start(",ro,serial=myserial"); }

static int teardown(void **state)
{
	(void)state;
	pci_host_destroy(host);
	vm_destroy_common(&vm);
	unlink(img_path);
	free(ram);
	fake.ioeventfd_enosys = false;
	return 0;
}

#define rd(addr, len) mmio_rd(&vm, addr, len)
#define wr(addr, len, v) mmio_wr(&vm, addr, len, v)

static uint64_t device_features(void)
{
	wr(COMMON(device_feature_select), 4, 0);
	uint64_t lo = rd(COMMON(device_feature), 4);
	wr(COMMON(device_feature_select), 4, 1);
	return lo | (uint64_t)rd(COMMON(device_feature), 4) << 32;
}

static uint8_t negotiate(uint64_t features)
{
	wr(COMMON(device_status), 1, 0);
	wr(COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(COMMON(guest_feature_select), 4, 0);
	wr(COMMON(guest_feature), 4, (uint32_t)features);
	wr(COMMON(guest_feature_select), 4, 1);
	wr(COMMON(guest_feature), 4, (uint32_t)(features >> 32));
	wr(COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	   VIRTIO_CONFIG_S_FEATURES_OK);
	return (uint8_t)rd(COMMON(device_status), 1);
}

/* Full driver bring-up; msix: MSI-X on with config vector 0, queue vector 1. */
static void bring_up(bool msix, uint16_t qsize)
{
	uint64_t msix_bar = pci_cfg_read(host, SLOT, PCI_BASE_ADDRESS_2, 4) & ~0xfu;

	assert_true(negotiate((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_FLUSH) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC)) &
		    VIRTIO_CONFIG_S_FEATURES_OK);
	if (msix) {
		for (unsigned v = 0; v < 2; v++) {
			wr(msix_bar + 16 * v, 4, 0xfee00000);
			wr(msix_bar + 16 * v + 8, 4, 0x30 + v);
			wr(msix_bar + 16 * v + 12, 4, 0);
		}
		/* The MSI-X capability comes first in our list. */
		pci_cfg_write(host, SLOT, 0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
		wr(COMMON(msix_config), 2, 0);
		assert_int_equal(rd(COMMON(msix_config), 2), 0);
	}
	wr(COMMON(queue_select), 2, 0);
	assert_int_equal(rd(COMMON(queue_size), 2), VIRTIO_BLK_QUEUE_SIZE);
	wr(COMMON(queue_size), 2, qsize);
	wr(COMMON(queue_desc_lo), 4, DESC);
	wr(COMMON(queue_desc_hi), 4, 0);
	wr(COMMON(queue_avail_lo), 4, AVAIL);
	wr(COMMON(queue_used_lo), 4, USED);
	if (msix)
		wr(COMMON(queue_msix_vector), 2, 1);
	wr(COMMON(queue_enable), 2, 1);
	wr(COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	   VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc dsc = { addr, len, flags, next };

	memcpy(ram + DESC + 16 * i, &dsc, sizeof(dsc));
}

static void kick_request(uint32_t type, uint64_t sector, uint32_t len, bool to_guest)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };
	struct vring_avail *a = (struct vring_avail *)(ram + AVAIL);

	memcpy(ram + HDR, &h, sizeof(h));
	ram[STAT] = 0xee;
	desc(0, HDR, 16, VRING_DESC_F_NEXT, 1);
	desc(1, DATA, len, VRING_DESC_F_NEXT | (to_guest ? VRING_DESC_F_WRITE : 0), 2);
	desc(2, STAT, 1, VRING_DESC_F_WRITE, 0);
	a->ring[avail_idx % QSIZE] = 0;
	__atomic_store_n(&a->idx, ++avail_idx, __ATOMIC_RELEASE);
	wr(bar0 + VIRTIO_PCI_NOTIFY_OFF, 2, 0);
}

/* Submit and wait for the completion interrupt; returns the status byte. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool to_guest, int gsi)
{
	unsigned seen = fake_msis();
	struct vring_used *u = (struct vring_used *)(ram + USED);

	kick_request(type, sector, len, to_guest);
	assert_true(fake_wait(seen, gsi));
	assert_int_equal(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE), avail_idx);
	return ram[STAT];
}

static uint8_t image_byte(uint64_t off)
{
	uint8_t b = 0;
	int fd = open(img_path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	close(fd);
	return b;
}

static void capabilities_describe_bar0(void **state)
{
	unsigned seen = 0, steps = 0, cfg_window = 0;
	unsigned data;

	(void)state;
	assert_int_equal(pci_cfg_read(host, SLOT, PCI_VENDOR_ID, 4), 0x10421af4);
	assert_true(pci_cfg_read(host, SLOT, PCI_REVISION_ID, 1) >= 1);
	for (unsigned at = pci_cfg_read(host, SLOT, PCI_CAPABILITY_LIST, 1); at && steps < 16;
	     at = pci_cfg_read(host, SLOT, at + 1, 1), steps++) {
		unsigned type = pci_cfg_read(host, SLOT, at + 3, 1);
		uint32_t off = pci_cfg_read(host, SLOT, at + 8, 4);

		if (pci_cfg_read(host, SLOT, at, 1) != PCI_CAP_ID_VNDR)
			continue;
		assert_int_equal(pci_cfg_read(host, SLOT, at + 4, 1), 0); /* BAR 0 */
		seen |= 1u << type;
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			assert_int_equal(off, VIRTIO_PCI_NOTIFY_OFF);
			assert_int_equal(pci_cfg_read(host, SLOT, at + 16, 4), 4);
		}
		if (type == VIRTIO_PCI_CAP_ISR_CFG)
			assert_int_equal(off, VIRTIO_PCI_ISR_OFF);
		if (type == VIRTIO_PCI_CAP_PCI_CFG)
			cfg_window = at;
	}
	assert_int_equal(seen, 1u << VIRTIO_PCI_CAP_COMMON_CFG | 1u << VIRTIO_PCI_CAP_NOTIFY_CFG |
			 1u << VIRTIO_PCI_CAP_ISR_CFG | 1u << VIRTIO_PCI_CAP_DEVICE_CFG |
			 1u << VIRTIO_PCI_CAP_PCI_CFG);
	/* Device config: capacity 64 sectors, seg_max, blk_size. */
	assert_int_equal(rd(bar0 + VIRTIO_PCI_DEVCFG_OFF, 4), 64);
	assert_int_equal(rd(bar0 + VIRTIO_PCI_DEVCFG_OFF + 4, 4), 0);
	assert_int_equal(rd(bar0 + VIRTIO_PCI_DEVCFG_OFF +
			    offsetof(struct virtio_blk_config, seg_max), 4), VIRTIO_BLK_SEG_MAX);
	assert_int_equal(rd(bar0 + VIRTIO_PCI_DEVCFG_OFF +
			    offsetof(struct virtio_blk_config, blk_size), 4), 512);
	assert_int_equal(rd(COMMON(num_queues), 2), 1);

	/* The config-space window reaches BAR 0: read num_queues, write
	 * queue_select, and refuse a misaligned or oversized access. */
	data = cfg_window + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	pci_cfg_write(host, SLOT, cfg_window + 4, 1, 0);
	pci_cfg_write(host, SLOT, cfg_window + 8, 4, offsetof(struct virtio_pci_common_cfg, num_queues));
	pci_cfg_write(host, SLOT, cfg_window + 12, 4, 2);
	assert_int_equal(pci_cfg_read(host, SLOT, data, 2), 1);
	pci_cfg_write(host, SLOT, cfg_window + 8, 4, offsetof(struct virtio_pci_common_cfg, queue_select));
	pci_cfg_write(host, SLOT, data, 2, 3);
	assert_int_equal(rd(COMMON(queue_select), 2), 3);
	pci_cfg_write(host, SLOT, cfg_window + 12, 4, 3);
	pci_cfg_write(host, SLOT, data, 4, 0);
	assert_int_equal(rd(COMMON(queue_select), 2), 3);
	pci_cfg_write(host, SLOT, cfg_window + 8, 4, 0xfffffffc);
	pci_cfg_write(host, SLOT, cfg_window + 12, 4, 4);
	pci_cfg_read(host, SLOT, data, 4);
	pci_cfg_write(host, SLOT, data, 4, 0);
}

static void feature_negotiation(void **state)
{
	uint64_t f = device_features();

	(void)state;
	assert_true(f & (1ULL << VIRTIO_F_VERSION_1));
	assert_true(f & (1ULL << VIRTIO_BLK_F_FLUSH));
	assert_true(f & (1ULL << VIRTIO_BLK_F_SEG_MAX));
	assert_false(f & (1ULL << VIRTIO_BLK_F_RO));
	/* Legacy drivers (no VERSION_1) and unknown bits are refused. */
	assert_false(negotiate(1ULL << VIRTIO_BLK_F_FLUSH) & VIRTIO_CONFIG_S_FEATURES_OK);
	assert_false(negotiate((1ULL << VIRTIO_F_VERSION_1) | (1ULL << 50)) &
		     VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(negotiate(1ULL << VIRTIO_F_VERSION_1) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* Frozen after FEATURES_OK. */
	wr(COMMON(guest_feature_select), 4, 0);
	wr(COMMON(guest_feature), 4, 0xffffffff);
	assert_int_equal(rd(COMMON(guest_feature), 4), 0);
	/* Vectors the table does not have read back as NO_VECTOR. */
	wr(COMMON(msix_config), 2, 7);
	assert_int_equal(rd(COMMON(msix_config), 2), VIRTIO_MSI_NO_VECTOR);
	wr(COMMON(device_status), 1, VIRTIO_CONFIG_S_FAILED);
	assert_int_equal(rd(COMMON(device_status), 1), VIRTIO_CONFIG_S_FAILED);
}

static void requests_with_msix(void **state)
{
	(void)state;
	bring_up(true, QSIZE);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 3, 1024, true, -1), VIRTIO_BLK_S_OK);
	assert_int_equal(fake.msi_data, 0x31);
	assert_int_equal(ram[DATA], 3);
	assert_int_equal(ram[DATA + 1023], 4);
	memset(ram + DATA, 0xc3, 512);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 9, 512, false, -1), VIRTIO_BLK_S_OK);
	assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, false, -1), VIRTIO_BLK_S_OK);
	assert_int_equal(image_byte(9 * 512), 0xc3);
	assert_int_equal(image_byte(10 * 512), 10);
	assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 20, true, -1), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA, "mvmabababababab-0", 17);
	/* More requests than the queue size, to wrap the rings. */
	for (unsigned i = 0; i < 3 * QSIZE; i++)
		assert_int_equal(request(VIRTIO_BLK_T_IN, i, 512, true, -1), VIRTIO_BLK_S_OK);
	/* Drained: the device wants kicks again. */
	assert_int_equal(((struct vring_used *)(ram + USED))->flags, 0);
}

static void requests_with_intx_and_no_ioeventfd(void **state)
{
	int gsi = (int)pci_cfg_read(host, SLOT, PCI_INTERRUPT_LINE, 1);

	(void)state;
	fake.ioeventfd_enosys = true;
	bring_up(false, QSIZE);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 1, 512, true, gsi), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 1);
	/* Reading the ISR returns the queue bit, clears it, drops the line. */
	assert_int_equal(rd(bar0 + VIRTIO_PCI_ISR_OFF, 1), 1);
	assert_int_equal(fake_level((unsigned)gsi), 0);
	assert_int_equal(rd(bar0 + VIRTIO_PCI_ISR_OFF, 1), 0);
}

static void reset_clears_everything(void **state)
{
	(void)state;
	bring_up(true, QSIZE);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 1, 512, true, -1), VIRTIO_BLK_S_OK);
	wr(COMMON(device_status), 1, 0);
	assert_int_equal(rd(COMMON(device_status), 1), 0);
	wr(COMMON(queue_select), 2, 0);
	assert_int_equal(rd(COMMON(queue_enable), 2), 0);
	assert_int_equal(rd(COMMON(queue_size), 2), VIRTIO_BLK_QUEUE_SIZE);
	assert_int_equal(rd(COMMON(queue_desc_lo), 4), 0);
	assert_int_equal(rd(COMMON(msix_config), 2), VIRTIO_MSI_NO_VECTOR);
	wr(COMMON(guest_feature_select), 4, 1);
	assert_int_equal(rd(COMMON(guest_feature), 4), 0);
	/* And it comes back up from scratch. */
	memset(ram + AVAIL, 0, 0x2000); /* fresh avail and used rings */
	bring_up(true, QSIZE);
	avail_idx = 0;
	assert_int_equal(request(VIRTIO_BLK_T_IN, 2, 512, true, -1), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 2);
}

static void avail_jump_sets_needs_reset(void **state)
{
	struct vring_avail *a = (struct vring_avail *)(ram + AVAIL);
	unsigned seen;

	(void)state;
	bring_up(true, QSIZE);
	seen = fake_msis();
	__atomic_store_n(&a->idx, QSIZE + 5, __ATOMIC_RELEASE);
	wr(bar0 + VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	assert_true(fake_wait(seen, -1));
	assert_int_equal(fake.msi_data, 0x30); /* the config vector */
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* The queue is not touched again. */
	assert_int_equal(((struct vring_used *)(ram + USED))->idx, 0);
	wr(COMMON(device_status), 1, 0);
	assert_int_equal(rd(COMMON(device_status), 1), 0);
}

static void bad_queue_size_sets_needs_reset(void **state)
{
	(void)state;
	bring_up(true, 6);
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(rd(COMMON(queue_enable), 2), 0);
	/* Rings outside RAM likewise. */
	bring_up(true, QSIZE);
	assert_false(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	wr(COMMON(device_status), 1, 0);
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	wr(COMMON(queue_desc_lo), 4, RAM_SIZE - 16);
	wr(COMMON(queue_enable), 2, 1);
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void common_cfg_any_offset_and_width(void **state)
{
	(void)state;
	bring_up(true, QSIZE);
	for (uint64_t off = 0; off < 0x4000; off += 1)
		for (unsigned len = 1; len <= 8; len *= 2) {
			uint8_t buf[8] = { 0 };

			bus_dispatch(&vm.mmio_bus, bar0 + off, buf, len, false);
			/* Writes only where they cannot reset or kick. */
			if (off >= VIRTIO_PCI_DEVCFG_OFF && off < VIRTIO_PCI_NOTIFY_OFF) {
				memset(buf, 0xff, sizeof(buf));
				bus_dispatch(&vm.mmio_bus, bar0 + off, buf, len, true);
			}
		}
	/* Garbage writes to the queue registers of a queue that does not exist. */
	wr(COMMON(queue_select), 2, 5);
	wr(COMMON(queue_enable), 2, 1);
	wr(COMMON(queue_desc_lo), 4, 0xdeadbeef);
	assert_int_equal(rd(COMMON(queue_size), 2), 0);
	/* Device config is read-only for blk. */
	assert_int_equal(rd(bar0 + VIRTIO_PCI_DEVCFG_OFF, 4), 64);
}

static void readonly_disk(void **state)
{
	(void)state;
	assert_true(device_features() & (1ULL << VIRTIO_BLK_F_RO));
	bring_up(true, QSIZE);
	memset(ram + DATA, 0x99, 512);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 4, 512, false, -1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(image_byte(4 * 512), 4);
	assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 20, true, -1), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA, "myserial\0", 9);
}

static void bar_move_keeps_notifications(void **state)
{
	(void)state;
	bring_up(true, QSIZE);
	assert_int_equal(fake.ioeventfds, 1);
	pci_cfg_write(host, SLOT, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	assert_int_equal(pci_cfg_read(host, SLOT, PCI_BASE_ADDRESS_0, 4), 0xd0000000);
	bar0 = 0xd0000000;
	assert_int_equal(fake.ioeventfds, 1);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 6, 512, true, -1), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(capabilities_describe_bar0, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(feature_negotiation, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(requests_with_msix, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(requests_with_intx_and_no_ioeventfd, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(reset_clears_everything, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(avail_jump_sets_needs_reset, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(bad_queue_size_sets_needs_reset, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(common_cfg_any_offset_and_width, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(readonly_disk, setup_ro, teardown),
		cmocka_unit_test_setup_teardown(bar_move_keeps_notifications, setup_rw, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
