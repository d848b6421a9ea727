/* Split virtqueue walk and the virtio-blk request engine over fake guest
 * memory: good chains of every request type produce the right bytes in a
 * temporary image; a request the engine refuses ends in an error status;
 * every malformed chain or ring is a device error: the queue stops, nothing
 * is completed and not a byte of guest RAM changes. */
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
#include "tests/mock/fake_ring.h"

#define RAM_SIZE    (4u << 20)
#define RING	    0x1000u  /* descriptor table; avail and used rings follow */
#define BUF	    0x10000u /* buffers from here */
#define HDR	    (BUF)
#define STATUS	    (BUF + 0x100)
#define DATA	    (BUF + 0x1000)
#define DESC	    (fx.ring.desc)
#define IMG_SECTORS 64

static struct fake_queue fx;
static struct blk_backend be;

static int setup(void **state)
{
	char path[] = "/tmp/minivmm-vq-XXXXXX";
	uint8_t sector[512];

	(void)state;
	if (fake_queue_init(&fx, RAM_SIZE, RING, 8, true) < 0)
		return -1;
	memset(&be, 0, sizeof(be));
	be.fd = mkstemp(path);
	if (be.fd < 0)
		return -1;
	unlink(path);
	/* Sector s is filled with the byte s. */
	for (unsigned s = 0; s < IMG_SECTORS; s++) {
		memset(sector, (int)s, sizeof(sector));
		if (pwrite(be.fd, sector, sizeof(sector), (off_t)s * 512) != 512)
			return -1;
	}
	be.sectors = IMG_SECTORS;
	be.discard = be.write_zeroes = true;
	memcpy(be.serial, "serial-0123456789abc", VIRTIO_BLK_ID_BYTES);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(be.fd);
	fake_queue_free(&fx);
	return 0;
}

static void put_hdr(uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };

	memcpy(fx.ram.base + HDR, &h, sizeof(h));
	fx.ram.base[STATUS] = 0xee; /* nothing written yet */
}

/* Pop, execute and complete one request; returns the pop result. */
static int run_one(uint32_t *used_len)
{
	static struct vq_chain c;
	int r = vq_pop(&fx.vq, &c);

	if (r == 1) {
		assert_int_equal(blk_handle_request(&be, &c, used_len), 0);
		vq_push(&fx.vq, c.head, *used_len);
	}
	return r;
}

/* The standard 3-descriptor request: header, data, status. */
static void request3(uint32_t type, uint64_t sector, uint32_t len, bool data_writable)
{
	const struct fake_seg segs[] = {
		{ HDR, 16, false },
		{ DATA, len, data_writable },
		{ STATUS, 1, true },
	};

	put_hdr(type, sector);
	fake_ring_add(&fx.ring, 0, segs, 3);
}

static uint8_t image_byte(uint64_t off)
{
	uint8_t b = 0;

	assert_int_equal(pread(be.fd, &b, 1, (off_t)off), 1);
	return b;
}

static void expect_completion(uint8_t status, uint16_t head)
{
	struct vring_used *u = fake_ring_used(&fx.ring);
	uint32_t len = 0;

	assert_int_equal(run_one(&len), 1);
	assert_int_equal(fx.ram.base[STATUS], status);
	assert_int_equal(u->idx, fx.ring.avail_idx);
	assert_int_equal(u->ring[(u->idx - 1) % fx.vq.size].id, head);
}

