#include "vmm/vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "vmm/cpuid.h"
#include "vmm/exit_stats.h"
#include "vmm/exit_status.h"
#include "vmm/seccomp.h"

#define KICK_SIGNAL	  SIGUSR1
#define CPUID_MAX_ENTRIES 256

/* x86 control register and EFER bits for the 64-bit entry state. */
#define CR0_PE	 (1ULL << 0)
#define CR0_ET	 (1ULL << 4)
#define CR0_PG	 (1ULL << 31)
#define CR4_PAE	 (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define APIC_LVT0	 0x350
#define APIC_LVT1	 0x360
#define APIC_MODE_EXTINT 0x7
#define APIC_MODE_NMI	 0x4

/* What KVM supports, asked once per VM: the ioctl walks every leaf. */
static struct kvm_cpuid2 *supported_cpuid(struct vm *vm, struct err *e)
{
	size_t sz = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = calloc(1, sz);

	if (!cpuid) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		err_sys(e, "KVM_GET_SUPPORTED_CPUID");
		free(cpuid);
		return NULL;
	}
	return cpuid;
}

/* The supported leaves with this vCPU's topology. */
static int set_cpuid(struct vcpu *v, const struct kvm_cpuid2 *supported, struct err *e)
{
	size_t sz = sizeof(struct kvm_cpuid2) + supported->nent * sizeof(struct kvm_cpuid_entry2);
	_cleanup_free_ struct kvm_cpuid2 *cpuid = malloc(sz);

	if (!cpuid)
		return err_set(e, ENOMEM, "out of memory");
	memcpy(cpuid, supported, sz);
	cpuid_adjust(cpuid->entries, cpuid->nent, v->index, v->vm->ncpus);
	if (ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0)
		return err_sys(e, "KVM_SET_CPUID2");
	return 0;
}

static void set_lvt_mode(struct kvm_lapic_state *l, unsigned reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], sizeof(v));
	v = (v & ~0x700u) | (mode << 8);
	memcpy(&l->regs[reg], &v, sizeof(v));
}

/* No firmware programs the local APIC: wire LINT0 to the 8259 (ExtINT) and
 * LINT1 to NMI, as the MP table says. */
static int set_lint(struct vcpu *v, struct err *e)
{
	struct kvm_lapic_state lapic;

	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return err_sys(e, "KVM_GET_LAPIC");
	set_lvt_mode(&lapic, APIC_LVT0, APIC_MODE_EXTINT);
	set_lvt_mode(&lapic, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
		return err_sys(e, "KVM_SET_LAPIC");
	return 0;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

static int set_boot_state(struct vcpu *v, const struct boot_entry *be, struct err *e)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_fpu fpu = { 0 };

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return err_sys(e, "KVM_GET_SREGS");
	flat_segment(&sregs.ds, BOOT_DATA_SEL, 0x3, false); /* read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = be->gdt_addr;
	sregs.gdt.limit = be->gdt_limit;
	if (be->mode == BOOT_MODE_PROT32) {
		/* The PVH boot ABI: flat 32-bit segments, protected mode, no
		 * paging, everything else off. */
		flat_segment(&sregs.cs, BOOT_CODE32_SEL, 0xb, false);
		sregs.cr0 = CR0_PE | CR0_ET;
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.efer = 0;
	} else {
		flat_segment(&sregs.cs, BOOT_CODE_SEL, 0xb, true); /* execute/read, accessed */
		sregs.cr3 = be->cr3;
		sregs.cr4 |= CR4_PAE;
		sregs.cr0 |= CR0_PE | CR0_PG | CR0_ET;
		sregs.efer |= EFER_LME | EFER_LMA;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return err_sys(e, "KVM_SET_SREGS");

	regs.rflags = 2; /* bit 1 is reserved and always set */
	regs.rip = be->rip;
	regs.rsi = be->rsi;
	regs.rbx = be->rbx;
	regs.rsp = regs.rbp = be->rsp;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return err_sys(e, "KVM_SET_REGS");

	fpu.fcw = 0x37f; /* x87 and SSE power-on defaults */
	fpu.mxcsr = 0x1f80;
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return err_sys(e, "KVM_SET_FPU");
	return 0;
}

static int vcpu_init(struct vcpu *v, struct vm *vm, unsigned index, const struct boot_entry *be,
		     const struct kvm_cpuid2 *cpuid, struct err *e)
{
	void *run;
	int r;

	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return err_sys(e, "KVM_CREATE_VCPU %u", index);
	run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED)
		return err_sys(e, "mmap of vCPU %u state", index);
	v->run = run;
	r = set_cpuid(v, cpuid, e);
	if (r == 0)
		r = set_lint(v, e);
	if (r == 0 && index == 0)
		r = set_boot_state(v, be, e);
	if (r < 0)
		return err_wrap(e, "vCPU %u", index);
	return 0;
}

