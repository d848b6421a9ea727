/* Snapshot and restore of the legacy devices (UART, i8042, RTC, ACPI PM):
 * each is driven through its ports into a non-trivial state, saved into a
 * state file, read back, restored into a fresh device, and must then read
 * the same and behave the same. Corrupted sections are refused with one
 * line and leave the device as it was. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "vmm/exit_status.h"
#include "vmm/layout.h"
#include "vmm/snapshot_file.h"

/* ---- a VM without KVM that records its interrupt lines ---- */

#define RIG_GSIS 32

struct rig {
	struct vm vm; /* first: the line callback gets &vm */
	int level[RIG_GSIS];
	int rises[RIG_GSIS];
	int changes;
	size_t transmitted;
};

static int rig_line(struct vm *vm, unsigned gsi, int level)
{
	struct rig *r = (struct rig *)vm;

	assert_true(gsi < RIG_GSIS);
	r->rises[gsi] += level && !r->level[gsi];
	r->level[gsi] = level;
	r->changes++;
	return 0;
}

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct err e = { 0 };

	assert_non_null(r);
	assert_int_equal(vm_init_common(&r->vm, NULL, 64 << 20, &e), 0);
	r->vm.irq.line = rig_line;
	return r;
}

static void rig_free(struct rig *r)
{
	vm_destroy_common(&r->vm);
	free(r);
}

static uint8_t in8(struct rig *r, uint16_t port)
{
	uint8_t v = 0;

	assert_true(bus_dispatch(&r->vm.io_bus, port, &v, 1, false));
	return v;
}

static void out8(struct rig *r, uint16_t port, uint8_t v)
{
	assert_true(bus_dispatch(&r->vm.io_bus, port, &v, 1, true));
}

/* ---- state files ---- */

static const struct snap_host test_host = {
	.kvm_api_version = 12,
	.cpu_vendor = "TestCPU",
	.cpu_family = 6,
	.cpu_model = 85,
	.cpu_stepping = 7,
};

struct file {
	uint8_t *buf;
	size_t len;
	struct snap_index *idx; /* 12 KiB: on the heap */
};

/* Finish w and read it back as --restore would. */
static void file_finish(struct snap_writer *w, struct file *f)
{
	struct err e = { 0 };

	assert_int_equal(snap_writer_finish(w, &f->buf, &f->len), 0);
	f->idx = calloc(1, sizeof(*f->idx));
	assert_non_null(f->idx);
	assert_int_equal(snap_parse(f->buf, f->len, &test_host, f->idx, &e), 0);
}

/* A file holding one section with the given payload. */
static void file_with(struct file *f, uint32_t tag, uint32_t instance, const void *data, size_t len)
{
	struct snap_writer w;

	snap_writer_init(&w, &test_host);
	assert_int_equal(snap_put(&w, tag, instance, data, len), 0);
	file_finish(&w, f);
}

static void file_free(struct file *f)
{
	free(f->buf);
	free(f->idx);
	memset(f, 0, sizeof(*f));
}

/* Copy out the payload of (tag, instance), which must be len bytes. */
static void payload_of(const struct file *f, uint32_t tag, uint32_t instance, uint8_t *dst,
		       size_t len)
{
	const void *data;
	size_t have;

	assert_int_equal(snap_find(f->idx, tag, instance, &data, &have), 0);
	assert_int_equal(have, len);
	memcpy(dst, data, len);
}

/* Every way a section can be refused, for one device. */
typedef int (*restore_fn)(void *dev, const struct snap_index *idx, uint32_t instance,
			  struct err *e);

struct corruption {
	size_t offset;
	uint8_t value;
	const char *message; /* expected in the error text */
};

static void expect_refused(void *dev, restore_fn restore, const struct file *f, int code,
			   const char *device, const char *message)
{
	struct err e = { 0 };

	assert_int_equal(restore(dev, f->idx, 0, &e), -code);
	assert_int_equal(e.code, code);
	assert_non_null(strstr(e.msg, device));
	assert_non_null(strstr(e.msg, message));
	assert_null(strchr(e.msg, '\n'));
}

/* A missing section, a wrong instance, sizes off by one either way, and
 * each corruption of a good payload: all refused. */
