#include "vmm/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "devices/acpi_pm.h"
#include "devices/disk_opts.h"
#include "devices/i8042.h"
#include "devices/net_opts.h"
#include "devices/pci.h"
#include "devices/pvpanic.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "devices/sysports.h"
#include "devices/tap.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_net.h"
#include "vmm/api.h"
#include "vmm/console.h"
#include "vmm/host_kvm.h"
#include "vmm/jail.h"
#include "vmm/kvm.h"
#include "vmm/layout.h"
#include "vmm/machine_state.h"
#include "vmm/seccomp.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

/* SIGTERMs this close together are one request: timeout(1) signals both
 * its command and the command's process group, a --jail parent relays what
 * it gets. A second request (40-power waits 1 s) stops at once. */
#define SIGTERM_REPEAT_NS (300 * 1000000ull)

/* How long a panicked guest may go on printing before the VM ends. */
#define PANIC_GRACE_NS (2 * 1000000000ull)

/* A copy of a kept descriptor for one boot's device. */
static int dup_kept(int fd, const char *what, struct err *e)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	return copy < 0 ? err_sys(e, "%s: dup", what) : copy;
}

/* Host resources the VM will use, opened before /dev/kvm so that bad input
 * is reported the same way on every host. */
static int open_host_side(struct machine *m, const struct vmm_options *o, struct err *e)
{
	for (unsigned i = 0; i < o->ndisks; i++) {
		int r = disk_opts_parse(o->disks[i], &m->disks[i], e);

		if (r == 0) {
			m->ndisks = i + 1;
			r = disk_open(&m->disks[i], e);
		}
		/* The message names the option or the image. */
		if (r < 0)
			return r;
		m->disk_fds[i] = m->disks[i].fd; /* the lock goes with this one */
		m->disks[i].fd = -1;
	}
	for (unsigned i = 0; i < o->nnics; i++) {
		int r = net_opts_parse(o->nics[i], &m->nics[i], e);

		if (r == 0) {
			m->nnics = i + 1;
			r = tap_open(m->nics[i].ifname, &m->taps[i], e);
		}
		if (r < 0)
			return err_wrap(e, "--net %s", o->nics[i]);
		m->tap_fds[i] = m->taps[i].fd;
		m->taps[i].fd = -1;
	}
	if (o->api_sock) {
		int r = api_open(o->api_sock, &m->api, e);

		if (r < 0)
			return r;
	}
	return console_open(&m->vm, o->console, o->console_path, &m->console, e);
}

/* The devices own their image and TAP fds and close them with the VM: each
 * boot gets fresh copies of the ones opened at start. */
static int give_backends(struct machine *m, struct err *e)
{
	for (unsigned i = 0; i < m->ndisks; i++)
		if (m->disks[i].fd < 0 &&
		    (m->disks[i].fd = dup_kept(m->disk_fds[i], m->disks[i].path, e)) < 0)
			return m->disks[i].fd;
	for (unsigned i = 0; i < m->nnics; i++)
		if (m->taps[i].fd < 0 &&
		    (m->taps[i].fd = dup_kept(m->tap_fds[i], m->taps[i].name, e)) < 0)
			return m->taps[i].fd;
	return 0;
}

static int add_devices(struct machine *m, const struct vmm_options *o, uint64_t boot_start_ns,
		       struct err *e)
{
	struct vm *vm = &m->vm;
	int r;

	r = serial_create(vm, SERIAL_COM1_PORT, LAYOUT_IRQ_COM1, console_put, m->console,
			  &m->serial, e);
	if (r == 0)
		r = i8042_create(vm, &m->kbd, e);
	if (r == 0)
		r = rtc_create(vm, &m->rtc, e);
	if (r == 0)
		r = sysports_create(vm, boot_start_ns, o->boot_time, &m->ports, e);
	if (r == 0)
		r = acpi_pm_create(vm, &m->pm, e);
	if (r == 0)
		r = pvpanic_create(vm, &m->panic, e);
	if (r == 0)
		r = pci_host_create(vm, &m->pci, e);
	for (unsigned i = 0; r == 0 && i < m->ndisks; i++)
		r = virtio_blk_create(vm, m->pci, &m->disks[i], i, e);
	for (unsigned i = 0; r == 0 && i < m->nnics; i++)
		r = virtio_net_create(vm, m->pci, &m->nics[i], &m->taps[i], i, e);
	return r;
}

