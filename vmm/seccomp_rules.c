/* What each thread role may call. Found by walking every thread's code (and
 * the C library's and sanitizer runtime's calls underneath); each group says
 * who needs it. A call left out kills the process, so tests/unit/
 * test_seccomp.c and the integration suite (every device kind, reboots,
 * signals) run with the filters on. */
#include "vmm/seccomp_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>

#define ALLOW(name)              \
	{                        \
		.nr = SYS_##name \
	}
#define CMP(a, o, x, y)                                               \
	{                                                             \
		.arg = (a), .op = (o), .datum_a = (x), .datum_b = (y) \
	}
/* ioctl's request is 32 bits to the kernel: compare only those. */
#define IOCTL(req)                                                                      \
	{                                                                               \
		.nr = SYS_ioctl, .ncmp = 1,                                             \
		.cmp = { CMP(1, SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t)(req)) } \
	}
/* No executable memory: the VMM never maps code after it starts. */
#define NO_EXEC(name)                                                             \
	{                                                                         \
		.nr = SYS_##name, .ncmp = 1,                                      \
		.cmp = { CMP(2, SCMP_CMP_MASKED_EQ, (scmp_datum_t)PROT_EXEC, 0) } \
	}
#define SET(rules)                                              \
	{                                                       \
#rules, rules, sizeof(rules) / sizeof(rules[0]) \
	}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

/* Every thread: memory (malloc arenas, thread stacks), locks, clocks where
 * the vDSO falls back to a system call, stderr and eventfd writes, signal
 * return (the vCPU kick), and what a crash handler or abort() does on
 * whatever thread crashed: restore the terminal, reset the handler, raise. */
static const struct seccomp_rule common_rules[] = {
	ALLOW(futex),
	ALLOW(exit),
	ALLOW(exit_group),
	ALLOW(restart_syscall),
	ALLOW(rt_sigreturn),
	ALLOW(rt_sigprocmask),
	ALLOW(rt_sigaction),
	ALLOW(getpid),
	ALLOW(gettid),
	ALLOW(sched_yield),
	ALLOW(clock_gettime),
	ALLOW(gettimeofday),
	ALLOW(time),
	ALLOW(brk),
	ALLOW(madvise),
	ALLOW(munmap),
	NO_EXEC(mmap),
	NO_EXEC(mprotect),
	ALLOW(write),
	{ .nr = SYS_ioctl,
	  .ncmp = 2,
	  .cmp = { CMP(0, SCMP_CMP_EQ, 0, 0), CMP(1, SCMP_CMP_MASKED_EQ, 0xffffffffu, TCSETS) } },
};

/* Interrupts into the guest: a level on an IOAPIC line (UART, INTx, the
 * power button), an MSI-X message. Every thread that completes guest work
 * raises them. */
static const struct seccomp_rule irq_rules[] = {
	IOCTL(KVM_IRQ_LINE),
	IOCTL(KVM_SIGNAL_MSI),
};

/* vCPU threads: run the guest; the transport binds queue-notify addresses
 * to eventfds when the guest programs a BAR; -v reads the stop address. */
static const struct seccomp_rule vcpu_rules[] = {
	IOCTL(KVM_RUN),
	IOCTL(KVM_GET_REGS),
	IOCTL(KVM_IOEVENTFD),
};

/* Every virtio I/O thread: wait for kicks, drain eventfds. */
static const struct seccomp_rule io_rules[] = {
	ALLOW(epoll_wait),
	ALLOW(epoll_pwait),
	ALLOW(read),
};

/* virtio-blk: the image (no open: the fd was opened by the main thread). */
static const struct seccomp_rule blk_rules[] = {
	ALLOW(preadv),	  ALLOW(pwritev),   ALLOW(pread64),
	ALLOW(pwrite64),  ALLOW(fallocate), /* DISCARD, WRITE_ZEROES */
	ALLOW(fdatasync),		    /* FLUSH */
	ALLOW(fsync),
};

/* virtio-net: frames to and from the TAP, its receive watch, and the
 * offloads the guest negotiated. */
static const struct seccomp_rule net_rules[] = {
	ALLOW(readv),
	ALLOW(writev),
	ALLOW(epoll_ctl),
	IOCTL(TUNSETOFFLOAD),
};

/* Console input: stdin and the UART's room eventfd, the VM's stop fd. */
static const struct seccomp_rule console_in_rules[] = {
	ALLOW(poll),
	ALLOW(ppoll),
	ALLOW(read),
};

/* Console output needs only common_rules (write); it is cancelled when a
 * reader never drains it. */