static void vcpu_release(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, (size_t)v->vm->vcpu_mmap_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

int vcpus_create(struct vm *vm, const struct boot_entry *entry, struct vcpu **out, struct err *e)
{
	struct vcpu *v = calloc(vm->ncpus, sizeof(*v));
	_cleanup_free_ struct kvm_cpuid2 *cpuid = NULL;
	int r = 0;

	vm->exit_stats = calloc(vm->ncpus, sizeof(*vm->exit_stats));
	vm->first_run_ns = vm->first_run_cpu_ns = 0;
	if (!v || !vm->exit_stats) {
		free(v);
		free(vm->exit_stats);
		vm->exit_stats = NULL;
		return err_set(e, ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < vm->ncpus; i++) {
		v[i].fd = -1;
		v[i].vm = vm;
		v[i].stats = &vm->exit_stats[i];
	}
	cpuid = supported_cpuid(vm, e);
	for (unsigned i = 0; cpuid && i < vm->ncpus; i++) {
		r = vcpu_init(&v[i], vm, i, entry, cpuid, e);
		if (r < 0)
			break;
	}
	if (!cpuid || r < 0) {
		vcpus_destroy(v, vm->ncpus);
		return cpuid ? r : -e->code;
	}
	*out = v;
	return 0;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* String I/O repeats the access count times over consecutive data. */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		bus_dispatch(&v->vm->io_bus, run->io.port, data, run->io.size, is_write);
}

static void fatal_exit(struct vcpu *v, const char *what, uint64_t detail)
{
	fprintf(stderr, "minivmm: error: vCPU %u: %s (0x%" PRIx64 ")\n", v->index, what, detail);
	vm_request_stop(v->vm, 1);
}

/* KVM's own power events (PSCI on arm64; on x86 only from in-kernel
 * emulation): the same outcomes as our ACPI registers. */
static int system_event_status(uint32_t type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_RESET: return VM_STOP_RESET;
	case KVM_SYSTEM_EVENT_CRASH: return EXIT_GUEST_PANIC;
	default: return EXIT_POWEROFF;
	}
}

/* Returns false when the vCPU should stop running. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	exit_stats_count(v->stats, run->exit_reason,
			 run->exit_reason == KVM_EXIT_IO ? run->io.port : run->mmio.phys_addr);

	switch (run->exit_reason) {
	case KVM_EXIT_IO: handle_io(v); return true;
	case KVM_EXIT_MMIO:
		if (run->mmio.len > sizeof(run->mmio.data))
			return true;
		bus_dispatch(&v->vm->mmio_bus, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			     run->mmio.is_write);
		return true;
	case KVM_EXIT_INTR: return true;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel irqchip: nothing could wake it. */
		if (v->vm->verbose)
			fprintf(stderr, "minivmm: vCPU %u: guest halted\n", v->index);
		vm_request_stop(v->vm, EXIT_POWEROFF);
		return false;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault: a real machine resets. Say so: it is how a
		 * kernel crashes when nothing else works. */
		if (vm_request_stop(v->vm, VM_STOP_RESET))
			fprintf(stderr,
				"minivmm: vCPU %u: triple fault: the guest reset the "
				"machine\n",
				v->index);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vm_request_stop(v->vm, system_event_status(run->system_event.type));
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		fatal_exit(v, "KVM_RUN failed to enter the guest",
			   run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		fatal_exit(v, "KVM internal error", run->internal.suberror);
		return false;
	default: fatal_exit(v, "unhandled KVM exit", run->exit_reason); return false;
	}
}