static void enable_checks_size_and_rings(void **state)
{
	struct virtqueue vq;
	struct err e;

	(void)state;
	vq_reset(&vq, 256);
	vq.desc_addr = fx.ring.desc;
	vq.avail_addr = fx.ring.avail;
	vq.used_addr = fx.ring.used;
	const uint16_t bad_sizes[] = { 0, 3, 100, 512 };
	for (unsigned i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		vq.size = bad_sizes[i];
		assert_int_equal(vq_enable(&vq, &fx.ram.mem, false, &e), -EINVAL);
		assert_false(vq.ready);
	}
	vq.size = 256;
	vq.used_addr = RAM_SIZE - 8; /* ring runs off the end of RAM */
	assert_int_equal(vq_enable(&vq, &fx.ram.mem, false, &e), -EFAULT);
	vq.used_addr = UINT64_MAX - 7; /* address + length overflows */
	assert_int_equal(vq_enable(&vq, &fx.ram.mem, false, &e), -EFAULT);
	vq.used_addr = fx.ring.used + 2; /* misaligned */
	assert_int_equal(vq_enable(&vq, &fx.ram.mem, false, &e), -EINVAL);
	vq.used_addr = fx.ring.used;
	vq.desc_addr = fx.ring.desc + 8;
	assert_int_equal(vq_enable(&vq, &fx.ram.mem, false, &e), -EINVAL);
	vq.desc_addr = fx.ring.desc;
	assert_int_equal(vq_enable(&vq, &fx.ram.mem, false, &e), 0);
	assert_true(vq.ready);
}

static void read_request(void **state)
{
	uint32_t len = 0;

	(void)state;
	request3(VIRTIO_BLK_T_IN, 5, 1024, true);
	assert_int_equal(run_one(&len), 1);
	assert_int_equal(fx.ram.base[STATUS], VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1025);
	for (unsigned i = 0; i < 1024; i++)
		assert_int_equal(fx.ram.base[DATA + i], i < 512 ? 5 : 6);
	assert_int_equal(fake_ring_used(&fx.ring)->ring[0].len, 1025);
	assert_int_equal(run_one(&len), 0); /* ring empty now */
}

static void write_request_and_flush(void **state)
{
	const struct fake_seg flush[] = { { HDR, 16, false }, { STATUS, 1, true } };

	(void)state;
	memset(fx.ram.base + DATA, 0xab, 512);
	request3(VIRTIO_BLK_T_OUT, 10, 512, false);
	expect_completion(VIRTIO_BLK_S_OK, 0);
	assert_int_equal(image_byte(10 * 512), 0xab);
	assert_int_equal(image_byte(11 * 512 - 1), 0xab);
	assert_int_equal(image_byte(11 * 512), 11);

	put_hdr(VIRTIO_BLK_T_FLUSH, 0);
	fake_ring_add(&fx.ring, 3, flush, 2);
	expect_completion(VIRTIO_BLK_S_OK, 3);
}

