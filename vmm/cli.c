#include "vmm/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/size.h"

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_APPEND,
	OPT_MEM,
	OPT_CPUS,
	OPT_CONSOLE,
	OPT_UUID,
	OPT_BOOT_TIME,
	OPT_DISK,
	OPT_NET,
	OPT_VERSION,
	OPT_TIMEOUT,
	OPT_CHECK_HOST,
	OPT_ALLOW_EMULATED_KVM,
	OPT_NO_REBOOT,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_SECCOMP,
	OPT_JAIL,
	OPT_UID,
	OPT_GID,
	OPT_JAIL_MEM,
	OPT_JAIL_CPUS,
	OPT_API_SOCK,
	OPT_RESTORE,
};

static const struct option long_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "uuid", required_argument, NULL, OPT_UUID },
	{ "boot-time", no_argument, NULL, OPT_BOOT_TIME },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "no-reboot", no_argument, NULL, OPT_NO_REBOOT },
	{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "jail", required_argument, NULL, OPT_JAIL },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "gid", required_argument, NULL, OPT_GID },
	{ "jail-mem", required_argument, NULL, OPT_JAIL_MEM },
	{ "jail-cpus", required_argument, NULL, OPT_JAIL_CPUS },
	{ "api-sock", required_argument, NULL, OPT_API_SOCK },
	{ "restore", required_argument, NULL, OPT_RESTORE },
	{ "check-host", no_argument, NULL, OPT_CHECK_HOST },
	{ "allow-emulated-kvm", no_argument, NULL, OPT_ALLOW_EMULATED_KVM },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

