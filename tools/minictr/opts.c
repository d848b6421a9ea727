#include "tools/minictr/opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/size.h"

struct ns_name {
	const char *name;
	unsigned bit;
	const char *what;
};

static const struct ns_name ns_names[] = {
	{ "user", CTR_NS_USER, "root inside maps to an unprivileged host id range" },
	{ "pid", CTR_NS_PID, "own process tree, COMMAND's init is PID 1" },
	{ "mount", CTR_NS_MOUNT, "own mount table, pivot_root into the rootfs (always on)" },
	{ "uts", CTR_NS_UTS, "own hostname" },
	{ "ipc", CTR_NS_IPC, "own SysV IPC and POSIX message queues" },
	{ "net", CTR_NS_NET, "own network stack (loopback only unless --net bridge=)" },
	{ "cgroup", CTR_NS_CGROUP, "own view of /sys/fs/cgroup and /proc/self/cgroup" },
};

void ctr_usage(const char *prog, int to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	fprintf(f,
		"usage: %s [options] --rootfs DIR|TARBALL -- COMMAND [ARGS...]\n"
		"Run COMMAND in a container: a throwaway writable layer over the rootfs image.\n"
		"\n"
		"  --rootfs PATH         image: a directory or a tar archive (unpacked into a cache once)\n"
		"  --hostname NAME       container hostname (default: minictr)\n"
		"  -e, --env K=V         set an environment variable (repeatable)\n"
		"  -w, --workdir DIR     working directory inside the container (default: /)\n"
		"  -v, --volume HOST:CTR[:ro|:rw]  bind mount a host path (repeatable)\n"
		"  --mem SIZE            memory limit, K/M/G/T suffixes (cgroup v2 memory.max, no swap)\n"
		"  --tmp-size SIZE       size of the writable layer (a tmpfs; default 1G)\n"
		"  -t, --tty             COMMAND on a pseudo-terminal of its own (minictr relays it)\n"
		"  --seccomp default|unconfined  the default seccomp filter, or none\n"
		"  --cpus N              CPU limit, fractional allowed (cgroup v2 cpu.max)\n"
		"  --pids N              process limit (cgroup v2 pids.max)\n"
		"  --io-weight N         block I/O weight 1..10000 (cgroup v2 io.weight)\n"
		"  --net none|bridge=BR[,ip=A.B.C.D/N][,gw=A.B.C.D]\n"
		"                        no network but loopback (default), or eth0: a veth pair\n"
		"                        attached to host bridge BR, with an address and route\n"
		"  --map-root ID[:N]     host id range for the user namespace (default: 100000:65536\n"
		"                        as root, else the caller's own uid/gid)\n"
		"  --no-init             exec COMMAND itself as PID 1 (no reaping init)\n"
		"  --boot-time           print 'minictr: boot-time-ms=N' (start to exec of COMMAND)\n"
		"  --mem-report          print the container's peak memory from its cgroup at exit\n"
		"  --verbose             say what is set up and what is skipped\n"
		"  -h, --help            this text\n"
		"\n"
		"Namespaces (all on by default; --no-NAME turns one off):\n",
		prog);
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		fprintf(f, "  %-8s %s\n", ns_names[i].name, ns_names[i].what);
	fprintf(f,
		"\nExit status: COMMAND's, or 128+N when it died of signal N; 125 when minictr fails.\n");
}

int ctr_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what,
		   struct err *e)
{
	uint64_t v = 0;

