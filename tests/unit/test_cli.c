/* minivmm command-line parsing: defaults, every option, every bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/cli.h"

#include <errno.h>

/* getopt wants char **; the literals are never written through it. */
static char *arg(const char *s)
{
	return (char *)(uintptr_t)s;
}

static int parse_args(struct vmm_options *o, struct err *e, const char *const *args)
{
	char *argv[64] = { arg("minivmm") };
	int argc = 1;

	while (*args && argc < 63)
		argv[argc++] = arg(*args++);
	argv[argc] = NULL;
	return cli_parse(argc, argv, o, e);
}

#define PARSE(o, e, ...) parse_args((o), (e), (const char *const[]){ __VA_ARGS__, NULL })

static void defaults(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--kernel", "bz"), 0);
	assert_int_equal(o.action, CLI_RUN);
	assert_string_equal(o.kernel, "bz");
	assert_null(o.initrd);
	assert_int_equal(o.mem, 512ull << 20);
	assert_int_equal(o.cpus, 1);
	assert_int_equal(o.console, CONSOLE_STDIO);
	assert_string_equal(o.cmdline, CLI_DEFAULT_CMDLINE);
	assert_non_null(strstr(o.cmdline, "console=ttyS0"));
	assert_false(o.boot_time);
	assert_false(o.allow_emulated_kvm);
	assert_int_equal(o.timeout_s, 0); /* no deadline */
	assert_int_equal(o.shutdown_timeout_s, CLI_DEFAULT_SHUTDOWN_TIMEOUT);
	assert_false(o.no_reboot);
	assert_true(o.seccomp);			    /* the sandbox is on unless asked */
	assert_null(strstr(o.cmdline, "acpi=off")); /* a full OS: ACPI on */
	assert_false(o.uuid_given);
	assert_false(uuid_is_null(o.uuid)); /* generated */
}

static void all_options(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };
	char uuid[37];

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--initrd", "i", "--append", "a b", "--mem",
			       "2G", "--cpus", "64", "--console", "file=/tmp/x", "--uuid",
			       "0b5e8f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "--boot-time", "-v",
			       "--disk", "d1", "--disk", "d2,ro", "--net", "tap=t0"),
			 0);
	assert_string_equal(o.initrd, "i");
	assert_string_equal(o.cmdline, "a b");
	assert_int_equal(o.mem, 2ull << 30);
	assert_int_equal(o.cpus, 64);
	assert_int_equal(o.console, CONSOLE_FILE);
	assert_string_equal(o.console_path, "/tmp/x");
	assert_true(o.uuid_given);
	uuid_unparse_lower(o.uuid, uuid);
	assert_string_equal(uuid, "0b5e8f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
	assert_true(o.boot_time);
	assert_true(o.verbose);
	assert_int_equal(o.ndisks, 2);
	assert_string_equal(o.disks[1], "d2,ro");
	assert_int_equal(o.nnics, 1);

	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--console", "none"), 0);
	assert_int_equal(o.console, CONSOLE_NONE);
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--mem", "1024m"), 0);
	assert_int_equal(o.mem, 1ull << 30);
}

static void help_and_version(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--help"), 0);
	assert_int_equal(o.action, CLI_HELP);
	assert_int_equal(PARSE(&o, &e, "-h"), 0);
	assert_int_equal(o.action, CLI_HELP);
	assert_int_equal(PARSE(&o, &e, "--version"), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_non_null(strstr(cli_usage(), "--boot-time"));
	assert_non_null(strstr(cli_usage(), "0xf4"));
	assert_non_null(strstr(cli_usage(), "121 when --timeout"));
	assert_non_null(strstr(cli_usage(), "--allow-emulated-kvm"));
}

/* --check-host needs no kernel; the other options still parse around it. */
static void check_host(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--check-host"), 0);
	assert_int_equal(o.action, CLI_CHECK_HOST);
	assert_int_equal(PARSE(&o, &e, "--check-host", "-v"), 0);
	assert_int_equal(o.action, CLI_CHECK_HOST);
	assert_int_equal(PARSE(&o, &e, "--check-host", "extra"), -EINVAL);
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--allow-emulated-kvm"), 0);
	assert_int_equal(o.action, CLI_RUN);
	assert_true(o.allow_emulated_kvm);
}

static void timeout(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--timeout", "1"), 0);
	assert_int_equal(o.timeout_s, 1);
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--timeout", "600"), 0);
	assert_int_equal(o.timeout_s, 600);
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--timeout=31536000"), 0);
	assert_int_equal(o.timeout_s, CLI_MAX_TIMEOUT);
	/* The last one given counts, like every other single-valued option. */
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--timeout", "5", "--timeout", "7"), 0);
	assert_int_equal(o.timeout_s, 7);
}

static void power_options(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--no-reboot", "--shutdown-timeout", "0"),
			 0);
	assert_true(o.no_reboot);
	assert_int_equal(o.shutdown_timeout_s, 0);
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--shutdown-timeout=3600"), 0);
	assert_int_equal(o.shutdown_timeout_s, CLI_MAX_SHUTDOWN_TIMEOUT);
	assert_non_null(strstr(cli_usage(), "Ctrl-A p"));
	assert_non_null(strstr(cli_usage(), "122 when the guest kernel panicked"));
	assert_non_null(strstr(cli_usage(), "123 when the guest reset"));
}

