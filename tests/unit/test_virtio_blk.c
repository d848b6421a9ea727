/* virtio-blk through the whole stack: mechanism #1 config cycles, the
 * virtio-pci capabilities, feature negotiation, queue setup, requests
 * processed by the device's I/O thread, MSI-X and INTx completions, reset
 * and NEEDS_RESET. The test plays the guest driver over fake RAM. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/virtio_blk.h"
#include "tests/mock/fake_vm.h"
#include "tests/mock/virtio_driver.h"

#define RAM_SIZE    (8u << 20)
#define RING	    0x10000u /* descriptor table; avail and used rings follow */
#define HDR	    0x20000u
#define STAT	    0x20100u
#define DATA	    0x21000u
#define QSIZE	    8
#define SLOT	    1
#define COMMON(f)   VDRV_COMMON(&drv, f)
#define BAR0	    (drv.bar[0])
#define FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK

static struct fake_vm fv;
static struct virtio_driver drv;
static uint8_t *ram;
static struct pci_host *host;
static char img_path[64];

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

	if (fake_vm_init(&fv, RAM_SIZE, &e) < 0)
		return -1;
	ram = fv.ram.base;
	host = fv.host;
	memset(fv.vm.uuid, 0xab, sizeof(fv.vm.uuid));
	make_image();
	snprintf(arg, sizeof(arg), "%s%s", img_path, opts);
	if (disk_opts_parse(arg, &cfg, &e) < 0 || disk_open(&cfg, &e) < 0 ||
	    virtio_blk_create(&fv.vm, host, &cfg, 0, &e) < 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	assert_int_equal(cfg.fd, -1); /* the device took it */
	return vdrv_init(&drv, &fv.vm, ram, SLOT);
}

static int setup_rw(void **state)
{
	(void)state;
	return start("");
}
static int setup_ro(void **state)
{
	(void)state;
	return start(",ro,serial=myserial");
}

static int teardown(void **state)
{
	(void)state;
	fake_vm_destroy(&fv);
	unlink(img_path);
	return 0;
}

#define rd(addr, len)	 guest_mmio_rd(&fv.vm, addr, len)
#define wr(addr, len, v) guest_mmio_wr(&fv.vm, addr, len, v)

/* Full driver bring-up; msix: MSI-X on with config vector 0, queue vector 1. */
static void bring_up(bool msix, uint16_t qsize)
{
	assert_true(vdrv_negotiate(&drv, (1ULL << VIRTIO_F_VERSION_1) |
						 (1ULL << VIRTIO_BLK_F_FLUSH) |
						 (1ULL << VIRTIO_RING_F_INDIRECT_DESC)) &
		    FEATURES_OK);
	if (msix)
		assert_true(vdrv_msix_enable(&drv, 2, 0x30));
	assert_int_equal(vdrv_queue_setup(&drv, 0, qsize, RING, msix ? 1 : VIRTIO_MSI_NO_VECTOR),
			 VIRTIO_BLK_QUEUE_SIZE);
	vdrv_driver_ok(&drv);
}