static void refuse_all(void *dev, restore_fn restore, uint32_t tag, const uint8_t *good, size_t len,
		       const struct corruption *bad, size_t nbad, const char *device)
{
	uint8_t *buf = calloc(1, len + 1);
	struct file f;

	assert_non_null(buf);
	file_with(&f, tag == SNAP_DEV_RTC ? SNAP_DEV_SERIAL : SNAP_DEV_RTC, 0, good, len);
	expect_refused(dev, restore, &f, ENOENT, device, "no ");
	file_free(&f);
	file_with(&f, tag, 1, good, len);
	expect_refused(dev, restore, &f, ENOENT, device, "no ");
	file_free(&f);
	file_with(&f, tag, 0, good, len - 1);
	expect_refused(dev, restore, &f, EINVAL, device, "want");
	file_free(&f);
	memcpy(buf, good, len);
	file_with(&f, tag, 0, buf, len + 1);
	expect_refused(dev, restore, &f, EINVAL, device, "want");
	file_free(&f);
	for (size_t i = 0; i < nbad; i++) {
		memcpy(buf, good, len);
		buf[bad[i].offset] = bad[i].value;
		file_with(&f, tag, 0, buf, len);
		expect_refused(dev, restore, &f, EINVAL, device, bad[i].message);
		file_free(&f);
	}
	free(buf);
}

/* ---- 16550A UART ---- */

#define COM1	       SERIAL_COM1_PORT
#define SERIAL_STATE   32
#define UART_RBR       0
#define UART_IER       1
#define UART_IIR       2
#define UART_LCR       3
#define UART_MCR       4
#define UART_LSR       5
#define UART_MSR       6
#define UART_SCR       7
#define UART_OPENED    0x0b /* DTR, RTS, OUT2: the driver has the port open */
#define UART_RDI_THRI  0x03
#define IIR_CAUSE_MASK 0x0f

static void sink(void *opaque, uint8_t byte)
{
	struct rig *r = opaque;

	(void)byte;
	r->transmitted++;
}

static struct serial *uart_new(struct rig *r)
{
	struct serial *s;
	struct err e = { 0 };

	assert_int_equal(serial_create(&r->vm, COM1, LAYOUT_IRQ_COM1, sink, r, &s, &e), 0);
	return s;
}

/* The registers that read without side effects, DLL and DLM included. */
struct uart_regs {
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm;
};

static struct uart_regs uart_regs(struct rig *r)
{
	struct uart_regs v;

	v.lcr = in8(r, COM1 + UART_LCR);
	out8(r, COM1 + UART_LCR, v.lcr | 0x80);
	v.dll = in8(r, COM1 + UART_RBR);
	v.dlm = in8(r, COM1 + UART_IER);
	out8(r, COM1 + UART_LCR, v.lcr & 0x7f);
	v.ier = in8(r, COM1 + UART_IER);
	out8(r, COM1 + UART_LCR, v.lcr);
	v.mcr = in8(r, COM1 + UART_MCR);
	v.lsr = in8(r, COM1 + UART_LSR);
	v.msr = in8(r, COM1 + UART_MSR);
	v.scr = in8(r, COM1 + UART_SCR);
	return v;
}

static void assert_uart_regs_equal(struct rig *a, struct rig *b)
{
	struct uart_regs ra = uart_regs(a), rb = uart_regs(b);

	assert_memory_equal(&ra, &rb, sizeof(ra));
}

static void uart_state(struct serial *s, uint8_t out[SERIAL_STATE])
{
	struct snap_writer w;
	struct file f;

	snap_writer_init(&w, &test_host);
	assert_int_equal(serial_snapshot(s, &w, 0), 0);
	file_finish(&w, &f);
	payload_of(&f, SNAP_DEV_SERIAL, 0, out, SERIAL_STATE);
	file_free(&f);
}

static int uart_restore(void *dev, const struct snap_index *idx, uint32_t instance, struct err *e)
{
	return serial_restore(dev, idx, instance, e);
}

/* The state a running Linux console leaves: 115200 8N1, FIFOs on with a
 * 14-byte trigger, RX and THRE interrupts on, a scratch value, and 13
 * bytes waiting in a FIFO whose ring has wrapped. */
