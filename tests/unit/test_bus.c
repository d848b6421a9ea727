#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/bus.h"

/* A fake device recording the last access it saw; reads return a pattern
 * derived from the offset so the test can tell which device answered. */
struct fake_dev {
	uint8_t id;
	unsigned calls;
	uint64_t offset;
	uint32_t len;
	bool is_write;
	uint8_t written[8];
};

static void fake_handler(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct fake_dev *d = opaque;

	d->calls++;
	d->offset = offset;
	d->len = len;
	d->is_write = is_write;
	if (is_write)
		memcpy(d->written, data, len);
	else
		for (uint32_t i = 0; i < len; i++)
			data[i] = (uint8_t)(d->id + offset + i);
}

static void test_register_and_dispatch(void **state)
{
	struct fake_dev a = { .id = 0x10 }, b = { .id = 0x40 };
	struct bus bus;
	struct err e = { 0 };
	uint8_t data[8];

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x3f8, 8, fake_handler, &a, "uart", &e), 0);
	assert_int_equal(bus_register(&bus, 0x60, 5, fake_handler, &b, "i8042", &e), 0);

	/* Read at base + 5 reaches a with offset 5. */
	assert_true(bus_dispatch(&bus, 0x3fd, data, 1, false));
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 5);
	assert_int_equal(a.len, 1);
	assert_false(a.is_write);
	assert_int_equal(data[0], 0x15);
	/* Write of 2 bytes at the first address of b. */
	data[0] = 0xab;
	data[1] = 0xcd;
	assert_true(bus_dispatch(&bus, 0x60, data, 2, true));
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.offset, 0);
	assert_true(b.is_write);
	assert_int_equal(b.written[0], 0xab);
	assert_int_equal(b.written[1], 0xcd);
	/* Last byte of each range is claimed; one past is not. */
	assert_true(bus_dispatch(&bus, 0x3ff, data, 1, false));
	assert_int_equal(a.offset, 7);
	assert_true(bus_dispatch(&bus, 0x64, data, 1, false));
	assert_int_equal(b.offset, 4);
	assert_false(bus_dispatch(&bus, 0x65, data, 1, false));
	assert_int_equal(a.calls, 2);
	assert_int_equal(b.calls, 2);
	bus_destroy(&bus);
}

static void test_unclaimed(void **state)
{
	struct fake_dev a = { .id = 1 };
	struct bus bus;
	struct err e = { 0 };
	uint8_t data[8];

	(void)state;
	bus_init(&bus, "mmio");
	/* Empty bus. */
	memset(data, 0x12, sizeof(data));
	assert_false(bus_dispatch(&bus, 0x1000, data, 8, false));
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(data[i], 0xff);
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, fake_handler, &a, "dev", &e), 0);
	/* Just below and just above the range: all ones, device untouched. */
	memset(data, 0, sizeof(data));
	assert_false(bus_dispatch(&bus, 0xfff, data, 4, false));
	assert_int_equal(data[0] & data[1] & data[2] & data[3], 0xff);
	assert_int_equal(data[4], 0); /* only len bytes are filled */
	assert_false(bus_dispatch(&bus, 0x1100, data, 4, false));
	/* Unclaimed write is dropped; data is not modified. */
	data[0] = 0x42;
	assert_false(bus_dispatch(&bus, 0x2000, data, 1, true));
	assert_int_equal(data[0], 0x42);
	assert_int_equal(a.calls, 0);
	bus_destroy(&bus);
}

