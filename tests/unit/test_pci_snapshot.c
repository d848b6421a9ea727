/* Snapshot and restore of the PCI host and the virtio-pci transport. A
 * virtio-blk device is driven to DRIVER_OK by the mock driver over fake RAM,
 * serves requests and is saved; then a fresh fake VM with a fresh device over
 * the same image gets a copy of the RAM and the saved state, and the same
 * driver state carries on: BAR where the driver moved it, same MSI-X vector
 * (and mask, and pending bit), INTx line and ISR, used index continuing.
 * Corrupted or mismatched state files are refused with one message and
 * change nothing: the genuine file still restores afterwards. */
#include <errno.h>
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
#include "vmm/layout.h"
#include "vmm/snapshot_file.h"

#define RAM_SIZE    (8u << 20)
#define RING	    0x10000u /* descriptor table; avail and used rings follow */
#define HDR	    0x20000u
#define STAT	    0x20100u
#define DATA	    0x21000u
#define QSIZE	    8
#define SLOT	    1
#define BAR0_MOVE   0x100000u /* the driver moves BAR 0 this far up */
#define MSI_DATA    0x30
#define COMMON(f)   VDRV_COMMON(&drv, f)
#define FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK
#define LIVE                                                                                  \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | \
	 VIRTIO_CONFIG_S_DRIVER_OK)

/* The on-file layouts of format version 1 as devices/pci.c and
 * devices/virtio_pci.c write them, mirrored so that a test can corrupt one
 * field, and so that a format change nobody meant fails here. */
struct pci_snap_v1 {
	uint8_t cfg[256];
	uint32_t bar_addr[6];
	uint32_t bar_size[6];
	int32_t gsi;
	uint32_t msix_vectors;
	uint64_t msix_pba;
	uint32_t msix_table[64][4];
	uint32_t host_cf8;
	uint8_t intx_level;
	uint8_t reserved[3];
};

struct vq_snap_v1 {
	uint64_t desc_addr, avail_addr, used_addr;
	uint16_t size, msix_vector, last_avail, used_idx;
	uint8_t ready, broken, kicks_off, irq_owed;
	uint32_t irq_batch;
};

struct virtio_pci_snap_v1 {
	uint16_t device_id, num_queues, queue_max_size, msix_config;
	uint64_t offered, driver_features;
	uint32_t dev_feat_sel, drv_feat_sel;
	uint8_t status, config_gen, isr, needs_reset;
	uint16_t queue_sel, reserved;
	struct vq_snap_v1 vq[8];
};

static struct fake_vm fv;
static bool fv_live;
static struct virtio_driver drv;
static uint8_t *ram;
static char img_path[64];
static uint64_t fresh_bar0; /* where a new device's BAR 0 is */
static struct snap_host host_id;
static uint8_t *file, *saved_ram, *patched;
static size_t file_len;
static struct snap_index idx, pidx;
static struct err e;

#define rd(addr, len)	 guest_mmio_rd(&fv.vm, addr, len)
#define wr(addr, len, v) guest_mmio_wr(&fv.vm, addr, len, v)

/* ---- a device that is not virtio-blk, for the kind check ---- */

static uint64_t other_features(void *dev)
{
	(void)dev;
	return 0;
}
static void other_config(void *dev, void *buf)
{
	(void)dev;
	memset(buf, 0, 4);
}
static void other_process(void *dev, struct virtio_pci *vp, unsigned q)
{
	(void)dev;
	(void)vp;
	(void)q;
}
static void other_destroy(void *dev)
{
	(void)dev;
}

static const struct virtio_dev_ops other_ops = {
	.name = "other",
	.device_id = 42,
	.pci_class = 0xff0000,
	.num_queues = 1,
	.queue_max_size = 64,
	.features = other_features,
	.config_size = 4,
	.get_config = other_config,
	.process_queue = other_process,
	.destroy = other_destroy,
};

/* ---- machines ---- */

enum kind { NO_DEVICE, BLK, OTHER };

