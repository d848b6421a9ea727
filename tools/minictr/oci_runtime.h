/* minictr as an OCI runtime: the commands of oci_cli.h carried out.
 *   oci_runtime.c  dispatch, logging, start/state/kill/delete/list/spec
 *   oci_create.c   create and run: the runtime's side (namespaces, id maps,
 *                  cgroup, hooks, state)
 *   oci_init.c     the container's first process: file system, console,
 *                  identity, the wait for start, exec
 *   oci_exec.c     exec: a new process in a running container */
#ifndef MINICTR_OCI_RUNTIME_H
#define MINICTR_OCI_RUNTIME_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/err.h"
#include "tools/minictr/oci_cli.h"
#include "tools/minictr/oci_spec.h"
#include "tools/minictr/oci_state.h"

/* Exit status of a failed runtime command (runc uses 1). */
#define OCI_EXIT_FAIL 1

/* The whole OCI command line; returns the exit status. */
int oci_main(int argc, char *const argv[]);

/* Errors (and with --debug, steps) to stderr and to --log in its format. */
void oci_log_error(const struct oci_cli *c, const char *msg);
void oci_log_debug(const struct oci_cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Messages between the runtime and the container's first process, over a
 * SOCK_SEQPACKET pair: one message each, a type and a text. */
enum oci_sync_type {
	OCI_SYNC_GO = 'G',    /* runtime -> init: maps written, cgroup joined; text: state JSON */
	OCI_SYNC_HOOKS = 'H', /* init -> runtime: mounts done, run prestart/createRuntime */
	OCI_SYNC_HOOKS_OK = 'h', /* runtime -> init */
	OCI_SYNC_READY = 'R',	 /* init -> runtime: waiting for start */
	OCI_SYNC_ERROR = 'E',	 /* either way; text: the error */
};
#define OCI_SYNC_MAX (64 * 1024)

int oci_sync_send(int fd, char type, const char *text, struct err *e);
/* Receive one message into buf (cap bytes, NUL-terminated); returns its type,
 * or -EPIPE when the other side closed. */
int oci_sync_recv(int fd, char *buf, size_t cap, struct err *e);

/* What the container's first process needs, set up by the runtime before
 * the clone. */
struct oci_init_args {
	const struct oci_spec *spec;
	const char *rootfs;		      /* absolute */
	const char *bundle;		      /* absolute: relative bind sources are in it */
	int sync_fd;			      /* the init's end of the socket pair */
	int state_dir_fd;		      /* O_PATH of the state directory: exec.fifo is opened
			      * through it after pivot_root */
	int console_fd;			      /* connected --console-socket, or -1 */
	int preserve_fds;		      /* fds 3 .. 3+N-1 stay open across exec */
	bool new_userns;		      /* the clone made a user namespace */
	const char *userns_path, *mntns_path; /* namespaces the init joins itself */
	bool new_cgroupns;		      /* unshare it once in the container's group */
};

/* The first process's life; returns only on error, with the status to _exit
 * with (the error already sent to the runtime or printed). */
int oci_init_main(const struct oci_init_args *a);

/* create (and run's create half): returns 0 with *child set (its pid; run
 * waits for it), or a negative errno with e set and everything undone. */
struct oci_created {
	pid_t child;
	char state_dir[PATH_MAX];
};
int oci_create(const struct oci_cli *c, struct oci_created *out, struct err *e);

/* start: let a created container's process go on; then its poststart hooks. */
int oci_start(const struct oci_cli *c, struct err *e);
/* delete: kill what is left (force), remove the cgroup, poststop hooks, the
 * state directory. */
int oci_delete(const struct oci_cli *c, bool force, struct err *e);
int oci_exec(const struct oci_cli *c, int *exit_status, struct err *e);

/* execve with the spec's string arrays (const in the parsed spec, as
 * execve's are in practice). Returns only on failure. */
static inline void oci_execve(const char *exe, const char **argv, const char **env)
{
	union {
		const char **c;
		char *const *m;
	} a = { .c = argv }, v = { .c = env };

	execve(exe, a.m, v.m);
}

/* args[0] as execvp would find it, with the process's own PATH (else the
 * usual one): into exe. Create checks it before start, as runc does. */
int oci_find_exe(const struct oci_process *p, char *exe, size_t len, struct err *e);

/* --pid-file: the pid in decimal, written to a temporary file renamed over
 * path (an engine never reads half of it). */
int oci_write_pid_file(const char *path, pid_t pid, struct err *e);

/* Mark every descriptor from first on close-on-exec (close_range, else one
 * by one up to the descriptor limit). */
void oci_cloexec_from(int first);

/* The bundle's config.json as it was at create (kept in the state dir). */
int oci_spec_load_file(const char *path, struct oci_spec *spec, struct err *e);

#endif