static void test_overlap_refused(void **state)
{
	struct fake_dev a = { .id = 1 }, b = { .id = 2 };
	struct bus bus;
	struct err e = { 0 };
	uint8_t data[1];

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x100, 0x10, fake_handler, &a, "a", &e), 0);
	/* Overlapping at the start, the end, inside and around. */
	assert_int_equal(bus_register(&bus, 0xf8, 0x9, fake_handler, &b, "b", &e), -EBUSY);
	assert_int_equal(e.code, EBUSY);
	assert_string_equal(e.msg, "io bus: b at 0xf8+0x9 overlaps an existing device");
	assert_int_equal(bus_register(&bus, 0x10f, 1, fake_handler, &b, "b", &e), -EBUSY);
	assert_int_equal(bus_register(&bus, 0x104, 2, fake_handler, &b, "b", &e), -EBUSY);
	assert_int_equal(bus_register(&bus, 0x0, 0x1000, fake_handler, &b, "b", &e), -EBUSY);
	/* Adjacent on both sides is fine. */
	assert_int_equal(bus_register(&bus, 0xf8, 8, fake_handler, &b, "b", &e), 0);
	assert_int_equal(bus_register(&bus, 0x110, 8, fake_handler, &b, "b2", &e), 0);
	/* The refused registrations left no trace. */
	assert_true(bus_dispatch(&bus, 0x104, data, 1, false));
	assert_int_equal(a.calls, 1);
	assert_int_equal(bus.count, 3);
	/* Invalid ranges. */
	assert_int_equal(bus_register(&bus, 0x200, 0, fake_handler, &b, "z", &e), -EINVAL);
	assert_int_equal(bus_register(&bus, UINT64_MAX, 2, fake_handler, &b, "z", &e), -EINVAL);
	assert_int_equal(bus_register(&bus, 0x200, 1, NULL, &b, "z", &e), -EINVAL);
	bus_destroy(&bus);
}

/* A range ending exactly at 2^64 (base + len wraps to 0) must still be
 * seen as overlapping. */
static void test_range_at_top_of_address_space(void **state)
{
	struct fake_dev a = { .id = 1 }, b = { .id = 2 };
	struct bus bus;
	struct err e = { 0 };
	uint8_t data[1];

	(void)state;
	bus_init(&bus, "mmio");
	assert_int_equal(
		bus_register(&bus, UINT64_MAX - 0xfff, 0x1000, fake_handler, &a, "top", &e), 0);
	assert_int_equal(bus_register(&bus, UINT64_MAX - 0x10, 1, fake_handler, &b, "b", &e),
			 -EBUSY);
	assert_int_equal(bus_register(&bus, UINT64_MAX - 0x1fff, 0x2000, fake_handler, &b, "b", &e),
			 -EBUSY);
	assert_true(bus_dispatch(&bus, UINT64_MAX, data, 1, false));
	assert_int_equal(a.offset, 0xfff);
	assert_int_equal(
		bus_register(&bus, UINT64_MAX - 0x1fff, 0x1000, fake_handler, &b, "below", &e), 0);
	bus_destroy(&bus);
}

static void test_many_ranges_sorted(void **state)
{
	struct fake_dev devs[40];
	struct bus bus;
	struct err e = { 0 };
	uint8_t data[1];

	(void)state;
	bus_init(&bus, "io");
	/* Registered out of order, more than the initial capacity. */
	for (unsigned i = 0; i < 40; i++) {
		unsigned slot = (i * 17) % 40;

		devs[slot] = (struct fake_dev){ .id = (uint8_t)slot };
		assert_int_equal(bus_register(&bus, 0x1000 + slot * 0x10, 0x10, fake_handler,
					      &devs[slot], "d", &e),
				 0);
	}
	for (unsigned i = 1; i < bus.count; i++)
		assert_true(bus.ranges[i - 1].base < bus.ranges[i].base);
	for (unsigned slot = 0; slot < 40; slot++) {
		assert_true(bus_dispatch(&bus, 0x1000 + slot * 0x10 + 3, data, 1, false));
		assert_int_equal(devs[slot].calls, 1);
		assert_int_equal(devs[slot].offset, 3);
	}
	bus_destroy(&bus);
}

static void test_unregister(void **state)
{
	struct fake_dev a = { .id = 1 }, b = { .id = 2 };
	struct bus bus;
	struct err e = { 0 };
	uint8_t data[1];

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x100, 0x10, fake_handler, &a, "a", &e), 0);
	/* Wrong owner or wrong base: refused. */
	assert_int_equal(bus_unregister(&bus, 0x100, &b), -ENOENT);
	assert_int_equal(bus_unregister(&bus, 0x104, &a), -ENOENT);
	assert_int_equal(bus_unregister(&bus, 0x100, &a), 0);
	assert_false(bus_dispatch(&bus, 0x100, data, 1, false));
	/* The space is free again. */
	assert_int_equal(bus_register(&bus, 0x100, 0x10, fake_handler, &b, "b", &e), 0);
	bus_destroy(&bus);
}