static void uart_drive(struct rig *r, struct serial *s)
{
	out8(r, COM1 + UART_LCR, 0x80);
	out8(r, COM1 + UART_RBR, 0x01);
	out8(r, COM1 + UART_IER, 0x00);
	out8(r, COM1 + UART_LCR, 0x03);
	out8(r, COM1 + UART_IIR, 0xc7); /* FCR: enable, clear both, trigger 14 */
	out8(r, COM1 + UART_MCR, UART_OPENED);
	out8(r, COM1 + UART_IER, UART_RDI_THRI);
	out8(r, COM1 + UART_SCR, 0x5a);
	assert_int_equal(serial_receive(s, (const uint8_t *)"0123456789abcdef", 16), 16);
	for (int i = 0; i < 6; i++)
		in8(r, COM1 + UART_RBR);
	assert_int_equal(serial_receive(s, (const uint8_t *)"ABCDEF", 6), 6);
	for (int i = 0; i < 3; i++)
		in8(r, COM1 + UART_RBR);
}

static void serial_round_trip(void **state)
{
	static const char waiting[] = "9abcdefABCDEF";
	struct rig *a = rig_new(), *b = rig_new();
	struct serial *sa = uart_new(a), *sb = uart_new(b);
	uint8_t before[SERIAL_STATE], after[SERIAL_STATE];
	struct snap_writer w;
	struct err e = { 0 };
	struct file f;
	uint64_t v;

	(void)state;
	uart_drive(a, sa);
	assert_int_equal(a->level[LAYOUT_IRQ_COM1], 1);
	snap_writer_init(&w, &test_host);
	assert_int_equal(serial_snapshot(sa, &w, 0), 0);
	file_finish(&w, &f);

	assert_int_equal(serial_restore(sb, f.idx, 0, &e), 0);
	/* The line is up, raised once, as the pending RX data implies. */
	assert_int_equal(b->level[LAYOUT_IRQ_COM1], 1);
	assert_int_equal(b->rises[LAYOUT_IRQ_COM1], 1);
	/* A producer waiting for room is told to retry. */
	assert_int_equal(read(serial_room_fd(sb), &v, sizeof(v)), sizeof(v));
	assert_uart_regs_equal(a, b);
	uart_state(sa, before);
	uart_state(sb, after);
	assert_memory_equal(before, after, sizeof(before)); /* FCR included */

	/* Behaviour goes on the same: room for exactly 3 more bytes, the
	 * FIFO drains in order, then the pending THRE shows and is acked. */
	assert_int_equal(serial_receive(sb, (const uint8_t *)"xyzw", 4), 3);
	assert_int_equal(in8(b, COM1 + UART_IIR), 0xc0 | 0x04);
	for (size_t i = 0; i < sizeof(waiting) - 1; i++)
		assert_int_equal(in8(b, COM1 + UART_RBR), waiting[i]);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(in8(b, COM1 + UART_RBR), "xyz"[i]);
	assert_false(in8(b, COM1 + UART_LSR) & 0x01);
	assert_int_equal(in8(b, COM1 + UART_IIR), 0xc0 | 0x02);
	assert_int_equal(in8(b, COM1 + UART_IIR), 0xc0 | 0x01);
	assert_int_equal(b->level[LAYOUT_IRQ_COM1], 0);
	/* Transmit raises THRE again, with a fresh edge. */
	out8(b, COM1 + UART_RBR, 'q');
	assert_int_equal(b->transmitted, 1);
	assert_int_equal(b->level[LAYOUT_IRQ_COM1], 1);
	assert_int_equal(b->rises[LAYOUT_IRQ_COM1], 2);

	file_free(&f);
	serial_destroy(sa);
	serial_destroy(sb);
	rig_free(a);
	rig_free(b);
}

/* Bytes waiting with RX interrupts off, THRE acknowledged, loopback: the
 * restored line stays low and no edge is made. */
