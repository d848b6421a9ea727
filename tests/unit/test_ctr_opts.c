/* minictr option parsing: every option and every bad input. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tools/minictr/opts.h"

#define MAXARGS 80

/* argv built from writable copies: the volume parser splits in place. */
struct args {
	char store[MAXARGS][128];
	char *argv[MAXARGS + 1];
	int argc;
};

static void mk(struct args *a, const char *const *words)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->store[0], sizeof(a->store[0]), "minictr");
	a->argv[0] = a->store[0];
	a->argc = 1;
	for (; *words; words++, a->argc++) {
		snprintf(a->store[a->argc], sizeof(a->store[0]), "%s", *words);
		a->argv[a->argc] = a->store[a->argc];
	}
	a->argv[a->argc] = NULL;
}

static int parse(struct args *a, struct ctr_opts *o, struct err *e, const char *const *words)
{
	mk(a, words);
	err_clear(e);
	return ctr_parse_args(a->argc, a->argv, o, e);
}

#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void expect_bad(const char *const *words, const char *msg_part)
{
	struct args a;
	struct ctr_opts o;
	struct err e;
	int r = parse(&a, &o, &e, words);

	if (r == 0 || !strstr(e.msg, msg_part))
		fprintf(stderr, "r=%d msg='%s' wanted '%s'\n", r, e.msg, msg_part);
	assert_true(r < 0);
	assert_non_null(strstr(e.msg, msg_part));
}

/* OPT VALUE given with an otherwise valid command line. */
static void bad_value(const char *opt, const char *val, const char *msg_part)
{
	expect_bad(WORDS(opt, val, "--rootfs", "/r", "x"), msg_part);
}

static void test_minimal(void **state)
{
	struct args a;
	struct ctr_opts o;
	struct err e;

	(void)state;
	assert_int_equal(parse(&a, &o, &e, WORDS("--rootfs", "/img", "--", "/bin/sh", "-c", "x")),
			 0);
	assert_string_equal(o.rootfs, "/img");
	assert_string_equal(o.argv[0], "/bin/sh");
	assert_string_equal(o.argv[1], "-c");
	assert_string_equal(o.argv[2], "x");
	assert_null(o.argv[3]);
	assert_int_equal(o.namespaces, CTR_NS_ALL);
	assert_true(o.init);
	assert_null(o.bridge);
	assert_true(o.mem_bytes == 0 && o.cpu_millis == 0 && o.pids_max == 0 && o.io_weight == 0);
	assert_true(o.tmp_bytes == 1ull << 30); /* the writable layer is always bounded */
	assert_false(o.tty);
	assert_false(o.unconfined); /* the seccomp filter is on by default */
	/* COMMAND may also start at the first non-option, and options after it are its own. */
	assert_int_equal(parse(&a, &o, &e, WORDS("--rootfs=/img", "ls", "--help")), 0);
	assert_false(o.help);
	assert_string_equal(o.argv[0], "ls");
	assert_string_equal(o.argv[1], "--help");
}

static void test_all_options(void **state)
{
	struct args a;
	struct ctr_opts o;
	struct err e;

	(void)state;
	assert_int_equal(
		parse(&a, &o, &e,
		      WORDS("--rootfs", "/img.tar", "--hostname", "box", "-e", "A=1", "--env=B=x=y",
			    "-w", "/srv", "-v", "/h:/c", "--volume", "/h2:/c2:ro", "--mem", "32M",
			    "--cpus", "1.5", "--pids", "16", "--io-weight", "200", "--net",
			    "bridge=br0", "--map-root", "200000:1000", "--no-init", "--boot-time",
			    "--mem-report", "--verbose", "--no-ipc", "--no-cgroup", "--tmp-size",
			    "64M", "-t", "--seccomp", "unconfined", "--", "true")),
		0);
	assert_string_equal(o.hostname, "box");
	assert_int_equal(o.n_env, 2);
	assert_string_equal(o.env[0], "A=1");
	assert_string_equal(o.env[1], "B=x=y");
	assert_string_equal(o.workdir, "/srv");
	assert_int_equal(o.n_vols, 2);
	assert_string_equal(o.vols[0].host, "/h");
	assert_string_equal(o.vols[0].ctr, "/c");
	assert_false(o.vols[0].readonly);
	assert_string_equal(o.vols[1].ctr, "/c2");
	assert_true(o.vols[1].readonly);
	assert_true(o.mem_bytes == 32ull << 20);
	assert_true(o.tmp_bytes == 64ull << 20);
	assert_true(o.tty);
	assert_true(o.unconfined);
	assert_true(o.cpu_millis == 1500);
	assert_true(o.pids_max == 16);
	assert_true(o.io_weight == 200);
	assert_string_equal(o.bridge, "br0");
	assert_true(o.map_set);
	assert_int_equal(o.map_host_id, 200000);
	assert_int_equal(o.map_count, 1000);
	assert_false(o.init);
	assert_true(o.boot_time && o.mem_report && o.verbose);
	assert_int_equal(o.namespaces, CTR_NS_ALL & ~(CTR_NS_IPC | CTR_NS_CGROUP));
}

