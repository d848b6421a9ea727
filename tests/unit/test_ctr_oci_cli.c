/* minictr's OCI command line (runc's conventions): the forms podman, conmon
 * and containerd's shim use, and every refusal. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tools/minictr/oci_cli.h"

#define MAXARGS 40

struct args {
	char *argv[MAXARGS + 1];
	int argc;
};

/* argv from a NULL-terminated list (getopt permutes nothing with "+"). */
static struct args mk(const char *const *words)
{
	struct args a = { .argc = 0 };

	a.argv[a.argc++] = (char *)(uintptr_t) "minictr";
	for (; *words && a.argc < MAXARGS; words++)
		a.argv[a.argc++] = (char *)(uintptr_t)*words;
	a.argv[a.argc] = NULL;
	return a;
}

static int parse(const char *const *words, struct oci_cli *c, struct err *e)
{
	/* Static: c->args points into argv after we return. */
	static struct args a;

	a = mk(words);

	memset(e, 0, sizeof(*e));
	return oci_cli_parse(a.argc, a.argv, c, e);
}

#define PARSE_OK(c, ...)                                               \
	do {                                                           \
		static const char *const w_[] = { __VA_ARGS__, NULL }; \
		struct err e_;                                         \
		int r_ = parse(w_, (c), &e_);                          \
		if (r_ != 0)                                           \
			fail_msg("parse failed: %s", e_.msg);          \
	} while (0)

static void refused(const char *const *words, const char *needle)
{
	struct oci_cli c;
	struct err e;

	assert_int_equal(parse(words, &c, &e), -EINVAL);
	if (!strstr(e.msg, needle))
		fail_msg("error '%s' lacks '%s'", e.msg, needle);
}

#define REFUSED(needle, ...)                                           \
	do {                                                           \
		static const char *const w_[] = { __VA_ARGS__, NULL }; \
		refused(w_, needle);                                   \
	} while (0)

static void test_is_oci(void **state)
{
	(void)state;
	struct args a1 = mk((const char *const[]){ "create", "x", NULL });
	struct args a2 = mk((const char *const[]){ "--root=/r", "state", "x", NULL });
	struct args a3 = mk((const char *const[]){ "--log", "/l", "start", "x", NULL });
	struct args a4 = mk((const char *const[]){ "--mem", "64M", "/img", "sh", NULL });
	struct args a5 = mk((const char *const[]){ "/img", "true", NULL });
	struct args a6 = mk((const char *const[]){ "--version", NULL });
	struct args a7 = mk((const char *const[]){ "--rooted", NULL });

	assert_true(oci_cli_is_oci(a1.argc, a1.argv));
	assert_true(oci_cli_is_oci(a2.argc, a2.argv));
	assert_true(oci_cli_is_oci(a3.argc, a3.argv));
	assert_false(oci_cli_is_oci(a4.argc, a4.argv));
	assert_false(oci_cli_is_oci(a5.argc, a5.argv));
	assert_true(oci_cli_is_oci(a6.argc, a6.argv));
	assert_false(oci_cli_is_oci(a7.argc, a7.argv));
	assert_false(oci_cli_is_oci(1, a1.argv));
}

/* containerd's runc shim: global log options, create with bundle, pid file,
 * console socket. */
static void test_shim_create(void **state)
{
	struct oci_cli c;
	(void)state;

	PARSE_OK(&c, "--root", "/run/containerd/runc/default", "--log", "/b/log.json",
		 "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/b/init.pid",
		 "--console-socket", "/tmp/pty.sock", "--no-pivot", "ctr-1");
	assert_int_equal(c.cmd, OCI_CMD_CREATE);
	assert_string_equal(c.root, "/run/containerd/runc/default");
	assert_string_equal(c.log, "/b/log.json");
	assert_int_equal(c.log_format, OCI_LOG_JSON);
	assert_string_equal(c.bundle, "/b");
	assert_string_equal(c.pid_file, "/b/init.pid");
	assert_string_equal(c.console_socket, "/tmp/pty.sock");
	assert_string_equal(c.id, "ctr-1");
}

/* conmon's forms: --opt=value, -b, exec with --process and --detach. */
static void test_conmon_forms(void **state)
{
	struct oci_cli c;
	(void)state;

	PARSE_OK(&c, "--root=/run/r", "create", "-b", "/bundle", "--pid-file=/p", "abc123");
	assert_string_equal(c.root, "/run/r");
	assert_string_equal(c.bundle, "/bundle");
	assert_string_equal(c.pid_file, "/p");
	PARSE_OK(&c, "exec", "--pid-file", "/p", "--process", "/proc.json", "--detach", "abc");
	assert_int_equal(c.cmd, OCI_CMD_EXEC);
	assert_string_equal(c.process, "/proc.json");
	assert_true(c.detach);
	assert_int_equal(c.n_args, 0);
	PARSE_OK(&c, "exec", "-t", "-e", "A=1", "-e", "B=2", "--cwd", "/w", "-u", "1000:100", "abc",
		 "ls", "-l");
	assert_true(c.tty);
	assert_int_equal(c.n_env, 2);
	assert_string_equal(c.env[1], "B=2");
	assert_string_equal(c.cwd, "/w");
	assert_string_equal(c.user, "1000:100");
	assert_int_equal(c.n_args, 2);
	assert_string_equal(c.args[0], "ls");
	assert_string_equal(c.args[1], "-l");
	assert_null(c.args[2]);
}