	if (!s || !*s)
		return err_set(e, EINVAL, "%s: empty value", what);
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return err_set(e, EINVAL, "%s: '%s' is not a decimal number", what, s);
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return err_set(e, ERANGE, "%s: '%s' is too large", what, s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return err_set(e, ERANGE, "%s: %s is out of range %llu..%llu", what, s,
			       (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

/* True when a path component is "..": a volume must not escape the rootfs. */
static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2) {
		bool starts = p == path || p[-1] == '/';
		bool ends = p[2] == '\0' || p[2] == '/';
		if (starts && ends)
			return true;
	}
	return false;
}

int ctr_parse_volume(char *spec, struct ctr_volume *v, struct err *e)
{
	char *ctr, *mode;

	ctr = strchr(spec, ':');
	if (!ctr)
		return err_set(e, EINVAL, "volume '%s': expected HOST:CTR[:ro]", spec);
	*ctr++ = '\0';
	mode = strchr(ctr, ':');
	if (mode)
		*mode++ = '\0';
	v->host = spec;
	v->ctr = ctr;
	v->readonly = false;
	if (spec[0] != '/' || ctr[0] != '/')
		return err_set(e, EINVAL, "volume '%s:%s': both paths must be absolute", spec, ctr);
	if (has_dotdot(ctr))
		return err_set(e, EINVAL, "volume target '%s' must not contain '..'", ctr);
	if (!strcmp(ctr, "/"))
		return err_set(e, EINVAL, "volume target must not be /");
	if (mode) {
		if (!strcmp(mode, "ro"))
			v->readonly = true;
		else if (strcmp(mode, "rw"))
			return err_set(e, EINVAL, "volume '%s:%s': mode '%s' is not ro or rw", spec,
				       ctr, mode);
	}
	return 0;
}

static int parse_ip4(const char *s, uint32_t *addr, unsigned *prefix, struct err *e)
{
	char buf[32];
	char *slash;
	uint64_t p = 32;
	struct in_addr a;

	if (strlen(s) >= sizeof(buf))
		return err_set(e, EINVAL, "--net: bad address '%s'", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!prefix || ctr_parse_uint(slash + 1, 1, 32, &p, "--net prefix length", e) < 0)
			return err_set(e, EINVAL, "--net: bad address '%s'", s);
	} else if (prefix) {
		return err_set(e, EINVAL, "--net: address '%s' needs a /prefix", s);
	}
	if (inet_pton(AF_INET, buf, &a) != 1 || a.s_addr == 0)
		return err_set(e, EINVAL, "--net: bad address '%s'", s);
	*addr = a.s_addr;
	if (prefix)
		*prefix = (unsigned)p;
	return 0;
}

/* none | bridge=NAME[,ip=A.B.C.D/N][,gw=A.B.C.D]; splits val in place. */
static int parse_net(char *s, struct ctr_opts *o, struct err *e)
{
	char *opt, *next;
	int r;

	o->bridge = NULL;
	o->ip4 = o->gw4 = 0;
	if (!strcmp(s, "none"))
		return 0;
	if (strncmp(s, "bridge=", 7))
		return err_set(e, EINVAL, "--net '%s': expected none or bridge=NAME", s);
	next = strchr(s, ',');
	if (next)
		*next++ = '\0';
	size_t n = strlen(s + 7);
	if (n == 0 || n >= 16)
		return err_set(e, EINVAL, "--net %s: bridge name must be 1..15 characters", s);
	if (strchr(s + 7, '/') || strchr(s + 7, ' '))
		return err_set(e, EINVAL, "--net %s: invalid bridge name", s);
	o->bridge = s + 7;
	while ((opt = next) != NULL) {
		next = strchr(opt, ',');
		if (next)
			*next++ = '\0';
		if (!strncmp(opt, "ip=", 3))
			r = parse_ip4(opt + 3, &o->ip4, &o->ip4_prefix, e);
		else if (!strncmp(opt, "gw=", 3))
			r = parse_ip4(opt + 3, &o->gw4, NULL, e);
		else
			r = err_set(e, EINVAL, "--net: unknown setting '%s' (ip= or gw=)", opt);
		if (r < 0)
			return r;
	}
	if (o->gw4 && !o->ip4)
		return err_set(e, EINVAL, "--net: gw= needs ip=");
	return 0;
}

static int parse_map_root(const char *s, struct ctr_opts *o, struct err *e)
{
	char buf[64];
	char *colon;
	uint64_t id, count = 65536;
	int r;

	if (strlen(s) >= sizeof(buf))
		return err_set(e, EINVAL, "--map-root '%s': too long", s);
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		r = ctr_parse_uint(colon + 1, 1, UINT32_MAX, &count, "--map-root count", e);
		if (r < 0)
			return r;
	}
	r = ctr_parse_uint(buf, 0, UINT32_MAX - 1, &id, "--map-root id", e);
	if (r < 0)
		return r;
	if (id + count - 1 > UINT32_MAX - 1)
		return err_set(e, ERANGE, "--map-root '%s': range goes past 4294967294", s);
	o->map_host_id = (uint32_t)id;
	o->map_count = (uint32_t)count;
	o->map_set = true;
	return 0;
}

static bool ns_flag(const char *arg, struct ctr_opts *o)
{
	if (strncmp(arg, "--no-", 5))
		return false;
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		if (!strcmp(arg + 5, ns_names[i].name)) {
			o->namespaces &= ~ns_names[i].bit;
			return true;
		}
	}
	return false;
}

/* Options that take a value, as "--opt VALUE" or "--opt=VALUE". */
static const char *const valued[] = {
	"--rootfs", "--hostname", "--env",	"-e",	     "--workdir", "-w",
	"--volume", "-v",	  "--mem",	"--cpus",    "--pids",	  "--io-weight",
	"--net",    "--map-root", "--tmp-size", "--seccomp",
};