static void make_image(void)
{
	uint8_t sector[512];
	int fd;

	snprintf(img_path, sizeof(img_path), "/tmp/minivmm-snap-XXXXXX");
	fd = mkstemp(img_path);
	assert_true(fd >= 0);
	for (unsigned s = 0; s < 64; s++) {
		memset(sector, (int)s, sizeof(sector));
		assert_int_equal(pwrite(fd, sector, 512, (off_t)s * 512), 512);
	}
	close(fd);
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

/* A fresh VM with a device of this kind in slot 1, over img_path. */
static void machine(enum kind k)
{
	struct disk_config cfg;
	struct virtio_pci *vp;

	assert_int_equal(fake_vm_init(&fv, RAM_SIZE, &e), 0);
	fv_live = true;
	ram = fv.ram.base;
	memset(fv.vm.uuid, 0xab, sizeof(fv.vm.uuid));
	if (k == BLK) {
		assert_int_equal(disk_opts_parse(img_path, &cfg, &e), 0);
		assert_int_equal(disk_open(&cfg, &e), 0);
		assert_int_equal(virtio_blk_create(&fv.vm, fv.host, &cfg, 0, &e), 0);
	} else if (k == OTHER) {
		assert_int_equal(virtio_pci_create(&fv.vm, fv.host, &other_ops, NULL, &vp, &e), 0);
	}
}

static void machine_down(void)
{
	if (fv_live)
		fake_vm_destroy(&fv);
	fv_live = false;
}

/* Full driver bring-up; msix: MSI-X with config vector 0, queue vector 1. */
static void bring_up(bool msix)
{
	assert_true(vdrv_negotiate(&drv, (1ULL << VIRTIO_F_VERSION_1) |
						 (1ULL << VIRTIO_BLK_F_FLUSH) |
						 (1ULL << VIRTIO_RING_F_INDIRECT_DESC)) &
		    FEATURES_OK);
	if (msix)
		assert_true(vdrv_msix_enable(&drv, 2, MSI_DATA));
	assert_int_equal(vdrv_queue_setup(&drv, 0, QSIZE, RING, msix ? 1 : VIRTIO_MSI_NO_VECTOR),
			 VIRTIO_BLK_QUEUE_SIZE);
	vdrv_driver_ok(&drv);
}

static void put_request(uint32_t type, uint64_t sector, uint32_t len, bool to_guest)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };
	const struct fake_seg segs[] = {
		{ HDR, 16, false },
		{ DATA, len, to_guest },
		{ STAT, 1, true },
	};

	memcpy(ram + HDR, &h, sizeof(h));
	ram[STAT] = 0xee;
	fake_ring_add(&drv.q[0], 0, segs, 3);
}

/* Submit, kick, wait for the interrupt and the used entry; the status byte. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool to_guest)
{
	unsigned seen = fake_irq_msis();

	put_request(type, sector, len, to_guest);
	vdrv_notify(&drv, 0);
	assert_true(vdrv_wait_irq(&drv, seen));
	assert_true(vdrv_wait_used(&drv, 0, drv.q[0].avail_idx));
	return ram[STAT];
}

/* Life one: a device at DRIVER_OK with BAR 0 moved by the driver and two
 * requests served (used index 2). */
static void first_life(bool msix)
{
	machine(BLK);
	assert_int_equal(vdrv_init(&drv, &fv.vm, ram, SLOT), 0);
	fresh_bar0 = drv.bar[0];
	guest_cfg_wr(&fv.vm, SLOT, PCI_BASE_ADDRESS_0, 4, (uint32_t)(fresh_bar0 + BAR0_MOVE));
	assert_int_equal(vdrv_probe(&drv), 0);
	assert_int_equal(drv.bar[0], fresh_bar0 + BAR0_MOVE);
	bring_up(msix);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 3, 1024, true), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 3);
	assert_int_equal(ram[DATA + 1023], 4);
	if (!msix)
		assert_int_equal(vdrv_isr(&drv), 1);
	memset(ram + DATA, 0xc5, 512);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 5, 512, false), VIRTIO_BLK_S_OK);
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), 2);
}