const char *cli_usage(void)
{
	return "usage: minivmm --kernel BZIMAGE|VMLINUX [options]\n"
	       "       minivmm --check-host\n"
	       "\n"
	       "Boot a Linux kernel in a KVM virtual machine.\n"
	       "\n"
	       "  --kernel PATH        Linux x86-64 bzImage, or an ELF vmlinux with a PVH\n"
	       "                       entry (booted without decompression; required)\n"
	       "  --initrd PATH        initramfs to load with the kernel\n"
	       "  --append \"ARGS\"      kernel command line, default:\n"
	       "                       \"" CLI_DEFAULT_CMDLINE "\"\n"
	       "  --mem SIZE           guest RAM, suffix K, M, G or T (default 512M, min 16M)\n"
	       "  --cpus N             vCPUs, 1 to 64 and at most the host's KVM limit (default 1)\n"
	       "  --console MODE       stdio (default), none, or file=PATH: where the serial\n"
	       "                       console (COM1) goes. On a terminal: Ctrl-A x quits,\n"
	       "                       Ctrl-A p presses the power button (the guest shuts\n"
	       "                       down in order), Ctrl-A Ctrl-A sends Ctrl-A.\n"
	       "  --disk PATH[,ro][,cache=writeback|unsafe][,serial=ID]\n"
	       "                       virtio-blk disk from a raw image, repeatable (up to 16);\n"
	       "                       cache=unsafe ignores guest flushes (scratch disks only)\n"
	       "  --net tap=NAME[,mac=MAC]\n"
	       "                       virtio-net NIC on a TAP interface, repeatable (up to 8)\n"
	       "  --uuid UUID          the VM's identity (default: a random UUID, shown with -v)\n"
	       "  --boot-time          print \"minivmm: boot-time-ms=N\" on stderr when the guest\n"
	       "                       writes 123 to I/O port 0x3f0 (its init has started)\n"
	       "  --timeout SECONDS    stop the VM when the guest has not ended it SECONDS\n"
	       "                       after minivmm started (whole seconds, 1 or more)\n"
	       "  --no-reboot          exit when the guest resets the machine (reboot, triple\n"
	       "                       fault) instead of booting it again\n"
	       "  --shutdown-timeout SECONDS\n"
	       "                       SIGTERM or Ctrl-A p presses the ACPI power button; stop\n"
	       "                       the VM if the guest has not powered off SECONDS later\n"
	       "                       (default 15; 0 stops at once). A second SIGTERM, or\n"
	       "                       SIGINT, stops at once.\n"
	       "  --seccomp on|off     per-thread seccomp filters (default on): a system call\n"
	       "                       outside a thread's list kills minivmm with SIGSYS\n"
	       "                       (status 159); off is for debugging and says so\n"
	       "  --jail DIR           once everything is open, run the VMM as PID 1 of new\n"
	       "                       PID, mount, IPC and UTS namespaces with DIR as its\n"
	       "                       root, no capabilities, --uid/--gid and no_new_privs\n"
	       "                       (needs root); the guest's devices work as before\n"
	       "  --uid N, --gid N     the unprivileged user and group of --jail (numbers, not\n"
	       "                       0; required with --jail)\n"
	       "  --jail-mem SIZE      memory.max of the jailed VMM's cgroup; guest RAM counts,\n"
	       "                       so SIZE must exceed --mem (cgroup v2)\n"
	       "  --jail-cpus N        cpu.max of the jailed VMM's cgroup, in CPUs (0.5, 2)\n"
	       "  --api-sock PATH      control API: HTTP/1.1 with JSON on a Unix socket at PATH\n"
	       "                       (mode 0600, removed on exit): GET /vm, GET /metrics,\n"
	       "                       PUT /vm/pause, /vm/resume, /vm/shutdown, /vm/stop\n"
	       "                       (docs/api.md)\n"
	       "  --restore DIR        start the VM saved in DIR by PUT /vm/snapshot (its\n"
	       "                       memory mapped copy-on-write; kernel, disks and TAPs\n"
	       "                       reopened by the paths and names it recorded); no\n"
	       "                       --kernel, --initrd, --append, --mem, --cpus, --disk,\n"
	       "                       --net or --uuid with it\n"
	       "  --check-host         print one line on the KVM this host offers; exit 0\n"
	       "                       when a stock guest kernel runs at hardware speed\n"
	       "  --allow-emulated-kvm run even on a /dev/kvm without VT-x/AMD-V behind it\n"
	       "                       (kvm_pvm): for PVM-enabled guest kernels only\n"
	       "  -v, --verbose        log VM setup and unclaimed device accesses\n"
	       "  -h, --help           show this help\n"
	       "  --version            show the version\n"
	       "\n"
	       "Guest ports: a byte N written to I/O port 0xf4 stops the VM and minivmm exits\n"
	       "with status N.\n"
	       "Exit status: 0 when the guest powers off, N from the exit port,\n"
	       "1 on a runtime failure (including a host whose KVM cannot run a stock\n"
	       "kernel at hardware speed), 2 on a usage error or invalid input file,\n"
	       "121 when --timeout stopped the VM, 122 when the guest kernel panicked,\n"
	       "123 when the guest reset the machine with --no-reboot, 120 after\n"
	       "PUT /vm/stop on the API socket, 128+N after\n"
	       "signal N (143: the guest did not power off within --shutdown-timeout;\n"
	       "159: SIGSYS, a system call the seccomp filters forbid).\n";
}

/* A plain decimal count in [min, max] for option opt (--cpus, --timeout). */
static int parse_count(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out,
		       struct err *e)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return err_set(e, EINVAL, "%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		return err_set(e, EINVAL, "%s: %s is out of range (%u to %u)", opt, s, min, max);
	*out = (unsigned)v;
	return 0;
}

/* A numeric user or group id for --jail: never 0 (the jail's point is to
 * leave root) nor -1 (no id). Names would need NSS in a static binary. */
static int parse_id(const char *opt, const char *s, uint32_t *out, bool *given, struct err *e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || s[0] < '0' || s[0] > '9')
		return err_set(e, EINVAL, "%s: '%s' is not a number (give the numeric id)", opt, s);
	if (v == 0)
		return err_set(e, EINVAL, "%s: 0 is root: the jail runs the VMM unprivileged", opt);
	if (v >= UINT32_MAX)
		return err_set(e, EINVAL, "%s: %s is out of range (1 to %u)", opt, s,
			       UINT32_MAX - 1);
	*out = (uint32_t)v;
	*given = true;
	return 0;
}

static int parse_jail_mem(const char *s, uint64_t *out, struct err *e)
{
	int r = parse_size(s, out, e);

	if (r < 0)
		return err_wrap(e, "--jail-mem");
	if (*out == 0)
		return err_set(e, EINVAL, "--jail-mem: size must not be zero");
	return 0;
}

