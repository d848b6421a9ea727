/* Per-thread-role seccomp filters, built with libseccomp once and kept as
 * plain BPF, so a thread's start-up only makes the one seccomp() call. */
#include "vmm/seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "vmm/exit_status.h"
#include "vmm/seccomp_rules.h"
#include "vmm/vm.h"

/* malloc arenas: enough for the VMM's few busy threads. */
#define SECCOMP_MALLOC_ARENAS 8
/* Free memory a heap may keep before it is trimmed: above what the API's
 * 16 connections hold (16 x 72 KiB). */
#define SECCOMP_MALLOC_TRIM   (4 << 20)

/* The filters are a property of the process, not of one VM: built before
 * the first thread starts, read-only afterwards, and reached from thread
 * entry points whose argument (a vCPU, a virtio transport) has no room for
 * them. NULL filter: not prepared, nothing to install. */
static struct sock_fprog filters[SECCOMP_NROLES];

static const char *const role_names[SECCOMP_NROLES] = {
	[SECCOMP_MAIN] = "main",
	[SECCOMP_VCPU] = "vcpu",
	[SECCOMP_BLK_IO] = "blk-io",
	[SECCOMP_NET_IO] = "net-io",
	[SECCOMP_IO] = "io",
	[SECCOMP_CONSOLE_IN] = "console-in",
	[SECCOMP_CONSOLE_OUT] = "console-out",
	[SECCOMP_API] = "api",
};

const char *seccomp_role_name(enum seccomp_role role)
{
	return role < SECCOMP_NROLES ? role_names[role] : "?";
}

enum seccomp_role seccomp_io_role(const char *name)
{
	if (!strncmp(name, "blk", 3))
		return SECCOMP_BLK_IO;
	if (!strncmp(name, "net", 3))
		return SECCOMP_NET_IO;
	return SECCOMP_IO;
}

static int add_rules(scmp_filter_ctx ctx, const struct seccomp_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct seccomp_rule *r = &rules[i];
		int rc;

		rc = seccomp_rule_add_exact_array(
			ctx, r->errno_ret ? SCMP_ACT_ERRNO(r->errno_ret) : SCMP_ACT_ALLOW, r->nr,
			r->ncmp, r->cmp);
		/* The main list repeats rules other roles share: not an error. */
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

/* Rules whose argument is only known at run time. */
static int add_process_rules(scmp_filter_ctx ctx)
{
	/* Signals only to our own threads: the vCPU kick, a crash handler's
	 * raise(), abort(). */
	return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
}

static int add_role(scmp_filter_ctx ctx, enum seccomp_role role)
{
	int r = add_process_rules(ctx);
	const struct seccomp_rule_set *sets[SECCOMP_RULE_SETS_MAX];
	size_t nsets = seccomp_role_sets(role, sets);

	for (size_t i = 0; r == 0 && i < nsets; i++)
		r = add_rules(ctx, sets[i]->rules, sets[i]->n);
	return r;
}

/* libseccomp 2.5 exports BPF only to a file descriptor: read it back. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *out, struct err *e)
{
	_cleanup_close_ int fd = memfd_create("minivmm-seccomp", MFD_CLOEXEC);
	struct sock_filter *prog;
	off_t len;
	int r;

	if (fd < 0)
		return err_sys(e, "memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return err_set(e, -r, "seccomp_export_bpf: %s", strerror(-r));
	len = lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % (off_t)sizeof(*prog) || len / (off_t)sizeof(*prog) > BPF_MAXINSNS)
		return err_set(e, EINVAL, "seccomp: unexpected filter size %lld", (long long)len);
	prog = malloc((size_t)len);
	if (!prog)
		return err_set(e, ENOMEM, "out of memory");
	if (pread(fd, prog, (size_t)len, 0) != len) {
		free(prog);
		return err_sys(e, "seccomp: reading the filter back");
	}
	out->filter = prog;
	out->len = (unsigned short)(len / (off_t)sizeof(*prog));
	return 0;
}

static int build_role(enum seccomp_role role, struct sock_fprog *out, struct err *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r;

	if (!ctx)
		return err_set(e, ENOMEM, "seccomp_init failed");
	/* A system call of another ABI (i386 int 0x80, x32) is a violation too. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = add_role(ctx, role);
	if (r < 0)
		r = err_set(e, -r, "seccomp: building the %s filter: %s", role_names[role],
			    strerror(-r));
	else
		r = export_bpf(ctx, out, e);
	seccomp_release(ctx);
	return r;
}

int seccomp_prepare(struct err *e)
{
	struct sock_fprog built[SECCOMP_NROLES] = { 0 };
	int r = 0;

	/* The C library loads the time zone on the first gmtime_r() (the RTC,
	 * on a vCPU thread), opening /etc/localtime: load it now, unfiltered. */
	tzset();
	/* malloc asks the kernel on whatever thread it happens to run: the CPU
	 * count when a thread first contends for an arena (sched_getaffinity),
	 * /proc/sys/vm/overcommit_memory the first time a thread's arena
	 * shrinks (openat; the API thread frees its connection buffers).
	 * Fix the arena limit, and keep thread heaps below the trim threshold
	 * from shrinking, so neither question is ever asked. */
	mallopt(M_ARENA_MAX, SECCOMP_MALLOC_ARENAS);
	mallopt(M_TRIM_THRESHOLD, SECCOMP_MALLOC_TRIM);
	for (unsigned i = 0; r == 0 && i < SECCOMP_NROLES; i++)
		r = build_role((enum seccomp_role)i, &built[i], e);
	/* Without CAP_SYS_ADMIN a filter needs no_new_privs; with it, a
	 * filtered VMM has no use for set-uid binaries either. */
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = err_sys(e, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (r < 0) {
		for (unsigned i = 0; i < SECCOMP_NROLES; i++)
			free(built[i].filter);
		return r;
	}
	for (unsigned i = 0; i < SECCOMP_NROLES; i++) {
		free(filters[i].filter);
		filters[i] = built[i];
	}
	return 0;
}

int seccomp_enter(enum seccomp_role role, struct err *e)
{
	if (role >= SECCOMP_NROLES)
		return err_set(e, EINVAL, "seccomp: no role %d", (int)role);
	if (!filters[role].filter)
		return 0;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filters[role]) < 0)
		return err_sys(e, "seccomp: installing the %s filter", role_names[role]);
	return 0;
}

int seccomp_enter_thread(struct vm *vm, enum seccomp_role role)
{
	struct err e = { 0 };
	int r = seccomp_enter(role, &e);

	if (r < 0) {
		fprintf(stderr, "minivmm: error: %s\n", e.msg);
		vm_request_stop(vm, EXIT_RUNTIME_FAILURE);
	}
	return r;
}