/* boot_map_fn: the kernel's and initrd's pages mapped privately over guest
 * RAM instead of copied (a PVH vmlinux is tens of MiB): no copy, the pages
 * shared with the page cache until the guest writes them. */
static int map_boot_file(void *opaque, enum boot_file file, const struct guest_mem *mem,
			 uint64_t gpa, uint64_t offset, uint64_t len)
{
	const struct vm_inputs *in = opaque;
	const struct mapped_file *f = file == BOOT_FILE_KERNEL ? &in->kernel : &in->initrd;
	uint8_t *dst = guest_buf(mem, gpa, len);

	if (!f->open || !dst || ((uintptr_t)dst & 0xfff) || offset > (uint64_t)INT64_MAX)
		return 1;
	if (mmap(dst, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, f->fd, (off_t)offset) ==
	    MAP_FAILED)
		return -errno;
	/* Guest RAM never belongs in a core dump of the VMM. */
	madvise(dst, len, MADV_DONTDUMP);
	return 0;
}

static int boot(struct machine *m, const struct vmm_options *o, struct vm_inputs *in, struct err *e)
{
	struct mp_pci_irq routes[PCI_SLOTS];
	struct boot_config cfg = {
		.kernel = in->kernel.data,
		.kernel_len = in->kernel.len,
		.initrd = in->initrd.data,
		.initrd_len = in->initrd.len,
		.cmdline = o->cmdline,
		.ncpus = o->cpus,
		.pci_irqs = routes,
		.map_file = map_boot_file,
		.map_opaque = in,
		.ram_zeroed = true, /* kvm_vm_create() maps it fresh for every boot */
	};
	struct boot_entry entry;
	int r;

	cfg.npci_irqs = pci_host_irq_routes(m->pci, routes, PCI_SLOTS);
	if (in->kind == KERNEL_PVH)
		r = boot_pvh(&m->vm.mem, &cfg, &entry, e);
	else
		r = boot_linux(&m->vm.mem, &cfg, &entry, e);
	/* The files are in guest RAM now: drop their mappings from our RSS. */
	inputs_release(in);
	if (r < 0)
		return r;
	return vcpus_create(&m->vm, &entry, &m->vcpus, e);
}

/* --restore's first boot: the snapshot instead of the kernel. A later
 * guest reset boots the recorded kernel as usual. */
static int restore_boot(struct machine *m, struct vm_inputs *in, struct err *e)
{
	const struct snapshot_restore *rs = m->restore;

	inputs_release(in);
	m->restore = NULL;
	return machine_restore(m, rs, e);
}

static void log_setup(const struct machine *m, const struct vmm_options *o)
{
	char uuid[37];

	if (!o->verbose)
		return;
	uuid_unparse(m->vm.uuid, uuid);
	fprintf(stderr,
		"minivmm: vm %s: %u vCPU, %llu MiB RAM (%llu MiB below 3 GiB), "
		"%u disk(s)\n",
		uuid, o->cpus, (unsigned long long)(o->mem >> 20),
		(unsigned long long)(m->vm.mem.low_size >> 20), m->ndisks);
}

/* The earlier of two deadlines, 0 meaning none. */
static uint64_t earlier(uint64_t a_ns, uint64_t b_ns)
{
	return !a_ns ? b_ns : !b_ns ? a_ns : a_ns < b_ns ? a_ns : b_ns;
}

/* Milliseconds poll() may sleep before deadline (0: none): -1 without one,
 * 0 once it has passed. Rounded up, so the deadline has passed when poll()
 * returns on it; capped, so a long one takes a few loops. */
