/* The OCI runtime command line (oci_cli.h). getopt_long twice: the global
 * options up to the subcommand, then the subcommand's own; both stop at the
 * first operand, as runc's parser does. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tools/minictr/oci_cli.h"

struct cmd_def {
	const char *name;
	enum oci_cmd cmd;
	int n_ids; /* operands: 1 = ID, 0 = none */
};

static const struct cmd_def CMDS[] = {
	{ "create", OCI_CMD_CREATE, 1 }, { "start", OCI_CMD_START, 1 },
	{ "state", OCI_CMD_STATE, 1 },	 { "kill", OCI_CMD_KILL, 1 },
	{ "delete", OCI_CMD_DELETE, 1 }, { "run", OCI_CMD_RUN, 1 },
	{ "list", OCI_CMD_LIST, 0 },	 { "spec", OCI_CMD_SPEC, 0 },
	{ "exec", OCI_CMD_EXEC, 1 },
};

enum {
	O_ROOT = 256,
	O_LOG,
	O_LOG_FORMAT,
	O_DEBUG,
	O_SYSTEMD_CGROUP,
	O_ROOTLESS,
	O_CRIU,
	O_PID_FILE,
	O_CONSOLE_SOCKET,
	O_NO_PIVOT,
	O_NO_NEW_KEYRING,
	O_PRESERVE_FDS,
	O_CWD,
	O_NO_NEW_PRIVS,
	O_FORMAT,
};

static const struct option GLOBAL_OPTS[] = {
	{ "root", required_argument, NULL, O_ROOT },
	{ "log", required_argument, NULL, O_LOG },
	{ "log-format", required_argument, NULL, O_LOG_FORMAT },
	{ "debug", no_argument, NULL, O_DEBUG },
	{ "systemd-cgroup", no_argument, NULL, O_SYSTEMD_CGROUP },
	{ "rootless", required_argument, NULL, O_ROOTLESS },
	{ "criu", required_argument, NULL, O_CRIU },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option SUB_OPTS[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, O_PID_FILE },
	{ "console-socket", required_argument, NULL, O_CONSOLE_SOCKET },
	{ "no-pivot", no_argument, NULL, O_NO_PIVOT },
	{ "no-new-keyring", no_argument, NULL, O_NO_NEW_KEYRING },
	{ "preserve-fds", required_argument, NULL, O_PRESERVE_FDS },
	{ "detach", no_argument, NULL, 'd' },
	{ "force", no_argument, NULL, 'f' },
	{ "all", no_argument, NULL, 'a' },
	{ "rootless", no_argument, NULL, O_ROOTLESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "process", required_argument, NULL, 'p' },
	{ "tty", no_argument, NULL, 't' },
	{ "cwd", required_argument, NULL, O_CWD },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "no-new-privs", no_argument, NULL, O_NO_NEW_PRIVS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct cmd_def *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(CMDS) / sizeof(CMDS[0]); i++)
		if (strcmp(CMDS[i].name, name) == 0)
			return &CMDS[i];
	return NULL;
}

bool oci_cli_is_oci(int argc, char *const argv[])
{
	static const char *const global[] = {
		"--root",     "--log",	"--log-format", "--debug", "--systemd-cgroup",
		"--rootless", "--criu", "--version",	"-v"
	};
	const char *a;

	if (argc < 2)
		return false;
	a = argv[1];
	if (find_cmd(a))
		return true;
	for (size_t i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
		size_t n = strlen(global[i]);
		if (strncmp(a, global[i], n) == 0 && (a[n] == '\0' || a[n] == '='))
			return true;
	}
	return false;
}

int oci_id_check(const char *id, struct err *e)
{
	size_t n = strlen(id);

	if (n == 0 || n > 1024)
		return err_set(e, EINVAL, "container ID must be 1 to 1024 characters");
	if (!isalnum((unsigned char)id[0]))
		return err_set(e, EINVAL, "container ID '%s': must start with a letter or digit",
			       id);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (!isalnum(ch) && !strchr("_.+-", ch))
			return err_set(
				e, EINVAL,
				"container ID '%s': only letters, digits and _ . + - allowed", id);
	}
	return 0;
}

