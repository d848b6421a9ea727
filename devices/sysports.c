#include "devices/sysports.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "vmm/exit_stats.h"

struct sysports {
	struct vm *vm;
	uint64_t start_ns;
	bool print_boot_time;
	atomic_bool boot_signalled;
};

static void boot_signal_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			   bool is_write)
{
	struct sysports *s = opaque;
	bool expected = false;

	(void)offset;
	if (!is_write || len != 1 || data[0] != SYSPORT_BOOT_MAGIC)
		return;
	/* Report the first signal only: a guest may write it again. */
	if (!atomic_compare_exchange_strong(&s->boot_signalled, &expected, true))
		return;
	if (s->print_boot_time) {
		uint64_t ms = (monotonic_ns() - s->start_ns) / 1000000;

		fprintf(stderr, "minivmm: boot-time-ms=%" PRIu64 "\n", ms);
		exit_stats_report(s->vm, s->start_ns, stderr);
	}
}

static void exit_port_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct sysports *s = opaque;

	(void)offset;
	if (is_write && len >= 1)
		vm_request_stop(s->vm, data[0]);
}

int sysports_create(struct vm *vm, uint64_t start_ns, bool print_boot_time, struct sysports **out,
		    struct err *e)
{
	struct sysports *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return err_set(e, ENOMEM, "out of memory");
	s->vm = vm;
	s->start_ns = start_ns;
	s->print_boot_time = print_boot_time;
	r = bus_register(&vm->io_bus, SYSPORT_BOOT_SIGNAL, 1, boot_signal_io, s, "boot signal", e);
	if (r == 0)
		r = bus_register(&vm->io_bus, SYSPORT_EXIT, 1, exit_port_io, s, "exit port", e);
	if (r < 0) {
		bus_unregister(&vm->io_bus, SYSPORT_BOOT_SIGNAL, s);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

void sysports_destroy(struct sysports *s)
{
	free(s);
}
