#include "tools/minictr/oci_seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define ARCH_PREFIX "SCMP_ARCH_"

int oci_seccomp_action(enum oci_seccomp_action a, uint32_t errno_ret, uint32_t *act, struct err *e)
{
	uint32_t ret = errno_ret ? errno_ret : EPERM;

	if ((a == OCI_SCMP_ERRNO || a == OCI_SCMP_TRACE) && ret > 0xffff)
		return err_set(e, EINVAL, "errnoRet %u: out of range", errno_ret);
	switch (a) {
	case OCI_SCMP_KILL: *act = SCMP_ACT_KILL_THREAD; return 0;
	case OCI_SCMP_KILL_PROCESS: *act = SCMP_ACT_KILL_PROCESS; return 0;
	case OCI_SCMP_TRAP: *act = SCMP_ACT_TRAP; return 0;
	case OCI_SCMP_ERRNO: *act = SCMP_ACT_ERRNO(ret); return 0;
	case OCI_SCMP_TRACE: *act = SCMP_ACT_TRACE(ret); return 0;
	case OCI_SCMP_ALLOW: *act = SCMP_ACT_ALLOW; return 0;
	case OCI_SCMP_LOG: *act = SCMP_ACT_LOG; return 0;
	}
	return err_set(e, EINVAL, "unknown action %d", (int)a);
}

uint32_t oci_seccomp_arch(const char *name)
{
	char lower[32];
	size_t n = strlen(ARCH_PREFIX);

	/* libseccomp names them as the OCI names do, lower case, less the prefix. */
	if (strncmp(name, ARCH_PREFIX, n) || strlen(name + n) >= sizeof(lower))
		return 0;
	for (size_t i = 0;; i++) {
		lower[i] = (char)tolower((unsigned char)name[n + i]);
		if (!lower[i])
			break;
	}
	return lower[0] ? seccomp_arch_resolve_name(lower) : 0;
}

bool oci_seccomp_rule_repeats_index(const struct oci_seccomp_rule *r)
{
	unsigned seen = 0;

	for (size_t i = 0; i < r->n_args; i++) {
		unsigned bit = 1u << (r->args[i].index & 31);

		if (seen & bit)
			return true;
		seen |= bit;
	}
	return false;
}

static int cmp_op(enum oci_seccomp_op op, enum scmp_compare *out)
{
	static const enum scmp_compare ops[] = {
		[OCI_SCMP_CMP_NE] = SCMP_CMP_NE,
		[OCI_SCMP_CMP_LT] = SCMP_CMP_LT,
		[OCI_SCMP_CMP_LE] = SCMP_CMP_LE,
		[OCI_SCMP_CMP_EQ] = SCMP_CMP_EQ,
		[OCI_SCMP_CMP_GE] = SCMP_CMP_GE,
		[OCI_SCMP_CMP_GT] = SCMP_CMP_GT,
		[OCI_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};

	if ((unsigned)op >= sizeof(ops) / sizeof(ops[0]))
		return -EINVAL;
	*out = ops[op];
	return 0;
}

/* The rule's comparisons as libseccomp's; MASKED_EQ is (mask, value) =
 * (value, valueTwo), the others compare with value. */
static int rule_cmps(const struct oci_seccomp_rule *r, struct scmp_arg_cmp *cmps, struct err *e)
{
	for (size_t i = 0; i < r->n_args; i++) {
		const struct oci_seccomp_arg *a = &r->args[i];

		if (a->index > 5)
			return err_set(e, EINVAL, "args[%zu]: index %u out of range (0-5)", i,
				       a->index);
		if (cmp_op(a->op, &cmps[i].op) < 0)
			return err_set(e, EINVAL, "args[%zu]: unknown op %d", i, (int)a->op);
		cmps[i].arg = a->index;
		cmps[i].datum_a = a->value;
		cmps[i].datum_b = a->op == OCI_SCMP_CMP_MASKED_EQ ? a->value_two : 0;
	}
	return 0;
}

static int add_syscall(scmp_filter_ctx ctx, uint32_t act, int nr, const struct oci_seccomp_rule *r,
		       const struct scmp_arg_cmp *cmps)
{
	int ret;

	if (!oci_seccomp_rule_repeats_index(r))
		return seccomp_rule_add_array(ctx, act, nr, (unsigned)r->n_args, cmps);
	/* As runc: one rule per comparison, matching when any of them does. */
	for (size_t i = 0; i < r->n_args; i++)
		if ((ret = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[i])) < 0)
			return ret;
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t default_act, const struct oci_seccomp_rule *r,
		    struct err *e)
{
	_cleanup_free_ struct scmp_arg_cmp *cmps = NULL;
	uint32_t act;
	int ret;