static int apply(struct ctr_opts *o, const char *opt, char *val, struct err *e)
{
	if (!strcmp(opt, "--rootfs"))
		o->rootfs = val;
	else if (!strcmp(opt, "--hostname")) {
		if (!*val || strlen(val) > 64)
			return err_set(e, EINVAL, "--hostname: must be 1..64 characters");
		o->hostname = val;
	} else if (!strcmp(opt, "--env") || !strcmp(opt, "-e")) {
		if (!strchr(val, '=') || val[0] == '=')
			return err_set(e, EINVAL, "--env '%s': expected K=V", val);
		if (o->n_env >= CTR_MAX_ENV)
			return err_set(e, E2BIG, "--env: more than %d variables", CTR_MAX_ENV);
		o->env[o->n_env++] = val;
	} else if (!strcmp(opt, "--workdir") || !strcmp(opt, "-w")) {
		if (val[0] != '/')
			return err_set(e, EINVAL, "--workdir '%s': must be an absolute path", val);
		o->workdir = val;
	} else if (!strcmp(opt, "--volume") || !strcmp(opt, "-v")) {
		if (o->n_vols >= CTR_MAX_VOLUMES)
			return err_set(e, E2BIG, "-v: more than %d volumes", CTR_MAX_VOLUMES);
		return ctr_parse_volume(val, &o->vols[o->n_vols++], e);
	} else if (!strcmp(opt, "--mem")) {
		int r = parse_size(val, &o->mem_bytes, e);
		if (r < 0)
			return err_wrap(e, "--mem");
		if (o->mem_bytes < 1024 * 1024)
			return err_set(e, ERANGE, "--mem %s: must be at least 1M", val);
	} else if (!strcmp(opt, "--seccomp")) {
		if (strcmp(val, "unconfined") && strcmp(val, "default"))
			return err_set(e, EINVAL, "--seccomp '%s': expected default or unconfined",
				       val);
		o->unconfined = !strcmp(val, "unconfined");
	} else if (!strcmp(opt, "--tmp-size")) {
		int r = parse_size(val, &o->tmp_bytes, e);
		if (r < 0)
			return err_wrap(e, "--tmp-size");
		if (o->tmp_bytes < 1024 * 1024)
			return err_set(e, ERANGE, "--tmp-size %s: must be at least 1M", val);
	} else if (!strcmp(opt, "--cpus"))
		return parse_cpu_millis("--cpus", val, &o->cpu_millis, e);
	else if (!strcmp(opt, "--pids"))
		return ctr_parse_uint(val, 1, 4194304, &o->pids_max, "--pids", e);
	else if (!strcmp(opt, "--io-weight"))
		return ctr_parse_uint(val, 1, 10000, &o->io_weight, "--io-weight", e);
	else if (!strcmp(opt, "--net"))
		return parse_net(val, o, e);
	else if (!strcmp(opt, "--map-root"))
		return parse_map_root(val, o, e);
	return 0;
}

static int parse_one(int argc, char *const argv[], int *i, struct ctr_opts *o, struct err *e)
{
	char *arg = argv[*i];
	char *eq = NULL;
	char opt[32];

	if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
		o->help = true;
	else if (!strcmp(arg, "--boot-time"))
		o->boot_time = true;
	else if (!strcmp(arg, "--mem-report"))
		o->mem_report = true;
	else if (!strcmp(arg, "--verbose"))
		o->verbose = true;
	else if (!strcmp(arg, "-t") || !strcmp(arg, "--tty"))
		o->tty = true;
	else if (!strcmp(arg, "--no-init"))
		o->init = false;
	else if (!strcmp(arg, "--no-mount"))
		return err_set(e, EINVAL, "--no-mount: the mount namespace cannot be turned off");
	else if (ns_flag(arg, o))
		return 0;
	else {
		if (arg[0] == '-' && arg[1] == '-' && (eq = strchr(arg, '=')) != NULL) {
			if ((size_t)(eq - arg) >= sizeof(opt))
				return err_set(e, EINVAL, "unknown option '%s'", arg);
			memcpy(opt, arg, (size_t)(eq - arg));
			opt[eq - arg] = '\0';
		} else if (strlen(arg) < sizeof(opt)) {
			strcpy(opt, arg);
		} else {
			return err_set(e, EINVAL, "unknown option '%s'", arg);
		}
		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
			if (strcmp(opt, valued[k]))
				continue;
			if (eq)
				return apply(o, opt, eq + 1, e);
			if (*i + 1 >= argc)
				return err_set(e, EINVAL, "option %s needs a value", opt);
			*i += 1;
			return apply(o, opt, argv[*i], e);
		}
		return err_set(e, EINVAL, "unknown option '%s' (see --help)", arg);
	}
	return 0;
}

int ctr_parse_args(int argc, char *const argv[], struct ctr_opts *o, struct err *e)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->namespaces = CTR_NS_ALL;
	o->init = true;
	o->tmp_bytes = CTR_TMP_DEFAULT;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-') /* first non-option starts COMMAND */
			break;
		int r = parse_one(argc, argv, &i, o, e);
		if (r < 0)
			return r;
		if (o->help)
			return 0;
	}
	if (!o->rootfs)
		return err_set(e, EINVAL, "missing --rootfs DIR|TARBALL (see --help)");
	if (i >= argc)
		return err_set(e, EINVAL, "missing COMMAND after the options (see --help)");
	if (o->bridge && !(o->namespaces & CTR_NS_NET))
		return err_set(e, EINVAL,
			       "--net bridge= needs the network namespace (drop --no-net)");
	if (o->map_set && !(o->namespaces & CTR_NS_USER))
		return err_set(e, EINVAL, "--map-root needs the user namespace (drop --no-user)");
	o->argv = &argv[i];
	return 0;
}
