/* What minictr keeps about an OCI container between its commands: one
 * directory per container under --root (ROOT/ID/) holding state.json (this
 * struct), config.json (the bundle's, as it was at create) and, between
 * create and start, exec.fifo (the created container's process blocks
 * opening it until start reads it, as runc does). The status is never
 * stored: it is derived from the process each time. */
#ifndef MINICTR_OCI_STATE_H
#define MINICTR_OCI_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

enum oci_status {
	OCI_STATUS_CREATING,
	OCI_STATUS_CREATED,
	OCI_STATUS_RUNNING,
	OCI_STATUS_STOPPED,
};

struct oci_state {
	char id[1025];
	pid_t pid;		/* the container's process on the host */
	uint64_t pid_start;	/* its start time (/proc/PID/stat field 22): no reused pid */
	char bundle[PATH_MAX];	/* absolute */
	char rootfs[PATH_MAX];	/* absolute */
	char cgroup[PATH_MAX];	/* the container's group directory, "" for none */
	char created[40];	/* RFC 3339, UTC, nanoseconds */
	uint32_t owner;		/* uid that created it */
	char *annotations_json; /* the spec's annotations object as JSON, or NULL; owned */
};

/* ROOT/ID, checking length. */
int oci_state_dir(const char *root, const char *id, char *out, size_t len, struct err *e);

/* state.json text of s (not the OCI state: minictr's own record). Malloc'ed. */
char *oci_state_to_json(const struct oci_state *s);
/* Parse it back (pure; s->annotations_json malloc'ed). */
int oci_state_from_json(const char *text, size_t len, struct oci_state *s, struct err *e);
void oci_state_free(struct oci_state *s);

/* Write DIR/state.json atomically (a temporary file renamed over it). */
int oci_state_save(const char *dir, const struct oci_state *s, struct err *e);
/* Read DIR/state.json; -ENOENT (with "container ID does not exist") when the
 * directory or file is missing. */
int oci_state_load(const char *root, const char *id, struct oci_state *s, struct err *e);

/* The status now: stopped when the process is gone, a zombie or another
 * process by now; created while DIR/exec.fifo exists; else running. */
enum oci_status oci_state_status(const char *dir, const struct oci_state *s);
const char *oci_status_name(enum oci_status st);

/* The OCI state JSON the runtime spec defines (ociVersion, id, status, pid
 * while not stopped, bundle, annotations). Malloc'ed. */
char *oci_state_oci_json(const struct oci_state *s, enum oci_status st);

/* Start time of PID from /proc (0 when it is gone); whether it is a zombie. */
uint64_t oci_pid_start(pid_t pid, bool *zombie);
/* Field 22 and the state letter of a /proc/PID/stat line (pure). */
int oci_parse_proc_stat(const char *line, uint64_t *start, char *state, struct err *e);

/* RFC 3339 UTC time with nanoseconds of now. */
void oci_now_rfc3339(char *buf, size_t len);

#endif