static const struct seccomp_rule console_out_rules[] = {
	ALLOW(write),
};

/* The control API thread: connections on the socket the main thread bound
 * (no socket(), bind() or connect()), the eventfds to and from the main
 * thread, nothing of KVM's. */
static const struct seccomp_rule api_rules[] = {
	ALLOW(accept4), ALLOW(read),  ALLOW(sendto), ALLOW(shutdown),
	ALLOW(poll),	ALLOW(ppoll), ALLOW(close),
};

/* The main thread's own work, on top of every other role's list (threads it
 * starts inherit its filter): build the VM again after a guest reset (from
 * copies of /dev/kvm, the images and TAPs opened at start: nothing is opened
 * any more; the kernel mapped again from its open file), start threads
 * (pthread_create: clone with CLONE_THREAD only; clone3 answers ENOSYS so
 * the C library falls back to clone), install their filters, wait for stop
 * requests, signals and deadlines, tear everything down. */
static const struct seccomp_rule main_rules[] = {
	ALLOW(close),
	ALLOW(fstat),
	ALLOW(newfstatat),
	ALLOW(lseek),
	ALLOW(read),
	ALLOW(pread64),
	ALLOW(mremap),
	ALLOW(poll),
	ALLOW(ppoll),
	ALLOW(eventfd2),
	ALLOW(epoll_create1),
	ALLOW(epoll_ctl),
	{ .nr = SYS_fcntl, .ncmp = 1, .cmp = { CMP(1, SCMP_CMP_EQ, F_DUPFD_CLOEXEC, 0) } },
	ALLOW(set_robust_list),
	ALLOW(rseq),
	{ .nr = SYS_clone,
	  .ncmp = 1,
	  .cmp = { CMP(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD) } },
	{ .nr = SYS_clone3, .errno_ret = ENOSYS },
	{ .nr = SYS_prctl, .ncmp = 1, .cmp = { CMP(0, SCMP_CMP_EQ, PR_SET_NAME, 0) } },
	{ .nr = SYS_seccomp,
	  .ncmp = 1,
	  .cmp = { CMP(0, SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER, 0) } },
	IOCTL(KVM_CHECK_EXTENSION),
	IOCTL(KVM_GET_VCPU_MMAP_SIZE),
	IOCTL(KVM_CREATE_VM),
	IOCTL(KVM_SET_USER_MEMORY_REGION),
	IOCTL(KVM_SET_TSS_ADDR),
	IOCTL(KVM_SET_IDENTITY_MAP_ADDR),
	IOCTL(KVM_CREATE_IRQCHIP),
	IOCTL(KVM_GET_IRQCHIP),
	IOCTL(KVM_SET_IRQCHIP),
	IOCTL(KVM_CREATE_PIT2),
	IOCTL(KVM_CREATE_VCPU),
	IOCTL(KVM_GET_SUPPORTED_CPUID),
	IOCTL(KVM_SET_CPUID2),
	IOCTL(KVM_GET_LAPIC),
	IOCTL(KVM_SET_LAPIC),
	IOCTL(KVM_GET_SREGS),
	IOCTL(KVM_SET_SREGS),
	IOCTL(KVM_SET_REGS),
	IOCTL(KVM_SET_FPU),
	IOCTL(TCGETS),
	/* PUT /vm/snapshot: KVM's VM and vCPU state, and the snapshot's files:
	 * created new (O_EXCL) and write-only, never an existing file opened;
	 * its directory made. --restore reads its files before the sandbox. */
	IOCTL(KVM_GET_MP_STATE),
	IOCTL(KVM_SET_MP_STATE),
	IOCTL(KVM_GET_XSAVE),
	IOCTL(KVM_SET_XSAVE),
	IOCTL(KVM_GET_XCRS),
	IOCTL(KVM_SET_XCRS),
	IOCTL(KVM_GET_DEBUGREGS),
	IOCTL(KVM_SET_DEBUGREGS),
	IOCTL(KVM_GET_MSR_INDEX_LIST),
	IOCTL(KVM_GET_MSRS),
	IOCTL(KVM_SET_MSRS),
	IOCTL(KVM_GET_VCPU_EVENTS),
	IOCTL(KVM_SET_VCPU_EVENTS),
	IOCTL(KVM_GET_PIT2),
	IOCTL(KVM_SET_PIT2),
	IOCTL(KVM_GET_CLOCK),
	IOCTL(KVM_SET_CLOCK),
	{ .nr = SYS_openat,
	  .ncmp = 1,
	  .cmp = { CMP(2, SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC,
		       O_WRONLY | O_CREAT | O_EXCL) } },
	ALLOW(mkdirat),
	ALLOW(ftruncate),
};