static const struct {
	const char *name;
	int sig;
} SIGNALS[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },	 { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
	{ "FPE", SIGFPE },	 { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	 { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },	 { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },	 { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int oci_signal_parse(const char *s, int *sig, struct err *e)
{
	const char *name = s;
	char *end;
	long n;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *end || n < 1 || n > SIGRTMAX)
			return err_set(e, EINVAL, "signal '%s': not a signal number", s);
		*sig = (int)n;
		return 0;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(SIGNALS) / sizeof(SIGNALS[0]); i++) {
		if (strcasecmp(name, SIGNALS[i].name) == 0) {
			*sig = SIGNALS[i].sig;
			return 0;
		}
	}
	return err_set(e, EINVAL, "signal '%s': unknown", s);
}

static int parse_global(int argc, char *const argv[], struct oci_cli *c, struct err *e)
{
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:hv", GLOBAL_OPTS, NULL)) != -1) {
		switch (opt) {
		case O_ROOT: c->root = optarg; break;
		case O_LOG: c->log = optarg; break;
		case O_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				c->log_format = OCI_LOG_JSON;
			else if (strcmp(optarg, "text") == 0)
				c->log_format = OCI_LOG_TEXT;
			else
				return err_set(e, EINVAL, "--log-format '%s': want text or json",
					       optarg);
			break;
		case O_DEBUG: c->debug = true; break;
		case O_SYSTEMD_CGROUP:
			return err_set(e, EINVAL,
				       "--systemd-cgroup: not supported (minictr manages cgroupfs "
				       "paths itself; use the cgroupfs manager)");
		case O_ROOTLESS:
			if (strcmp(optarg, "true") && strcmp(optarg, "false") &&
			    strcmp(optarg, "auto"))
				return err_set(e, EINVAL,
					       "--rootless '%s': want true, false or auto", optarg);
			break;
		case O_CRIU:
			return err_set(e, EINVAL, "--criu: checkpoint/restore is not supported");
		case 'v': c->version = true; break;
		case 'h': c->help = true; break;
		case ':': return err_set(e, EINVAL, "%s needs a value", argv[optind - 1]);
		default: return err_set(e, EINVAL, "unknown option %s", argv[optind - 1]);
		}
	}
	return optind;
}

static int parse_uint_opt(const char *s, const char *what, int *out, struct err *e)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 65536)
		return err_set(e, EINVAL, "%s '%s': want a number from 0 to 65536", what, s);
	*out = (int)v;
	return 0;
}

/* Is the option meaningful for this subcommand? */
static bool option_allowed(enum oci_cmd cmd, int opt)
{
	switch (opt) {
	case 'b': return cmd == OCI_CMD_CREATE || cmd == OCI_CMD_RUN || cmd == OCI_CMD_SPEC;
	case O_PID_FILE:
	case O_CONSOLE_SOCKET:
	case O_PRESERVE_FDS:
		return cmd == OCI_CMD_CREATE || cmd == OCI_CMD_RUN || cmd == OCI_CMD_EXEC;
	case O_NO_PIVOT:
	case O_NO_NEW_KEYRING: return cmd == OCI_CMD_CREATE || cmd == OCI_CMD_RUN;
	case 'd': return cmd == OCI_CMD_RUN || cmd == OCI_CMD_EXEC;
	case 'f': return cmd == OCI_CMD_DELETE;
	case 'a': return cmd == OCI_CMD_KILL;
	case O_ROOTLESS: return cmd == OCI_CMD_SPEC;
	case 'q':
	case O_FORMAT: return cmd == OCI_CMD_LIST;
	case 'p':
	case 't':
	case O_CWD:
	case 'e':
	case 'u':
	case O_NO_NEW_PRIVS: return cmd == OCI_CMD_EXEC;
	case 'h': return true;
	default: return false;
	}
}

static int apply_sub(int opt, struct oci_cli *c, struct err *e)
{
	switch (opt) {
	case 'b': c->bundle = optarg; return 0;
	case O_PID_FILE: c->pid_file = optarg; return 0;
	case O_CONSOLE_SOCKET: c->console_socket = optarg; return 0;
	case O_NO_PIVOT:
	case O_NO_NEW_KEYRING: return 0; /* our behaviour either way: see oci_usage */
	case O_PRESERVE_FDS: return parse_uint_opt(optarg, "--preserve-fds", &c->preserve_fds, e);
	case 'd': c->detach = true; return 0;
	case 'f': c->force = true; return 0;
	case 'a': c->all = true; return 0;
	case O_ROOTLESS: c->rootless = true; return 0;
	case 'q': c->quiet = true; return 0;
	case O_FORMAT:
		if (strcmp(optarg, "json") && strcmp(optarg, "table"))
			return err_set(e, EINVAL, "--format '%s': want table or json", optarg);
		c->json = strcmp(optarg, "json") == 0;
		return 0;
	case 'p': c->process = optarg; return 0;
	case 't': c->tty = true; return 0;
	case O_CWD: c->cwd = optarg; return 0;
	case 'e':
		if (c->n_env >= OCI_CLI_MAX_ENV)
			return err_set(e, EINVAL, "--env: at most %d", OCI_CLI_MAX_ENV);
		if (!strchr(optarg, '='))
			return err_set(e, EINVAL, "--env '%s': want NAME=VALUE", optarg);
		c->env[c->n_env++] = optarg;
		return 0;
	case 'u': c->user = optarg; return 0;
	case O_NO_NEW_PRIVS: c->no_new_privs = true; return 0;
	case 'h': c->help = true; return 0;
	default: return err_set(e, EINVAL, "internal: option %d", opt);
	}
}

