/* minivmm entry point: parse, validate inputs, run the machine, map the
 * outcome to an exit status. The only place that exits the process. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "devices/sysports.h"
#include "vmm/cli.h"
#include "vmm/console.h"
#include "vmm/host_kvm.h"
#include "vmm/inputs.h"
#include "vmm/machine.h"
#include "vmm/snapshot.h"

#define MINIVMM_VERSION "0.1.0"

static void fatal_signal(int sig)
{
	/* Give the user their terminal back even when we crash. */
	console_restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], fatal_signal);
}

/* --check-host: one line on what this host's KVM offers; 0 when a stock
 * guest kernel runs at hardware speed. */
static int check_host(void)
{
	struct host_kvm_facts f;
	struct host_kvm_verdict v;

	host_kvm_gather(&f);
	host_kvm_decide(&f, &v);
	printf("%s: %s\n", host_kvm_kind_name(v.kind), v.reason);
	return v.usable ? 0 : EXIT_RUNTIME_FAILURE;
}

int main(int argc, char **argv)
{
	uint64_t start_ns = monotonic_ns();
	/* With --restore, opts is the snapshot's VM with cmdline's own options. */
	struct vmm_options cmdline, opts;
	struct snapshot_restore restore = { .memory_fd = -1 };
	struct vm_inputs in;
	struct err e = { 0 };
	int fail_status = EXIT_USAGE;
	int r;

	if (cli_parse(argc, argv, &cmdline, &e) < 0) {
		fprintf(stderr, "minivmm: error: %s\n", e.msg);
		return EXIT_USAGE;
	}
	opts = cmdline;
	if (opts.action == CLI_HELP) {
		fputs(cli_usage(), stdout);
		return 0;
	}
	if (opts.action == CLI_VERSION) {
		printf("minivmm %s\n", MINIVMM_VERSION);
		return 0;
	}
	if (opts.action == CLI_CHECK_HOST)
		return check_host();
	if (opts.restore_dir && snapshot_load(&cmdline, &opts, &restore, &e) < 0) {
		fprintf(stderr, "minivmm: error: %s\n", e.msg);
		return EXIT_USAGE;
	}
	if (inputs_load(&in, opts.kernel, opts.initrd, opts.cmdline, opts.mem, &e) < 0) {
		fprintf(stderr, "minivmm: error: %s\n", e.msg);
		snapshot_restore_free(&restore);
		return EXIT_USAGE;
	}
	install_crash_handlers();
	r = machine_run(&opts, &in, opts.restore_dir ? &restore : NULL, start_ns, &fail_status, &e);
	inputs_close(&in);
	snapshot_restore_free(&restore);
	if (r < 0) {
		fprintf(stderr, "minivmm: error: %s\n", e.msg);
		return fail_status;
	}
	return r;
}
