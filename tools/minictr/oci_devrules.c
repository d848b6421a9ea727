#include "tools/minictr/oci_devrules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Registers of the program: r2 device type, r3 the access bits not yet
 * allowed, r4 major, r5 minor, r6 scratch. */
#define R_TYPE	 BPF_REG_2
#define R_ACCESS BPF_REG_3
#define R_MAJOR	 BPF_REG_4
#define R_MINOR	 BPF_REG_5
#define R_TMP	 BPF_REG_6

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

struct prog {
	struct bpf_insn *p;
	size_t cap, n;
	bool full;
};

static void emit(struct prog *g, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	if (g->n >= g->cap) {
		g->full = true;
		return;
	}
	g->p[g->n++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
}

static __s32 rule_access(const struct oci_device_rule *r)
{
	return (r->read ? BPF_DEVCG_ACC_READ : 0) | (r->write ? BPF_DEVCG_ACC_WRITE : 0) |
	       (r->mknod ? BPF_DEVCG_ACC_MKNOD : 0);
}

static bool valid_number(int64_t v)
{
	return v >= -1 && v <= INT32_MAX;
}

/* Matches every device and every access: nothing before it can decide. */
static bool matches_all(const struct oci_device_rule *r)
{
	return r->type == 'a' && r->major == -1 && r->minor == -1 && rule_access(r) == ACC_ALL;
}

/* One rule; every "no match" jump goes to the next rule's first
 * instruction, patched once the block's length is known. */
static void emit_rule(struct prog *g, const struct oci_device_rule *r)
{
	size_t skips[5], n_skips = 0;
	__s32 acc = rule_access(r);

	if (r->type != 'a') {
		skips[n_skips++] = g->n;
		emit(g, BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, 0,
		     r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	}
	if (r->major != -1) {
		skips[n_skips++] = g->n;
		emit(g, BPF_JMP | BPF_JNE | BPF_K, R_MAJOR, 0, 0, (__s32)r->major);
	}
	if (r->minor != -1) {
		skips[n_skips++] = g->n;
		emit(g, BPF_JMP | BPF_JNE | BPF_K, R_MINOR, 0, 0, (__s32)r->minor);
	}
	/* Only the bits still undecided that this rule names. */
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0);
	emit(g, BPF_ALU64 | BPF_AND | BPF_K, R_TMP, 0, 0, acc);
	skips[n_skips++] = g->n;
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, R_TMP, 0, 0, 0);
	if (r->allow) {
		/* Those bits are allowed; the rest falls to earlier rules. */
		emit(g, BPF_ALU64 | BPF_AND | BPF_K, R_ACCESS, 0, 0, ~acc);
		skips[n_skips++] = g->n;
		emit(g, BPF_JMP | BPF_JNE | BPF_K, R_ACCESS, 0, 0, 0);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	} else {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	}
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (g->full)
		return;
	for (size_t i = 0; i < n_skips; i++)
		g->p[skips[i]].off = (__s16)(g->n - skips[i] - 1);
}

long oci_devrules_build(const struct oci_device_rule *r, size_t n, struct bpf_insn *insns,
			size_t cap)
{
	struct prog g = { .p = insns, .cap = cap };
	size_t first = 0;

	for (size_t i = 0; i < n; i++) {
		if ((r[i].type != 'a' && r[i].type != 'b' && r[i].type != 'c') ||
		    !valid_number(r[i].major) || !valid_number(r[i].minor))
			return -EINVAL;
		if (matches_all(&r[i]))
			first = i;
	}
	/* ctx: access_type (type in the low 16 bits, access in the high), major, minor. */
	emit(&g, BPF_LDX | BPF_W | BPF_MEM, R_TYPE, BPF_REG_1, 0, 0);
	emit(&g, BPF_ALU64 | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
	emit(&g, BPF_LDX | BPF_W | BPF_MEM, R_ACCESS, BPF_REG_1, 0, 0);
	emit(&g, BPF_ALU64 | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
	emit(&g, BPF_LDX | BPF_W | BPF_MEM, R_MAJOR, BPF_REG_1, 4, 0);
	emit(&g, BPF_LDX | BPF_W | BPF_MEM, R_MINOR, BPF_REG_1, 8, 0);
	/* Last rule first: the first to decide a bit is the last in the spec. */
	for (size_t i = n; i-- > first;)
		if (rule_access(&r[i]))
			emit_rule(&g, &r[i]);
	/* Default: deny. */
	emit(&g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	emit(&g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return g.full ? -ENOSPC : (long)g.n;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* BPF_PROG_LOAD; with a log buffer only when asked: a verifier trace that
 * does not fit fails a good program with ENOSPC. */
static int load(const struct bpf_insn *insns, size_t n, char *log, size_t log_len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (__u64)(uintptr_t)insns;
	attr.insn_cnt = (__u32)n;
	attr.license = (__u64)(uintptr_t) "GPL";
	if (log) {
		attr.log_buf = (__u64)(uintptr_t)log;
		attr.log_size = (__u32)log_len;
		attr.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

/* The verifier's reason, from its log (the program loaded again with one). */
static int load_error(const struct bpf_insn *insns, size_t n, struct err *e)
{
	int saved = errno, fd;
	char *log = calloc(1, 1 << 20);
	const char *last = NULL;

	if (log && (fd = load(insns, n, log, 1 << 20)) >= 0)
		close(fd);
	if (log) {
		size_t len = strlen(log);
		/* Its last line is statistics ("processed N insns"): the one before. */
		for (;;) {
			while (len && log[len - 1] == '\n')
				log[--len] = '\0';
			last = strrchr(log, '\n');
			last = last ? last + 1 : log;
			if (strncmp(last, "processed ", 10) || last == log)
				break;
			len = (size_t)(last - log);
			log[len] = '\0';
		}
	}
	errno = saved;
	err_sys(e, "load the device program%s%.200s", last && *last ? ": " : "", last ? last : "");
	free(log);
	return -e->code;
}

int oci_bpf_devcg_attach(const struct bpf_insn *insns, size_t n, const char *cg_dir, struct err *e)
{
	union bpf_attr attr;
	_cleanup_close_ int prog = -1, cg = -1;

	if ((prog = load(insns, n, NULL, 0)) < 0)
		return load_error(insns, n, e);
	if ((cg = open(cg_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", cg_dir);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)cg;
	attr.attach_bpf_fd = (__u32)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return err_sys(e, "attach the device program to %s", cg_dir);
	return 0;
}

int oci_devrules_attach(const struct oci_device_rule *r, size_t n, const char *cg_dir,
			struct err *e)
{
	size_t cap = OCI_DEVRULES_INSNS(n);
	_cleanup_free_ struct bpf_insn *insns = calloc(cap, sizeof(*insns));
	long len;

	if (!insns)
		return err_set(e, ENOMEM, "device rules: out of memory");
	if ((len = oci_devrules_build(r, n, insns, cap)) < 0)
		return err_set(e, (int)len,
			       "linux.resources.devices: a rule has an unknown type or a "
			       "major/minor outside -1..2147483647");
	return oci_bpf_devcg_attach(insns, (size_t)len, cg_dir, e);
}
