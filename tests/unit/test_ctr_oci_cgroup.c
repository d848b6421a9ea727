/* An OCI container's cgroup: cgroupsPath to a directory, linux.resources to
 * v2 files (pure), then creating, joining and removing a real group under
 * the host's cgroup v2 mount (skipped where there is none). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cgroup.h"
#include "common/file_text.h"
#include "tools/minictr/oci_cgroup.h"

static void path_is(const char *cp, const char *id, const char *want)
{
	char out[256];
	struct err e = { 0 };
	int r = oci_cgroup_path("/sys/fs/cgroup", cp, id, out, sizeof(out), &e);

	if (r != 0)
		fail_msg("\"%s\": %s", cp ? cp : "(null)", e.msg);
	assert_string_equal(out, want);
}

static void path_refused(const char *cp, const char *id, int code)
{
	char out[256];
	struct err e = { 0 };

	assert_int_equal(oci_cgroup_path("/sys/fs/cgroup", cp, id, out, sizeof(out), &e), -code);
	assert_true(e.msg[0] != '\0');
}

static void test_path_plain(void **state)
{
	(void)state;
	path_is(NULL, "abc", "/sys/fs/cgroup/minictr/abc");
	path_is("", "abc", "/sys/fs/cgroup/minictr/abc");
	path_is("/a/b", "abc", "/sys/fs/cgroup/a/b");
	path_is("/default/abc", "abc", "/sys/fs/cgroup/default/abc"); /* containerd */
	path_is("a/b", "abc", "/sys/fs/cgroup/a/b"); /* relative: to the root too */
	path_is("/libpod_parent/libpod-abc", "x", "/sys/fs/cgroup/libpod_parent/libpod-abc");
	path_is("/a:b", "x", "/sys/fs/cgroup/a:b"); /* absolute: never systemd's form */
	path_is("a:b", "x", "/sys/fs/cgroup/a:b");  /* one ':' is a plain name */
}

static void test_path_systemd(void **state)
{
	(void)state;
	path_is("machine.slice:libpod:abc", "x", "/sys/fs/cgroup/machine.slice/libpod-abc.scope");
	path_is("machine-libpod_pod_1.slice:libpod:abc", "x",
		"/sys/fs/cgroup/machine.slice/machine-libpod_pod_1.slice/libpod-abc.scope");
	path_is("a-b-c.slice:p:n", "x", "/sys/fs/cgroup/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
	path_is(":cri-containerd:abc", "x", "/sys/fs/cgroup/system.slice/cri-containerd-abc.scope");
	path_is("-.slice:p:n", "x", "/sys/fs/cgroup/p-n.scope");
	path_is("user.slice::n", "x", "/sys/fs/cgroup/user.slice/n.scope");
	path_is("user.slice:p:own.slice", "x", "/sys/fs/cgroup/user.slice/own.slice");
	path_refused("machine:p:n", "x", EINVAL); /* not a slice */
	path_refused("-a.slice:p:n", "x", EINVAL);
	path_refused("a-.slice:p:n", "x", EINVAL);
	path_refused("a--b.slice:p:n", "x", EINVAL);
	path_refused(".slice:p:n", "x", EINVAL);
	path_refused("a.slice:p:", "x", EINVAL); /* no name */
	path_refused("a.slice:p:..", "x", EINVAL);
	path_refused("a.slice:p/q:n", "x", EINVAL);
}

static void test_path_refused(void **state)
{
	char small[24];
	struct err e = { 0 };

	(void)state;
	path_refused("/", "x", EINVAL);
	path_refused("/a/../b", "x", EINVAL);
	path_refused("..", "x", EINVAL);
	path_refused("/a/./b", "x", EINVAL);
	path_refused("/a//b", "x", EINVAL);
	path_refused("/a/", "x", EINVAL);
	path_refused("//a", "x", EINVAL);
	path_refused(NULL, "a/b", EINVAL);
	path_refused(NULL, "..", EINVAL);
	path_refused(NULL, "", EINVAL);
	path_refused(NULL, NULL, EINVAL);
	assert_int_equal(
		oci_cgroup_path("/sys/fs/cgroup", "/abcdefghi", "x", small, sizeof(small), &e),
		-ENAMETOOLONG);
	assert_int_equal(
		oci_cgroup_path("/sys/fs/cgroup", NULL, "abcdefgh", small, sizeof(small), &e),
		-ENAMETOOLONG);
	assert_int_equal(
		oci_cgroup_path("/sys/fs/cgroup", "/abcdefgh", "x", small, sizeof(small), &e),
		0); /* exactly fits: 23 characters */
	assert_string_equal(small, "/sys/fs/cgroup/abcdefgh");
}

/* The files for r, as "name=value" lines joined with '\n'. */
static int files_text(const struct oci_resources *r, char *buf, size_t len, struct err *e)
{
	struct oci_cg_file f[32];
	size_t n, used = 0;
	int rc = oci_cgroup_files(r, f, 32, &n, e);

	buf[0] = '\0';
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", i ? "\n" : "",
					 f[i].name, f[i].value);
	return 0;
}

