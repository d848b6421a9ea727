/* The ACPI platform's power management, as the FADT and DSDT describe it
 * (hardware-reduced ACPI, boot/acpi.c): the sleep control register (S5 =
 * power off), the sleep status register, the reset register, and the power
 * button, pressed through the Generic Event Device's interrupt. */
#ifndef MINIVMM_ACPI_PM_H
#define MINIVMM_ACPI_PM_H

#include "common/err.h"
#include "vmm/vm.h"

struct snap_index;
struct snap_writer;

struct acpi_pm;

int acpi_pm_create(struct vm *vm, struct acpi_pm **out, struct err *e);
void acpi_pm_destroy(struct acpi_pm *pm);

/* Press the power button: one edge on the GED interrupt; the guest's _EVT
 * notifies the PNP0C0C device and its OS shuts down in order. */
int acpi_pm_press_power_button(struct acpi_pm *pm);

/* Register model, for unit tests. */
uint8_t acpi_pm_read(struct acpi_pm *pm, uint16_t port);
void acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t val);

/* Save the registers' state as section SNAP_DEV_ACPI_PM (instance) of w.
 * The model keeps none beyond what the guest reads (sleep status, always 0):
 * sleep control and reset are actions, the power button a single edge. */
int acpi_pm_snapshot(struct acpi_pm *pm, struct snap_writer *w, uint32_t instance);
/* Check the section in idx: it must exist with the exact size and values
 * this model can hold, or one line is left in e. No line is held high, so
 * no interrupt is redone. */
int acpi_pm_restore(struct acpi_pm *pm, const struct snap_index *idx, uint32_t instance,
		    struct err *e);

#endif
