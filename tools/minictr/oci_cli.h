/* minictr's OCI runtime command line, in runc's and crun's conventions (the
 * form podman, conmon and containerd's runc shim call): global options, then
 * a subcommand with its own options, then the container ID. A pure parser. */
#ifndef MINICTR_OCI_CLI_H
#define MINICTR_OCI_CLI_H

#include <stdbool.h>

#include "common/err.h"

#define OCI_ROOT_DEFAULT "/run/minictr"
#define OCI_CLI_MAX_ENV	 64

enum oci_cmd {
	OCI_CMD_NONE, /* only global options (--version, --help) */
	OCI_CMD_CREATE,
	OCI_CMD_START,
	OCI_CMD_STATE,
	OCI_CMD_KILL,
	OCI_CMD_DELETE,
	OCI_CMD_RUN,
	OCI_CMD_LIST,
	OCI_CMD_SPEC,
	OCI_CMD_EXEC,
};

enum oci_log_format { OCI_LOG_TEXT, OCI_LOG_JSON };

struct oci_cli {
	/* global */
	const char *root; /* state directory, OCI_ROOT_DEFAULT */
	const char *log;  /* NULL: stderr only */
	enum oci_log_format log_format;
	bool debug, version, help;
	enum oci_cmd cmd;
	const char *cmd_name;
	/* subcommand */
	const char *id;
	const char *bundle; /* create/run/spec: NULL means the current directory */
	const char *pid_file;
	const char *console_socket;
	bool detach;	    /* run, exec */
	bool force;	    /* delete */
	bool all;	    /* kill --all */
	bool rootless;	    /* spec --rootless */
	bool quiet;	    /* list -q */
	bool json;	    /* list --format json */
	const char *signal; /* kill: name or number, default "SIGTERM" */
	int preserve_fds;   /* create/run/exec --preserve-fds N */
	/* exec */
	const char *process; /* --process FILE */
	bool tty, no_new_privs;
	const char *cwd, *user;
	const char *env[OCI_CLI_MAX_ENV];
	unsigned n_env;
	char *const *args; /* exec: COMMAND [ARGS...] after the ID, NULL-terminated */
	int n_args;
};

/* Is this an OCI invocation (a subcommand or a global runtime option as the
 * first argument) rather than minictr's own `minictr [OPTIONS] ROOTFS CMD`? */
bool oci_cli_is_oci(int argc, char *const argv[]);

/* Fill c from argv (argv[0] the program). 0, or -EINVAL with one line. */
int oci_cli_parse(int argc, char *const argv[], struct oci_cli *c, struct err *e);

/* A signal name ("KILL", "SIGKILL", "sigterm") or number into its number. */
int oci_signal_parse(const char *s, int *sig, struct err *e);

/* A container ID runc would accept: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most
 * 1024 bytes (it names a directory). */
int oci_id_check(const char *id, struct err *e);

void oci_usage(const char *prog);

#endif
