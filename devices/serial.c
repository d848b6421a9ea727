/* 16550A UART. Transmit is instantaneous (THR bytes go straight to the host
 * sink), so the line status always shows an empty transmitter; receive goes
 * through a 16-byte FIFO fed by the console. Enough of the modem and
 * loopback logic is modelled for the Linux 8250 driver's probe to find a
 * 16550A with working FIFOs. */
#include "devices/serial.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/snapshot_file.h"

enum {
	REG_RBR_THR = 0,
	REG_IER = 1,
	REG_IIR_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define IER_RDI	     0x01 /* receive data available */
#define IER_THRI     0x02 /* transmitter holding register empty */
#define IER_RLSI     0x04 /* receiver line status */
#define IER_MSI	     0x08 /* modem status */
#define IIR_NONE     0x01
#define IIR_MSI	     0x00
#define IIR_THRI     0x02
#define IIR_RDI	     0x04
#define IIR_FIFO     0xc0
#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB     0x80
#define MCR_DTR	     0x01
#define MCR_RTS	     0x02
#define MCR_OUT1     0x04
#define MCR_OUT2     0x08
#define MCR_LOOP     0x10
#define LSR_DR	     0x01
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define MSR_CTS	     0x10
#define MSR_DSR	     0x20
#define MSR_RI	     0x40
#define MSR_DCD	     0x80

struct serial {
	struct vm *vm;
	uint16_t port;
	unsigned irq;
	serial_out_fn out;
	void *out_opaque;
	int room_fd;

	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_interrupt; /* THRE interrupt pending until IIR read or THR write */
	bool irq_level;
	uint8_t rx[SERIAL_FIFO_LEN];
	unsigned rx_head, rx_count;
};

static bool rx_ready(const struct serial *s)
{
	return s->rx_count > 0;
}

static uint8_t iir_locked(const struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && rx_ready(s))
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_interrupt)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

/* Drive the interrupt line to match the pending state; the IOAPIC pin is
 * edge-triggered, so only level changes matter. */
static void update_irq_locked(struct serial *s)
{
	bool level = !(iir_locked(s) & IIR_NONE);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->vm->irq.line)
		s->vm->irq.line(s->vm, s->irq, level);
}