/* The jail's options only make sense together. */
static int check_jail(const struct vmm_options *o, struct err *e)
{
	if (!o->jail_dir) {
		if (o->jail_uid_given || o->jail_gid_given || o->jail_mem || o->jail_cpu_millis)
			return err_set(e, EINVAL,
				       "--uid, --gid, --jail-mem and --jail-cpus need --jail DIR");
		return 0;
	}
	if (!o->jail_uid_given || !o->jail_gid_given)
		return err_set(e, EINVAL, "--jail needs --uid and --gid (the user to run as)");
	if (o->jail_mem && o->jail_mem <= o->mem)
		return err_set(e, EINVAL,
			       "--jail-mem %llu MiB must exceed --mem %llu MiB: guest RAM is "
			       "charged to the VMM",
			       (unsigned long long)(o->jail_mem >> 20),
			       (unsigned long long)(o->mem >> 20));
	return 0;
}

static int parse_mem(const char *s, uint64_t *out, struct err *e)
{
	int r = parse_size(s, out, e);

	if (r < 0)
		return err_wrap(e, "--mem");
	if (*out == 0)
		return err_set(e, EINVAL, "--mem: size must not be zero");
	if (*out < CLI_MIN_MEM)
		return err_set(e, EINVAL, "--mem: %s is too small (minimum 16M)", s);
	if (*out > CLI_MAX_MEM)
		return err_set(e, EINVAL, "--mem: %s is too large (maximum 1T)", s);
	if (*out & ((1ull << 20) - 1))
		return err_set(e, EINVAL, "--mem: %s is not a whole number of MiB", s);
	return 0;
}

/* A Unix socket path fits sun_path with its NUL; the file system is not
 * touched here (vmm/api.c binds it before /dev/kvm is opened). */
static int parse_api_sock(const char *s, struct vmm_options *o, struct err *e)
{
	if (!*s)
		return err_set(e, EINVAL, "--api-sock: empty path");
	if (strlen(s) > CLI_MAX_API_SOCK_PATH)
		return err_set(e, EINVAL,
			       "--api-sock: path of %zu bytes is too long for a Unix socket "
			       "(at most %d)",
			       strlen(s), CLI_MAX_API_SOCK_PATH);
	o->api_sock = s;
	return 0;
}

static int parse_console(const char *s, struct vmm_options *o, struct err *e)
{
	if (!strcmp(s, "stdio")) {
		o->console = CONSOLE_STDIO;
	} else if (!strcmp(s, "none")) {
		o->console = CONSOLE_NONE;
	} else if (!strncmp(s, "file=", 5) && s[5]) {
		o->console = CONSOLE_FILE;
		o->console_path = s + 5;
	} else {
		return err_set(e, EINVAL, "--console: '%s' is not stdio, none or file=PATH", s);
	}
	return 0;
}

static int add_spec(const char **list, unsigned *n, unsigned max, const char *what,
		    const char *spec, struct err *e)
{
	if (*n == max)
		return err_set(e, EINVAL, "%s: at most %u allowed", what, max);
	if (!*spec)
		return err_set(e, EINVAL, "%s: empty argument", what);
	list[(*n)++] = spec;
	return 0;
}

/* Options that describe the VM itself: a snapshot brings its own. */
static bool defines_vm(int c)
{
	switch (c) {
	case OPT_KERNEL:
	case OPT_INITRD:
	case OPT_APPEND:
	case OPT_MEM:
	case OPT_CPUS:
	case OPT_UUID:
	case OPT_DISK:
	case OPT_NET: return true;
	default: return false;
	}
}

