/* Minimal i8042 keyboard controller: enough for the Linux driver to find a
 * controller, and the reset line (command 0xFE) that `reboot=k` pulses. */
#ifndef MINIVMM_I8042_H
#define MINIVMM_I8042_H

#include "vmm/vm.h"

struct i8042;

int i8042_create(struct vm *vm, struct i8042 **out, struct err *e);
void i8042_destroy(struct i8042 *k);

/* Register model, for unit tests. port is 0x60 (data) or 0x64 (status/cmd). */
uint8_t i8042_read(struct i8042 *k, uint16_t port);
void i8042_write(struct i8042 *k, uint16_t port, uint8_t val);

#endif