static void take_snapshot(void)
{
	struct snap_writer w;

	snap_writer_init(&w, &host_id);
	assert_int_equal(pci_host_snapshot(fv.host, &w), 0);
	assert_int_equal(snap_writer_finish(&w, &file, &file_len), 0);
	assert_int_equal(snap_parse(file, file_len, &host_id, &idx, &e), 0);
	saved_ram = malloc(RAM_SIZE);
	assert_non_null(saved_ram);
	memcpy(saved_ram, ram, RAM_SIZE);
}

/* Life two: the old machine gone, a new one of kind k with the saved RAM.
 * The driver's state (rings, BAR addresses, vectors) is kept; only where
 * its RAM now lives changes. */
static void second_life(enum kind k)
{
	machine_down();
	machine(k);
	memcpy(ram, saved_ram, RAM_SIZE);
	drv.vm = &fv.vm;
	drv.ram = ram;
	for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
		drv.q[q].ram = ram;
}

static int setup(void **state)
{
	(void)state;
	memset(&host_id, 0, sizeof(host_id));
	host_id.kvm_api_version = 12;
	memcpy(host_id.cpu_vendor, "GenuineIntel", SNAP_VENDOR_LEN);
	make_image();
	return 0;
}

/* Life one with MSI-X, saved, then a new machine not yet restored. */
static int setup_saved(void **state)
{
	setup(state);
	first_life(true);
	take_snapshot();
	second_life(BLK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	machine_down();
	free(file);
	free(saved_ram);
	free(patched);
	file = saved_ram = patched = NULL;
	unlink(img_path);
	return 0;
}

static uint16_t msix_ctrl(unsigned v)
{
	return (uint16_t)rd(drv.msix_table + PCI_MSIX_ENTRY_SIZE * v + PCI_MSIX_ENTRY_VECTOR_CTRL,
			    4);
}

static void set_msix_mask(unsigned v, bool masked)
{
	wr(drv.msix_table + PCI_MSIX_ENTRY_SIZE * v + PCI_MSIX_ENTRY_VECTOR_CTRL, 4,
	   masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

static uint64_t msix_pba(void)
{
	return rd(drv.msix_table + 0x800, 8);
}

static bool wait_pba(uint64_t bits)
{
	for (unsigned i = 0; i < VDRV_WAIT_S * 1000; i++) {
		if ((msix_pba() & bits) == bits)
			return true;
		usleep(1000);
	}
	return false;
}

/* What the driver sees of the transport: as it left it. */
static void expect_transport_as_saved(void)
{
	assert_int_equal(rd(COMMON(device_status), 1), LIVE);
	wr(COMMON(guest_feature_select), 4, 0);
	assert_int_equal(rd(COMMON(guest_feature), 4),
			 1u << VIRTIO_BLK_F_FLUSH | 1u << VIRTIO_RING_F_INDIRECT_DESC);
	wr(COMMON(guest_feature_select), 4, 1);
	assert_int_equal(rd(COMMON(guest_feature), 4), 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(COMMON(queue_select), 2, 0);
	assert_int_equal(rd(COMMON(queue_size), 2), QSIZE);
	assert_int_equal(rd(COMMON(queue_enable), 2), 1);
	assert_int_equal(rd(COMMON(queue_desc_lo), 4), drv.q[0].desc);
	assert_int_equal(rd(COMMON(queue_avail_lo), 4), drv.q[0].avail);
	assert_int_equal(rd(COMMON(queue_used_lo), 4), drv.q[0].used);
}

/* ---- restoring ---- */

/* The file holds the v1 layouts, with the device's used index. */
static void expect_v1_sections(uint16_t used)
{
	const void *data;
	size_t len;

	/* The bridge and the disk, plus the disk's transport. */
	assert_int_equal(idx.count, 3);
	assert_int_equal(snap_find(&idx, SNAP_DEV_PCI, 0, &data, &len), 0);
	assert_int_equal(len, sizeof(struct pci_snap_v1));
	assert_int_equal(snap_find(&idx, SNAP_DEV_PCI, SLOT, &data, &len), 0);
	assert_int_equal(len, sizeof(struct pci_snap_v1));
	assert_int_equal(((const struct pci_snap_v1 *)data)->bar_addr[0], fresh_bar0 + BAR0_MOVE);
	assert_int_equal(snap_find(&idx, SNAP_DEV_VIRTIO_PCI, SLOT, &data, &len), 0);
	assert_int_equal(len, sizeof(struct virtio_pci_snap_v1));
	assert_int_equal(((const struct virtio_pci_snap_v1 *)data)->vq[0].used_idx, used);
	assert_int_equal(((const struct virtio_pci_snap_v1 *)data)->vq[0].last_avail, used);
	assert_int_equal(snap_find(&idx, SNAP_DEV_VIRTIO_PCI, 0, &data, &len), -ENOENT);
}

static void msix_guest_carries_on(void **state)
{
	unsigned seen;
	uint8_t probe[4];

	(void)state;
	setup(state);
	first_life(true);
	/* Vector 1 masked: the next completion leaves its pending bit. */
	set_msix_mask(1, true);
	seen = fake_irq_msis();
	put_request(VIRTIO_BLK_T_IN, 7, 512, true);
	vdrv_notify(&drv, 0);
	assert_true(vdrv_wait_used(&drv, 0, 3));
	assert_true(wait_pba(1u << 1));
	assert_int_equal(fake_irq_msis(), seen);
	take_snapshot();
	expect_v1_sections(3);
	second_life(BLK);

	assert_int_equal(pci_host_restore(fv.host, &idx, &e), 0);
	/* BAR 0 where the driver moved it, nothing at the fresh address; the
	 * queue's ioeventfd follows it (one bound, not two). */
	assert_int_equal(pci_cfg_read(fv.host, SLOT, PCI_BASE_ADDRESS_0, 4),
			 fresh_bar0 + BAR0_MOVE);
	assert_false(bus_dispatch(&fv.vm.mmio_bus, fresh_bar0, probe, 4, false));
	assert_int_equal(fake_irq_ioeventfds(), 1);
	assert_true(pci_cfg_read(fv.host, SLOT, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	expect_transport_as_saved();
	assert_int_equal(rd(COMMON(msix_config), 2), 0);
	assert_int_equal(rd(COMMON(queue_msix_vector), 2), 1);
	/* MSI-X: enabled, vector 1 still masked and pending; unmasking
	 * delivers it, with the same message. */
	assert_true(pci_cfg_read(fv.host, SLOT, drv.msix_cap + PCI_MSIX_FLAGS, 2) &
		    PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(msix_ctrl(1), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(msix_pba(), 1u << 1);
	assert_int_equal(fake_irq_msis(), 0);
	set_msix_mask(1, false);
	assert_int_equal(fake_irq_msis(), 1);
	assert_int_equal(fake_irq_msi_data(), MSI_DATA + 1);
	assert_int_equal(fake_irq_msi_addr(), LAYOUT_LAPIC_ADDR);
	assert_int_equal(msix_pba(), 0);
	assert_int_equal(ram[DATA], 7);

	/* New requests from the same driver state: used index 4, 5, ... */
	assert_int_equal(request(VIRTIO_BLK_T_IN, 5, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), 4);
	assert_int_equal(ram[DATA], 0xc5); /* written in life one */
	assert_int_equal(fake_irq_msi_data(), MSI_DATA + 1);
	memset(ram + DATA, 0x6e, 512);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 6, 512, false), VIRTIO_BLK_S_OK);
	assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
	assert_int_equal(image_byte(6 * 512), 0x6e);
	/* Past a ring wrap. */
	for (unsigned i = 0; i < 2 * QSIZE; i++)
		assert_int_equal(request(VIRTIO_BLK_T_IN, i, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), 6 + 2 * QSIZE);
	assert_int_equal(fake_ring_used(&drv.q[0])->flags, 0);
	/* And the driver can still reset and start over. */
	assert_true(vdrv_reset(&drv));
	bring_up(true);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 2, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 2);
}

static void intx_guest_carries_on(void **state)
{
	unsigned gsi;

	(void)state;
	setup(state);
	first_life(false);
	/* The second completion's ISR is left unread: line high at the snapshot. */
	gsi = drv.gsi;
	assert_int_equal(fake_irq_level(gsi), 1);
	take_snapshot();
	second_life(BLK);

	assert_int_equal(fake_irq_level(gsi), 0);
	assert_int_equal(pci_host_restore(fv.host, &idx, &e), 0);
	assert_int_equal(fake_irq_level(gsi), 1);
	assert_true(pci_cfg_read(fv.host, SLOT, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	assert_false(pci_cfg_read(fv.host, SLOT, drv.msix_cap + PCI_MSIX_FLAGS, 2) &
		     PCI_MSIX_FLAGS_ENABLE);
	expect_transport_as_saved();
	assert_int_equal(vdrv_isr(&drv), 1);
	assert_int_equal(fake_irq_level(gsi), 0);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 5, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(fake_irq_level(gsi), 1);
	assert_int_equal(vdrv_isr(&drv), 1);
	assert_int_equal(ram[DATA], 0xc5);
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), 3);
	/* INTx disabled in the command register survives too. */
	guest_cfg_wr(&fv.vm, SLOT, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	free(file);
	free(saved_ram);
	take_snapshot();
	second_life(BLK);
	assert_int_equal(pci_host_restore(fv.host, &idx, &e), 0);
	assert_int_equal(pci_cfg_read(fv.host, SLOT, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
}

/* A request the driver made available, whose kick the device had not seen
 * when the snapshot was taken, is served after restore. */
static void waiting_request_served_after_restore(void **state)
{
	(void)state;
	setup(state);
	first_life(true);
	put_request(VIRTIO_BLK_T_IN, 9, 512, true);
	take_snapshot();
	second_life(BLK);
	assert_int_equal(pci_host_restore(fv.host, &idx, &e), 0);
	assert_true(vdrv_wait_used(&drv, 0, 3));
	assert_true(fake_irq_wait(0, -1));
	assert_int_equal(fake_irq_msi_data(), MSI_DATA + 1);
	assert_int_equal(ram[STAT], VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 9);
}

/* ---- refusing ---- */

static const struct snap_section *section(const struct snap_index *x, uint32_t tag, uint32_t inst)
{
	for (uint32_t i = 0; i < x->count; i++)
		if (x->sec[i].tag == tag && x->sec[i].instance == inst)
			return &x->sec[i];
	fail_msg("no section %x/%u", tag, inst);
	return &x->sec[0]; /* not reached */
}

/* A copy of the file to corrupt, indexed like the original; returns the
 * payload of (tag, inst) in the copy. */
static void *patch(uint32_t tag, uint32_t inst)
{
	free(patched);
	patched = malloc(file_len);
	assert_non_null(patched);
	memcpy(patched, file, file_len);
	pidx = idx;
	pidx.base = patched;
	return patched + section(&pidx, tag, inst)->offset;
}

static struct pci_snap_v1 *patch_pci(void)
{
	return patch(SNAP_DEV_PCI, SLOT);
}

static struct virtio_pci_snap_v1 *patch_virtio(void)
{
	return patch(SNAP_DEV_VIRTIO_PCI, SLOT);
}

/* Refused with a message containing what, and nothing changed: the fresh
 * device as it was made. */
static void expect_refused(const char *what)
{
	err_clear(&e);
	assert_true(pci_host_restore(fv.host, &pidx, &e) < 0);
	if (!strstr(e.msg, what))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, what);
	assert_null(strchr(e.msg, '\n'));
	assert_int_equal(pci_cfg_read(fv.host, SLOT, PCI_BASE_ADDRESS_0, 4) & ~0xfu, fresh_bar0);
	assert_int_equal(rd(fresh_bar0 + offsetof(struct virtio_pci_common_cfg, device_status), 1),
			 0);
	assert_int_equal(fake_irq_ioeventfds(), 1);
}

/* After any number of refusals, the genuine file restores and serves. */
static void genuine_still_restores(void)
{
	assert_int_equal(pci_host_restore(fv.host, &idx, &e), 0);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 5, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA], 0xc5);
	assert_int_equal(fake_ring_used_idx(&drv.q[0]), 3);
}

static void drop_section(uint32_t tag, uint32_t inst)
{
	size_t i;

	patch(tag, inst);
	i = (size_t)(section(&pidx, tag, inst) - pidx.sec);
	memmove(&pidx.sec[i], &pidx.sec[i + 1], (pidx.count - i - 1) * sizeof(pidx.sec[0]));
	pidx.count--;
}

static void refuses_missing_section(void **state)
{
	(void)state;
	drop_section(SNAP_DEV_VIRTIO_PCI, SLOT);
	expect_refused("no DEV_VIRTIO_PCI/1 section");
	drop_section(SNAP_DEV_PCI, SLOT);
	expect_refused("no DEV_PCI/1 section");
	drop_section(SNAP_DEV_PCI, 0);
	expect_refused("no DEV_PCI/0 section");
	genuine_still_restores();
}

static void refuses_wrong_size(void **state)
{
	(void)state;
	patch(SNAP_DEV_PCI, SLOT);
	pidx.sec[section(&pidx, SNAP_DEV_PCI, SLOT) - pidx.sec].len -= 8;
	expect_refused("section DEV_PCI/1 has 1344 bytes, want 1352");
	patch(SNAP_DEV_VIRTIO_PCI, SLOT);
	pidx.sec[section(&pidx, SNAP_DEV_VIRTIO_PCI, SLOT) - pidx.sec].len = 0;
	expect_refused("section DEV_VIRTIO_PCI/1 has 0 bytes, want 360");
	genuine_still_restores();
}

static void set_bar0(struct pci_snap_v1 *s, uint32_t addr)
{
	s->bar_addr[0] = addr;
	memcpy(&s->cfg[PCI_BASE_ADDRESS_0], &addr, 4);
}

static void refuses_bad_bar(void **state)
{
	uint32_t bar2;

	(void)state;
	set_bar0(patch_pci(), (uint32_t)LAYOUT_IOAPIC_ADDR);
	expect_refused("BAR 0 at 0xfec00000 (0x4000 bytes) is not an aligned range inside");
	set_bar0(patch_pci(), (uint32_t)(LAYOUT_PCI_MMIO_END - 0x2000));
	expect_refused("not an aligned range inside the PCI MMIO window");
	set_bar0(patch_pci(), (uint32_t)(fresh_bar0 + BAR0_MOVE + 0x1000)); /* misaligned */
	expect_refused("not an aligned range inside the PCI MMIO window");
	set_bar0(patch_pci(), 0x1000); /* guest RAM */
	expect_refused("not an aligned range inside the PCI MMIO window");
	/* Onto the MSI-X BAR. */
	bar2 = patch_pci()->bar_addr[2];
	set_bar0(patch_pci(), bar2 & ~0x3fffu);
	expect_refused("overlaps");
	/* The register and the mapping disagree. */
	patch_pci()->bar_addr[0] = (uint32_t)(fresh_bar0 + 2 * BAR0_MOVE);
	expect_refused("BAR 0 register");
	/* A BAR size this device does not have. */
	patch_pci()->bar_size[0] = 0x8000;
	expect_refused("BAR 0 has 0x8000 bytes in the snapshot, 0x4000 here");
	genuine_still_restores();
}

static void refuses_bad_ring(void **state)
{
	(void)state;
	patch_virtio()->vq[0].avail_addr = RAM_SIZE - 8;
	expect_refused("queue 0: available ring");
	patch_virtio()->vq[0].desc_addr = UINT64_MAX - 15; /* wraps */
	expect_refused("outside guest RAM");
	patch_virtio()->vq[0].used_addr = LAYOUT_PCI_MMIO_START;
	expect_refused("used ring");
	patch_virtio()->vq[0].used_addr = RING + 0x2001; /* misaligned */
	expect_refused("aligned");
	genuine_still_restores();
}

static void refuses_bad_queue_size(void **state)
{
	(void)state;
	patch_virtio()->vq[0].size = 6;
	expect_refused("queue 0: queue size 6 is not a power of two <= 256");
	patch_virtio()->vq[0].size = 512;
	expect_refused("queue size 512 is not a power of two <= 256");
	patch_virtio()->vq[0].size = 0;
	expect_refused("queue size 0");
	genuine_still_restores();
}

static void refuses_inconsistent_state(void **state)
{
	struct virtio_pci_snap_v1 *v;

	(void)state;
	patch_virtio()->vq[0].last_avail = 3;
	expect_refused("next available index 3 and used index 2 are inconsistent");
	patch_virtio()->vq[0].msix_vector = 7;
	expect_refused("MSI-X vector 7 out of range");
	patch_virtio()->vq[1].ready = 1;
	expect_refused("queue 1 does not exist");
	patch_virtio()->driver_features |= 1ULL << 50;
	expect_refused("were never offered");
	patch_virtio()->offered ^= 1ULL << VIRTIO_BLK_F_FLUSH;
	expect_refused("device offered features");
	patch_virtio()->isr = 0x80;
	expect_refused("ISR 0x80");
	v = patch_virtio();
	v->vq[0].ready = 0; /* disabled, yet with ring indices */
	expect_refused("disabled queue has ring state");
	patch_pci()->msix_pba = 1ULL << 5;
	expect_refused("MSI-X pending bits 0x20 beyond 2 vectors");
	patch_pci()->gsi = 3;
	expect_refused("INTx line 3 in the snapshot");
	patch_pci()->intx_level = 2;
	expect_refused("INTx level 2");
	genuine_still_restores();
}

/* The section of another device kind, or of none. */
static void refuses_other_device(void **state)
{
	(void)state;
	second_life(OTHER);
	free(patched);
	patched = NULL;
	pidx = idx;
	err_clear(&e);
	assert_true(pci_host_restore(fv.host, &idx, &e) < 0);
	assert_string_equal(e.msg, "PCI slot 1 (other): snapshot has 1af4:1042 class 018000, this "
				   "machine has 1af4:106a class ff0000");
	second_life(NO_DEVICE);
	assert_true(pci_host_restore(fv.host, &idx, &e) < 0);
	assert_string_equal(e.msg, "snapshot has a PCI function in slot 1, this machine has none");
	/* The bridge alone restores from a file that has only the bridge. */
	patch(SNAP_DEV_PCI, 0);
	pidx.count = 1;
	assert_int_equal(pidx.sec[0].tag, SNAP_DEV_PCI);
	assert_int_equal(pidx.sec[0].instance, 0);
	assert_int_equal(pci_host_restore(fv.host, &pidx, &e), 0);
	/* Identity bits the guest cannot write. */
	second_life(BLK);
	patch_pci()->cfg[PCI_SUBSYSTEM_ID] ^= 1;
	expect_refused("read-only config byte 0x2e");
	genuine_still_restores();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(msix_guest_carries_on, teardown),
		cmocka_unit_test_teardown(intx_guest_carries_on, teardown),
		cmocka_unit_test_teardown(waiting_request_served_after_restore, teardown),
		cmocka_unit_test_setup_teardown(refuses_missing_section, setup_saved, teardown),
		cmocka_unit_test_setup_teardown(refuses_wrong_size, setup_saved, teardown),
		cmocka_unit_test_setup_teardown(refuses_bad_bar, setup_saved, teardown),
		cmocka_unit_test_setup_teardown(refuses_bad_ring, setup_saved, teardown),
		cmocka_unit_test_setup_teardown(refuses_bad_queue_size, setup_saved, teardown),
		cmocka_unit_test_setup_teardown(refuses_inconsistent_state, setup_saved, teardown),
		cmocka_unit_test_setup_teardown(refuses_other_device, setup_saved, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