static int parse_one(int c, const char *arg, struct vmm_options *o, struct err *e)
{
	if (defines_vm(c) && !o->vm_option)
		o->vm_option = c == OPT_KERNEL ? "--kernel" :
			       c == OPT_INITRD ? "--initrd" :
			       c == OPT_APPEND ? "--append" :
			       c == OPT_MEM    ? "--mem" :
			       c == OPT_CPUS   ? "--cpus" :
			       c == OPT_UUID   ? "--uuid" :
			       c == OPT_DISK   ? "--disk" :
						 "--net";
	switch (c) {
	case OPT_KERNEL: o->kernel = arg; return 0;
	case OPT_INITRD: o->initrd = arg; return 0;
	case OPT_APPEND: o->cmdline = arg; return 0;
	case OPT_MEM: return parse_mem(arg, &o->mem, e);
	case OPT_CPUS: return parse_count("--cpus", arg, 1, 64, &o->cpus, e);
	case OPT_TIMEOUT:
		return parse_count("--timeout", arg, 1, CLI_MAX_TIMEOUT, &o->timeout_s, e);
	case OPT_SHUTDOWN_TIMEOUT:
		return parse_count("--shutdown-timeout", arg, 0, CLI_MAX_SHUTDOWN_TIMEOUT,
				   &o->shutdown_timeout_s, e);
	case OPT_NO_REBOOT: o->no_reboot = true; return 0;
	case OPT_SECCOMP:
		if (strcmp(arg, "on") && strcmp(arg, "off"))
			return err_set(e, EINVAL, "--seccomp: '%s' is not on or off", arg);
		o->seccomp = !strcmp(arg, "on");
		return 0;
	case OPT_CONSOLE: return parse_console(arg, o, e);
	case OPT_JAIL:
		if (!*arg)
			return err_set(e, EINVAL, "--jail: empty directory");
		o->jail_dir = arg;
		return 0;
	case OPT_UID: return parse_id("--uid", arg, &o->jail_uid, &o->jail_uid_given, e);
	case OPT_GID: return parse_id("--gid", arg, &o->jail_gid, &o->jail_gid_given, e);
	case OPT_JAIL_MEM: return parse_jail_mem(arg, &o->jail_mem, e);
	case OPT_JAIL_CPUS: return parse_cpu_millis("--jail-cpus", arg, &o->jail_cpu_millis, e);
	case OPT_UUID:
		if (uuid_parse(arg, o->uuid) < 0)
			return err_set(e, EINVAL, "--uuid: '%s' is not a UUID", arg);
		o->uuid_given = true;
		return 0;
	case OPT_BOOT_TIME: o->boot_time = true; return 0;
	case OPT_API_SOCK: return parse_api_sock(arg, o, e);
	case OPT_RESTORE:
		if (!*arg)
			return err_set(e, EINVAL, "--restore: empty directory");
		o->restore_dir = arg;
		return 0;
	case OPT_DISK: return add_spec(o->disks, &o->ndisks, CLI_MAX_DISKS, "--disk", arg, e);
	case OPT_NET: return add_spec(o->nics, &o->nnics, CLI_MAX_NICS, "--net", arg, e);
	case 'v': o->verbose = true; return 0;
	case 'h': o->action = CLI_HELP; return 0;
	case OPT_VERSION: o->action = CLI_VERSION; return 0;
	case OPT_CHECK_HOST: o->action = CLI_CHECK_HOST; return 0;
	case OPT_ALLOW_EMULATED_KVM: o->allow_emulated_kvm = true; return 0;
	default: return -EINVAL;
	}
}

int cli_parse(int argc, char **argv, struct vmm_options *o, struct err *e)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->cmdline = CLI_DEFAULT_CMDLINE;
	o->mem = CLI_DEFAULT_MEM;
	o->cpus = 1;
	o->console = CONSOLE_STDIO;
	o->shutdown_timeout_s = CLI_DEFAULT_SHUTDOWN_TIMEOUT;
	o->seccomp = true;
	optind = 1;
	opterr = 0; /* we word the errors ourselves */
	while ((c = getopt_long(argc, argv, ":vh", long_options, NULL)) != -1) {
		int r;

		if (c == '?')
			return err_set(e, EINVAL, "unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return err_set(e, EINVAL, "option '%s' needs an argument",
				       argv[optind - 1]);
		r = parse_one(c, optarg, o, e);
		if (r < 0)
			return r;
	}
	if (optind < argc)
		return err_set(e, EINVAL, "unexpected argument '%s'", argv[optind]);
	if (o->action != CLI_RUN)
		return 0;
	if (o->restore_dir && o->vm_option)
		return err_set(e, EINVAL,
			       "--restore takes the VM (kernel, memory, CPUs, disks, NICs, UUID) "
			       "from the snapshot: drop %s",
			       o->vm_option);
	if (o->restore_dir)
		return check_jail(o, e) < 0 ? -e->code : 0;
	if (!o->kernel)
		return err_set(e, EINVAL, "--kernel is required (see --help)");
	if (check_jail(o, e) < 0)
		return -e->code;
	if (!o->uuid_given)
		uuid_generate(o->uuid);
	return 0;
}
