#include "tools/minictr/devfilter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

/* The kernel's pty slave majors: UNIX98_PTY_SLAVE_MAJOR and the 7 after it. */
#define PTY_SLAVE_MAJOR	 136
#define PTY_SLAVE_MAJORS 8

static const struct {
	int major, minor;
} allowed[] = {
	{ 1, 3 }, /* null */
	{ 1, 5 }, /* zero */
	{ 1, 7 }, /* full */
	{ 1, 8 }, /* random */
	{ 1, 9 }, /* urandom */
	{ 5, 0 }, /* tty */
	{ 5, 2 }, /* ptmx */
};

static struct bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	return (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
}

/* r2 = type, r3 = major, r4 = minor; r0 = 1 when one rule matches. */
size_t devfilter_build(struct bpf_insn *p)
{
	size_t n = 0;

	p[n++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	p[n++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 4, 0);
	p[n++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 8, 0);
	/* Anything but a character device: denied. */
	p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, 0);
	size_t not_char = n - 1;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		/* if (major == M && minor == m) return 1; */
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, 3, allowed[i].major);
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 2, allowed[i].minor);
		p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
		p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	/* if (major >= 136 && major < 144) return 1; (pty slaves, any minor) */
	p[n++] = insn(BPF_JMP | BPF_JLT | BPF_K, BPF_REG_3, 0, 3, PTY_SLAVE_MAJOR);
	p[n++] = insn(BPF_JMP | BPF_JGE | BPF_K, BPF_REG_3, 0, 2,
		      PTY_SLAVE_MAJOR + PTY_SLAVE_MAJORS);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	size_t deny = n;
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[not_char].imm = BPF_DEVCG_DEV_CHAR;
	p[not_char].off = (__s16)(deny - not_char - 1);
	return n;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int devfilter_attach(const char *cg_path, struct err *e)
{
	struct bpf_insn insns[DEVFILTER_MAX_INSNS];
	char log[4096] = "";
	union bpf_attr attr;
	_cleanup_close_ int prog = -1, cg = -1;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (__u64)(uintptr_t)insns;
	attr.insn_cnt = (__u32)devfilter_build(insns);
	attr.license = (__u64)(uintptr_t) "GPL";
	attr.log_buf = (__u64)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	if ((prog = sys_bpf(BPF_PROG_LOAD, &attr)) < 0)
		return err_sys(e, "load the device filter%s%.200s", log[0] ? ": " : "", log);
	if ((cg = open(cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", cg_path);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)cg;
	attr.attach_bpf_fd = (__u32)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* Alongside whatever filter the host's manager put above us: a device
	 * must pass them all. */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return err_sys(e, "attach the device filter to %s", cg_path);
	return 0;
}