/* Submit and wait for the completion interrupt; returns the status byte. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool to_guest)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };
	const struct fake_seg segs[] = {
		{ HDR, 16, false },
		{ DATA, len, to_guest },
		{ STAT, 1, true },
	};
	unsigned seen = fake_irq_msis();

	memcpy(ram + HDR, &h, sizeof(h));
	ram[STAT] = 0xee;
	vdrv_submit(&drv, 0, 0, segs, 3);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), drv.q[0].avail_idx);
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
	unsigned cfg_window = drv.cap[VIRTIO_PCI_CAP_PCI_CFG].at;
	unsigned data;

	(void)state;
	assert_int_equal(pci_cfg_read(host, SLOT, PCI_VENDOR_ID, 4), 0x10421af4);
	assert_true(pci_cfg_read(host, SLOT, PCI_REVISION_ID, 1) >= 1);
	/* What the driver found walking the capability list: every virtio
	 * capability points into BAR 0, at the offsets the header names. */
	assert_int_equal(drv.cap_bars, 1u << 0);
	assert_int_equal(drv.cap[VIRTIO_PCI_CAP_NOTIFY_CFG].off, VIRTIO_PCI_NOTIFY_OFF);
	assert_int_equal(drv.notify_mult, 4);
	assert_int_equal(drv.cap[VIRTIO_PCI_CAP_ISR_CFG].off, VIRTIO_PCI_ISR_OFF);
	assert_int_equal(drv.cap_types,
			 1u << VIRTIO_PCI_CAP_COMMON_CFG | 1u << VIRTIO_PCI_CAP_NOTIFY_CFG |
				 1u << VIRTIO_PCI_CAP_ISR_CFG | 1u << VIRTIO_PCI_CAP_DEVICE_CFG |
				 1u << VIRTIO_PCI_CAP_PCI_CFG);
	/* Device config: capacity 64 sectors, seg_max, blk_size. */
	assert_int_equal(rd(BAR0 + VIRTIO_PCI_DEVCFG_OFF, 4), 64);
	assert_int_equal(rd(BAR0 + VIRTIO_PCI_DEVCFG_OFF + 4, 4), 0);
	assert_int_equal(
		rd(BAR0 + VIRTIO_PCI_DEVCFG_OFF + offsetof(struct virtio_blk_config, seg_max), 4),
		VIRTIO_BLK_SEG_MAX);
	assert_int_equal(
		rd(BAR0 + VIRTIO_PCI_DEVCFG_OFF + offsetof(struct virtio_blk_config, blk_size), 4),
		512);
	assert_int_equal(rd(COMMON(num_queues), 2), 1);

	/* The config-space window reaches BAR 0: read num_queues, write
	 * queue_select, and refuse a misaligned or oversized access. */
	data = cfg_window + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	pci_cfg_write(host, SLOT, cfg_window + 4, 1, 0);
	pci_cfg_write(host, SLOT, cfg_window + 8, 4,
		      offsetof(struct virtio_pci_common_cfg, num_queues));
	pci_cfg_write(host, SLOT, cfg_window + 12, 4, 2);
	assert_int_equal(pci_cfg_read(host, SLOT, data, 2), 1);
	pci_cfg_write(host, SLOT, cfg_window + 8, 4,
		      offsetof(struct virtio_pci_common_cfg, queue_select));
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
	uint64_t f = vdrv_device_features(&drv);

	(void)state;
	assert_true(f & (1ULL << VIRTIO_F_VERSION_1));
	assert_true(f & (1ULL << VIRTIO_BLK_F_FLUSH));
	assert_true(f & (1ULL << VIRTIO_BLK_F_SEG_MAX));
	assert_false(f & (1ULL << VIRTIO_BLK_F_RO));
	/* Legacy drivers (no VERSION_1) and unknown bits are refused. */
	assert_false(vdrv_negotiate(&drv, 1ULL << VIRTIO_BLK_F_FLUSH) & FEATURES_OK);
	assert_false(vdrv_negotiate(&drv, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 50)) &
		     FEATURES_OK);
	assert_true(vdrv_negotiate(&drv, 1ULL << VIRTIO_F_VERSION_1) & FEATURES_OK);
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
	assert_int_equal(request(VIRTIO_BLK_T_IN, 3, 1024, true), VIRTIO_BLK_S_OK);
	assert_int_equal(fake_irq_msi_data(), 0x31);
	assert_int_equal(ram[DATA], 3);
	assert_int_equal(ram[DATA + 1023], 4);
	memset(ram + DATA, 0xc3, 512);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 9, 512, false), VIRTIO_BLK_S_OK);
	assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
	assert_int_equal(image_byte(9 * 512), 0xc3);
	assert_int_equal(image_byte(10 * 512), 10);
	assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 20, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA, "mvmabababababab-0", 17);
	/* More requests than the queue size, to wrap the rings. */
	for (unsigned i = 0; i < 3 * QSIZE; i++)
		assert_int_equal(request(VIRTIO_BLK_T_IN, i, 512, true), VIRTIO_BLK_S_OK);
	/* Drained: the device wants kicks again. */
	assert_int_equal(fake_ring_used(&drv.q[0])->flags, 0);
}

static void requests_with_intx_and_no_ioeventfd(void **state)
{
	int gsi = (int)pci_cfg_read(host, SLOT, PCI_INTERRUPT_LINE, 1);

	(void)state;
	fake_irq_ioeventfd_enosys(true);
	bring_up(false, QSIZE);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 1, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 1);
	/* Reading the ISR returns the queue bit, clears it, drops the line. */
	assert_int_equal(vdrv_isr(&drv), 1);
	assert_int_equal(fake_irq_level((unsigned)gsi), 0);
	assert_int_equal(vdrv_isr(&drv), 0);
}

