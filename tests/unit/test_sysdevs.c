/* Platform devices: i8042, the boot-signal / exit ports, the RTC, the ACPI
 * power-management registers and power button, pvpanic. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/clock.h"
#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/pvpanic.h"
#include "devices/rtc.h"
#include "devices/sysports.h"
#include "vmm/exit_status.h"
#include "vmm/layout.h"

static void i8042_commands(void **state)
{
	struct vm vm;
	struct i8042 *k;
	struct err e = { 0 };
	uint8_t v;

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(i8042_create(&vm, &k, &e), 0);
	/* Self test answers 0x55 through the data port, OBF set meanwhile. */
	v = 0xaa;
	bus_dispatch(&vm.io_bus, 0x64, &v, 1, true);
	bus_dispatch(&vm.io_bus, 0x64, &v, 1, false);
	assert_true(v & 0x01);
	bus_dispatch(&vm.io_bus, 0x60, &v, 1, false);
	assert_int_equal(v, 0x55);
	bus_dispatch(&vm.io_bus, 0x64, &v, 1, false);
	assert_false(v & 0x01);
	/* Write then read back the configuration byte. */
	i8042_write(k, 0x64, 0x60);
	i8042_write(k, 0x60, 0x47);
	i8042_write(k, 0x64, 0x20);
	assert_int_equal(i8042_read(k, 0x60), 0x47);
	/* Pulsing reset resets the machine (minivmm boots it again). */
	assert_false(vm_stopping(&vm));
	i8042_write(k, 0x64, 0xfe);
	assert_true(vm_stopping(&vm));
	assert_int_equal(vm.exit_status, VM_STOP_RESET);
	i8042_destroy(k);
	vm_destroy_common(&vm);
}

/* The exit status is published before the stop: a thread that sees the VM
 * stopping (the main loop, woken by a signal at that moment) never reads a
 * status the stopper has not written yet. Many rounds of a stopper thread
 * against a reader spinning on vm_stopping(). */
struct stop_race {
	struct vm *vm;
	atomic_int go;
};

static void *stopper(void *arg)
{
	struct stop_race *r = arg;

	while (!atomic_load(&r->go))
		;
	vm_request_stop(r->vm, 42);
	return NULL;
}

static void stop_status_is_visible_with_the_stop(void **state)
{
	struct vm vm;
	struct err e = { 0 };
	int wrong = 0;

	(void)state;
	for (int i = 0; i < 20000 && !wrong; i++) {
		struct stop_race r = { .vm = &vm };
		pthread_t t;

		assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
		assert_int_equal(pthread_create(&t, NULL, stopper, &r), 0);
		atomic_store(&r.go, 1);
		while (!vm_stopping(&vm))
			;
		wrong += vm_exit_status(&vm) != 42;
		pthread_join(t, NULL);
		vm_destroy_common(&vm);
	}
	assert_int_equal(wrong, 0);
}

static void exit_port_sets_status(void **state)
{
	struct vm vm;
	struct sysports *s;
	struct err e = { 0 };
	uint8_t v = 42;

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(sysports_create(&vm, monotonic_ns(), false, &s, &e), 0);
	/* A boot signal does not stop anything. */
	v = SYSPORT_BOOT_MAGIC;
	assert_true(bus_dispatch(&vm.io_bus, SYSPORT_BOOT_SIGNAL, &v, 1, true));
	assert_false(vm_stopping(&vm));
	v = 42;
	assert_true(bus_dispatch(&vm.io_bus, SYSPORT_EXIT, &v, 1, true));
	assert_true(vm_stopping(&vm));
	assert_int_equal(vm.exit_status, 42);
	/* First stop wins. */
	v = 7;
	bus_dispatch(&vm.io_bus, SYSPORT_EXIT, &v, 1, true);
	assert_int_equal(vm.exit_status, 42);
	sysports_destroy(s);
	vm_destroy_common(&vm);
}

