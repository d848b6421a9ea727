#include "tools/minictr/sysfilter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef __x86_64__
#error "the container's seccomp filter knows x86-64 system call numbers only"
#endif

#define X32_BIT 0x40000000u
#define NS_FLAGS                                                                                   \
	(CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | \
	 CLONE_NEWCGROUP | CLONE_NEWTIME)

static const unsigned denied[] = {
	SYS_acct,
	SYS_add_key,
	SYS_bpf,
	SYS_clock_adjtime,
	SYS_clock_settime,
	SYS_delete_module,
	SYS_finit_module,
	SYS_init_module,
	SYS_iopl,
	SYS_ioperm,
	SYS_kexec_file_load,
	SYS_kexec_load,
	SYS_keyctl,
	SYS_lookup_dcookie,
	SYS_open_by_handle_at,
	SYS_perf_event_open,
	SYS_quotactl,
	SYS_reboot,
	SYS_request_key,
	SYS_settimeofday,
	SYS_swapon,
	SYS_swapoff,
	SYS_sysfs,
	SYS__sysctl,
	SYS_uselib,
	SYS_userfaultfd,
	SYS_ustat,
	SYS_vhangup,
	SYS_unshare,
	SYS_setns,
	SYS_mount,
	SYS_umount2,
	SYS_pivot_root,
	SYS_fsopen,
	SYS_fsconfig,
	SYS_fsmount,
	SYS_fspick,
	SYS_move_mount,
	SYS_open_tree,
	SYS_mount_setattr,
	SYS_name_to_handle_at,
	SYS_kcmp,
	SYS_process_vm_readv,
	SYS_process_vm_writev,
};

#define LD_ABS(off)   ((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off)))
#define RET(v)	      ((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (v)))
#define JEQ(k, t, f)  ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f)))
#define JSET(k, t, f) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f)))
#define JGE(k, t, f)  ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f)))

size_t sysfilter_build(struct sock_filter *p)
{
	size_t n = 0;
	const size_t nd = sizeof(denied) / sizeof(denied[0]);

	/* Another architecture's numbers mean other calls: refuse them all. */
	p[n++] = LD_ABS(offsetof(struct seccomp_data, arch));
	p[n++] = JEQ(AUDIT_ARCH_X86_64, 1, 0);
	p[n++] = RET(SECCOMP_RET_KILL_PROCESS);
	p[n++] = LD_ABS(offsetof(struct seccomp_data, nr));
	p[n++] = JGE(X32_BIT, 0, 1); /* the x32 ABI: same table, other numbers */
	p[n++] = RET(SECCOMP_RET_ERRNO | EPERM);
	/* clone3's flags sit in memory a filter cannot read: ENOSYS makes libc
	 * fall back to clone, whose flags it can. */
	p[n++] = JEQ(SYS_clone3, 0, 1);
	p[n++] = RET(SECCOMP_RET_ERRNO | ENOSYS);
	p[n++] = JEQ(SYS_clone, 0, 4);
	p[n++] = LD_ABS(offsetof(struct seccomp_data, args[0]));
	p[n++] = JSET(NS_FLAGS, 0, 1);
	p[n++] = RET(SECCOMP_RET_ERRNO | EPERM);
	p[n++] = RET(SECCOMP_RET_ALLOW); /* also reached by a clone without them */
	for (size_t i = 0; i < nd; i++)
		p[n++] = JEQ(denied[i], (__u8)(nd - i), 0);
	p[n++] = RET(SECCOMP_RET_ALLOW);
	p[n++] = RET(SECCOMP_RET_ERRNO | EPERM);
	return n;
}

int sysfilter_install(struct err *e)
{
	struct sock_filter insns[SYSFILTER_MAX_INSNS];
	struct sock_fprog prog = { .len = (unsigned short)sysfilter_build(insns), .filter = insns };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return err_sys(e, "install the seccomp filter");
	return 0;
}
