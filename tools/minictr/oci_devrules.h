/* linux.resources.devices as a cgroup v2 device program
 * (BPF_PROG_TYPE_CGROUP_DEVICE), as runc and crun install one: what no rule
 * allows is denied.
 *
 * Semantics, per access bit (r, w, m): the LAST rule that matches the
 * device's type, major and minor and names that bit decides it; a request
 * (an open for read+write asks two bits) passes when every bit it asks is
 * allowed. That is cgroup v1's list semantics without runc's emulator: "deny
 * all, allow c 1:3 rwm" lets /dev/null through; "allow all, deny c 1:3 w"
 * refuses opening it for writing but not for reading. Type 'a' matches both
 * block and character devices, major/minor -1 any number. A rule with no
 * access bits matches nothing. */
#ifndef MINICTR_OCI_DEVRULES_H
#define MINICTR_OCI_DEVRULES_H

#include <linux/bpf.h>
#include <stddef.h>

#include "common/err.h"
#include "tools/minictr/oci_spec.h"

/* The most instructions a program for n rules needs. */
#define OCI_DEVRULES_INSNS(n) (8 + 10 * (n))

/* Pure: the program into insns (cap entries). Returns its length, -ENOSPC
 * when cap is too small, -EINVAL for a rule with a type other than 'a', 'b',
 * 'c' or a major/minor outside -1..2^31-1. Rules before one that matches
 * every device and every access are left out (they cannot decide). */
long oci_devrules_build(const struct oci_device_rule *r, size_t n, struct bpf_insn *insns,
			size_t cap);
/* Build, load and attach (BPF_F_ALLOW_MULTI: a device must also pass any
 * program an engine attached above) to the cgroup directory cg_dir. */
int oci_devrules_attach(const struct oci_device_rule *r, size_t n, const char *cg_dir,
			struct err *e);
/* Load a BPF_PROG_TYPE_CGROUP_DEVICE program and attach it to cg_dir with
 * BPF_F_ALLOW_MULTI (exported for the test of a refused program). The
 * verifier's complaint, if any, ends the error line. */
int oci_bpf_devcg_attach(const struct bpf_insn *insns, size_t n, const char *cg_dir, struct err *e);

#endif