static void test_move(void **state)
{
	struct fake_dev a = { .id = 1 }, b = { .id = 2 };
	struct bus bus;
	struct err e = { 0 };
	uint8_t data[1];

	(void)state;
	bus_init(&bus, "mmio");
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, fake_handler, &a, "bar0", &e), 0);
	assert_int_equal(bus_register(&bus, 0x3000, 0x100, fake_handler, &b, "other", &e), 0);

	/* Success: old address unclaimed, new one reaches a with offset. */
	assert_int_equal(bus_move(&bus, 0x1000, 0x5000, &a, &e), 0);
	assert_false(bus_dispatch(&bus, 0x1000, data, 1, false));
	assert_true(bus_dispatch(&bus, 0x5010, data, 1, false));
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 0x10);
	/* Moving onto itself partly (overlapping its own old place) is fine. */
	assert_int_equal(bus_move(&bus, 0x5000, 0x5080, &a, &e), 0);
	assert_true(bus_dispatch(&bus, 0x5080, data, 1, false));
	assert_int_equal(a.offset, 0);

	/* Refused: overlap with b; a stays where it was. */
	assert_int_equal(bus_move(&bus, 0x5080, 0x2f80, &a, &e), -EBUSY);
	assert_string_equal(e.msg, "mmio bus: cannot move bar0 to 0x2f80");
	assert_true(bus_dispatch(&bus, 0x5080, data, 1, false));
	assert_int_equal(a.calls, 3);
	assert_true(bus_dispatch(&bus, 0x2f80, data, 1, false) == false);
	assert_true(bus_dispatch(&bus, 0x3000, data, 1, false));
	assert_int_equal(b.calls, 1);
	/* Refused: would wrap past 2^64. */
	assert_int_equal(bus_move(&bus, 0x5080, UINT64_MAX - 0x10, &a, &e), -EBUSY);
	assert_true(bus_dispatch(&bus, 0x5080, data, 1, false));
	/* Refused: not the owner / nothing there. */
	assert_int_equal(bus_move(&bus, 0x5080, 0x9000, &b, &e), -ENOENT);
	assert_int_equal(bus_move(&bus, 0x7000, 0x9000, &a, &e), -ENOENT);
	assert_int_equal(bus.count, 2);
	bus_destroy(&bus);
}

/* A handler may move its own range (PCI BAR reprogramming) while being
 * dispatched: the bus lock is not held during the call. */
struct self_mover {
	struct bus *bus;
	uint64_t base;
	int result;
};

static void moving_handler(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			   bool is_write)
{
	struct self_mover *m = opaque;
	struct err e = { 0 };

	(void)offset;
	(void)data;
	(void)len;
	if (is_write) {
		m->result = bus_move(m->bus, m->base, m->base + 0x1000, m, &e);
		if (m->result == 0)
			m->base += 0x1000;
	}
}

static void test_move_from_handler(void **state)
{
	struct bus bus;
	struct self_mover m = { &bus, 0x1000, -1 };
	struct err e = { 0 };
	uint8_t data[4] = { 0 };

	(void)state;
	bus_init(&bus, "mmio");
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, moving_handler, &m, "self", &e), 0);
	assert_true(bus_dispatch(&bus, 0x1000, data, 4, true));
	assert_int_equal(m.result, 0);
	assert_false(bus_dispatch(&bus, 0x1000, data, 4, false));
	assert_true(bus_dispatch(&bus, 0x2000, data, 4, false));
	bus_destroy(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_and_dispatch),
		cmocka_unit_test(test_unclaimed),
		cmocka_unit_test(test_overlap_refused),
		cmocka_unit_test(test_range_at_top_of_address_space),
		cmocka_unit_test(test_many_ranges_sorted),
		cmocka_unit_test(test_unregister),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_move_from_handler),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