static void reset_clears_everything(void **state)
{
	(void)state;
	bring_up(true, QSIZE);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 1, 512, true), VIRTIO_BLK_S_OK);
	wr(COMMON(device_status), 1, 0);
	assert_int_equal(rd(COMMON(device_status), 1), 0);
	wr(COMMON(queue_select), 2, 0);
	assert_int_equal(rd(COMMON(queue_enable), 2), 0);
	assert_int_equal(rd(COMMON(queue_size), 2), VIRTIO_BLK_QUEUE_SIZE);
	assert_int_equal(rd(COMMON(queue_desc_lo), 4), 0);
	assert_int_equal(rd(COMMON(msix_config), 2), VIRTIO_MSI_NO_VECTOR);
	wr(COMMON(guest_feature_select), 4, 1);
	assert_int_equal(rd(COMMON(guest_feature), 4), 0);
	/* And it comes back up from scratch (fresh rings). */
	bring_up(true, QSIZE);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 2, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 2);
}

static void avail_jump_sets_needs_reset(void **state)
{
	unsigned seen;

	(void)state;
	bring_up(true, QSIZE);
	seen = fake_irq_msis();
	__atomic_store_n(&fake_ring_avail(&drv.q[0])->idx, QSIZE + 5, __ATOMIC_RELEASE);
	vdrv_notify(&drv, 0);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_int_equal(fake_irq_msi_data(), 0x30); /* the config vector */
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* The queue is not touched again. */
	assert_int_equal(fake_ring_used(&drv.q[0])->idx, 0);
	wr(COMMON(device_status), 1, 0);
	assert_int_equal(rd(COMMON(device_status), 1), 0);
}

/* Publish the malformed chain at head 0: the device must enter NEEDS_RESET
 * with a config interrupt (MSI-X vector 0, or INTx with ISR bit 1),
 * complete nothing, change no byte of guest RAM outside the rings, and
 * do nothing more until the driver resets it. */
static void expect_needs_reset(bool msix)
{
	const struct fake_seg good[] = { { HDR, 16, false },
					 { DATA, 512, true },
					 { STAT, 1, true } };
	uint8_t *before = malloc(RAM_SIZE);
	unsigned seen = fake_irq_msis();
	uint16_t used = fake_ring_used_idx(&drv.q[0]);

	assert_non_null(before);
	memcpy(before, ram, RAM_SIZE);
	fake_ring_publish(&drv.q[0], 0);
	vdrv_notify(&drv, 0);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_true(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (msix)
		assert_int_equal(fake_irq_msi_data(), 0x30); /* the config vector */
	else
		assert_int_equal(vdrv_isr(&drv), VIRTIO_PCI_ISR_CONFIG);
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), used);
	/* Outside the rings (the driver's avail entry, the device's used
	 * flags), guest RAM is as it was. */
	assert_true(memcmp(before, ram, RING) == 0);
	assert_true(memcmp(before + RING + FAKE_RING_BYTES, ram + RING + FAKE_RING_BYTES,
			   RAM_SIZE - RING - FAKE_RING_BYTES) == 0);
	/* Stopped: a good request is not served until the reset. */
	vdrv_submit(&drv, 0, 4, good, 3);
	usleep(50 * 1000);
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), used);
	assert_int_equal(ram[STAT], before[STAT]);
	free(before);
	/* A reset clears the condition, and the device works again. */
	wr(COMMON(device_status), 1, 0);
	assert_int_equal(rd(COMMON(device_status), 1), 0);
	bring_up(msix, QSIZE);
	assert_false(rd(COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 2, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 2);
}

/* A request's header and the chain segs at head 0, not yet published. */
static void put_request(uint32_t type, const struct fake_seg *segs, unsigned n)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = 1 };

	memcpy(ram + HDR, &h, sizeof(h));
	ram[STAT] = 0xee;
	memset(ram + DATA, 0x5c, 8 * 512);
	for (unsigned k = 0; k < n; k++)
		fake_ring_desc(&drv.q[0], drv.q[0].desc, k, segs[k].addr, segs[k].len,
			       (k + 1 < n ? VRING_DESC_F_NEXT : 0) |
				       (segs[k].writable ? VRING_DESC_F_WRITE : 0),
			       (uint16_t)(k + 1));
}