static void ports_conflict_refused(void **state)
{
	struct vm vm;
	struct sysports *s, *s2;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(sysports_create(&vm, 0, false, &s, &e), 0);
	assert_int_equal(sysports_create(&vm, 0, false, &s2, &e), -EBUSY);
	sysports_destroy(s);
	vm_destroy_common(&vm);
}

static void rtc_reads_bcd_utc(void **state)
{
	uint8_t cmos[128] = { 0 };
	time_t t = 1795350896; /* 2026-11-22 12:34:56 UTC, a Sunday */

	(void)state;
	assert_int_equal(rtc_register_at(cmos, 0x00, t), 0x56);
	assert_int_equal(rtc_register_at(cmos, 0x02, t), 0x34);
	assert_int_equal(rtc_register_at(cmos, 0x04, t), 0x12);
	assert_int_equal(rtc_register_at(cmos, 0x06, t), 0x01);
	assert_int_equal(rtc_register_at(cmos, 0x07, t), 0x22);
	assert_int_equal(rtc_register_at(cmos, 0x08, t), 0x11);
	assert_int_equal(rtc_register_at(cmos, 0x09, t), 0x26);
	assert_int_equal(rtc_register_at(cmos, 0x32, t), 0x20);
	assert_int_equal(rtc_register_at(cmos, 0x0a, t) & 0x80, 0); /* no update in progress */
	assert_int_equal(rtc_register_at(cmos, 0x0d, t), 0x80);
}

static void rtc_ports(void **state)
{
	struct vm vm;
	struct rtc *r;
	struct err e = { 0 };
	uint8_t v;

	(void)state;
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(rtc_create(&vm, &r, &e), 0);
	/* CMOS RAM keeps bytes; the clock cannot be set by the guest. */
	v = 0x40 | 0x80; /* index 0x40 with the NMI-mask bit */
	bus_dispatch(&vm.io_bus, 0x70, &v, 1, true);
	v = 0x5a;
	bus_dispatch(&vm.io_bus, 0x71, &v, 1, true);
	bus_dispatch(&vm.io_bus, 0x71, &v, 1, false);
	assert_int_equal(v, 0x5a);
	v = 0x0b;
	bus_dispatch(&vm.io_bus, 0x70, &v, 1, true);
	v = 0xff;
	bus_dispatch(&vm.io_bus, 0x71, &v, 1, true);
	bus_dispatch(&vm.io_bus, 0x71, &v, 1, false);
	assert_int_equal(v, 0x02);
	rtc_destroy(r);
	vm_destroy_common(&vm);
}

static void port_write(struct vm *vm, uint16_t port, uint8_t v)
{
	bus_dispatch(&vm->io_bus, port, &v, 1, true);
}

static int line_changes[8];
static unsigned nline_changes;

static int record_line(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (nline_changes < 8)
		line_changes[nline_changes++] = (int)gsi << 1 | level;
	return 0;
}

/* A VM without KVM, with the ACPI power management and pvpanic devices. */
struct acpi_fixture {
	struct vm vm;
	struct acpi_pm *pm;
	struct pvpanic *panic;
};

static int acpi_setup(void **state)
{
	static struct acpi_fixture f;
	struct err e = { 0 };

	memset(&f, 0, sizeof(f));
	if (vm_init_common(&f.vm, NULL, 64 << 20, &e) < 0 || acpi_pm_create(&f.vm, &f.pm, &e) < 0 ||
	    pvpanic_create(&f.vm, &f.panic, &e) < 0)
		return -1;
	f.vm.irq.line = record_line;
	nline_changes = 0;
	*state = &f;
	return 0;
}

static int acpi_teardown(void **state)
{
	struct acpi_fixture *f = *state;

	acpi_pm_destroy(f->pm);
	pvpanic_destroy(f->panic);
	vm_destroy_common(&f->vm);
	return 0;
}