static void test_other_commands(void **state)
{
	struct oci_cli c;
	(void)state;

	PARSE_OK(&c, "start", "x");
	assert_int_equal(c.cmd, OCI_CMD_START);
	assert_string_equal(c.root, OCI_ROOT_DEFAULT);
	PARSE_OK(&c, "kill", "x");
	assert_string_equal(c.signal, "SIGTERM");
	PARSE_OK(&c, "kill", "--all", "x", "KILL");
	assert_true(c.all);
	assert_string_equal(c.signal, "KILL");
	PARSE_OK(&c, "delete", "-f", "x");
	assert_true(c.force);
	PARSE_OK(&c, "list", "--format", "json");
	assert_true(c.json);
	PARSE_OK(&c, "list", "-q");
	assert_true(c.quiet);
	PARSE_OK(&c, "spec", "--rootless", "--bundle", "/b");
	assert_true(c.rootless);
	PARSE_OK(&c, "run", "-d", "--preserve-fds", "2", "x");
	assert_true(c.detach);
	assert_int_equal(c.preserve_fds, 2);
	PARSE_OK(&c, "--version");
	assert_true(c.version);
	assert_int_equal(c.cmd, OCI_CMD_NONE);
	PARSE_OK(&c, "state", "--help");
	assert_true(c.help);
}

static void test_refusals(void **state)
{
	(void)state;
	REFUSED("unknown command", "frobnicate", "x");
	REFUSED("missing the container ID", "start");
	REFUSED("unexpected argument", "start", "x", "y");
	REFUSED("unexpected argument", "list", "x");
	REFUSED("unknown option", "start", "--bundle", "/b", "x");
	REFUSED("unknown option", "delete", "--all", "x");
	REFUSED("needs a value", "create", "--pid-file");
	REFUSED("unexpected argument", "create", "x", "--pid-file", "/p");
	REFUSED("needs a value", "--root");
	REFUSED("--log-format", "--log-format", "xml", "state", "x");
	REFUSED("--systemd-cgroup", "--systemd-cgroup", "create", "x");
	REFUSED("--criu", "--criu", "/c", "state", "x");
	REFUSED("absolute", "--root", "rel", "state", "x");
	REFUSED("signal", "kill", "x", "SIGNOPE");
	REFUSED("exclusive", "exec", "--process", "/p", "x", "ls");
	REFUSED("a command or --process", "exec", "x");
	REFUSED("NAME=VALUE", "exec", "-e", "novalue", "x", "ls");
	REFUSED("--format", "list", "--format", "yaml");
	REFUSED("--preserve-fds", "run", "--preserve-fds", "-1", "x");
	REFUSED("no command", "--root", "/r");
	REFUSED("must start", "state", "_x");
	REFUSED("only letters", "state", "a/b");
	REFUSED("only letters", "state", "a b");
}

static void test_ids(void **state)
{
	char long_id[1100];
	struct err e;
	(void)state;

	assert_int_equal(oci_id_check("a", &e), 0);
	assert_int_equal(oci_id_check("0abc_DEF.1+2-3", &e), 0);
	assert_int_equal(oci_id_check("", &e), -EINVAL);
	assert_int_equal(oci_id_check(".hidden", &e), -EINVAL);
	assert_int_equal(oci_id_check("..", &e), -EINVAL);
	assert_int_equal(oci_id_check("a/../b", &e), -EINVAL);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(oci_id_check(long_id, &e), -EINVAL);
	long_id[1024] = '\0';
	assert_int_equal(oci_id_check(long_id, &e), 0);
}

static void test_signals(void **state)
{
	struct err e;
	int sig;
	(void)state;

	assert_int_equal(oci_signal_parse("KILL", &sig, &e), 0);
	assert_int_equal(sig, SIGKILL);
	assert_int_equal(oci_signal_parse("SIGTERM", &sig, &e), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(oci_signal_parse("sigusr1", &sig, &e), 0);
	assert_int_equal(sig, SIGUSR1);
	assert_int_equal(oci_signal_parse("9", &sig, &e), 0);
	assert_int_equal(sig, 9);
	assert_int_equal(oci_signal_parse("0", &sig, &e), -EINVAL);
	assert_int_equal(oci_signal_parse("65", &sig, &e), -EINVAL);
	assert_int_equal(oci_signal_parse("9x", &sig, &e), -EINVAL);
	assert_int_equal(oci_signal_parse("SIG", &sig, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_oci),	     cmocka_unit_test(test_shim_create),
		cmocka_unit_test(test_conmon_forms), cmocka_unit_test(test_other_commands),
		cmocka_unit_test(test_refusals),     cmocka_unit_test(test_ids),
		cmocka_unit_test(test_signals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