#ifdef SANITIZED
/* ASan/UBSan (make SANITIZE=1) on every thread: alternate signal stacks,
 * reading /proc/self/maps for a report (read-only opens only), isatty and
 * fcntl on stderr, its own allocator's remapping. Found by running reports
 * and leak checks under each role's filter. */
static const struct seccomp_rule sanitizer_rules[] = {
	ALLOW(sigaltstack),
	{ .nr = SYS_open,
	  .ncmp = 1,
	  .cmp = { CMP(1, SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY) } },
	IOCTL(TCGETS), /* isatty(stderr): colours */
	ALLOW(fcntl),
	ALLOW(read),
	ALLOW(close),
	ALLOW(fstat),
	ALLOW(newfstatat),
	ALLOW(lseek),
	ALLOW(readlink),
	ALLOW(readlinkat),
	ALLOW(getdents64),
	ALLOW(mremap),
	ALLOW(prlimit64),
	ALLOW(getrlimit),
	ALLOW(sched_getaffinity),
	ALLOW(uname),
	ALLOW(prctl),
	{ .nr = SYS_openat,
	  .ncmp = 1,
	  .cmp = { CMP(2, SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY) } },
};

/* LeakSanitizer at exit, on the main thread: a tracer task (clone without
 * CLONE_THREAD) stops and reads every thread with ptrace. */
static const struct seccomp_rule leak_check_rules[] = {
	ALLOW(clone),	 /* the tracer */
	ALLOW(getppid),	 /* it checks its parent */
	ALLOW(getdents), /* /proc/self/task */
	ALLOW(ptrace),	 /* stop and read each thread */
	ALLOW(wait4),	 /* for it to stop */
};
#endif

static const struct seccomp_rule_set common_set = SET(common_rules);
static const struct seccomp_rule_set irq_set = SET(irq_rules);
static const struct seccomp_rule_set vcpu_set = SET(vcpu_rules);
static const struct seccomp_rule_set io_set = SET(io_rules);
static const struct seccomp_rule_set blk_set = SET(blk_rules);
static const struct seccomp_rule_set net_set = SET(net_rules);
static const struct seccomp_rule_set console_in_set = SET(console_in_rules);
static const struct seccomp_rule_set console_out_set = SET(console_out_rules);
static const struct seccomp_rule_set api_set = SET(api_rules);
static const struct seccomp_rule_set main_set = SET(main_rules);
#ifdef SANITIZED
static const struct seccomp_rule_set sanitizer_set = SET(sanitizer_rules);
static const struct seccomp_rule_set leak_check_set = SET(leak_check_rules);
#endif

size_t seccomp_role_sets(enum seccomp_role role, const struct seccomp_rule_set **sets)
{
	size_t n = 0;

	sets[n++] = &common_set;
#ifdef SANITIZED
	sets[n++] = &sanitizer_set;
#endif
	switch (role) {
	case SECCOMP_VCPU:
		sets[n++] = &irq_set;
		sets[n++] = &vcpu_set;
		break;
	case SECCOMP_BLK_IO:
		sets[n++] = &irq_set;
		sets[n++] = &io_set;
		sets[n++] = &blk_set;
		break;
	case SECCOMP_NET_IO:
		sets[n++] = &irq_set;
		sets[n++] = &io_set;
		sets[n++] = &net_set;
		break;
	case SECCOMP_IO:
		sets[n++] = &irq_set;
		sets[n++] = &io_set;
		sets[n++] = &blk_set;
		sets[n++] = &net_set;
		break;
	case SECCOMP_CONSOLE_IN:
		sets[n++] = &irq_set;
		sets[n++] = &console_in_set;
		break;
	case SECCOMP_CONSOLE_OUT: sets[n++] = &console_out_set; break;
	case SECCOMP_API: sets[n++] = &api_set; break;
	case SECCOMP_MAIN:
	case SECCOMP_NROLES:
	default:
		/* The union of every role, then its own. */
		sets[n++] = &irq_set;
		sets[n++] = &vcpu_set;
		sets[n++] = &io_set;
		sets[n++] = &blk_set;
		sets[n++] = &net_set;
		sets[n++] = &console_in_set;
		sets[n++] = &api_set;
		sets[n++] = &main_set;
#ifdef SANITIZED
		sets[n++] = &leak_check_set;
#endif
		break;
	}
	return n;
}