	if ((ret = oci_seccomp_action(r->action, r->errno_ret, &act, e)) < 0)
		return ret;
	/* libseccomp refuses a rule with the default action (-EACCES): it
	 * would change nothing. */
	if (act == default_act)
		return 0;
	if (r->n_args && !(cmps = calloc(r->n_args, sizeof(*cmps))))
		return err_set(e, ENOMEM, "out of memory");
	if ((ret = rule_cmps(r, cmps, e)) < 0)
		return ret;
	for (size_t i = 0; i < r->n_names; i++) {
		int nr = seccomp_syscall_resolve_name(r->names[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown here: skipped, as runc and crun do */
		if ((ret = add_syscall(ctx, act, nr, r, cmps)) < 0)
			return err_set(e, ret, "%s: add rule: %s", r->names[i], strerror(-ret));
	}
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct oci_seccomp *s, struct err *e)
{
	for (size_t i = 0; i < s->n_architectures; i++) {
		uint32_t arch = oci_seccomp_arch(s->architectures[i]);
		int ret;

		if (!arch)
			return err_set(e, EINVAL,
				       "linux.seccomp.architectures[%zu]: unknown "
				       "architecture \"%s\"",
				       i, s->architectures[i]);
		ret = seccomp_arch_add(ctx, arch);
		if (ret < 0 && ret != -EEXIST) /* the native one is already there */
			return err_set(e, ret, "linux.seccomp.architectures[%zu]: %s: %s", i,
				       s->architectures[i], strerror(-ret));
	}
	return 0;
}

static int set_attrs(scmp_filter_ctx ctx, const struct oci_seccomp *s, struct err *e)
{
	int ret;

	/* The kernel's errno from seccomp_load, not libseccomp's -ECANCELED. */
	if ((ret = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
		return err_set(e, ret, "linux.seccomp: raw error codes attribute: %s",
			       strerror(-ret));
	/* no_new_privs is the spec's to set (process.noNewPrivileges). */
	if ((ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		return err_set(e, ret, "linux.seccomp: no_new_privs attribute: %s", strerror(-ret));
	if (s->flag_log && (ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1)) < 0)
		return err_set(e, ret, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_LOG: %s",
			       strerror(-ret));
	if (s->flag_spec_allow && (ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1)) < 0)
		return err_set(e, ret, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_SPEC_ALLOW: %s",
			       strerror(-ret));
	return 0;
}

static int build(scmp_filter_ctx ctx, const struct oci_seccomp *s, uint32_t default_act,
		 struct err *e)
{
	int ret;

	if ((ret = add_arches(ctx, s, e)) < 0 || (ret = set_attrs(ctx, s, e)) < 0)
		return ret;
	for (size_t i = 0; i < s->n_rules; i++)
		if ((ret = add_rule(ctx, default_act, &s->rules[i], e)) < 0)
			return err_wrap(e, "linux.seccomp.syscalls[%zu]", i);
	return 0;
}

int oci_seccomp_build(const struct oci_seccomp *s, void **ctx_out, struct err *e)
{
	scmp_filter_ctx ctx;
	uint32_t default_act;
	int ret;

	*ctx_out = NULL;
	if ((ret = oci_seccomp_action(s->default_action, s->default_errno_ret, &default_act, e)) <
	    0)
		return err_wrap(e, "linux.seccomp.defaultAction");
	if (!(ctx = seccomp_init(default_act)))
		return err_set(e, EINVAL, "linux.seccomp.defaultAction: seccomp_init refused it");
	if ((ret = build(ctx, s, default_act, e)) < 0) {
		seccomp_release(ctx);
		return ret;
	}
	*ctx_out = ctx;
	return 0;
}

int oci_seccomp_load(void *ctx, struct err *e)
{
	int ret = seccomp_load(ctx);

	if (ret < 0)
		return err_set(e, ret, "load the seccomp filter: %s", strerror(-ret));
	return 0;
}

void oci_seccomp_release(void *ctx)
{
	if (ctx)
		seccomp_release(ctx);
}
