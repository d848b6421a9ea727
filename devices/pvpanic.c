#include "devices/pvpanic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmm/layout.h"

struct pvpanic {
	struct vm *vm;
};

uint8_t pvpanic_read(struct pvpanic *p)
{
	(void)p;
	/* The events we handle; the driver sends only these. */
	return PVPANIC_PANICKED;
}

void pvpanic_write(struct pvpanic *p, uint8_t val)
{
	if (!(val & PVPANIC_PANICKED))
		return;
	/* One line, from the first panicking vCPU only. The VM runs on a
	 * moment so the guest's console shows its own panic message. */
	if (vm_report_panic(p->vm))
		fprintf(stderr, "minivmm: the guest kernel panicked (pvpanic)\n");
}

static void pvpanic_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	(void)offset;
	if (len != 1)
		return;
	if (is_write)
		pvpanic_write(opaque, data[0]);
	else
		data[0] = pvpanic_read(opaque);
}

int pvpanic_create(struct vm *vm, struct pvpanic **out, struct err *e)
{
	struct pvpanic *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return err_set(e, ENOMEM, "out of memory");
	p->vm = vm;
	r = bus_register(&vm->io_bus, LAYOUT_PORT_PVPANIC, 1, pvpanic_io, p, "pvpanic", e);
	if (r < 0) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

void pvpanic_destroy(struct pvpanic *p)
{
	free(p);
}
