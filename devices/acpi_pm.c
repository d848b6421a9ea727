#include "devices/acpi_pm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/exit_status.h"
#include "vmm/layout.h"
#include "vmm/snapshot_file.h"

/* ACPI 6.4, 4.8.3.7 and 4.8.3.8. */
#define SLEEP_TYPE_SHIFT 2
#define SLEEP_TYPE_MASK	 0x7
#define SLEEP_ENABLE	 0x20

struct acpi_pm {
	struct vm *vm;
};

uint8_t acpi_pm_read(struct acpi_pm *pm, uint16_t port)
{
	(void)pm;
	(void)port;
	/* WAK_STS stays 0: we never sleep and wake; the other registers read
	 * as zero, as write-only registers do. */
	return 0;
}

void acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t val)
{
	switch (port) {
	case LAYOUT_PORT_SLEEP_CTL:
		/* Only S5 is in the DSDT; other sleep types are ignored. */
		if ((val & SLEEP_ENABLE) &&
		    ((val >> SLEEP_TYPE_SHIFT) & SLEEP_TYPE_MASK) == LAYOUT_SLEEP_TYPE_S5 &&
		    vm_request_stop(pm->vm, EXIT_POWEROFF) && pm->vm->verbose)
			fprintf(stderr, "minivmm: the guest powered off (ACPI S5)\n");
		break;
	case LAYOUT_PORT_RESET:
		if (val == LAYOUT_RESET_VALUE && vm_request_stop(pm->vm, VM_STOP_RESET) &&
		    pm->vm->verbose)
			fprintf(stderr,
				"minivmm: the guest reset the machine (ACPI reset register)\n");
		break;
	default: break; /* SLEEP_STATUS: write-1-to-clear bits we never set */
	}
}

static void pm_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct acpi_pm *pm = opaque;
	uint16_t port = (uint16_t)(LAYOUT_PORT_SLEEP_CTL + offset);

	if (len != 1)
		return; /* the FADT declares byte registers */
	if (is_write)
		acpi_pm_write(pm, port, data[0]);
	else
		data[0] = acpi_pm_read(pm, port);
}

int acpi_pm_press_power_button(struct acpi_pm *pm)
{
	struct vm *vm = pm->vm;
	int r = vm->irq.line(vm, LAYOUT_IRQ_GED, 1);

	/* Edge-triggered: the rising edge is the event; lower it again. */
	if (r == 0)
		r = vm->irq.line(vm, LAYOUT_IRQ_GED, 0);
	return r;
}

/* The registers as saved in the snapshot section. Fixed layout;
 * multi-byte fields would be little-endian like the host (minivmm is x86-64
 * only), but all are bytes. Only the sleep status register reads back
 * anything, and this model never sets a bit in it; the section still
 * carries it so a snapshot says what the guest saw. */
struct acpi_pm_state {
	uint8_t sleep_status; /* as the guest reads it: 0 (no WAK_STS) */
	uint8_t reserved[7];  /* zero */
};
_Static_assert(sizeof(struct acpi_pm_state) == 8, "acpi_pm snapshot layout changed");

int acpi_pm_snapshot(struct acpi_pm *pm, struct snap_writer *w, uint32_t instance)
{
	struct acpi_pm_state st;

	memset(&st, 0, sizeof(st));
	st.sleep_status = acpi_pm_read(pm, LAYOUT_PORT_SLEEP_STS);
	return snap_put(w, SNAP_DEV_ACPI_PM, instance, &st, sizeof(st));
}

int acpi_pm_restore(struct acpi_pm *pm, const struct snap_index *idx, uint32_t instance,
		    struct err *e)
{
	struct acpi_pm_state st;
	int r;

	(void)pm; /* nothing to set: the model has no state of its own */
	r = snap_get_exact(idx, SNAP_DEV_ACPI_PM, instance, &st, sizeof(st), e);
	if (r < 0)
		return err_wrap(e, "acpi_pm");
	if (st.sleep_status)
		return err_set(e, EINVAL,
			       "acpi_pm: sleep status 0x%02x has bits this model never sets",
			       st.sleep_status);
	for (size_t i = 0; i < sizeof(st.reserved); i++)
		if (st.reserved[i])
			return err_set(e, EINVAL, "acpi_pm: reserved bytes are not zero");
	return 0;
}

int acpi_pm_create(struct vm *vm, struct acpi_pm **out, struct err *e)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int r;

	if (!pm)
		return err_set(e, ENOMEM, "out of memory");
	pm->vm = vm;
	/* The three registers are consecutive ports (vmm/layout.h). */
	r = bus_register(&vm->io_bus, LAYOUT_PORT_SLEEP_CTL,
			 LAYOUT_PORT_RESET - LAYOUT_PORT_SLEEP_CTL + 1, pm_io, pm, "acpi-pm", e);
	if (r < 0) {
		free(pm);
		return r;
	}
	*out = pm;
	return 0;
}

void acpi_pm_destroy(struct acpi_pm *pm)
{
	free(pm);
}