static void get_id_discard_write_zeroes(void **state)
{
	struct virtio_blk_discard_write_zeroes seg = { .sector = 20, .num_sectors = 2 };

	(void)state;
	request3(VIRTIO_BLK_T_GET_ID, 0, 20, true);
	expect_completion(VIRTIO_BLK_S_OK, 0);
	assert_memory_equal(fx.ram.base + DATA, "serial-0123456789abc", 20);

	memcpy(fx.ram.base + DATA, &seg, sizeof(seg));
	request3(VIRTIO_BLK_T_WRITE_ZEROES, 0, sizeof(seg), false);
	expect_completion(VIRTIO_BLK_S_OK, 0);
	assert_int_equal(image_byte(20 * 512), 0);
	assert_int_equal(image_byte(22 * 512 - 1), 0);
	assert_int_equal(image_byte(22 * 512), 22);

	seg = (struct virtio_blk_discard_write_zeroes){ .sector = 30, .num_sectors = 1 };
	memcpy(fx.ram.base + DATA, &seg, sizeof(seg));
	request3(VIRTIO_BLK_T_DISCARD, 0, sizeof(seg), false);
	{
		uint32_t len;

		assert_int_equal(run_one(&len), 1);
	}
	/* Punching holes may be unsupported by the file system under /tmp. */
	if (fx.ram.base[STATUS] == VIRTIO_BLK_S_OK)
		assert_int_equal(image_byte(30 * 512), 0);
	else
		assert_int_equal(fx.ram.base[STATUS], VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(image_byte(31 * 512), 31);

	/* Out of range and unknown flags are refused before any I/O. */
	seg = (struct virtio_blk_discard_write_zeroes){ .sector = 63, .num_sectors = 2 };
	memcpy(fx.ram.base + DATA, &seg, sizeof(seg));
	request3(VIRTIO_BLK_T_WRITE_ZEROES, 0, sizeof(seg), false);
	expect_completion(VIRTIO_BLK_S_IOERR, 0);
	assert_int_equal(image_byte(63 * 512), 63);
	seg = (struct virtio_blk_discard_write_zeroes){ .sector = 1,
							.num_sectors = 1,
							.flags = 0x80 };
	memcpy(fx.ram.base + DATA, &seg, sizeof(seg));
	request3(VIRTIO_BLK_T_WRITE_ZEROES, 0, sizeof(seg), false);
	expect_completion(VIRTIO_BLK_S_UNSUPP, 0);

	/* More sectors per segment than advertised: refused, nothing written. */
	be.sectors = 1ULL << 40;
	seg = (struct virtio_blk_discard_write_zeroes){
		.sector = 0, .num_sectors = VIRTIO_BLK_MAX_RANGE_SECTORS + 1
	};
	memcpy(fx.ram.base + DATA, &seg, sizeof(seg));
	request3(VIRTIO_BLK_T_WRITE_ZEROES, 0, sizeof(seg), false);
	expect_completion(VIRTIO_BLK_S_IOERR, 0);
	be.sectors = IMG_SECTORS;
	assert_int_equal(image_byte(0), 0);
	assert_int_equal(image_byte(512), 1);

	request3(0x1234, 0, 512, true);
	expect_completion(VIRTIO_BLK_S_UNSUPP, 0);
}

static void readonly_refuses_writes(void **state)
{
	(void)state;
	be.readonly = true;
	memset(fx.ram.base + DATA, 0x77, 512);
	request3(VIRTIO_BLK_T_OUT, 2, 512, false);
	expect_completion(VIRTIO_BLK_S_IOERR, 0);
	assert_int_equal(image_byte(2 * 512), 2);
	request3(VIRTIO_BLK_T_IN, 2, 512, true);
	expect_completion(VIRTIO_BLK_S_OK, 0);
	be.readonly = false;
}

static void sector_range_checked_without_overflow(void **state)
{
	const uint64_t sectors[] = { IMG_SECTORS, IMG_SECTORS - 1, UINT64_MAX, UINT64_MAX / 512 + 1,
				     (UINT64_MAX >> 9) };

	(void)state;
	for (unsigned i = 0; i < sizeof(sectors) / sizeof(sectors[0]); i++) {
		request3(VIRTIO_BLK_T_IN, sectors[i], 1024, true);
		expect_completion(VIRTIO_BLK_S_IOERR, 0);
	}
	/* A length that is not a whole number of sectors. */
	request3(VIRTIO_BLK_T_IN, 0, 100, true);
	expect_completion(VIRTIO_BLK_S_IOERR, 0);
}

/* Fresh rings and a fresh queue of 8 (a broken queue stays broken). */
static void fresh_queue(bool indirect)
{
	struct err e;

	fake_ring_clear(&fx.ring);
	fx.ring.avail_idx = 0;
	assert_int_equal(fake_ring_enable(&fx.ring, &fx.vq, &fx.ram.mem, indirect, &e), 0);
}

/* A malformed chain is a device error (virtio 1.x 2.1.2): vq_pop reports
 * it, the queue stops, nothing is completed and no byte of guest RAM
 * changes. */
static void expect_device_error(int err)
{
	static struct vq_chain c;
	uint8_t *before = malloc(RAM_SIZE);

	assert_non_null(before);
	memcpy(before, fx.ram.base, RAM_SIZE);
	assert_int_equal(vq_pop(&fx.vq, &c), err);
	assert_true(fx.vq.broken);
	assert_int_equal(vq_pop(&fx.vq, &c), 0);
	assert_false(vq_has_work(&fx.vq));
	assert_true(memcmp(before, fx.ram.base, RAM_SIZE) == 0);
	assert_int_equal(fake_ring_used(&fx.ring)->idx, 0);
	free(before);
}

static void next_loops_are_device_errors(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	fake_ring_desc(&fx.ring, DESC, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	fake_ring_desc(&fx.ring, DESC, 1, STATUS, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EINVAL); /* the header again, after the status */
	/* A self loop on the head. */
	fresh_queue(true);
	fake_ring_desc(&fx.ring, DESC, 5, STATUS, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 5);
	fake_ring_publish(&fx.ring, 5);
	expect_device_error(-ELOOP);
	/* A loop of writable buffers only. */
	fresh_queue(true);
	for (unsigned i = 0; i < 8; i++)
		fake_ring_desc(&fx.ring, DESC, i, DATA + 16 * i, 16,
			       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, (i + 1) % 8);
	fake_ring_publish(&fx.ring, 3);
	expect_device_error(-ELOOP);
}

static void bad_links_and_buffers_are_device_errors(void **state)
{
	const uint64_t addrs[] = { RAM_SIZE, RAM_SIZE - 100, UINT64_MAX - 10, 0xC0000000ULL };

	(void)state;
	/* next pointing past the queue. */
	put_hdr(VIRTIO_BLK_T_IN, 0);
	fake_ring_desc(&fx.ring, DESC, 0, HDR, 16, VRING_DESC_F_NEXT, 8);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EINVAL);
	/* A buffer outside guest RAM, partly or wholly. */
	for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		const struct fake_seg segs[] = {
			{ HDR, 16, false },
			{ addrs[i], 512, true },
			{ STATUS, 1, true },
		};

		fresh_queue(true);
		put_hdr(VIRTIO_BLK_T_IN, 0);
		fake_ring_add(&fx.ring, 0, segs, 3);
		expect_device_error(-EFAULT);
	}
	/* addr + len wraps around. */
	fresh_queue(true);
	request3(VIRTIO_BLK_T_IN, 0, 512, true);
	fake_ring_desc(&fx.ring, DESC, 1, DATA, UINT32_MAX, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
		       2);
	expect_device_error(-EFAULT);
	/* A readable buffer after a writable one (2.7.4.2). */
	fresh_queue(true);
	put_hdr(VIRTIO_BLK_T_OUT, 3);
	fake_ring_desc(&fx.ring, DESC, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	fake_ring_desc(&fx.ring, DESC, 1, STATUS, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	fake_ring_desc(&fx.ring, DESC, 2, DATA, 512, 0, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EINVAL);
}

/* A table of n entries at BUF + 0x8000: header, n - 2 data sectors, status. */
static uint64_t long_table(unsigned n)
{
	const uint64_t table = BUF + 0x8000;

	put_hdr(VIRTIO_BLK_T_IN, 0);
	fake_ring_desc(&fx.ring, table, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	for (unsigned i = 1; i + 1 < n; i++)
		fake_ring_desc(&fx.ring, table, i, DATA + 512 * (i - 1), 512,
			       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	fake_ring_desc(&fx.ring, table, n - 1, STATUS, 1, VRING_DESC_F_WRITE, 0);
	return table;
}

/* A fresh queue whose head points at a 3-entry table with entry i
 * replaced: a device error err. */
static void bad_table_entry(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next,
			    int err)
{
	uint64_t table;

	fresh_queue(true);
	table = long_table(3);
	fake_ring_desc(&fx.ring, table, i, addr, len, flags, next);
	fake_ring_desc(&fx.ring, DESC, 0, table, 48, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(err);
}

static void bad_indirect_tables_are_device_errors(void **state)
{
	const uint64_t table = BUF + 0x8000;
	uint32_t len;

	(void)state;
	/* As long as the queue: fine. */
	fake_ring_desc(&fx.ring, DESC, 0, long_table(8), 8 * 16, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(&fx.ring, 0);
	assert_int_equal(run_one(&len), 1);
	assert_int_equal(fx.ram.base[STATUS], VIRTIO_BLK_S_OK);
	assert_int_equal(len, 6 * 512 + 1);
	/* One entry longer than the queue: the chain is too long, and not a
	 * byte is written, not even an error status in the data. */
	fresh_queue(true);
	memset(fx.ram.base + DATA, 0x5c, 8 * 512);
	fake_ring_desc(&fx.ring, DESC, 0, long_table(9), 9 * 16, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-ELOOP);
	/* Length not a multiple of 16, or zero. */
	fresh_queue(true);
	fake_ring_desc(&fx.ring, DESC, 0, long_table(3), 40, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EINVAL);
	fresh_queue(true);
	fake_ring_desc(&fx.ring, DESC, 0, table, 0, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EINVAL);
	/* A table outside guest RAM. */
	fresh_queue(true);
	fake_ring_desc(&fx.ring, DESC, 0, RAM_SIZE - 16, 48, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EFAULT);
	/* A nested indirect entry; a loop inside the table; a next past its
	 * end. */
	bad_table_entry(1, table, 48, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 2, -EINVAL);
	bad_table_entry(2, STATUS, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0, -ELOOP);
	bad_table_entry(2, STATUS, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3, -EINVAL);
	/* INDIRECT with NEXT, and indirect without the feature negotiated. */
	fresh_queue(true);
	fake_ring_desc(&fx.ring, DESC, 0, long_table(3), 48,
		       VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EINVAL);
	fresh_queue(false);
	fake_ring_desc(&fx.ring, DESC, 0, long_table(3), 48, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(&fx.ring, 0);
	expect_device_error(-EINVAL);
}

static void wrong_direction_and_short_status(void **state)
{
	(void)state;
	/* Read into a device-readable buffer: refused, buffer untouched. */
	memset(fx.ram.base + DATA, 0x55, 512);
	request3(VIRTIO_BLK_T_IN, 3, 512, false);
	expect_completion(VIRTIO_BLK_S_IOERR, 0);
	assert_int_equal(fx.ram.base[DATA], 0x55);
	/* Zero-length status: the last writable byte is the data's, and the
	 * request is no longer a whole number of sectors. */
	request3(VIRTIO_BLK_T_IN, 0, 512, true);
	fake_ring_desc(&fx.ring, DESC, 2, STATUS, 0, VRING_DESC_F_WRITE, 0);
	{
		uint32_t len;

		assert_int_equal(run_one(&len), 1);
		assert_int_equal(fx.ram.base[DATA + 511], VIRTIO_BLK_S_IOERR);
	}
}

/* A request without a 16-byte readable header or a writable status byte
 * is refused before anything is written: the device's error, not the
 * request's. */
static void request_framing_errors(void **state)
{
	const struct fake_seg cases[][3] = {
		{ { HDR, 16, false }, { DATA, 512, false }, { STATUS, 1, false } },
		{ { HDR, 16, true }, { DATA, 512, true }, { STATUS, 1, true } },
		{ { HDR, 8, false }, { DATA, 512, true }, { STATUS, 1, true } },
		{ { HDR, 8, false }, { HDR + 8, 4, false }, { STATUS, 1, true } },
	};
	static struct vq_chain c;
	uint32_t used = 77;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_hdr(VIRTIO_BLK_T_IN, 1);
		memset(fx.ram.base + DATA, 0x5c, 512);
		fake_ring_add(&fx.ring, 0, cases[i], 3);
		assert_int_equal(vq_pop(&fx.vq, &c), 1);
		assert_int_equal(blk_handle_request(&be, &c, &used), -EINVAL);
		assert_int_equal(used, 77);
		assert_int_equal(fx.ram.base[STATUS], 0xee);
		assert_int_equal(fx.ram.base[DATA], 0x5c);
		assert_int_equal(fx.ram.base[DATA + 511], 0x5c);
	}
	/* A header split over two readable buffers is fine. */
	put_hdr(VIRTIO_BLK_T_IN, 1);
	{
		const struct fake_seg split[] = { { HDR, 8, false },
						  { HDR + 8, 8, false },
						  { DATA, 512, true },
						  { STATUS, 1, true } };

		fake_ring_add(&fx.ring, 0, split, 4);
		assert_int_equal(run_one(&used), 1);
		assert_int_equal(used, 513);
		assert_int_equal(fx.ram.base[STATUS], VIRTIO_BLK_S_OK);
		assert_int_equal(fx.ram.base[DATA], 1);
	}
}

static void indirect_tables(void **state)
{
	const uint64_t table = BUF + 0x8000;
	uint32_t len;

	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 7);
	fake_ring_desc(&fx.ring, table, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	fake_ring_desc(&fx.ring, table, 1, DATA, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	fake_ring_desc(&fx.ring, table, 2, STATUS, 1, VRING_DESC_F_WRITE, 0);
	/* The write flag of the table's own descriptor is ignored (2.7.5.3.2). */
	fake_ring_desc(&fx.ring, DESC, 0, table, 48, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	fake_ring_publish(&fx.ring, 0);
	assert_int_equal(run_one(&len), 1);
	assert_int_equal(fx.ram.base[STATUS], VIRTIO_BLK_S_OK);
	assert_int_equal(fx.ram.base[DATA], 7);
}

static void avail_index_jump_breaks_queue(void **state)
{
	struct vring_avail *a = fake_ring_avail(&fx.ring);
	uint32_t len;

	(void)state;
	a->idx = (uint16_t)(fx.ring.avail_idx + fx.vq.size + 1);
	assert_int_equal(run_one(&len), -EIO);
	assert_true(fx.vq.broken);
	assert_int_equal(run_one(&len), 0); /* stays stopped */
	assert_false(vq_has_work(&fx.vq));
}

static void head_out_of_range_breaks_queue(void **state)
{
	uint32_t len;

	(void)state;
	fake_ring_publish(&fx.ring, 9); /* queue size is 8 */
	assert_int_equal(run_one(&len), -EIO);
	assert_true(fx.vq.broken);
}

static void interrupt_suppression(void **state)
{
	struct vring_avail *a = fake_ring_avail(&fx.ring);

	(void)state;
	assert_true(vq_want_interrupt(&fx.vq));
	a->flags = VRING_AVAIL_F_NO_INTERRUPT;
	assert_false(vq_want_interrupt(&fx.vq));
	a->flags = 0;
	/* Kick suppression is published in the used ring's flags. */
	vq_set_kicks(&fx.vq, false);
	assert_int_equal(fake_ring_used(&fx.ring)->flags, VRING_USED_F_NO_NOTIFY);
	assert_true(fx.vq.kicks_off);
	vq_set_kicks(&fx.vq, true);
	assert_int_equal(fake_ring_used(&fx.ring)->flags, 0);
}

static void chain_copy_helpers(void **state)
{
	static struct vq_chain c;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct iovec iov[4];

	(void)state;
	fake_ring_desc(&fx.ring, DESC, 0, DATA, 3, VRING_DESC_F_NEXT, 1);
	fake_ring_desc(&fx.ring, DESC, 1, DATA + 100, 3, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	fake_ring_desc(&fx.ring, DESC, 2, DATA + 200, 3, VRING_DESC_F_WRITE, 0);
	fake_ring_publish(&fx.ring, 0);
	assert_int_equal(vq_pop(&fx.vq, &c), 1);
	assert_int_equal(c.error, 0);
	assert_int_equal(c.nout, 1);
	assert_int_equal(c.nin, 2);
	assert_int_equal(vq_chain_write(&c, 1, buf, 8), 5);
	assert_int_equal(fx.ram.base[DATA + 101], 1);
	assert_int_equal(fx.ram.base[DATA + 200], 3);
	assert_int_equal(fx.ram.base[DATA + 202], 5);
	assert_int_equal(vq_chain_slice(&c, true, 2, 3, iov, 4), 2);
	assert_int_equal(iov[0].iov_len, 1);
	assert_int_equal(iov[1].iov_len, 2);
	assert_int_equal(vq_chain_slice(&c, true, 2, 5, iov, 4), -EINVAL);
	assert_int_equal(vq_chain_slice(&c, true, 0, 6, iov, 1), -EINVAL);
	vq_push(&fx.vq, c.head, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(enable_checks_size_and_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(read_request, setup, teardown),
		cmocka_unit_test_setup_teardown(write_request_and_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(get_id_discard_write_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(readonly_refuses_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(sector_range_checked_without_overflow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(next_loops_are_device_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_links_and_buffers_are_device_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_indirect_tables_are_device_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(wrong_direction_and_short_status, setup, teardown),
		cmocka_unit_test_setup_teardown(request_framing_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(indirect_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(avail_index_jump_breaks_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(head_out_of_range_breaks_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(interrupt_suppression, setup, teardown),
		cmocka_unit_test_setup_teardown(chain_copy_helpers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