static int parse_sub(int argc, char *const argv[], const struct cmd_def *d, struct oci_cli *c,
		     struct err *e)
{
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:b:dfaqp:te:u:h", SUB_OPTS, NULL)) != -1) {
		if (opt == ':')
			return err_set(e, EINVAL, "%s: %s needs a value", d->name,
				       argv[optind - 1]);
		if (opt == '?' || !option_allowed(d->cmd, opt))
			return err_set(e, EINVAL, "%s: unknown option %s", d->name,
				       argv[optind - 1]);
		if ((r = apply_sub(opt, c, e)) < 0)
			return err_wrap(e, "%s", d->name);
	}
	return optind;
}

static int take_operands(int argc, char *const argv[], int i, const struct cmd_def *d,
			 struct oci_cli *c, struct err *e)
{
	if (d->n_ids == 0) {
		if (i < argc)
			return err_set(e, EINVAL, "%s: unexpected argument '%s'", d->name, argv[i]);
		return 0;
	}
	if (i >= argc)
		return err_set(e, EINVAL, "%s: missing the container ID", d->name);
	c->id = argv[i++];
	if (oci_id_check(c->id, e) < 0)
		return -EINVAL;
	if (d->cmd == OCI_CMD_KILL && i < argc) {
		int sig;
		c->signal = argv[i++];
		if (oci_signal_parse(c->signal, &sig, e) < 0)
			return err_wrap(e, "kill");
	}
	if (d->cmd == OCI_CMD_EXEC) {
		c->args = argv + i;
		c->n_args = argc - i;
		if (c->n_args == 0 && !c->process)
			return err_set(e, EINVAL, "exec: a command or --process FILE is needed");
		if (c->n_args > 0 && c->process)
			return err_set(e, EINVAL, "exec: a command and --process are exclusive");
		return 0;
	}
	if (i < argc)
		return err_set(e, EINVAL, "%s: unexpected argument '%s'", d->name, argv[i]);
	return 0;
}

int oci_cli_parse(int argc, char *const argv[], struct oci_cli *c, struct err *e)
{
	const struct cmd_def *d;
	int i, n;

	memset(c, 0, sizeof(*c));
	c->root = OCI_ROOT_DEFAULT;
	c->signal = "SIGTERM";
	if ((i = parse_global(argc, argv, c, e)) < 0)
		return i;
	if (i >= argc) {
		if (!c->version && !c->help)
			return err_set(e, EINVAL, "no command given (see --help)");
		return 0;
	}
	if (!(d = find_cmd(argv[i])))
		return err_set(e, EINVAL, "unknown command '%s' (see --help)", argv[i]);
	c->cmd = d->cmd;
	c->cmd_name = d->name;
	if ((n = parse_sub(argc - i, argv + i, d, c, e)) < 0)
		return n;
	if (c->help)
		return 0;
	if (c->root[0] != '/')
		return err_set(e, EINVAL, "--root '%s': must be an absolute path", c->root);
	return take_operands(argc, argv, i + n, d, c, e);
}

void oci_usage(const char *prog)
{
	printf("Usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS] [ID] (the OCI runtime command line)\n"
	       "Global options:\n"
	       "  --root DIR          container state (default " OCI_ROOT_DEFAULT ")\n"
	       "  --log FILE          also log errors to FILE\n"
	       "  --log-format text|json\n"
	       "  --debug             log each step\n"
	       "  --version           print the version and the OCI spec version\n"
	       "Commands:\n"
	       "  create [--bundle DIR] [--pid-file F] [--console-socket S] ID\n"
	       "                      set the container up; its process waits for start\n"
	       "  start ID            run the created container's process\n"
	       "  run [--bundle DIR] [--detach] [--pid-file F] [--console-socket S] ID\n"
	       "                      create and start; without --detach wait, clean up,\n"
	       "                      exit with the process's status\n"
	       "  state ID            the OCI state as JSON\n"
	       "  kill [--all] ID [SIGNAL]   default SIGTERM\n"
	       "  delete [--force] ID remove a stopped (or, forced, any) container\n"
	       "  list [--format table|json] [--quiet]\n"
	       "  spec [--bundle DIR] [--rootless]   write a default config.json\n"
	       "  exec [--process F | CMD ARGS...] [--tty] [--env K=V] [--cwd D]\n"
	       "       [--user UID[:GID]] [--detach] [--pid-file F] [--console-socket S] ID\n"
	       "--no-pivot and --no-new-keyring are accepted: minictr pivots unless the root\n"
	       "is an initramfs, and never creates a session keyring.\n"
	       "The simple form, %s [OPTIONS] ROOTFS COMMAND, is described by %s --help.\n",
	       prog, prog, prog);
}