static void serial_restore_raises_nothing_unimplied(void **state)
{
	struct rig *a = rig_new(), *b = rig_new();
	struct serial *sa = uart_new(a), *sb = uart_new(b);
	struct snap_writer w;
	struct err e = { 0 };
	struct file f;
	uint64_t v;

	(void)state;
	out8(a, COM1 + UART_MCR, UART_OPENED);
	out8(a, COM1 + UART_IER, UART_RDI_THRI);
	assert_int_equal(serial_receive(sa, (const uint8_t *)"hi", 2), 2);
	out8(a, COM1 + UART_IER, 0x02);
	assert_int_equal(in8(a, COM1 + UART_IIR) & IIR_CAUSE_MASK, 0x02); /* acks THRE */
	out8(a, COM1 + UART_MCR, 0x10 | UART_OPENED);			  /* loopback */
	assert_int_equal(a->level[LAYOUT_IRQ_COM1], 0);
	snap_writer_init(&w, &test_host);
	assert_int_equal(serial_snapshot(sa, &w, 0), 0);
	file_finish(&w, &f);

	assert_int_equal(serial_restore(sb, f.idx, 0, &e), 0);
	assert_int_equal(b->changes, 0);
	assert_int_equal(read(serial_room_fd(sb), &v, sizeof(v)), -1); /* not listening */
	assert_uart_regs_equal(a, b);
	assert_int_equal(in8(b, COM1 + UART_MSR) & 0xf0, 0xb0); /* loopback wiring */
	assert_int_equal(in8(b, COM1 + UART_IIR), 0x01);
	assert_true(in8(b, COM1 + UART_LSR) & 0x01);
	assert_int_equal(in8(b, COM1 + UART_RBR), 'h');
	assert_int_equal(in8(b, COM1 + UART_RBR), 'i');
	/* Not listening in loopback: host input stays held back. */
	assert_int_equal(serial_receive(sb, (const uint8_t *)"z", 1), 0);

	file_free(&f);
	serial_destroy(sa);
	serial_destroy(sb);
	rig_free(a);
	rig_free(b);
}

