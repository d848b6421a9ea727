/* 16550A UART (COM1 at 0x3f8, IRQ 4): the guest's serial console. */
#ifndef MINIVMM_SERIAL_H
#define MINIVMM_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/vm.h"

struct snap_index;
struct snap_writer;

#define SERIAL_COM1_PORT 0x3f8
#define SERIAL_FIFO_LEN	 16

struct serial;

/* Bytes the guest transmits go to out(opaque, byte). */
typedef void (*serial_out_fn)(void *opaque, uint8_t byte);

int serial_create(struct vm *vm, uint16_t port, unsigned irq, serial_out_fn out, void *out_opaque,
		  struct serial **s, struct err *e);
void serial_destroy(struct serial *s);

/* Host -> guest: queue up to len bytes in the receive FIFO; returns how many
 * were accepted (0 when the FIFO is full). */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);
/* An eventfd that becomes readable when the guest drained the receive FIFO
 * (so a producer waiting for room can retry). */
int serial_room_fd(const struct serial *s);

/* The register model, exposed for unit tests (the bus calls these). */
uint8_t serial_read_reg(struct serial *s, unsigned reg);
void serial_write_reg(struct serial *s, unsigned reg, uint8_t val);

/* Save the UART's registers and receive FIFO as section SNAP_DEV_SERIAL
 * (instance) of w. The VM must be paused: no vCPU or console input running. */
int serial_snapshot(struct serial *s, struct snap_writer *w, uint32_t instance);
/* Restore them from idx into a device created as at snapshot time. The
 * section must exist with the exact size and valid values, or nothing
 * changes and one line is left in e. The interrupt line is then driven to
 * what the restored registers imply, and a waiting console producer is woken
 * when the FIFO has room for it. */
int serial_restore(struct serial *s, const struct snap_index *idx, uint32_t instance,
		   struct err *e);

#endif