static void kick_handler(int sig)
{
	(void)sig;
}

/* -v: where the guest was when the VM stopped, to tell a hung guest's
 * loop (a --timeout) from a clean end. */
static void log_where_stopped(struct vcpu *v)
{
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
		fprintf(stderr, "minivmm: vCPU %u stopped at rip 0x%llx\n", v->index,
			(unsigned long long)regs.rip);
}

/* minivmm's start-up cost, for --boot-time: vCPU 0 is about to enter the
 * guest for the first time. */
static void note_first_run(struct vm *vm)
{
	struct timespec cpu;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0)
		vm->first_run_cpu_ns = (uint64_t)cpu.tv_sec * 1000000000ull + (uint64_t)cpu.tv_nsec;
	__atomic_store_n(&vm->first_run_ns, monotonic_ns(), __ATOMIC_RELEASE);
}

/* Back from a pause (under the gate's lock, so no new pause's kick is lost):
 * run the guest again. */
static void vcpu_resumed(void *arg)
{
	struct vcpu *v = arg;

	v->run->immediate_exit = 0;
}

static void vcpu_loop(struct vcpu *v)
{
	while (!vm_stopping(v->vm)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			/* A kick: a pause (immediate_exit also completed any
			 * pending I/O, so the vCPU's state is whole) or a stop. */
			if (errno == EINTR || errno == EAGAIN) {
				vm_pause_point(v->vm, vcpu_resumed, v);
				continue;
			}
			fatal_exit(v, "KVM_RUN", (uint64_t)errno);
			break;
		}
		if (!handle_exit(v))
			break;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "vcpu%u", v->index);
	pthread_setname_np(pthread_self(), name);
	sigfillset(&set);
	sigdelset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	/* Confined before the guest's first instruction runs. */
	if (seccomp_enter_thread(v->vm, SECCOMP_VCPU) == 0) {
		if (v->index == 0)
			note_first_run(v->vm);
		vcpu_loop(v);
		if (v->vm->verbose)
			log_where_stopped(v);
	}
	vm_pause_leave(v->vm);
	return NULL;
}

int vcpus_start(struct vcpu *vcpus, unsigned n, struct err *e)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	/* No SA_RESTART: the kick must make KVM_RUN return with EINTR. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0)
		return err_sys(e, "sigaction");
	for (unsigned i = 0; i < n; i++) {
		int r;

		vm_pause_join(vcpus[i].vm);
		r = pthread_create(&vcpus[i].thread, NULL, vcpu_thread, &vcpus[i]);
		if (r != 0) {
			vm_pause_leave(vcpus[i].vm);
			return err_set(e, r, "cannot start vCPU %u thread", i);
		}
		vcpus[i].thread_started = true;
	}
	return 0;
}

void vcpus_kick(struct vcpu *vcpus, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!vcpus[i].thread_started || !vcpus[i].run)
			continue;
		/* Covers a kick that lands just before KVM_RUN. */
		vcpus[i].run->immediate_exit = 1;
		pthread_kill(vcpus[i].thread, KICK_SIGNAL);
	}
}

void vcpus_destroy(struct vcpu *vcpus, unsigned n)
{
	if (!vcpus)
		return;
	vcpus_kick(vcpus, n);
	for (unsigned i = 0; i < n; i++) {
		if (vcpus[i].thread_started)
			pthread_join(vcpus[i].thread, NULL);
		vcpu_release(&vcpus[i]);
	}
	/* No vCPU thread is left to count or to report (the boot signal). */
	free(vcpus[0].vm->exit_stats);
	vcpus[0].vm->exit_stats = NULL;
	free(vcpus);
}