static uint8_t msr_locked(const struct serial *s)
{
	uint8_t m = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS; /* a connected terminal */
	/* Loopback wires the modem outputs back to the inputs. */
	if (s->mcr & MCR_OUT2)
		m |= MSR_DCD;
	if (s->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (s->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (s->mcr & MCR_DTR)
		m |= MSR_DSR;
	return m;
}

static void rx_push_locked(struct serial *s, uint8_t byte)
{
	if (s->rx_count == SERIAL_FIFO_LEN)
		return; /* overrun: the byte is lost, as on hardware */
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_LEN] = byte;
	s->rx_count++;
}

/* Host input is held back until the guest driver listens, and it only
 * listens once it has opened the port: receive interrupts enabled, OUT2 set
 * (on a PC, OUT2 connects the UART's interrupt to the interrupt controller),
 * RTS raised (the driver is ready for data; a host terminal honouring
 * hardware flow control waits for it), not in loopback.
 * IER alone is not enough: the 8250 probe writes IER 0x0f for an instant
 * with OUT2 clear, then clears the FIFO; bytes let in then were lost. */
static bool accepting_input_locked(const struct serial *s)
{
	const uint8_t opened = MCR_OUT2 | MCR_RTS;

	return (s->ier & IER_RDI) && (s->mcr & (opened | MCR_LOOP)) == opened;
}

static void signal_room(struct serial *s)
{
	uint64_t one = 1;

	if (write(s->room_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: the waiter is already woken */
	}
}

/* Wake a producer waiting for room when the guest starts listening. */
static void signal_if_listening_locked(struct serial *s, bool was_listening)
{
	if (!was_listening && accepting_input_locked(s))
		signal_room(s);
}

static uint8_t rx_pop_locked(struct serial *s)
{
	uint8_t b;

	if (!s->rx_count)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_LEN;
	if (--s->rx_count == 0)
		signal_room(s);
	return b;
}

uint8_t serial_read_reg(struct serial *s, unsigned reg)
{
	uint8_t v = 0xff;

	pthread_mutex_lock(&s->lock);
	switch (reg) {
	case REG_RBR_THR: v = (s->lcr & LCR_DLAB) ? s->dll : rx_pop_locked(s); break;
	case REG_IER: v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier; break;
	case REG_IIR_FCR:
		v = iir_locked(s);
		/* Reading IIR while it reports THRE acknowledges it. */
		if ((v & 0x0f) == IIR_THRI)
			s->thr_interrupt = false;
		break;
	case REG_LCR: v = s->lcr; break;
	case REG_MCR: v = s->mcr; break;
	case REG_LSR: v = LSR_THRE | LSR_TEMT | (rx_ready(s) ? LSR_DR : 0); break;
	case REG_MSR: v = msr_locked(s); break;
	case REG_SCR: v = s->scr; break;
	}
	update_irq_locked(s);
	pthread_mutex_unlock(&s->lock);
	return v;
}

void serial_write_reg(struct serial *s, unsigned reg, uint8_t val)
{
	bool emit = false, was_listening;

	pthread_mutex_lock(&s->lock);
	was_listening = accepting_input_locked(s);
	switch (reg) {
	case REG_RBR_THR:
		if (s->lcr & LCR_DLAB) {
			s->dll = val;
		} else {
			/* The write clears THRE, the transmitter empties at once and
			 * raises it again: a fresh edge on the edge-triggered IRQ 4
			 * even when THRE was never acknowledged (Linux's handler
			 * acknowledges only what IIR showed it). */
			s->thr_interrupt = false;
			update_irq_locked(s);
			if (s->mcr & MCR_LOOP)
				rx_push_locked(s, val);
			else
				emit = true;
			s->thr_interrupt = true;
		}
		break;
	case REG_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = val;
			break;
		}
		/* Enabling THRE while the transmitter is empty raises it at once. */
		if (!(s->ier & IER_THRI) && (val & IER_THRI))
			s->thr_interrupt = true;
		s->ier = val & (IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
		break;
	case REG_IIR_FCR:
		s->fcr = val & 0xc9; /* trigger level, DMA mode, enable */
		if (val & FCR_CLEAR_RX)
			s->rx_head = s->rx_count = 0;
		break;
	case REG_LCR: s->lcr = val; break;
	case REG_MCR: s->mcr = val & 0x1f; break;
	case REG_SCR: s->scr = val; break;
	default: break; /* LSR and MSR are read-only */
	}
	signal_if_listening_locked(s, was_listening); /* held-back input may flow now */
	update_irq_locked(s);
	pthread_mutex_unlock(&s->lock);
	/* Outside the lock: the sink may take its own locks. */
	if (emit)
		s->out(s->out_opaque, val);
}

static void serial_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct serial *s = opaque;

	if (len != 1)
		return; /* the UART has byte-wide registers only */
	if (is_write)
		serial_write_reg(s, (unsigned)offset, data[0]);
	else
		data[0] = serial_read_reg(s, (unsigned)offset);
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_count < SERIAL_FIFO_LEN && accepting_input_locked(s))
		rx_push_locked(s, buf[n++]);
	update_irq_locked(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

int serial_room_fd(const struct serial *s)
{
	return s->room_fd;
}

/* The UART as saved in its snapshot section. Fixed layout, every byte
 * defined; multi-byte fields would be little-endian like the host (minivmm
 * is x86-64 only), but all are bytes. LSR and MSR are not here: they are
 * computed from the FIFO and MCR. The FIFO is saved oldest byte first, so
 * the ring's head position is not part of the format. */
struct serial_state {
	uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
	uint8_t thr_interrupt; /* THRE interrupt pending: 0 or 1 */
	uint8_t rx_count;
	uint8_t reserved[7];	     /* zero */
	uint8_t rx[SERIAL_FIFO_LEN]; /* oldest first, zeros past rx_count */
};
_Static_assert(sizeof(struct serial_state) == 32, "serial snapshot layout changed");

/* The bits serial_write_reg() lets each register keep. */
#define IER_KEPT (IER_RDI | IER_THRI | IER_RLSI | IER_MSI)
#define MCR_KEPT 0x1f
#define FCR_KEPT 0xc9

int serial_snapshot(struct serial *s, struct snap_writer *w, uint32_t instance)
{
	struct serial_state st;

	memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&s->lock);
	st.ier = s->ier;
	st.lcr = s->lcr;
	st.mcr = s->mcr;
	st.fcr = s->fcr;
	st.scr = s->scr;
	st.dll = s->dll;
	st.dlm = s->dlm;
	st.thr_interrupt = s->thr_interrupt;
	st.rx_count = (uint8_t)s->rx_count;
	for (unsigned i = 0; i < s->rx_count; i++)
		st.rx[i] = s->rx[(s->rx_head + i) % SERIAL_FIFO_LEN];
	pthread_mutex_unlock(&s->lock);
	return snap_put(w, SNAP_DEV_SERIAL, instance, &st, sizeof(st));
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Refuse any value serial_write_reg() could never have produced. */
static int check_state(const struct serial_state *st, struct err *e)
{
	if (st->ier & ~IER_KEPT)
		return err_set(e, EINVAL, "serial: IER 0x%02x has reserved bits set", st->ier);
	if (st->mcr & ~MCR_KEPT)
		return err_set(e, EINVAL, "serial: MCR 0x%02x has reserved bits set", st->mcr);
	if (st->fcr & ~FCR_KEPT)
		return err_set(e, EINVAL, "serial: FCR 0x%02x has bits the UART never keeps",
			       st->fcr);
	if (st->thr_interrupt > 1)
		return err_set(e, EINVAL, "serial: THRE interrupt pending flag %u is not 0 or 1",
			       st->thr_interrupt);
	if (st->rx_count > SERIAL_FIFO_LEN)
		return err_set(e, EINVAL, "serial: receive FIFO count %u exceeds %u", st->rx_count,
			       SERIAL_FIFO_LEN);
	if (!all_zero(st->reserved, sizeof(st->reserved)))
		return err_set(e, EINVAL, "serial: reserved bytes are not zero");
	if (!all_zero(st->rx + st->rx_count, SERIAL_FIFO_LEN - st->rx_count))
		return err_set(e, EINVAL, "serial: receive FIFO has bytes past its count %u",
			       st->rx_count);
	return 0;
}

int serial_restore(struct serial *s, const struct snap_index *idx, uint32_t instance, struct err *e)
{
	struct serial_state st;
	int r;

	r = snap_get_exact(idx, SNAP_DEV_SERIAL, instance, &st, sizeof(st), e);
	if (r < 0)
		return err_wrap(e, "serial");
	r = check_state(&st, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	s->ier = st.ier;
	s->lcr = st.lcr;
	s->mcr = st.mcr;
	s->fcr = st.fcr;
	s->scr = st.scr;
	s->dll = st.dll;
	s->dlm = st.dlm;
	s->thr_interrupt = st.thr_interrupt;
	memcpy(s->rx, st.rx, sizeof(s->rx));
	s->rx_head = 0;
	s->rx_count = st.rx_count;
	/* A console producer may be waiting for room: let it retry (a wake-up
	 * with no room is harmless, it polls again). */
	if (accepting_input_locked(s) && s->rx_count < SERIAL_FIFO_LEN)
		signal_room(s);
	/* Raises the line only if the restored IIR shows a cause. */
	update_irq_locked(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int serial_create(struct vm *vm, uint16_t port, unsigned irq, serial_out_fn out, void *out_opaque,
		  struct serial **sp, struct err *e)
{
	struct serial *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return err_set(e, ENOMEM, "out of memory");
	s->vm = vm;
	s->port = port;
	s->irq = irq;
	s->out = out;
	s->out_opaque = out_opaque;
	s->mcr = 0;  /* the 16550's reset value: the driver raises OUT2 when it opens */
	s->dll = 12; /* 9600 baud, the power-on divisor */
	pthread_mutex_init(&s->lock, NULL);
	s->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->room_fd < 0) {
		r = err_sys(e, "serial: eventfd");
		serial_destroy(s);
		return r;
	}
	r = bus_register(&vm->io_bus, port, 8, serial_io, s, "serial", e);
	if (r < 0) {
		serial_destroy(s);
		return r;
	}
	*sp = s;
	return 0;
}

void serial_destroy(struct serial *s)
{
	if (!s)
		return;
	if (s->room_fd >= 0)
		close(s->room_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