static void serial_refuses_bad_sections(void **state)
{
	static const struct corruption bad[] = {
		{ 0, 0x10, "serial: IER 0x10" },
		{ 2, 0x20, "serial: MCR 0x20" },
		{ 3, 0x02, "serial: FCR 0x02" },
		{ 7, 2, "serial: THRE interrupt pending flag 2" },
		{ 8, 99, "serial: receive FIFO count 99 exceeds 16" },
		{ 8, 17, "serial: receive FIFO count 17 exceeds 16" },
		{ 9, 1, "serial: reserved" },
		{ 15, 0x80, "serial: reserved" },
		{ 16 + 15, 'x', "serial: receive FIFO has bytes past its count 13" },
	};
	struct rig *a = rig_new(), *b = rig_new();
	struct serial *sa = uart_new(a), *sb = uart_new(b);
	uint8_t good[SERIAL_STATE], before[SERIAL_STATE], after[SERIAL_STATE];
	int changes;

	(void)state;
	uart_drive(a, sa);
	uart_state(sa, good);
	/* b holds a different state, which must survive every refusal. */
	out8(b, COM1 + UART_MCR, UART_OPENED);
	out8(b, COM1 + UART_IER, 0x01);
	out8(b, COM1 + UART_SCR, 0x77);
	assert_int_equal(serial_receive(sb, (const uint8_t *)"keep", 4), 4);
	uart_state(sb, before);
	changes = b->changes;

	refuse_all(sb, uart_restore, SNAP_DEV_SERIAL, good, sizeof(good), bad,
		   sizeof(bad) / sizeof(bad[0]), "serial");

	uart_state(sb, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(b->changes, changes);
	assert_int_equal(b->level[LAYOUT_IRQ_COM1], 1);
	assert_int_equal(in8(b, COM1 + UART_SCR), 0x77);
	assert_int_equal(in8(b, COM1 + UART_RBR), 'k');

	serial_destroy(sa);
	serial_destroy(sb);
	rig_free(a);
	rig_free(b);
}

/* ---- i8042 ---- */

#define KBD_DATA    0x60
#define KBD_CMD	    0x64
#define I8042_STATE 8

static struct i8042 *kbd_new(struct rig *r)
{
	struct i8042 *k;
	struct err e = { 0 };

	assert_int_equal(i8042_create(&r->vm, &k, &e), 0);
	return k;
}

static void kbd_state(struct i8042 *k, uint8_t out[I8042_STATE])
{
	struct snap_writer w;
	struct file f;

	snap_writer_init(&w, &test_host);
	assert_int_equal(i8042_snapshot(k, &w, 0), 0);
	file_finish(&w, &f);
	payload_of(&f, SNAP_DEV_I8042, 0, out, I8042_STATE);
	file_free(&f);
}

static int kbd_restore(void *dev, const struct snap_index *idx, uint32_t instance, struct err *e)
{
	return i8042_restore(dev, idx, instance, e);
}

/* Configuration byte written and AUX disabled, the byte read back waiting
 * in the output buffer, and a "write configuration" awaiting its data. */
static void kbd_drive(struct rig *r)
{
	out8(r, KBD_CMD, 0x60);
	out8(r, KBD_DATA, 0x47);
	out8(r, KBD_CMD, 0xa7);
	out8(r, KBD_CMD, 0x20);
	out8(r, KBD_CMD, 0x60);
}

static void i8042_round_trip(void **state)
{
	struct rig *a = rig_new(), *b = rig_new();
	struct i8042 *ka = kbd_new(a), *kb = kbd_new(b);
	uint8_t before[I8042_STATE], after[I8042_STATE];
	struct snap_writer w;
	struct err e = { 0 };
	struct file f;

	(void)state;
	kbd_drive(a);
	snap_writer_init(&w, &test_host);
	assert_int_equal(i8042_snapshot(ka, &w, 0), 0);
	file_finish(&w, &f);
	assert_int_equal(i8042_restore(kb, f.idx, 0, &e), 0);
	assert_int_equal(b->changes, 0);
	kbd_state(ka, before);
	kbd_state(kb, after);
	assert_memory_equal(before, after, sizeof(before));

	/* SYS, UNLOCKED, last write a command, output buffer full. */
	assert_int_equal(in8(b, KBD_CMD), 0x1d);
	assert_int_equal(in8(b, KBD_DATA), 0x67);
	assert_int_equal(in8(b, KBD_CMD), 0x1c);
	/* The pending "write configuration" takes the next data byte. */
	out8(b, KBD_DATA, 0x45);
	assert_int_equal(in8(b, KBD_CMD), 0x14);
	out8(b, KBD_CMD, 0x20);
	assert_int_equal(in8(b, KBD_DATA), 0x45);
	/* And a plain data byte after it changes nothing. */
	out8(b, KBD_DATA, 0x99);
	out8(b, KBD_CMD, 0x20);
	assert_int_equal(in8(b, KBD_DATA), 0x45);

	file_free(&f);
	i8042_destroy(ka);
	i8042_destroy(kb);
	rig_free(a);
	rig_free(b);
}

static void i8042_refuses_bad_sections(void **state)
{
	static const struct corruption bad[] = {
		{ 1, 0x19, "i8042: status 0x19" }, /* SYS lost */
		{ 1, 0x0d, "i8042: status 0x0d" }, /* UNLOCKED lost */
		{ 1, 0x3d, "i8042: status 0x3d" }, /* a bit never set */
		{ 3, 0xaa, "i8042: pending command 0xaa" },
		{ 4, 1, "i8042: reserved" },
		{ 7, 1, "i8042: reserved" },
	};
	struct rig *a = rig_new(), *b = rig_new();
	struct i8042 *ka = kbd_new(a), *kb = kbd_new(b);
	uint8_t good[I8042_STATE], before[I8042_STATE], after[I8042_STATE];

	(void)state;
	kbd_drive(a);
	kbd_state(ka, good);
	out8(b, KBD_CMD, 0xaa); /* self test: 0x55 waits */
	kbd_state(kb, before);

	refuse_all(kb, kbd_restore, SNAP_DEV_I8042, good, sizeof(good), bad,
		   sizeof(bad) / sizeof(bad[0]), "i8042");

	kbd_state(kb, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(in8(b, KBD_CMD), 0x1d);
	assert_int_equal(in8(b, KBD_DATA), 0x55);

	i8042_destroy(ka);
	i8042_destroy(kb);
	rig_free(a);
	rig_free(b);
}

/* ---- RTC ---- */

#define RTC_INDEX      LAYOUT_PORT_RTC
#define RTC_DATA       (LAYOUT_PORT_RTC + 1)
#define RTC_STATE      (8 + 128)
#define RTC_CENTURY    0x32
#define RTC_FIRST_CMOS 0x0e

static struct rtc *rtc_new(struct rig *r)
{
	struct rtc *c;
	struct err e = { 0 };

	assert_int_equal(rtc_create(&r->vm, &c, &e), 0);
	return c;
}

static uint8_t cmos_read(struct rig *r, uint8_t index)
{
	out8(r, RTC_INDEX, index);
	return in8(r, RTC_DATA);
}

static void cmos_write(struct rig *r, uint8_t index, uint8_t v)
{
	out8(r, RTC_INDEX, index);
	out8(r, RTC_DATA, v);
}

static void rtc_state(struct rtc *c, uint8_t out[RTC_STATE])
{
	struct snap_writer w;
	struct file f;

	snap_writer_init(&w, &test_host);
	assert_int_equal(rtc_snapshot(c, &w, 0), 0);
	file_finish(&w, &f);
	payload_of(&f, SNAP_DEV_RTC, 0, out, RTC_STATE);
	file_free(&f);
}

static int rtc_restore_dev(void *dev, const struct snap_index *idx, uint32_t instance,
			   struct err *e)
{
	return rtc_restore(dev, idx, instance, e);
}

/* CMOS RAM filled with a pattern (the clock registers ignore it), the index
 * left at register B with the NMI-mask bit. */
static void rtc_drive(struct rig *r)
{
	for (unsigned i = 0; i < 128; i++)
		cmos_write(r, (uint8_t)i, (uint8_t)(i * 7 + 3));
	out8(r, RTC_INDEX, 0x80 | 0x0b);
}

static unsigned from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0x0f);
}

