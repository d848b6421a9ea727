/* Minimal i8042 keyboard controller: enough for the Linux driver to find a
 * controller, and the reset line (command 0xFE) that `reboot=k` pulses. */
#ifndef MINIVMM_I8042_H
#define MINIVMM_I8042_H

#include <stdint.h>

#include "vmm/vm.h"

struct snap_index;
struct snap_writer;

struct i8042;

int i8042_create(struct vm *vm, struct i8042 **out, struct err *e);
void i8042_destroy(struct i8042 *k);

/* Register model, for unit tests. port is 0x60 (data) or 0x64 (status/cmd). */
uint8_t i8042_read(struct i8042 *k, uint16_t port);
void i8042_write(struct i8042 *k, uint16_t port, uint8_t val);

/* Save the controller's state as section SNAP_DEV_I8042 (instance) of w. */
int i8042_snapshot(struct i8042 *k, struct snap_writer *w, uint32_t instance);
/* Restore it from idx: the section must exist with the exact size and
 * values the controller could hold, or nothing changes and one line is left
 * in e. The controller raises no interrupt: there is no line to drive. */
int i8042_restore(struct i8042 *k, const struct snap_index *idx, uint32_t instance, struct err *e);

#endif
