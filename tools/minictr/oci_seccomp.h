/* A bundle's linux.seccomp, built with libseccomp and loaded on the
 * container's init just before it execs the user's program. The rules
 * follow runc and crun: a syscall name this libseccomp does not know is
 * skipped, a rule whose action is the default action is left out, and a
 * rule comparing one argument index more than once becomes one rule per
 * comparison (libseccomp refuses two comparisons of one argument in a rule). */
#ifndef MINICTR_OCI_SECCOMP_H
#define MINICTR_OCI_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "tools/minictr/oci_spec.h"

/* The libseccomp action (SCMP_ACT_*) for an OCI action. errno_ret is the
 * errno of ERRNO and the message of TRACE; 0 means none given: EPERM.
 * -EINVAL (and a message) for an unknown action or errno_ret > 0xffff. */
int oci_seccomp_action(enum oci_seccomp_action a, uint32_t errno_ret, uint32_t *act, struct err *e);
/* "SCMP_ARCH_X86_64" -> libseccomp's SCMP_ARCH_X86_64 token; 0 when unknown. */
uint32_t oci_seccomp_arch(const char *name);
/* Does the rule compare one argument index more than once? */
bool oci_seccomp_rule_repeats_index(const struct oci_seccomp_rule *r);

/* Build the filter the spec describes into *ctx_out (a scmp_filter_ctx; NULL
 * on error). Errors name the field: "linux.seccomp.syscalls[4]: ...". The
 * filter does not set no_new_privs itself: see oci_seccomp_load. */
int oci_seccomp_build(const struct oci_seccomp *s, void **ctx_out, struct err *e);
/* Load a built filter on the calling thread, which needs no_new_privs set
 * or CAP_SYS_ADMIN in its user namespace. */
int oci_seccomp_load(void *ctx, struct err *e);
/* Free a built filter (NULL: nothing). */
void oci_seccomp_release(void *ctx);

#endif
