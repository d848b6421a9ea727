/* A spec's process settings applied for real in a child process (the tests
 * run as root): user, groups, umask and capability sets as the spec gives
 * them, checked with getresuid/getgroups/capget and /proc/self/status;
 * resource limits; oom_score_adj. The capability plan is checked on its own. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/minictr/oci_proc.h"

#define BIT(c) (1ull << (c))

static void need_root(void)
{
	if (geteuid() != 0)
		fail_msg("this test needs root (uid 0 with CAP_SETUID, CAP_SETGID, CAP_SETPCAP); "
			 "it runs as uid %u",
			 (unsigned)geteuid());
}

/* Run checks() in a child; it returns 0 when all held, else a bit each. */
static void assert_child_ok(int (*checks)(void))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(checks());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A "Name:\tvalue" line of /proc/self/status, in base; ~0 when absent. */
static uint64_t status_field(const char *name, int base)
{
	char line[256];
	size_t n = strlen(name);
	uint64_t v = ~0ull;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':') {
			v = strtoull(line + n + 1, NULL, base);
			break;
		}
	fclose(f);
	return v;
}

static uint64_t status_hex(const char *name)
{
	return status_field(name, 16);
}

static uint64_t status_dec(const char *name)
{
	return status_field(name, 10);
}

static void test_plan(void **state)
{
	struct oci_caps caps = {
		.bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SYSLOG) | BIT(62),
		.effective = BIT(CAP_CHOWN) | BIT(CAP_SYSLOG) | BIT(62),
		.permitted = BIT(CAP_CHOWN) | BIT(CAP_SYSLOG) | BIT(CAP_KILL) | BIT(62),
		.inheritable = BIT(CAP_KILL),
		.ambient = BIT(CAP_KILL) | BIT(CAP_CHOWN) | BIT(CAP_SETUID),
	};
	struct oci_caps_plan p;
	uint64_t known = BIT(41) - 1; /* cap_last_cap 40 */

	(void)state;
	oci_caps_plan(&caps, 40, &p);
	/* Bits past the kernel's last capability are neither dropped nor set. */
	assert_int_equal(p.drop_bounding,
			 known & ~(BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SYSLOG)));
	assert_int_equal(p.effective, BIT(CAP_CHOWN) | BIT(CAP_SYSLOG));
	assert_int_equal(p.permitted, BIT(CAP_CHOWN) | BIT(CAP_SYSLOG) | BIT(CAP_KILL));
	assert_int_equal(p.inheritable, BIT(CAP_KILL));
	/* Ambient: only what is both permitted and inheritable. */
	assert_int_equal(p.ambient, BIT(CAP_KILL));
	/* capset's two words: CAP_SYSLOG (34) is bit 2 of the second. */
	assert_int_equal(p.data[0].effective, BIT(CAP_CHOWN));
	assert_int_equal(p.data[1].effective, BIT(CAP_SYSLOG - 32));
	assert_int_equal(p.data[0].permitted, BIT(CAP_CHOWN) | BIT(CAP_KILL));
	assert_int_equal(p.data[1].permitted, BIT(CAP_SYSLOG - 32));
	assert_int_equal(p.data[0].inheritable, BIT(CAP_KILL));
	assert_int_equal(p.data[1].inheritable, 0);

	/* A kernel that knows all 64: bit 62 kept. */
	oci_caps_plan(&caps, 63, &p);
	assert_int_equal(p.effective, BIT(CAP_CHOWN) | BIT(CAP_SYSLOG) | BIT(62));
	assert_int_equal(p.drop_bounding & BIT(62), 0);
	assert_int_equal(p.drop_bounding & BIT(63), BIT(63));

	/* No capabilities object: every set empty, every known one dropped. */
	oci_caps_plan(NULL, 40, &p);
	assert_int_equal(p.drop_bounding, known);
	assert_int_equal(p.effective | p.permitted | p.inheritable | p.ambient, 0);
	assert_int_equal(p.data[0].effective | p.data[1].permitted | p.data[1].inheritable, 0);
}

