/* OCI hooks (config.json "hooks"): programs the runtime runs at points of
 * the lifecycle, each given the container's state JSON on stdin. */
#ifndef MINICTR_OCI_HOOKS_H
#define MINICTR_OCI_HOOKS_H

#include <stddef.h>

#include "common/err.h"
#include "tools/minictr/oci_spec.h"

/* A hook without a timeout is still killed after this long: a hung hook
 * must not hang `minictr create` (and the engine waiting on it) forever. */
#define OCI_HOOK_DEFAULT_TIMEOUT_S 120

/* Run the hooks of l in order, stopping at the first that fails. Each: in a
 * process group of its own, argv = args (or {path}), env = env (or empty),
 * stdin = a pipe carrying state (len bytes; a hook that exits or closes
 * stdin without reading it all is fine), stdout/stderr inherited, no other
 * descriptor of ours. It must exit 0 within its timeout (else
 * OCI_HOOK_DEFAULT_TIMEOUT_S); past it, its group is killed with SIGKILL.
 * Errors: "hooks.<which>[i] PATH: exit status N" (-EIO), "...: killed by
 * signal N" (-EIO), "...: timed out after N s" (-ETIMEDOUT), "...: execve:
 * why" (exit status 127 from the child; -ENOENT etc. when seen before fork). */
int oci_hooks_run(const struct oci_hook_list *l, const char *which, const char *state, size_t len,
		  struct err *e);

/* The same, but every hook runs whatever the others did, each failure
 * passed to warn (poststart and poststop: the spec makes a failing one a
 * warning, and the remaining hooks still run). Returns how many failed. */
int oci_hooks_run_each(const struct oci_hook_list *l, const char *which, const char *state,
		       size_t len, void (*warn)(const char *msg, void *arg), void *arg);

#endif