static void files_are(const struct oci_resources *r, const char *want)
{
	char got[4096];
	struct err e = { 0 };

	if (files_text(r, got, sizeof(got), &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(got, want);
}

static void files_refused(const struct oci_resources *r, const char *msg_part)
{
	char got[4096];
	struct err e = { 0 };

	assert_int_equal(files_text(r, got, sizeof(got), &e), -EINVAL);
	if (!strstr(e.msg, msg_part))
		fail_msg("\"%s\" does not name \"%s\"", e.msg, msg_part);
}

static void test_files_none(void **state)
{
	struct oci_resources r = { 0 };

	(void)state;
	files_are(&r, "");
	r.disable_oom_killer = true; /* no v2 file: ignored, as runc */
	files_are(&r, "");
}

static void test_files_memory(void **state)
{
	struct oci_resources r = { 0 };

	(void)state;
	r.has_memory_limit = true;
	r.memory_limit = 1 << 30;
	files_are(&r, "memory.max=1073741824");
	r.memory_limit = -1; /* unlimited: swap too, when not given */
	files_are(&r, "memory.max=max\nmemory.swap.max=max");
	r.memory_limit = 1 << 30;
	r.has_memory_swap = true;
	r.memory_swap = 3LL << 29; /* memory+swap: 512 MiB of swap */
	r.has_memory_reservation = true;
	r.memory_reservation = 1 << 29;
	files_are(&r, "memory.max=1073741824\nmemory.low=536870912\nmemory.swap.max=536870912");
	r.has_memory_reservation = false;
	r.memory_swap = 1 << 30; /* equal: no swap */
	files_are(&r, "memory.max=1073741824\nmemory.swap.max=0");
	r.memory_swap = -1;
	files_are(&r, "memory.max=1073741824\nmemory.swap.max=max");
	r.memory_swap = 1 << 29;
	files_refused(&r, "memory.swap");
	r.has_memory_limit = false;
	r.memory_swap = 1 << 30;
	files_refused(&r, "memory.limit");
	r.has_memory_limit = true;
	r.memory_limit = -2;
	r.has_memory_swap = false;
	files_refused(&r, "memory.limit");
	r.memory_limit = 0; /* 0: not set, as runc */
	files_are(&r, "");
}

static void test_files_cpu(void **state)
{
	struct oci_resources r = { 0 };

	(void)state;
	r.has_cpu_shares = true;
	r.cpu_shares = 1024;
	files_are(&r, "cpu.weight=39");
	r.cpu_shares = 2;
	files_are(&r, "cpu.weight=1");
	r.cpu_shares = 262144;
	files_are(&r, "cpu.weight=10000");
	r.cpu_shares = 1; /* below the v1 range: its floor */
	files_are(&r, "cpu.weight=1");
	r.cpu_shares = 1u << 30;
	files_are(&r, "cpu.weight=10000");
	r.has_cpu_shares = false;
	r.has_cpu_quota = r.has_cpu_period = true;
	r.cpu_quota = 50000;
	r.cpu_period = 100000;
	files_are(&r, "cpu.max=50000 100000");
	r.cpu_quota = -1;
	files_are(&r, "cpu.max=max 100000");
	r.has_cpu_period = false;
	r.cpu_quota = 25000;
	files_are(&r, "cpu.max=25000");
	r.has_cpu_quota = false;
	r.cpu_cpus = "0-3";
	r.cpu_mems = "0";
	files_are(&r, "cpuset.cpus=0-3\ncpuset.mems=0");
	r.cpu_cpus = "";
	r.cpu_mems = NULL;
	files_are(&r, "");
}

static void test_files_pids(void **state)
{
	struct oci_resources r = { .has_pids_limit = true, .pids_limit = 100 };

	(void)state;
	files_are(&r, "pids.max=100");
	r.pids_limit = 0;
	files_are(&r, "pids.max=max");
	r.pids_limit = -1;
	files_are(&r, "pids.max=max");
}

static void test_files_io(void **state)
{
	struct oci_weight_device wd[] = { { 8, 0, 100 }, { 8, 16, 0 } };
	struct oci_throttle_device rbps[] = { { 8, 0, 1048576 }, { 8, 16, 0 } };
	struct oci_throttle_device wiops[] = { { 8, 0, 50 }, { 253, 1, 10 } };
	struct oci_resources r = { .blkio_weight = 500 };

	(void)state;
	files_are(&r, "io.weight=4950");
	r.blkio_weight = 10;
	files_are(&r, "io.weight=1");
	r.blkio_weight = 1000;
	files_are(&r, "io.weight=10000");
	r.blkio_weight = 0;
	r.weight_devices = wd;
	r.n_weight_devices = 2;
	files_are(&r, "io.weight=8:0 910");
	r.n_weight_devices = 0;
	r.throttle_read_bps = rbps;
	r.n_throttle_read_bps = 2;
	r.throttle_write_iops = wiops;
	r.n_throttle_write_iops = 2;
	files_are(&r,
		  "io.max=8:0 rbps=1048576 wiops=50\nio.max=8:16 rbps=max\nio.max=253:1 wiops=10");
	r.blkio_weight = 5;
	files_refused(&r, "blockIO.weight");
	r.blkio_weight = 1001;
	files_refused(&r, "blockIO.weight");
	r.blkio_weight = 0;
	rbps[1].major = -1;
	files_refused(&r, "blockIO.throttleReadBpsDevice");
}

static void test_files_unified_last(void **state)
{
	const char *keys[] = { "memory.high", "cgroup.freeze" };
	const char *vals[] = { "1G", "0" };
	struct oci_resources r = { .has_pids_limit = true,
				   .pids_limit = 5,
				   .unified_keys = keys,
				   .unified_values = vals,
				   .n_unified = 2 };

	(void)state;
	files_are(&r, "pids.max=5\nmemory.high=1G\ncgroup.freeze=0");
	keys[1] = "../cgroup.procs";
	files_refused(&r, "unified");
	keys[1] = "..";
	files_refused(&r, "unified");
	keys[1] = "";
	files_refused(&r, "unified");
	keys[1] = "a.very.long.file.name.that.does.not.fit.in.sixty.four.characters.x";
	files_refused(&r, "too long");
}

static void test_files_capacity(void **state)
{
	struct oci_cg_file f[2];
	struct oci_resources r = { .has_pids_limit = true,
				   .pids_limit = 5,
				   .has_cpu_shares = true,
				   .cpu_shares = 1024,
				   .has_memory_limit = true,
				   .memory_limit = 4096 };
	struct err e = { 0 };
	size_t n = 99;

	(void)state;
	assert_int_equal(oci_cgroup_files(&r, f, 2, &n, &e), -ENOSPC);
	assert_int_equal(n, 0);
}

/* ---- a real group (cgroup v2 mount of this host) ---- */

static char mnt[512];
static char top[600]; /* <mount>/minictr-test-<pid> */

static int find_mount(void)
{
	static char mi[1 << 20];
	struct err e;

	if (read_text("/proc/self/mountinfo", mi, sizeof(mi), &e) < 0 ||
	    cg_find_v2_mount(mi, mnt, sizeof(mnt), &e) < 0)
		return -1;
	snprintf(top, sizeof(top), "%s/minictr-test-%d", mnt, (int)getpid());
	return 0;
}

static int setup_real(void **state)
{
	(void)state;
	if (getuid() != 0 || find_mount() < 0)
		mnt[0] = '\0';
	return 0;
}

static int teardown_real(void **state)
{
	struct err e;

	(void)state;
	if (mnt[0])
		oci_cgroup_destroy(top, &e);
	return 0;
}

static void need_real(void)
{
	if (!mnt[0]) {
		print_message("no cgroup v2 mount (or not root): skipped\n");
		skip();
	}
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static pid_t sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static bool procs_has(const char *dir, pid_t pid)
{
	char p[800], buf[4096], *q, *end;
	struct err e;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if (read_text(p, buf, sizeof(buf), &e) < 0)
		return false;
	for (q = buf;; q = end) {
		long v = strtol(q, &end, 10);
		if (end == q)
			return false;
		if (v == pid)
			return true;
	}
}

static void assert_killed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void test_create_join_destroy(void **state)
{
	char dir[700];
	struct err e = { 0 };
	pid_t pid;

	(void)state;
	need_real();
	snprintf(dir, sizeof(dir), "%s/a/b", top);
	if (oci_cgroup_create(dir, NULL, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(is_dir(dir));
	/* An existing group is used as is. */
	if (oci_cgroup_create(dir, NULL, &e) < 0)
		fail_msg("again: %s", e.msg);
	pid = sleeper();
	if (oci_cgroup_add_pid(dir, pid, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(procs_has(dir, pid));
	/* From the top: the process in a/b is killed, every level removed. */
	if (oci_cgroup_destroy(top, &e) < 0)
		fail_msg("%s", e.msg);
	assert_killed(pid);
	assert_false(is_dir(dir));
	assert_false(is_dir(top));
	/* Gone already: fine. */
	assert_int_equal(oci_cgroup_destroy(top, &e), 0);
}

static void test_create_error_names_file(void **state)
{
	const char *keys[] = { "nosuch.knob" };
	const char *vals[] = { "1" };
	struct oci_resources r = { .unified_keys = keys, .unified_values = vals, .n_unified = 1 };
	char dir[700];
	struct err e = { 0 };

	(void)state;
	need_real();
	snprintf(dir, sizeof(dir), "%s/bad", top);
	assert_int_equal(oci_cgroup_create(dir, &r, &e), -ENOENT);
	if (strncmp(e.msg, "cgroup nosuch.knob: ", 20))
		fail_msg("%s", e.msg);
	assert_false(is_dir(dir)); /* made by this call: removed again */
	/* Outside the v2 mount: refused before anything is made. */
	assert_int_equal(oci_cgroup_create("/tmp/not-a-cgroup", NULL, &e), -EINVAL);
	assert_int_equal(oci_cgroup_create(mnt, NULL, &e), -EINVAL);
}

/* A limit whose controller the mount offers is enabled on the way down and
 * written. */
static void test_create_limits(void **state)
{
	const char *keys[] = { "hugetlb.2MB.max" };
	const char *vals[] = { "0" };
	char p[800], avail[512], got[64], dir[700];
	struct oci_resources r = { 0 };
	struct err e = { 0 };
	const char *file, *want;

	(void)state;
	need_real();
	snprintf(p, sizeof(p), "%s/cgroup.controllers", mnt);
	assert_int_equal(read_text(p, avail, sizeof(avail), &e), 0);
	if (cg_has_controller(avail, "pids")) {
		r.has_pids_limit = true;
		r.pids_limit = 10;
		file = "pids.max", want = "10\n";
	} else if (cg_has_controller(avail, "memory")) {
		r.has_memory_limit = true;
		r.memory_limit = 64 << 20;
		file = "memory.max", want = "67108864\n";
	} else if (cg_has_controller(avail, "hugetlb") &&
		   access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0) {
		r.unified_keys = keys, r.unified_values = vals, r.n_unified = 1;
		file = "hugetlb.2MB.max", want = "0\n";
	} else {
		print_message("no pids, memory or hugetlb controller at %s: skipped\n", mnt);
		skip();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/x/y", top);
	if (oci_cgroup_create(dir, &r, &e) < 0) {
		/* A root with processes of its own (a cgroup namespace's) cannot
		 * hand controllers down: the kernel's rule, not ours. */
		if (e.code == EBUSY && strstr(e.msg, "enable")) {
			print_message("%s: skipped\n", e.msg);
			skip();
		}
		fail_msg("%s", e.msg);
	}
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	assert_int_equal(read_text(p, got, sizeof(got), &e), 0);
	assert_string_equal(got, want);
	assert_int_equal(oci_cgroup_destroy(top, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_plain),
		cmocka_unit_test(test_path_systemd),
		cmocka_unit_test(test_path_refused),
		cmocka_unit_test(test_files_none),
		cmocka_unit_test(test_files_memory),
		cmocka_unit_test(test_files_cpu),
		cmocka_unit_test(test_files_pids),
		cmocka_unit_test(test_files_io),
		cmocka_unit_test(test_files_unified_last),
		cmocka_unit_test(test_files_capacity),
		cmocka_unit_test_setup_teardown(test_create_join_destroy, setup_real,
						teardown_real),
		cmocka_unit_test_setup_teardown(test_create_error_names_file, setup_real,
						teardown_real),
		cmocka_unit_test_setup_teardown(test_create_limits, setup_real, teardown_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