static void test_cap_last_cap(void **state)
{
	unsigned last = oci_cap_last_cap();

	(void)state;
	assert_true(last >= CAP_AUDIT_READ && last < 64);
	assert_true(prctl(PR_CAPBSET_READ, last, 0, 0, 0) >= 0);
	assert_int_equal(prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_rlimit_names(void **state)
{
	(void)state;
	assert_string_equal(oci_rlimit_name(RLIMIT_NOFILE), "RLIMIT_NOFILE");
	assert_string_equal(oci_rlimit_name(RLIMIT_RTTIME), "RLIMIT_RTTIME");
	assert_string_equal(oci_rlimit_name(RLIMIT_CPU), "RLIMIT_CPU");
	assert_string_equal(oci_rlimit_name(-1), "RLIMIT_?");
	assert_string_equal(oci_rlimit_name(99), "RLIMIT_?");
}

static int rlimits_applied(void)
{
	struct oci_rlimit rl[] = {
		{ .resource = RLIMIT_NOFILE, .soft = 100, .hard = 200 },
		{ .resource = RLIMIT_CORE, .soft = 0, .hard = 0 },
		{ .resource = RLIMIT_STACK, .soft = 4 << 20, .hard = UINT64_MAX },
	};
	struct oci_process p = { .rlimits = rl, .n_rlimits = 3 };
	struct rlimit got;
	struct err e;
	int bad = 0;

	getrlimit(RLIMIT_STACK, &got);
	if (got.rlim_max != RLIM_INFINITY)
		rl[2].hard = got.rlim_max; /* not raised: that needs CAP_SYS_RESOURCE */
	if (oci_proc_rlimits(&p, &e) < 0)
		return 0x40;
	if (getrlimit(RLIMIT_NOFILE, &got) < 0 || got.rlim_cur != 100 || got.rlim_max != 200)
		bad |= 0x01;
	if (getrlimit(RLIMIT_CORE, &got) < 0 || got.rlim_cur != 0 || got.rlim_max != 0)
		bad |= 0x02;
	if (getrlimit(RLIMIT_STACK, &got) < 0 || got.rlim_cur != 4 << 20 ||
	    got.rlim_max != rl[2].hard)
		bad |= 0x04;
	/* soft above hard: refused, the entry named. */
	rl[1].soft = 10;
	if (oci_proc_rlimits(&p, &e) != -EINVAL ||
	    strcmp(e.msg, "process.rlimits[1]: setrlimit RLIMIT_CORE soft 10 hard 0: "
			  "Invalid argument"))
		bad |= 0x08;
	return bad;
}

static void test_rlimits(void **state)
{
	(void)state;
	assert_child_ok(rlimits_applied);
}

static int read_oom_score_adj(void)
{
	char buf[16] = "";
	FILE *f = fopen("/proc/self/oom_score_adj", "re");

	if (!f)
		return -9999;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return atoi(buf);
}

static int oom_applied(void)
{
	struct oci_process p = { .oom_score_adj = 500, .has_oom_score_adj = true };
	struct err e;
	int bad = 0;

	if (oci_proc_oom_score_adj(&p, 0, &e) < 0 || read_oom_score_adj() != 500)
		bad |= 0x01;
	p.oom_score_adj = 600;
	if (oci_proc_oom_score_adj(&p, getpid(), &e) < 0 || read_oom_score_adj() != 600)
		bad |= 0x02;
	/* Not set in the spec: left as is. */
	p.oom_score_adj = 700;
	p.has_oom_score_adj = false;
	if (oci_proc_oom_score_adj(&p, 0, &e) < 0 || read_oom_score_adj() != 600)
		bad |= 0x04;
	/* Out of the kernel's range (-1000..1000): refused, the field named. */
	p.has_oom_score_adj = true;
	p.oom_score_adj = 5000;
	if (oci_proc_oom_score_adj(&p, 0, &e) != -EINVAL ||
	    strncmp(e.msg, "process.oomScoreAdj: write 5000", 31))
		bad |= 0x08;
	return bad;
}

static void test_oom_score_adj(void **state)
{
	(void)state;
	assert_child_ok(oom_applied);
}

static uint64_t cap_word_pair(const struct __user_cap_data_struct *d, size_t off)
{
	const char *lo = (const char *)&d[0] + off, *hi = (const char *)&d[1] + off;

	return (uint64_t) * (const uint32_t *)lo | (uint64_t) * (const uint32_t *)hi << 32;
}

static const uint64_t bnd = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) |
			    BIT(CAP_SYSLOG);
static const uint64_t prm = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYSLOG);
static const uint64_t inh = BIT(CAP_NET_BIND_SERVICE);

