#include "devices/i8042.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/exit_status.h"
#include "vmm/snapshot_file.h"

#define DATA_PORT 0x60
#define CMD_PORT  0x64

#define STATUS_OBF	0x01 /* output buffer full: a byte waits at 0x60 */
#define STATUS_SYS	0x04 /* system flag: self test passed */
#define STATUS_CMD	0x08 /* last write was a command */
#define STATUS_UNLOCKED 0x10 /* keyboard not inhibited by the keylock */

#define CMD_READ_CTR	0x20
#define CMD_WRITE_CTR	0x60
#define CMD_AUX_DISABLE 0xa7
#define CMD_AUX_ENABLE	0xa8
#define CMD_AUX_TEST	0xa9
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_DISABLE 0xad
#define CMD_KBD_ENABLE	0xae
#define CMD_RESET	0xfe

#define CTR_KBD_INT	0x01
#define CTR_SYS		0x04
#define CTR_AUX_DISABLE 0x20
#define CTR_XLATE	0x40

struct i8042 {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ctr; /* controller configuration ("command byte") */
	uint8_t status;
	uint8_t out;	     /* byte waiting in the output buffer */
	uint8_t pending_cmd; /* command awaiting its data byte */
};

static void push_output(struct i8042 *k, uint8_t v)
{
	k->out = v;
	k->status |= STATUS_OBF;
}

uint8_t i8042_read(struct i8042 *k, uint16_t port)
{
	uint8_t v;

	pthread_mutex_lock(&k->lock);
	if (port == CMD_PORT) {
		v = k->status;
	} else {
		v = k->out;
		k->status &= (uint8_t)~STATUS_OBF;
	}
	pthread_mutex_unlock(&k->lock);
	return v;
}

static void command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_CTR: push_output(k, k->ctr); break;
	case CMD_WRITE_CTR: k->pending_cmd = cmd; break;
	case CMD_SELF_TEST: push_output(k, 0x55); break;
	case CMD_KBD_TEST:
	case CMD_AUX_TEST: push_output(k, 0x00); break;
	case CMD_AUX_DISABLE: k->ctr |= CTR_AUX_DISABLE; break;
	case CMD_AUX_ENABLE: k->ctr &= (uint8_t)~CTR_AUX_DISABLE; break;
	case CMD_RESET: vm_request_stop(k->vm, VM_STOP_RESET); break;
	default: break; /* keyboard enable/disable and the rest need no state */
	}
}

void i8042_write(struct i8042 *k, uint16_t port, uint8_t val)
{
	pthread_mutex_lock(&k->lock);
	if (port == CMD_PORT) {
		k->status |= STATUS_CMD;
		command(k, val);
	} else {
		k->status &= (uint8_t)~STATUS_CMD;
		if (k->pending_cmd == CMD_WRITE_CTR)
			k->ctr = val;
		/* Bytes for the keyboard itself go nowhere: there is none. */
		k->pending_cmd = 0;
	}
	pthread_mutex_unlock(&k->lock);
}

static void i8042_access(struct i8042 *k, uint16_t port, uint8_t *data, uint32_t len, bool is_write)
{
	if (len != 1)
		return;
	if (is_write)
		i8042_write(k, port, data[0]);
	else
		data[0] = i8042_read(k, port);
}

static void data_port_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	(void)offset;
	i8042_access(opaque, DATA_PORT, data, len, is_write);
}

static void cmd_port_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	(void)offset;
	i8042_access(opaque, CMD_PORT, data, len, is_write);
}

/* The controller as saved in its snapshot section: every field it keeps.
 * Fixed layout; multi-byte fields would be little-endian like the host
 * (minivmm is x86-64 only), but all are bytes. */
struct i8042_state {
	uint8_t ctr;	     /* configuration byte: any value the guest wrote */
	uint8_t status;	     /* SYS and UNLOCKED always, OBF and CMD as they were */
	uint8_t out;	     /* output buffer, meaningful while OBF is set */
	uint8_t pending_cmd; /* 0 or CMD_WRITE_CTR */
	uint8_t reserved[4]; /* zero */
};
_Static_assert(sizeof(struct i8042_state) == 8, "i8042 snapshot layout changed");

#define STATUS_ALWAYS (STATUS_SYS | STATUS_UNLOCKED)
#define STATUS_KEPT   (STATUS_ALWAYS | STATUS_OBF | STATUS_CMD)

int i8042_snapshot(struct i8042 *k, struct snap_writer *w, uint32_t instance)
{
	struct i8042_state st;

	memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&k->lock);
	st.ctr = k->ctr;
	st.status = k->status;
	st.out = k->out;
	st.pending_cmd = k->pending_cmd;
	pthread_mutex_unlock(&k->lock);
	return snap_put(w, SNAP_DEV_I8042, instance, &st, sizeof(st));
}

/* Refuse a state the register model could never reach. */
static int check_state(const struct i8042_state *st, struct err *e)
{
	if ((st->status & ~STATUS_KEPT) || (st->status & STATUS_ALWAYS) != STATUS_ALWAYS)
		return err_set(e, EINVAL, "i8042: status 0x%02x is not one the controller shows",
			       st->status);
	if (st->pending_cmd != 0 && st->pending_cmd != CMD_WRITE_CTR)
		return err_set(e, EINVAL, "i8042: pending command 0x%02x takes no data byte",
			       st->pending_cmd);
	for (size_t i = 0; i < sizeof(st->reserved); i++)
		if (st->reserved[i])
			return err_set(e, EINVAL, "i8042: reserved bytes are not zero");
	return 0;
}

int i8042_restore(struct i8042 *k, const struct snap_index *idx, uint32_t instance, struct err *e)
{
	struct i8042_state st;
	int r;

	r = snap_get_exact(idx, SNAP_DEV_I8042, instance, &st, sizeof(st), e);
	if (r < 0)
		return err_wrap(e, "i8042");
	r = check_state(&st, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&k->lock);
	k->ctr = st.ctr;
	k->status = st.status;
	k->out = st.out;
	k->pending_cmd = st.pending_cmd;
	pthread_mutex_unlock(&k->lock);
	return 0;
}

int i8042_create(struct vm *vm, struct i8042 **out, struct err *e)
{
	struct i8042 *k = calloc(1, sizeof(*k));
	int r;

	if (!k)
		return err_set(e, ENOMEM, "out of memory");
	k->vm = vm;
	k->ctr = CTR_KBD_INT | CTR_SYS | CTR_XLATE;
	k->status = STATUS_SYS | STATUS_UNLOCKED;
	pthread_mutex_init(&k->lock, NULL);
	r = bus_register(&vm->io_bus, DATA_PORT, 1, data_port_io, k, "i8042 data", e);
	if (r == 0)
		r = bus_register(&vm->io_bus, CMD_PORT, 1, cmd_port_io, k, "i8042 command", e);
	if (r < 0) {
		bus_unregister(&vm->io_bus, DATA_PORT, k);
		i8042_destroy(k);
		return r;
	}
	*out = k;
	return 0;
}

void i8042_destroy(struct i8042 *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k);
}