static void test_namespace_flags(void **state)
{
	struct args a;
	struct ctr_opts o;
	struct err e;

	(void)state;
	assert_int_equal(parse(&a, &o, &e,
			       WORDS("--no-user", "--no-pid", "--no-uts", "--no-net", "--rootfs",
				     "/r", "x")),
			 0);
	assert_int_equal(o.namespaces, CTR_NS_MOUNT | CTR_NS_IPC | CTR_NS_CGROUP);
	expect_bad(WORDS("--no-mount", "--rootfs", "/r", "x"), "cannot be turned off");
	expect_bad(WORDS("--no-time", "--rootfs", "/r", "x"), "unknown option");
}

static void test_help(void **state)
{
	struct args a;
	struct ctr_opts o;
	struct err e;

	(void)state;
	assert_int_equal(parse(&a, &o, &e, WORDS("--help")), 0);
	assert_true(o.help);
	assert_int_equal(parse(&a, &o, &e, WORDS("-h")), 0);
	assert_true(o.help);
}

static void test_bad_usage(void **state)
{
	(void)state;
	expect_bad(WORDS("true"), "missing --rootfs");
	expect_bad(WORDS("--rootfs", "/r"), "missing COMMAND");
	expect_bad(WORDS("--rootfs", "/r", "--"), "missing COMMAND");
	expect_bad(WORDS("--rootfs"), "needs a value");
	expect_bad(WORDS("--bogus", "--rootfs", "/r", "x"), "unknown option");
	expect_bad(WORDS("-x", "--rootfs", "/r", "x"), "unknown option");
	expect_bad(WORDS("--a-very-long-option-name-that-is-unknown=1", "x"), "unknown option");
	expect_bad(WORDS("--net", "bridge=br0", "--no-net", "--rootfs", "/r", "x"),
		   "network namespace");
	expect_bad(WORDS("--map-root", "1000", "--no-user", "--rootfs", "/r", "x"),
		   "user namespace");
}

static void test_bad_values(void **state)
{
	(void)state;
	bad_value("--mem", "", "--mem");
	bad_value("--mem", "12Q", "--mem");
	bad_value("--mem", "-1M", "--mem");
	bad_value("--mem", "0", "at least 1M");
	bad_value("--mem", "99999999999T", "too large");
	bad_value("--tmp-size", "12Q", "--tmp-size");
	bad_value("--tmp-size", "512K", "at least 1M");
	bad_value("--seccomp", "off", "default or unconfined");
	bad_value("--cpus", "0", "more than 0");
	bad_value("--cpus", "abc", "--cpus");
	bad_value("--cpus", "1.", "--cpus");
	bad_value("--cpus", ".5", "--cpus");
	bad_value("--cpus", "0.0001", "3 decimals");
	bad_value("--cpus", "-1", "--cpus");
	bad_value("--cpus", "2000000", "too large");
	bad_value("--pids", "0", "out of range");
	bad_value("--pids", "16x", "not a decimal");
	bad_value("--pids", "", "empty");
	bad_value("--pids", "99999999999999999999999", "too large");
	bad_value("--io-weight", "0", "out of range");
	bad_value("--io-weight", "10001", "out of range");
	bad_value("--net", "host", "none or bridge=");
	bad_value("--net", "bridge=", "1..15");
	bad_value("--net", "bridge=abcdefghijklmnop", "1..15");
	bad_value("--net", "bridge=a/b", "invalid bridge");
	bad_value("--env", "NOEQUALS", "K=V");
	bad_value("--env", "=v", "K=V");
	bad_value("--workdir", "rel", "absolute");
	bad_value("--hostname", "", "1..64");
	bad_value("--map-root", "x", "--map-root id");
	bad_value("--map-root", "1:0", "out of range");
	bad_value("--map-root", "4294967000:1000", "range goes past");
}

