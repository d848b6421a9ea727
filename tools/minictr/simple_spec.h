/* The simple command line's fixed container settings in the OCI runtime's
 * terms, so that both are applied by the same code: the device allow-list
 * as linux.resources.devices rules (oci_devrules), the capability set as a
 * process's capabilities (oci_proc). */
#ifndef MINICTR_SIMPLE_SPEC_H
#define MINICTR_SIMPLE_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "tools/minictr/oci_spec.h"

/* The minimal /dev: character devices null, zero, full, random, urandom,
 * tty, ptmx and the pty slaves (any access); everything else is denied.
 * Returns the rules, *n set to their number. */
const struct oci_device_rule *simple_device_rules(size_t *n);
/* Attach them as a device program to the cgroup directory cg_path. */
int simple_device_filter_attach(const char *cg_path, struct err *e);

/* caps_keep's set as bounding, effective, permitted and inheritable; no
 * ambient capability. */
void simple_caps(bool chrooted, struct oci_caps *out);
/* Leave the container process exactly simple_caps and set no_new_privs,
 * through oci_proc_identity, with the ids and groups it has now (in_userns:
 * it became root of a new user namespace, whose groups are already gone or
 * cannot be set). */
int simple_identity(bool chrooted, bool in_userns, struct err *e);

#endif