/* The guest's view of the clock, as seconds since the epoch: one read of
 * the date registers, which may straddle a second boundary. */
static time_t rtc_read_once(struct rig *r)
{
	struct tm tm = { 0 };

	tm.tm_sec = (int)from_bcd(cmos_read(r, 0x00));
	tm.tm_min = (int)from_bcd(cmos_read(r, 0x02));
	tm.tm_hour = (int)from_bcd(cmos_read(r, 0x04));
	tm.tm_mday = (int)from_bcd(cmos_read(r, 0x07));
	tm.tm_mon = (int)from_bcd(cmos_read(r, 0x08)) - 1;
	tm.tm_year = (int)(from_bcd(cmos_read(r, RTC_CENTURY)) * 100 +
			   from_bcd(cmos_read(r, 0x09))) -
		     1900;
	return timegm(&tm);
}

/* As a driver does it: read until two reads agree. */
static time_t rtc_guest_time(struct rig *r)
{
	time_t t = rtc_read_once(r), again;

	for (int i = 0; i < 5 && (again = rtc_read_once(r)) != t; i++)
		t = again;
	return t;
}

static void rtc_round_trip(void **state)
{
	struct rig *a = rig_new(), *b = rig_new();
	struct rtc *ca = rtc_new(a), *cb = rtc_new(b);
	uint8_t before[RTC_STATE], after[RTC_STATE];
	struct snap_writer w;
	struct err e = { 0 };
	struct file f;
	time_t t0, t, t1;

	(void)state;
	rtc_drive(a);
	snap_writer_init(&w, &test_host);
	assert_int_equal(rtc_snapshot(ca, &w, 0), 0);
	file_finish(&w, &f);
	assert_int_equal(rtc_restore(cb, f.idx, 0, &e), 0);
	assert_int_equal(b->changes, 0);
	rtc_state(ca, before);
	rtc_state(cb, after);
	assert_memory_equal(before, after, sizeof(before));

	/* The index register (without the NMI bit) and what it selects. */
	assert_int_equal(in8(b, RTC_INDEX), 0x0b);
	assert_int_equal(in8(b, RTC_DATA), 0x02);
	for (unsigned i = RTC_FIRST_CMOS; i < 128; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(cmos_read(b, (uint8_t)i), (uint8_t)(i * 7 + 3));
	assert_int_equal(cmos_read(b, 0x0a) & 0x80, 0); /* no update in progress */
	assert_int_equal(cmos_read(b, 0x0d), 0x80);	/* valid RAM and time */
	/* The clock runs on: it reads the host's current time. */
	t0 = time(NULL);
	t = rtc_guest_time(b);
	t1 = time(NULL);
	assert_true(t >= t0 && t <= t1);
	/* CMOS RAM keeps taking writes. */
	cmos_write(b, 0x40, 0xee);
	assert_int_equal(cmos_read(b, 0x40), 0xee);

	file_free(&f);
	rtc_destroy(ca);
	rtc_destroy(cb);
	rig_free(a);
	rig_free(b);
}

static void rtc_refuses_bad_sections(void **state)
{
	static const struct corruption bad[] = {
		{ 0, 0x80, "rtc: index register 0x80 exceeds 0x7f" },
		{ 0, 0xff, "rtc: index register 0xff" },
		{ 1, 1, "rtc: reserved" },
		{ 8 + 0x00, 0x59, "rtc: CMOS byte 0x00 is a clock register" },
		{ 8 + 0x0d, 0x80, "rtc: CMOS byte 0x0d" },
		{ 8 + RTC_CENTURY, 0x20, "rtc: CMOS byte 0x32" },
	};
	struct rig *a = rig_new(), *b = rig_new();
	struct rtc *ca = rtc_new(a), *cb = rtc_new(b);
	uint8_t good[RTC_STATE], before[RTC_STATE], after[RTC_STATE];

	(void)state;
	rtc_drive(a);
	rtc_state(ca, good);
	cmos_write(b, 0x20, 0x42);
	rtc_state(cb, before);

	refuse_all(cb, rtc_restore_dev, SNAP_DEV_RTC, good, sizeof(good), bad,
		   sizeof(bad) / sizeof(bad[0]), "rtc");

	rtc_state(cb, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(in8(b, RTC_INDEX), 0x20);
	assert_int_equal(in8(b, RTC_DATA), 0x42);

	rtc_destroy(ca);
	rtc_destroy(cb);
	rig_free(a);
	rig_free(b);
}

/* ---- ACPI power management ---- */

#define ACPI_PM_STATE 8

static struct acpi_pm *pm_new(struct rig *r)
{
	struct acpi_pm *pm;
	struct err e = { 0 };

	assert_int_equal(acpi_pm_create(&r->vm, &pm, &e), 0);
	return pm;
}

static int pm_restore(void *dev, const struct snap_index *idx, uint32_t instance, struct err *e)
{
	return acpi_pm_restore(dev, idx, instance, e);
}

static void acpi_pm_round_trip(void **state)
{
	struct rig *a = rig_new(), *b = rig_new();
	struct acpi_pm *pa = pm_new(a), *pb = pm_new(b);
	uint8_t saved[ACPI_PM_STATE];
	struct snap_writer w;
	struct err e = { 0 };
	struct file f;

	(void)state;
	/* Writes that are not actions leave nothing behind. */
	out8(a, LAYOUT_PORT_SLEEP_CTL, LAYOUT_SLEEP_TYPE_S5 << 2);
	out8(a, LAYOUT_PORT_SLEEP_STS, 0xff);
	out8(a, LAYOUT_PORT_RESET, LAYOUT_RESET_VALUE + 1);
	assert_false(vm_stopping(&a->vm));
	snap_writer_init(&w, &test_host);
	assert_int_equal(acpi_pm_snapshot(pa, &w, 0), 0);
	file_finish(&w, &f);
	payload_of(&f, SNAP_DEV_ACPI_PM, 0, saved, sizeof(saved));
	for (size_t i = 0; i < sizeof(saved); i++)
		assert_int_equal(saved[i], 0);

	assert_int_equal(acpi_pm_restore(pb, f.idx, 0, &e), 0);
	assert_int_equal(b->changes, 0); /* no GED edge */
	assert_int_equal(in8(b, LAYOUT_PORT_SLEEP_STS), 0);
	assert_int_equal(in8(b, LAYOUT_PORT_SLEEP_CTL), 0);
	assert_false(vm_stopping(&b->vm));
	/* The power button and S5 work as before. */
	assert_int_equal(acpi_pm_press_power_button(pb), 0);
	assert_int_equal(b->rises[LAYOUT_IRQ_GED], 1);
	assert_int_equal(b->level[LAYOUT_IRQ_GED], 0);
	out8(b, LAYOUT_PORT_SLEEP_CTL, LAYOUT_SLEEP_TYPE_S5 << 2 | 0x20);
	assert_true(vm_stopping(&b->vm));
	assert_int_equal(b->vm.exit_status, EXIT_POWEROFF);

	file_free(&f);
	acpi_pm_destroy(pa);
	acpi_pm_destroy(pb);
	rig_free(a);
	rig_free(b);
}

static void acpi_pm_refuses_bad_sections(void **state)
{
	static const struct corruption bad[] = {
		{ 0, 0x80, "acpi_pm: sleep status 0x80" },
		{ 1, 1, "acpi_pm: reserved" },
		{ 7, 0xff, "acpi_pm: reserved" },
	};
	static const uint8_t good[ACPI_PM_STATE] = { 0 };
	struct rig *b = rig_new();
	struct acpi_pm *pb = pm_new(b);

	(void)state;
	refuse_all(pb, pm_restore, SNAP_DEV_ACPI_PM, good, sizeof(good), bad,
		   sizeof(bad) / sizeof(bad[0]), "acpi_pm");
	assert_int_equal(b->changes, 0);
	assert_int_equal(in8(b, LAYOUT_PORT_SLEEP_STS), 0);
	assert_false(vm_stopping(&b->vm));

	acpi_pm_destroy(pb);
	rig_free(b);
}

/* ---- all four in one file, as a machine saves them ---- */

static void all_devices_share_a_file(void **state)
{
	struct rig *a = rig_new(), *b = rig_new();
	struct serial *sa = uart_new(a), *sb = uart_new(b);
	struct i8042 *ka = kbd_new(a), *kb = kbd_new(b);
	struct rtc *ca = rtc_new(a), *cb = rtc_new(b);
	struct acpi_pm *pa = pm_new(a), *pb = pm_new(b);
	struct snap_writer w;
	struct err e = { 0 };
	struct file f;

	(void)state;
	uart_drive(a, sa);
	kbd_drive(a);
	rtc_drive(a);
	snap_writer_init(&w, &test_host);
	assert_int_equal(serial_snapshot(sa, &w, 0), 0);
	assert_int_equal(i8042_snapshot(ka, &w, 0), 0);
	assert_int_equal(rtc_snapshot(ca, &w, 0), 0);
	assert_int_equal(acpi_pm_snapshot(pa, &w, 0), 0);
	/* A section is written once. */
	assert_int_equal(serial_snapshot(sa, &w, 0), -EEXIST);
	file_finish(&w, &f);
	assert_int_equal(f.idx->count, 4);

	assert_int_equal(serial_restore(sb, f.idx, 0, &e), 0);
	assert_int_equal(i8042_restore(kb, f.idx, 0, &e), 0);
	assert_int_equal(rtc_restore(cb, f.idx, 0, &e), 0);
	assert_int_equal(acpi_pm_restore(pb, f.idx, 0, &e), 0);
	assert_uart_regs_equal(a, b);
	assert_int_equal(in8(b, KBD_CMD), in8(a, KBD_CMD));
	assert_int_equal(cmos_read(b, 0x7f), cmos_read(a, 0x7f));
	assert_int_equal(b->level[LAYOUT_IRQ_COM1], 1);

	file_free(&f);
	serial_destroy(sa);
	serial_destroy(sb);
	i8042_destroy(ka);
	i8042_destroy(kb);
	rtc_destroy(ca);
	rtc_destroy(cb);
	acpi_pm_destroy(pa);
	acpi_pm_destroy(pb);
	rig_free(a);
	rig_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serial_round_trip),
		cmocka_unit_test(serial_restore_raises_nothing_unimplied),
		cmocka_unit_test(serial_refuses_bad_sections),
		cmocka_unit_test(i8042_round_trip),
		cmocka_unit_test(i8042_refuses_bad_sections),
		cmocka_unit_test(rtc_round_trip),
		cmocka_unit_test(rtc_refuses_bad_sections),
		cmocka_unit_test(acpi_pm_round_trip),
		cmocka_unit_test(acpi_pm_refuses_bad_sections),
		cmocka_unit_test(all_devices_share_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