static void test_net(void **state)
{
	struct args a;
	struct ctr_opts o;
	struct err e;

	(void)state;
	assert_int_equal(parse(&a, &o, &e,
			       WORDS("--net", "bridge=br0,ip=10.0.0.2/24,gw=10.0.0.1", "--rootfs",
				     "/r", "x")),
			 0);
	assert_string_equal(o.bridge, "br0");
	assert_true(o.ip4 == htonl(0x0a000002));
	assert_int_equal(o.ip4_prefix, 24);
	assert_true(o.gw4 == htonl(0x0a000001));
	/* The last --net wins, and none clears what an earlier one set. */
	assert_int_equal(parse(&a, &o, &e,
			       WORDS("--net", "bridge=br0,ip=10.0.0.2/24", "--net=none", "--rootfs",
				     "/r", "x")),
			 0);
	assert_null(o.bridge);
	assert_true(o.ip4 == 0);
	bad_value("--net", "bridge=br0,ip=10.0.0.2", "needs a /prefix");
	bad_value("--net", "bridge=br0,ip=10.0.0.2/33", "bad address");
	bad_value("--net", "bridge=br0,ip=10.0.0.2/0", "bad address");
	bad_value("--net", "bridge=br0,ip=300.0.0.2/24", "bad address");
	bad_value("--net", "bridge=br0,ip=0.0.0.0/8", "bad address");
	bad_value("--net", "bridge=br0,gw=10.0.0.1/24", "bad address");
	bad_value("--net", "bridge=br0,gw=10.0.0.1", "gw= needs ip=");
	bad_value("--net", "bridge=br0,mtu=9000", "unknown setting");
	bad_value("--net", "bridge=,ip=10.0.0.2/24", "1..15");
}

static void test_volumes(void **state)
{
	struct ctr_volume v;
	struct err e;
	char s1[] = "/a:/b:rw", s2[] = "/a", s3[] = "a:/b", s4[] = "/a:b", s5[] = "/a:/b:rx",
	     s6[] = "/a:/b/../etc", s7[] = "/a:/", s8[] = "/a:/..", s9[] = "/a:/b...c:ro";

	(void)state;
	assert_int_equal(ctr_parse_volume(s1, &v, &e), 0);
	assert_string_equal(v.host, "/a");
	assert_string_equal(v.ctr, "/b");
	assert_false(v.readonly);
	assert_int_equal(ctr_parse_volume(s9, &v, &e), 0);
	assert_string_equal(v.ctr, "/b...c");
	assert_true(v.readonly);
	assert_int_equal(ctr_parse_volume(s2, &v, &e), -EINVAL);
	assert_int_equal(ctr_parse_volume(s3, &v, &e), -EINVAL);
	assert_int_equal(ctr_parse_volume(s4, &v, &e), -EINVAL);
	assert_int_equal(ctr_parse_volume(s5, &v, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not ro or rw"));
	assert_int_equal(ctr_parse_volume(s6, &v, &e), -EINVAL);
	assert_non_null(strstr(e.msg, ".."));
	assert_int_equal(ctr_parse_volume(s7, &v, &e), -EINVAL);
	assert_int_equal(ctr_parse_volume(s8, &v, &e), -EINVAL);
}

static void test_limits_of_repeats(void **state)
{
	static struct args a;
	struct ctr_opts o;
	struct err e;
	char vol[CTR_MAX_VOLUMES + 1][16];
	const char *words[MAXARGS];
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= CTR_MAX_VOLUMES; i++) {
		snprintf(vol[i], sizeof(vol[i]), "/h:/c%d", i);
		words[n++] = "-v";
		words[n++] = vol[i];
	}
	words[n++] = "--rootfs";
	words[n++] = "/r";
	words[n++] = "x";
	words[n] = NULL;
	assert_int_equal(parse(&a, &o, &e, words), -E2BIG);
	assert_non_null(strstr(e.msg, "volumes"));
	/* Exactly the maximum is fine. */
	words[2 * CTR_MAX_VOLUMES] = "--rootfs";
	words[2 * CTR_MAX_VOLUMES + 1] = "/r";
	words[2 * CTR_MAX_VOLUMES + 2] = "x";
	words[2 * CTR_MAX_VOLUMES + 3] = NULL;
	assert_int_equal(parse(&a, &o, &e, words), 0);
	assert_int_equal(o.n_vols, CTR_MAX_VOLUMES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_namespace_flags),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad_usage),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_limits_of_repeats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