static void malformed_chains_set_needs_reset(void **state)
{
	const struct fake_seg status_readable[] = { { HDR, 16, false },
						    { DATA, 512, false },
						    { STAT, 1, false } };
	const struct fake_seg header_writable[] = { { HDR, 16, true }, { STAT, 1, true } };
	const struct fake_seg header_short[] = { { HDR, 8, false }, { STAT, 1, true } };
	const struct fake_seg outside_ram[] = { { HDR, 16, false },
						{ RAM_SIZE - 256, 512, true },
						{ STAT, 1, true } };
	const uint64_t table = DATA + 0x4000;
	const struct fake_seg indirect[] = { { table, (QSIZE + 1) * 16, false } };

	(void)state;
	bring_up(true, QSIZE);
	put_request(VIRTIO_BLK_T_OUT, status_readable, 3);
	expect_needs_reset(true);
	put_request(VIRTIO_BLK_T_IN, header_writable, 2);
	expect_needs_reset(true);
	put_request(VIRTIO_BLK_T_FLUSH, header_short, 2);
	expect_needs_reset(true);
	put_request(VIRTIO_BLK_T_IN, outside_ram, 3);
	expect_needs_reset(true);
	/* An indirect table one entry longer than the queue: header, data
	 * sectors, status. Not even an error status may land in the data. */
	put_request(VIRTIO_BLK_T_IN, indirect, 1);
	fake_ring_desc(&drv.q[0], drv.q[0].desc, 0, table, indirect[0].len, VRING_DESC_F_INDIRECT,
		       0);
	fake_ring_desc(&drv.q[0], table, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	for (unsigned i = 1; i < QSIZE; i++)
		fake_ring_desc(&drv.q[0], table, i, DATA + 512 * (i - 1), 512,
			       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	fake_ring_desc(&drv.q[0], table, QSIZE, STAT, 1, VRING_DESC_F_WRITE, 0);
	expect_needs_reset(true);
	/* A NEXT loop. */
	put_request(VIRTIO_BLK_T_IN, outside_ram, 2);
	fake_ring_desc(&drv.q[0], drv.q[0].desc, 1, DATA, 512,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	expect_needs_reset(true);
}

/* The same for a driver on INTx: ISR bit 1 and the line. */
static void malformed_chain_intx(void **state)
{
	const struct fake_seg status_readable[] = { { HDR, 16, false }, { STAT, 1, false } };

	(void)state;
	bring_up(false, QSIZE);
	put_request(VIRTIO_BLK_T_FLUSH, status_readable, 2);
	expect_needs_reset(false);
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
	vdrv_negotiate(&drv, 1ULL << VIRTIO_F_VERSION_1);
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

			bus_dispatch(&fv.vm.mmio_bus, BAR0 + off, buf, len, false);
			/* Writes only where they cannot reset or kick. */
			if (off >= VIRTIO_PCI_DEVCFG_OFF && off < VIRTIO_PCI_NOTIFY_OFF) {
				memset(buf, 0xff, sizeof(buf));
				bus_dispatch(&fv.vm.mmio_bus, BAR0 + off, buf, len, true);
			}
		}
	/* Garbage writes to the queue registers of a queue that does not exist. */
	wr(COMMON(queue_select), 2, 5);
	wr(COMMON(queue_enable), 2, 1);
	wr(COMMON(queue_desc_lo), 4, 0xdeadbeef);
	assert_int_equal(rd(COMMON(queue_size), 2), 0);
	/* Device config is read-only for blk. */
	assert_int_equal(rd(BAR0 + VIRTIO_PCI_DEVCFG_OFF, 4), 64);
}

static void readonly_disk(void **state)
{
	(void)state;
	assert_true(vdrv_device_features(&drv) & (1ULL << VIRTIO_BLK_F_RO));
	bring_up(true, QSIZE);
	memset(ram + DATA, 0x99, 512);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 4, 512, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(image_byte(4 * 512), 4);
	assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 20, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA, "myserial\0", 9);
}

static void bar_move_keeps_notifications(void **state)
{
	(void)state;
	bring_up(true, QSIZE);
	assert_int_equal(fake_irq_ioeventfds(), 1);
	pci_cfg_write(host, SLOT, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	assert_int_equal(pci_cfg_read(host, SLOT, PCI_BASE_ADDRESS_0, 4), 0xd0000000);
	assert_int_equal(vdrv_probe(&drv), 0); /* the driver finds it there */
	assert_int_equal(BAR0, 0xd0000000);
	assert_int_equal(fake_irq_ioeventfds(), 1);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 6, 512, true), VIRTIO_BLK_S_OK);
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
		cmocka_unit_test_setup_teardown(malformed_chains_set_needs_reset, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(malformed_chain_intx, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(bad_queue_size_sets_needs_reset, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(common_cfg_any_offset_and_width, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(readonly_disk, setup_ro, teardown),
		cmocka_unit_test_setup_teardown(bar_move_keeps_notifications, setup_rw, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