static void seccomp_option(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--seccomp=off"), 0);
	assert_false(o.seccomp);
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--seccomp", "off", "--seccomp", "on"), 0);
	assert_true(o.seccomp); /* the last one counts */
	assert_non_null(strstr(cli_usage(), "--seccomp on|off"));
	assert_non_null(strstr(cli_usage(), "159: SIGSYS"));
}

static void jail_options(void **state)
{
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--kernel", "k"), 0);
	assert_null(o.jail_dir);
	assert_int_equal(PARSE(&o, &e, "--kernel", "k", "--mem", "256M", "--jail", "/srv/j",
			       "--uid", "4294967294", "--gid", "123", "--jail-mem", "300M",
			       "--jail-cpus", "1.5"),
			 0);
	assert_string_equal(o.jail_dir, "/srv/j");
	assert_int_equal(o.jail_uid, 4294967294u);
	assert_int_equal(o.jail_gid, 123);
	assert_int_equal(o.jail_mem, 300ull << 20);
	assert_int_equal(o.jail_cpu_millis, 1500);
	assert_non_null(strstr(cli_usage(), "--jail DIR"));
}

struct bad_case {
	const char *argv[12];
	const char *message;
};

static void bad_inputs(void **state)
{
	static const struct bad_case cases[] = {
		{ { "--mem", "1G" }, "--kernel is required" },
		{ { "--kernel", "k", "--mem", "0" }, "must not be zero" },
		{ { "--kernel", "k", "--mem", "12Q" }, "invalid size" },
		{ { "--kernel", "k", "--mem", "-5M" }, "invalid size" },
		{ { "--kernel", "k", "--mem", "" }, "empty size" },
		{ { "--kernel", "k", "--mem", "99999999999999999999" }, "too large" },
		{ { "--kernel", "k", "--mem", "8M" }, "too small" },
		{ { "--kernel", "k", "--mem", "2T" }, "too large" },
		{ { "--kernel", "k", "--mem", "1000K" }, "too small" },
		{ { "--kernel", "k", "--mem", "20000K" }, "whole number of MiB" },
		{ { "--kernel", "k", "--cpus", "0" }, "out of range" },
		{ { "--kernel", "k", "--cpus", "65" }, "out of range" },
		{ { "--kernel", "k", "--cpus", "-1" }, "not a number" },
		{ { "--kernel", "k", "--cpus", "2x" }, "not a number" },
		{ { "--kernel", "k", "--cpus", "" }, "not a number" },
		{ { "--kernel", "k", "--console", "tty" }, "--console" },
		{ { "--kernel", "k", "--console", "file=" }, "--console" },
		{ { "--kernel", "k", "--uuid", "xyz" }, "not a UUID" },
		{ { "--kernel", "k", "--frob" }, "unknown option '--frob'" },
		{ { "--kernel", "k", "-q" }, "unknown option" },
		{ { "--kernel" }, "needs an argument" },
		{ { "--kernel", "k", "extra" }, "unexpected argument 'extra'" },
		{ { "--kernel", "k", "--disk", "" }, "empty" },
		{ { "--kernel", "k", "--timeout", "0" }, "--timeout: 0 is out of range" },
		{ { "--kernel", "k", "--timeout", "-1" }, "--timeout: '-1' is not a number" },
		{ { "--kernel", "k", "--timeout", "abc" }, "--timeout: 'abc' is not a number" },
		{ { "--kernel", "k", "--timeout", "" }, "--timeout: '' is not a number" },
		{ { "--kernel", "k", "--timeout", "1.5" }, "not a number" },
		{ { "--kernel", "k", "--timeout", "10s" }, "not a number" },
		{ { "--kernel", "k", "--timeout", "31536001" }, "out of range" },
		{ { "--kernel", "k", "--timeout", "99999999999999999999" }, "not a number" },
		{ { "--kernel", "k", "--timeout" }, "needs an argument" },
		{ { "--kernel", "k", "--shutdown-timeout", "3601" },
		  "--shutdown-timeout: 3601 is out of range (0 to 3600)" },
		{ { "--kernel", "k", "--shutdown-timeout", "-1" }, "not a number" },
		{ { "--kernel", "k", "--no-reboot=1" }, "--no-reboot" },
		{ { "--kernel", "k", "--check-host=yes" }, "unknown option" },
		{ { "--kernel", "k", "--seccomp=maybe" }, "--seccomp: 'maybe' is not on or off" },
		{ { "--kernel", "k", "--seccomp", "" }, "--seccomp: '' is not on or off" },
		{ { "--kernel", "k", "--seccomp=OFF" }, "is not on or off" },
		{ { "--kernel", "k", "--seccomp" }, "needs an argument" },
		{ { "--kernel", "k", "--jail", "/j" }, "--jail needs --uid and --gid" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "5" },
		  "--jail needs --uid and --gid" },
		{ { "--kernel", "k", "--jail", "" }, "--jail: empty directory" },
		{ { "--kernel", "k", "--uid", "5", "--gid", "5" }, "need --jail DIR" },
		{ { "--kernel", "k", "--jail-mem", "1G" }, "need --jail DIR" },
		{ { "--kernel", "k", "--jail-cpus", "1" }, "need --jail DIR" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "0", "--gid", "5" },
		  "--uid: 0 is root" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "5", "--gid", "0" },
		  "--gid: 0 is root" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "nobody", "--gid", "5" },
		  "--uid: 'nobody' is not a number" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "-5", "--gid", "5" },
		  "--uid: '-5' is not a number" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "4294967295", "--gid", "5" },
		  "out of range" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "5", "--gid", "5", "--jail-mem",
		    "512M" },
		  "--jail-mem 512 MiB must exceed --mem 512 MiB" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "5", "--gid", "5", "--jail-mem",
		    "0" },
		  "--jail-mem: size must not be zero" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "5", "--gid", "5", "--jail-cpus",
		    "0" },
		  "--jail-cpus: must be more than 0" },
		{ { "--kernel", "k", "--jail", "/j", "--uid", "5", "--gid", "5", "--jail-cpus",
		    "1.2345" },
		  "--jail-cpus: '1.2345' has more than 3 decimals" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmm_options o;
		struct err e = { 0 };

		assert_true(parse_args(&o, &e, cases[i].argv) < 0);
		if (!strstr(e.msg, cases[i].message))
			fail_msg("case %zu: '%s' does not contain '%s'", i, e.msg,
				 cases[i].message);
	}
}

static void too_many_disks(void **state)
{
	const char *args[3 + 2 * (CLI_MAX_DISKS + 1)];
	int n = 0;
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	args[n++] = "--kernel";
	args[n++] = "k";
	for (int i = 0; i <= CLI_MAX_DISKS; i++) {
		args[n++] = "--disk";
		args[n++] = "img";
	}
	args[n] = NULL;
	assert_int_equal(parse_args(&o, &e, args), -EINVAL);
	assert_non_null(strstr(e.msg, "at most 16"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),	    cmocka_unit_test(all_options),
		cmocka_unit_test(help_and_version), cmocka_unit_test(check_host),
		cmocka_unit_test(timeout),	    cmocka_unit_test(power_options),
		cmocka_unit_test(bad_inputs),	    cmocka_unit_test(too_many_disks),
		cmocka_unit_test(seccomp_option),   cmocka_unit_test(jail_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
