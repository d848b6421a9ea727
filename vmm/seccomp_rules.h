/* The allow-lists behind vmm/seccomp.c: data only, one table per group of
 * system calls, and which groups make up each thread role. */
#ifndef MINIVMM_SECCOMP_RULES_H
#define MINIVMM_SECCOMP_RULES_H

#include <seccomp.h>
#include <stddef.h>

#include "vmm/seccomp.h"

struct seccomp_rule {
	int nr;
	unsigned ncmp; /* conditions, all of which must hold */
	struct scmp_arg_cmp cmp[2];
	int errno_ret; /* 0: allow; else fail the call with this errno */
};

struct seccomp_rule_set {
	const char *name;
	const struct seccomp_rule *rules;
	size_t n;
};

#define SECCOMP_RULE_SETS_MAX 16

/* The rule sets role is made of (into sets, at most SECCOMP_RULE_SETS_MAX);
 * returns how many. */
size_t seccomp_role_sets(enum seccomp_role role, const struct seccomp_rule_set **sets);

#endif
