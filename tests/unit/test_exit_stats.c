/* VM exit accounting (vmm/exit_stats.c) and the --boot-time report. */
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/exit_stats.h"
#include "vmm/vm.h"

static void counts_by_reason_and_address(void **state)
{
	struct exit_stats s = { 0 };
	struct exit_count top[4];

	(void)state;
	for (int i = 0; i < 5; i++)
		exit_stats_count(&s, KVM_EXIT_IO, 0x3f8);
	for (int i = 0; i < 3; i++)
		exit_stats_count(&s, KVM_EXIT_IO, 0xcf8);
	exit_stats_count(&s, KVM_EXIT_IO, 0xcfc);
	exit_stats_count(&s, KVM_EXIT_MMIO, 0xfebff000);
	exit_stats_count(&s, KVM_EXIT_INTR, 0x1234); /* the address means nothing here */
	exit_stats_count(&s, 1000, 0);		     /* out of range: counted as unknown */
	assert_int_equal(s.reasons[KVM_EXIT_IO], 9);
	assert_int_equal(s.reasons[KVM_EXIT_MMIO], 1);
	assert_int_equal(s.reasons[KVM_EXIT_INTR], 1);
	assert_int_equal(s.reasons[KVM_EXIT_UNKNOWN], 1);
	assert_int_equal(exit_stats_top(s.io, top, 4), 3);
	assert_int_equal(top[0].key - 1, 0x3f8);
	assert_int_equal(top[0].count, 5);
	assert_int_equal(top[1].key - 1, 0xcf8);
	assert_int_equal(top[2].key - 1, 0xcfc);
	assert_int_equal(exit_stats_top(s.io, top, 2), 2); /* only the first two */
	assert_int_equal(top[1].count, 3);
	assert_int_equal(exit_stats_top(s.mmio, top, 4), 1);
	assert_int_equal(top[0].key - 1, 0xfebff000);
}

/* Port 0 is a real key (stored + 1), and a full table counts the rest. */
static void full_table_counts_the_rest(void **state)
{
	struct exit_stats s = { 0 };
	struct exit_count top[EXIT_STATS_SLOTS];
	uint64_t sum = 0;

	(void)state;
	for (uint64_t port = 0; port < EXIT_STATS_SLOTS + 10; port++)
		exit_stats_count(&s, KVM_EXIT_IO, port);
	exit_stats_count(&s, KVM_EXIT_IO, 0);
	assert_int_equal(s.io_other, 10);
	assert_int_equal(exit_stats_top(s.io, top, EXIT_STATS_SLOTS), EXIT_STATS_SLOTS);
	assert_int_equal(top[0].key - 1, 0);
	assert_int_equal(top[0].count, 2);
	for (unsigned i = 0; i < EXIT_STATS_SLOTS; i++)
		sum += top[i].count;
	assert_int_equal(sum + s.io_other, EXIT_STATS_SLOTS + 11);
}

static void sums_across_vcpus(void **state)
{
	struct exit_stats a = { 0 }, b = { 0 }, total = { 0 };
	struct exit_count top[2];

	(void)state;
	exit_stats_count(&a, KVM_EXIT_IO, 0x70);
	exit_stats_count(&b, KVM_EXIT_IO, 0x70);
	exit_stats_count(&b, KVM_EXIT_IO, 0x71);
	exit_stats_count(&b, KVM_EXIT_HLT, 0);
	exit_stats_add(&total, &a);
	exit_stats_add(&total, &b);
	assert_int_equal(total.reasons[KVM_EXIT_IO], 3);
	assert_int_equal(total.reasons[KVM_EXIT_HLT], 1);
	assert_int_equal(exit_stats_top(total.io, top, 2), 2);
	assert_int_equal(top[0].key - 1, 0x70);
	assert_int_equal(top[0].count, 2);
	assert_string_equal(exit_reason_name(KVM_EXIT_MMIO), "mmio");
	assert_null(exit_reason_name(EXIT_STATS_REASONS + 1));
}

static void noop(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	(void)opaque, (void)offset, (void)data, (void)len, (void)is_write;
}

/* The report names the device behind each address and the start-up cost. */
static void report_lines(void **state)
{
	struct vm vm;
	struct exit_stats per[2];
	struct err e = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	memset(per, 0, sizeof(per));
	assert_non_null(out);
	assert_int_equal(vm_init_common(&vm, NULL, 64 << 20, &e), 0);
	assert_int_equal(bus_register(&vm.io_bus, 0x3f8, 8, noop, NULL, "serial", &e), 0);
	vm.ncpus = 2;
	vm.exit_stats = per;
	vm.startup_ns[STARTUP_HOST] = 2000000;
	vm.startup_ns[STARTUP_BOOT] = 4500000;
	vm.first_run_ns = 5000000;
	vm.first_run_cpu_ns = 1500000;
	for (int i = 0; i < 4; i++)
		exit_stats_count(&per[1], KVM_EXIT_IO, 0x3fd);
	exit_stats_count(&per[0], KVM_EXIT_IO, 0x80);
	exit_stats_count(&per[0], KVM_EXIT_MMIO, 0xd0000000);
	exit_stats_report(&vm, 1000000, out);
	fclose(out);
	assert_non_null(strstr(text,
			       "minivmm: boot-startup: first KVM_RUN 4.00 ms after start, "
			       "1.50 ms CPU (ms: host side 1.00, boot 2.50, threads 0.50)\n"));
	assert_non_null(strstr(text, "minivmm: boot-exits: 6 to minivmm, io 5, mmio 1\n"));
	assert_non_null(strstr(text, "minivmm: boot-exits-io: 0x3fd serial 4, 0x80 - 1\n"));
	assert_non_null(strstr(text, "minivmm: boot-exits-mmio: 0xd0000000 - 1\n"));
	free(text);
	vm.exit_stats = NULL;
	vm_destroy_common(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_by_reason_and_address),
		cmocka_unit_test(full_table_counts_the_rest),
		cmocka_unit_test(sums_across_vcpus),
		cmocka_unit_test(report_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