static void acpi_sleep_s5_powers_off(void **state)
{
	struct acpi_fixture *f = *state;
	uint8_t v = 0xff;

	bus_dispatch(&f->vm.io_bus, LAYOUT_PORT_SLEEP_STS, &v, 1, false);
	assert_int_equal(v, 0);
	/* S5 without SLP_EN, another sleep type, the status register: nothing. */
	port_write(&f->vm, LAYOUT_PORT_SLEEP_CTL, LAYOUT_SLEEP_TYPE_S5 << 2);
	port_write(&f->vm, LAYOUT_PORT_SLEEP_CTL, 3 << 2 | 0x20);
	port_write(&f->vm, LAYOUT_PORT_SLEEP_STS, 0xff);
	assert_false(vm_stopping(&f->vm));
	port_write(&f->vm, LAYOUT_PORT_SLEEP_CTL, LAYOUT_SLEEP_TYPE_S5 << 2 | 0x20);
	assert_true(vm_stopping(&f->vm));
	assert_int_equal(f->vm.exit_status, EXIT_POWEROFF);
}

static void acpi_reset_register_resets(void **state)
{
	struct acpi_fixture *f = *state;

	port_write(&f->vm, LAYOUT_PORT_RESET, LAYOUT_RESET_VALUE + 1);
	assert_false(vm_stopping(&f->vm));
	port_write(&f->vm, LAYOUT_PORT_RESET, LAYOUT_RESET_VALUE);
	assert_true(vm_stopping(&f->vm));
	assert_int_equal(f->vm.exit_status, VM_STOP_RESET);
}

static void power_button_is_one_ged_edge(void **state)
{
	struct acpi_fixture *f = *state;

	assert_int_equal(acpi_pm_press_power_button(f->pm), 0);
	assert_int_equal(nline_changes, 2);
	assert_int_equal(line_changes[0], LAYOUT_IRQ_GED << 1 | 1);
	assert_int_equal(line_changes[1], LAYOUT_IRQ_GED << 1 | 0);
	/* Pressing the button stops nothing by itself: the guest decides. */
	assert_false(vm_stopping(&f->vm));
}

static void pvpanic_reports_panic(void **state)
{
	struct acpi_fixture *f = *state;
	uint64_t count = 0;
	uint8_t v = 0;

	bus_dispatch(&f->vm.io_bus, LAYOUT_PORT_PVPANIC, &v, 1, false);
	assert_int_equal(v, PVPANIC_PANICKED);
	port_write(&f->vm, LAYOUT_PORT_PVPANIC, 0x02); /* crash kernel loaded: no */
	assert_false(vm_stopping(&f->vm));
	assert_false(atomic_load(&f->vm.panicked));
	port_write(&f->vm, LAYOUT_PORT_PVPANIC, PVPANIC_PANICKED);
	assert_true(atomic_load(&f->vm.panicked));
	assert_int_equal(read(f->vm.panic_fd, &count, sizeof(count)), sizeof(count));
	assert_int_equal(count, 1);
	/* Reported once, however many vCPUs panic. */
	assert_false(vm_report_panic(&f->vm));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(i8042_commands),
		cmocka_unit_test(exit_port_sets_status),
		cmocka_unit_test(stop_status_is_visible_with_the_stop),
		cmocka_unit_test(ports_conflict_refused),
		cmocka_unit_test(rtc_reads_bcd_utc),
		cmocka_unit_test(rtc_ports),
		cmocka_unit_test_setup_teardown(acpi_sleep_s5_powers_off, acpi_setup,
						acpi_teardown),
		cmocka_unit_test_setup_teardown(acpi_reset_register_resets, acpi_setup,
						acpi_teardown),
		cmocka_unit_test_setup_teardown(power_button_is_one_ged_edge, acpi_setup,
						acpi_teardown),
		cmocka_unit_test_setup_teardown(pvpanic_reports_panic, acpi_setup, acpi_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
