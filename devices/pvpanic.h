/* pvpanic (QEMU's ISA device, ACPI id QEMU0001, one I/O port): the guest
 * kernel's pvpanic driver writes PANICKED to it from its panic notifier;
 * minivmm says so on stderr and ends with EXIT_GUEST_PANIC instead of the
 * reboot that panic=-1 then asks for (vm_report_panic). */
#ifndef MINIVMM_PVPANIC_H
#define MINIVMM_PVPANIC_H

#include <stdint.h>

#include "common/err.h"
#include "vmm/vm.h"

#define PVPANIC_PANICKED 0x01

struct pvpanic;

int pvpanic_create(struct vm *vm, struct pvpanic **out, struct err *e);
void pvpanic_destroy(struct pvpanic *p);

/* Register model, for unit tests. */
uint8_t pvpanic_read(struct pvpanic *p);
void pvpanic_write(struct pvpanic *p, uint8_t val);

#endif