static int identity_applied(void)
{
	uint32_t gids[] = { 1001, 1002 };
	struct oci_process p = {
		.user = { .uid = 1000,
			  .gid = 1000,
			  .additional_gids = gids,
			  .n_additional_gids = 2,
			  .umask = 027,
			  .has_umask = true },
		/* bit 62: past any kernel's last capability, skipped */
		.caps = { .bounding = bnd | BIT(62),
			  .effective = prm,
			  .permitted = prm | BIT(62),
			  .inheritable = inh,
			  .ambient = inh },
		.has_caps = true,
		.no_new_privileges = true,
	};
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uid_t r, ef, s;
	gid_t rg, eg, sg, groups[8];
	struct err e;
	int bad = 0;

	if (oci_proc_identity(&p, &e) < 0) {
		fprintf(stderr, "oci_proc_identity: %s\n", e.msg);
		return 0x80;
	}
	if (getresuid(&r, &ef, &s) < 0 || r != 1000 || ef != 1000 || s != 1000)
		bad |= 0x01;
	if (getresgid(&rg, &eg, &sg) < 0 || rg != 1000 || eg != 1000 || sg != 1000)
		bad |= 0x02;
	if (getgroups(8, groups) != 2 || groups[0] != 1001 || groups[1] != 1002)
		bad |= 0x04;
	if (umask(0) != 027)
		bad |= 0x08;
	if (syscall(SYS_capget, &hdr, d) < 0 ||
	    cap_word_pair(d, offsetof(struct __user_cap_data_struct, effective)) != prm ||
	    cap_word_pair(d, offsetof(struct __user_cap_data_struct, permitted)) != prm ||
	    cap_word_pair(d, offsetof(struct __user_cap_data_struct, inheritable)) != inh)
		bad |= 0x10;
	if (status_hex("CapBnd") != bnd || status_hex("CapAmb") != inh)
		bad |= 0x20;
	if (status_dec("NoNewPrivs") != 1 || prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0)
		bad |= 0x40;
	return bad;
}

static void test_identity(void **state)
{
	(void)state;
	need_root();
	assert_child_ok(identity_applied);
}

/* No capabilities object, root: uid 0 with every set empty, no
 * supplementary groups, no_new_privs left off. */
static int no_caps_applied(void)
{
	struct oci_process p = { .user = { .uid = 0, .gid = 0 } };
	gid_t g[4];
	struct err e;
	int bad = 0;

	if (setgroups(1, (gid_t[]){ 5 }) < 0 || oci_proc_identity(&p, &e) < 0)
		return 0x80;
	if (getuid() != 0 || getgid() != 0 || getgroups(4, g) != 0)
		bad |= 0x01;
	if (status_hex("CapEff") != 0 || status_hex("CapPrm") != 0 || status_hex("CapInh") != 0 ||
	    status_hex("CapBnd") != 0 || status_hex("CapAmb") != 0)
		bad |= 0x02;
	if (status_dec("NoNewPrivs") != 0)
		bad |= 0x04;
	/* Without CAP_SETUID the user cannot change any more. */
	if (setuid(1) != -1 || errno != EPERM)
		bad |= 0x08;
	return bad;
}

static void test_identity_without_caps(void **state)
{
	(void)state;
	need_root();
	assert_child_ok(no_caps_applied);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In a user namespace whose setgroups is "deny": without additional gids
 * setgroups is left out; with some it is an error naming the reason. */
static int setgroups_deny(void)
{
	uint32_t gids[] = { 0 };
	struct oci_process p = { .user = { .uid = 0, .gid = 0 },
				 .caps = { .bounding = BIT(CAP_SETUID),
					   .effective = BIT(CAP_SETUID),
					   .permitted = BIT(CAP_SETUID) },
				 .has_caps = true };
	struct err e;
	int bad = 0;

	if (unshare(CLONE_NEWUSER) < 0 || write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/gid_map", "0 0 1") < 0 ||
	    write_file("/proc/self/uid_map", "0 0 1") < 0) {
		perror("set up a user namespace");
		return 0x80;
	}
	p.user.additional_gids = gids;
	p.user.n_additional_gids = 1;
	if (oci_proc_identity(&p, &e) != -EPERM || !strstr(e.msg, "denied in this user namespace"))
		bad |= 0x01;
	p.user.n_additional_gids = 0;
	if (oci_proc_identity(&p, &e) < 0) {
		fprintf(stderr, "oci_proc_identity: %s\n", e.msg);
		bad |= 0x02;
	}
	if (status_hex("CapEff") != BIT(CAP_SETUID) || status_hex("CapBnd") != BIT(CAP_SETUID))
		bad |= 0x04;
	return bad;
}

static void test_setgroups_denied(void **state)
{
	(void)state;
	need_root();
	assert_child_ok(setgroups_deny);
}

/* Asking for a set the kernel refuses fails with the sets named. */
static int capset_refused(void)
{
	struct oci_process p = { .user = { .uid = 1000, .gid = 1000 },
				 .caps = { .bounding = BIT(CAP_CHOWN),
					   .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
					   .permitted = BIT(CAP_CHOWN) },
				 .has_caps = true };
	struct err e;

	if (oci_proc_identity(&p, &e) != -EPERM)
		return 0x01;
	return strstr(e.msg, "process.capabilities: capset effective 0x21 permitted 0x1") ? 0 :
											    0x02;
}

static void test_capset_error(void **state)
{
	(void)state;
	need_root();
	assert_child_ok(capset_refused);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_cap_last_cap),
		cmocka_unit_test(test_rlimit_names),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_oom_score_adj),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_identity_without_caps),
		cmocka_unit_test(test_setgroups_denied),
		cmocka_unit_test(test_capset_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