static int ms_until(uint64_t deadline)
{
	uint64_t now, ms;

	if (!deadline)
		return -1;
	now = monotonic_ns();
	if (now >= deadline)
		return 0;
	ms = (deadline - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void machine_start_shutdown(struct machine *m, const struct vmm_options *o, const char *why)
{
	struct vm *vm = &m->vm;

	if (m->shutdown_deadline_ns)
		return;
	machine_resume(m);
	if (!o->shutdown_timeout_s) {
		vm_request_stop(vm, EXIT_SIGNAL_BASE + SIGTERM);
		return;
	}
	m->shutdown_deadline_ns = monotonic_ns() + o->shutdown_timeout_s * 1000000000ull;
	if (vm->verbose)
		fprintf(stderr, "minivmm: %s: pressing the power button (stop in %u s)\n", why,
			o->shutdown_timeout_s);
	if (acpi_pm_press_power_button(m->pm) < 0)
		fprintf(stderr, "minivmm: cannot press the power button\n");
}

static void handle_signal(struct machine *m, const struct vmm_options *o)
{
	struct signalfd_siginfo si;
	int sig;

	if (read(m->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	sig = (int)si.ssi_signo;
	/* The first SIGTERM asks; a second one, SIGINT or SIGHUP insist. */
	if (sig == SIGTERM && !m->shutdown_deadline_ns) {
		m->sigterm_ns = monotonic_ns();
		machine_start_shutdown(m, o, "SIGTERM");
		return;
	}
	if (sig == SIGTERM && m->sigterm_ns && monotonic_ns() - m->sigterm_ns < SIGTERM_REPEAT_NS)
		return;
	if (m->vm.verbose)
		fprintf(stderr, "minivmm: signal %d: stopping the VM\n", sig);
	vm_request_stop(&m->vm, EXIT_SIGNAL_BASE + sig);
}

/* A deadline has passed: stop the VM for it. Returns true for --timeout's.
 * A guest that stops at the same moment wins with its own status. */
static bool deadline_passed(struct machine *m, const struct vmm_options *o, uint64_t deadline_ns,
			    uint64_t now)
{
	struct vm *vm = &m->vm;

	if (deadline_ns && now >= deadline_ns)
		return vm_request_stop(vm, EXIT_TIMEOUT);
	if (m->panic_deadline_ns && now >= m->panic_deadline_ns)
		vm_request_stop(vm, EXIT_GUEST_PANIC);
	else if (vm_request_stop(vm, EXIT_SIGNAL_BASE + SIGTERM))
		fprintf(stderr,
			"minivmm: the guest did not power off within %u s "
			"(--shutdown-timeout): stopped\n",
			o->shutdown_timeout_s);
	return false;
}

/* Wait until the guest or a signal ends the VM, or a deadline passes.
 * Returns true when --timeout's deadline is what stopped it. */
static bool wait_for_stop(struct machine *m, const struct vmm_options *o,
			  const struct vm_inputs *in, uint64_t deadline_ns)
{
	struct vm *vm = &m->vm;
	uint64_t n;

	while (!vm_stopping(vm)) {
		struct pollfd p[5] = {
			{ .fd = m->signal_fd, .events = POLLIN },
			{ .fd = vm->stop_fd, .events = POLLIN },
			{ .fd = vm->shutdown_fd, .events = POLLIN },
			{ .fd = vm->panic_fd, .events = POLLIN },
			{ .fd = m->api ? api_call_fd(m->api) : -1, .events = POLLIN },
		};
		int ms = ms_until(earlier(deadline_ns,
					  earlier(m->shutdown_deadline_ns, m->panic_deadline_ns)));

		if (ms == 0)
			return deadline_passed(m, o, deadline_ns, monotonic_ns());
		if (poll(p, 5, ms) < 0)
			continue;
		if (p[4].revents)
			machine_api_call(m, o, in);
		if (p[0].revents)
			handle_signal(m, o);
		if (p[2].revents && read(vm->shutdown_fd, &n, sizeof(n)) == sizeof(n))
			machine_start_shutdown(m, o, "console");
		if (p[3].revents && read(vm->panic_fd, &n, sizeof(n)) == sizeof(n))
			m->panic_deadline_ns = monotonic_ns() + PANIC_GRACE_NS;
	}
	return false;
}

static int block_signals(struct machine *m, struct err *e)
{
	sigset_t set;

	/* Blocked before any thread starts, so every thread inherits the mask
	 * and SIGINT/SIGTERM/SIGHUP arrive only through the signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return err_set(e, EINVAL, "cannot block signals");
	signal(SIGPIPE, SIG_IGN);
	m->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->signal_fd < 0)
		return err_sys(e, "signalfd");
	return 0;
}

/* Undo one boot: the VM, its devices and threads; the host side stays. */
static void teardown_vm(struct machine *m)
{
	/* Make sure every thread sees the stop, then stop vCPUs first: once
	 * they are gone no device handler can run. */
	vm_request_stop(&m->vm, m->vm.exit_status);
	vcpus_destroy(m->vcpus, m->vm.ncpus);
	console_stop(m->console);
	pci_host_destroy(m->pci);
	i8042_destroy(m->kbd);
	rtc_destroy(m->rtc);
	serial_destroy(m->serial);
	sysports_destroy(m->ports);
	acpi_pm_destroy(m->pm);
	pvpanic_destroy(m->panic);
	if (m->vm_kvm)
		kvm_vm_destroy(&m->vm);
	if (m->vm_common)
		vm_destroy_common(&m->vm);
	m->vcpus = NULL;
	m->pci = NULL;
	m->kbd = NULL;
	m->rtc = NULL;
	m->serial = NULL;
	m->ports = NULL;
	m->pm = NULL;
	m->panic = NULL;
	m->vm_kvm = m->vm_common = false;
	m->shutdown_deadline_ns = m->panic_deadline_ns = m->sigterm_ns = 0;
	m->paused = false;
}

static void teardown(struct machine *m)
{
	teardown_vm(m);
	/* After the VM: a PUT /vm/stop's answer is out before the socket goes. */
	api_close(m->api);
	console_close(m->console);
	for (unsigned i = 0; i < m->ndisks; i++)
		disk_close(&m->disks[i]);
	for (unsigned i = 0; i < m->nnics; i++)
		tap_close(&m->taps[i]);
	for (unsigned i = 0; i < CLI_MAX_DISKS; i++)
		if (m->disk_fds[i] >= 0)
			close(m->disk_fds[i]);
	for (unsigned i = 0; i < CLI_MAX_NICS; i++)
		if (m->tap_fds[i] >= 0)
			close(m->tap_fds[i]);
	if (m->kvm_fd >= 0)
		close(m->kvm_fd);
	if (m->signal_fd >= 0)
		close(m->signal_fd);
	free(m);
}

/* Refuse a /dev/kvm that would run a stock guest emulated before anything is
 * built on it; -v shows the verdict and what the check cost. */
static int check_host_kvm(const struct vmm_options *o, struct err *e)
{
	uint64_t t0 = monotonic_ns();
	struct host_kvm_verdict v;
	int r = host_kvm_require(o->allow_emulated_kvm, &v, e);

	if (r == 0 && o->verbose)
		fprintf(stderr, "minivmm: host: %s: %s (checked in %llu us)\n",
			host_kvm_kind_name(v.kind), v.reason,
			(unsigned long long)((monotonic_ns() - t0) / 1000));
	return r;
}

/* After the host side is open and before the first VM is built: the main
 * thread's filter then covers building the VM again after a guest reset
 * (the first boot takes the same path), and every thread started from here
 * on runs under it and under its own role's filter. */
static int enter_sandbox(const struct vmm_options *o, struct err *e)
{
	int r;

	if (!o->seccomp) {
		fprintf(stderr, "minivmm: --seccomp=off: the sandbox is off, no seccomp filter on "
				"any thread\n");
		return 0;
	}
	r = seccomp_prepare(e);
	if (r == 0)
		r = seccomp_enter(SECCOMP_MAIN, e);
	return r;
}

static int init_vm(struct machine *m, const struct vmm_options *o, struct err *e)
{
	int r = vm_init_common(&m->vm, NULL, o->mem, e);

	m->vm_common = r == 0;
	m->vm.verbose = o->verbose;
	m->vm.io_bus.verbose = m->vm.mmio_bus.verbose = o->verbose;
	memcpy(m->vm.uuid, o->uuid, sizeof(uuid_t));
	return r;
}

/* Build the VM, boot the guest, run it until it stops. Returns the VM's stop
 * status (>= 0, or VM_STOP_RESET) or a negative errno; *timed_out says
 * whether --timeout ended it. */
static int run_once(struct machine *m, const struct vmm_options *o, struct vm_inputs *in,
		    uint64_t boot_start_ns, uint64_t deadline_ns, bool *timed_out, struct err *e)
{
	int r = m->vm_common ? 0 : init_vm(m, o, e);

	if (r == 0)
		r = give_backends(m, e);
	if (r == 0)
		r = kvm_vm_create(&m->vm, m->kvm_fd, o->mem, o->cpus, e);
	m->vm_kvm = r == 0;
	m->vm.startup_ns[STARTUP_VM] = monotonic_ns();
	if (r == 0) {
		log_setup(m, o);
		r = add_devices(m, o, boot_start_ns, e);
	}
	m->vm.startup_ns[STARTUP_DEVICES] = monotonic_ns();
	if (r == 0)
		r = m->restore ? restore_boot(m, in, e) : boot(m, o, in, e);
	m->vm.startup_ns[STARTUP_BOOT] = monotonic_ns();
	if (r == 0)
		r = console_start(m->console, m->serial, e);
	if (r == 0)
		r = vcpus_start(m->vcpus, o->cpus, e);
	if (r == 0)
		*timed_out = wait_for_stop(m, o, in, deadline_ns);
	if (r < 0)
		return r;
	/* panic=-1 resets right after the panic: report the panic instead. */
	if (atomic_load(&m->vm.panicked) && m->vm.exit_status == VM_STOP_RESET)
		return EXIT_GUEST_PANIC;
	return m->vm.exit_status;
}

/* After a guest reset: read the kernel and initrd again, as a machine
 * that boots from disk would (the files opened at start). */
static int prepare_reboot(const struct vmm_options *o, struct vm_inputs *in, struct err *e)
{
	int r = inputs_reload(in, o->cmdline, o->mem, e);

	if (r < 0)
		return err_wrap(e, "cannot boot the guest again after its reset");
	if (o->verbose)
		fprintf(stderr, "minivmm: the guest reset the machine: booting it again\n");
	return 0;
}

int machine_run(const struct vmm_options *o, struct vm_inputs *in,
		const struct snapshot_restore *restore, uint64_t start_ns, int *fail_status,
		struct err *e)
{
	struct machine *m = calloc(1, sizeof(*m));
	uint64_t deadline_ns = o->timeout_s ? start_ns + o->timeout_s * 1000000000ull : 0;
	uint64_t boot_start_ns = start_ns;
	bool timed_out = false;
	int jailed_status = 0, r;

	*fail_status = EXIT_USAGE;
	if (!m)
		return err_set(e, ENOMEM, "out of memory");
	m->signal_fd = m->kvm_fd = -1;
	m->restore = restore;
	for (unsigned i = 0; i < CLI_MAX_DISKS; i++)
		m->disks[i].fd = m->disk_fds[i] = -1;
	for (unsigned i = 0; i < CLI_MAX_NICS; i++)
		m->taps[i].fd = m->tap_fds[i] = -1;
	r = init_vm(m, o, e);
	if (r == 0)
		r = open_host_side(m, o, e);
	if (r == 0)
		r = jail_check(o, e);
	if (r == 0)
		r = block_signals(m, e);
	if (r == 0) {
		*fail_status = EXIT_RUNTIME_FAILURE;
		r = check_host_kvm(o, e);
	}
	if (r == 0) {
		m->kvm_fd = kvm_open(e);
		r = m->kvm_fd < 0 ? m->kvm_fd : 0;
	}
	if (r == 0)
		r = jail_enter(o, &jailed_status, e);
	if (r == 1) { /* outside the jail: the VMM inside has ended */
		teardown(m);
		return jailed_status;
	}
	m->vm.startup_ns[STARTUP_HOST] = monotonic_ns();
	if (r == 0)
		r = enter_sandbox(o, e);
	m->vm.startup_ns[STARTUP_SANDBOX] = monotonic_ns();
	if (r == 0 && m->api)
		r = api_start(m->api, e);
	m->start_ns = start_ns;
	while (r == 0) {
		m->boots++;
		r = run_once(m, o, in, boot_start_ns, deadline_ns, &timed_out, e);
		teardown_vm(m);
		if (r != VM_STOP_RESET)
			break;
		if (o->no_reboot) {
			r = EXIT_GUEST_RESET;
			break;
		}
		boot_start_ns = monotonic_ns();
		r = prepare_reboot(o, in, e);
	}
	if (timed_out) {
		*fail_status = EXIT_TIMEOUT;
		r = err_set(e, ETIMEDOUT,
			    "the guest did not finish within %u s (--timeout): "
			    "stopped",
			    o->timeout_s);
	}
	teardown(m);
	return r;
}
