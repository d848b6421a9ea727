/* --restore's loading (vmm/snapshot.c) before /dev/kvm: the recorded VM
 * configuration round-trips through the command-line parser, the restore's
 * own options win, and every broken snapshot is one clear error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/cli.h"
#include "vmm/kvm_state.h"
#include "vmm/snapshot.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_snapshot_XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static void remove_file(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int remove_dir(void **state)
{
	(void)state;
	remove_file(SNAPSHOT_STATE_FILE);
	remove_file(SNAPSHOT_MEMORY_FILE);
	rmdir(dir);
	return 0;
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void parse_args(struct vmm_options *o, int argc, const char **argv)
{
	struct err e = { 0 };

	assert_int_equal(cli_parse(argc, (char **)(uintptr_t)argv, o, &e), 0);
}

/* A state file holding config (a JSON text) for host, and a memory file of
 * mem_bytes. */
static void write_snapshot(const char *config, const struct snap_host *host, size_t mem_bytes)
{
	struct snap_writer w;
	uint8_t *buf;
	size_t len;

	snap_writer_init(&w, host);
	assert_int_equal(snap_put(&w, SNAP_VM_CONFIG, 0, config, strlen(config)), 0);
	assert_int_equal(snap_writer_finish(&w, &buf, &len), 0);
	write_file(SNAPSHOT_STATE_FILE, buf, len);
	free(buf);
	{
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, SNAPSHOT_MEMORY_FILE);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)mem_bytes), 0);
		close(fd);
	}
}

static int load_with(const char **extra, int nextra, struct vmm_options *out,
		     struct snapshot_restore *rs, struct err *e)
{
	const char *argv[16] = { "minivmm", "--restore", dir };
	struct vmm_options cmdline;

	for (int i = 0; i < nextra; i++)
		argv[3 + i] = extra[i];
	parse_args(&cmdline, 3 + nextra, argv);
	return snapshot_load(&cmdline, out, rs, e);
}

static void test_config_round_trip(void **state)
{
	const char *argv[] = { "minivmm",
			       "--kernel",
			       "/k/vmlinux",
			       "--initrd",
			       "/k/initrd",
			       "--append",
			       "console=ttyS0 quiet",
			       "--mem",
			       "256M",
			       "--cpus",
			       "2",
			       "--uuid",
			       "6f0c3d5e-1111-4000-8000-000000000001",
			       "--disk",
			       "/d/a.img,ro,serial=abc",
			       "--net",
			       "tap=tap0,mac=52:54:00:12:34:56",
			       "--console",
			       "none",
			       "--timeout",
			       "9" };
	const char *extra[] = { "--api-sock",	   "/tmp/x.sock", "--console",
				"file=/tmp/c.log", "--timeout",	  "33" };
	struct vmm_options o, out;
	struct snapshot_restore rs;
	struct snap_host host;
	struct err e = { 0 };
	char *config;

	(void)state;
	parse_args(&o, (int)(sizeof(argv) / sizeof(argv[0])), argv);
	config = snapshot_config_json(&o);
	assert_non_null(config);
	kvm_state_this_host(&host);
	write_snapshot(config, &host, 256u << 20);
	free(config);
	assert_int_equal(load_with(extra, 6, &out, &rs, &e), 0);
	assert_string_equal(out.kernel, "/k/vmlinux");
	assert_string_equal(out.initrd, "/k/initrd");
	assert_string_equal(out.cmdline, "console=ttyS0 quiet");
	assert_true(out.mem == 256u << 20);
	assert_int_equal(out.cpus, 2);
	assert_memory_equal(out.uuid, o.uuid, sizeof(o.uuid));
	assert_int_equal(out.ndisks, 1);
	assert_string_equal(out.disks[0], "/d/a.img,ro,serial=abc");
	assert_int_equal(out.nnics, 1);
	assert_string_equal(out.nics[0], "tap=tap0,mac=52:54:00:12:34:56");
	/* The restore's own options, not the snapshot's. */
	assert_string_equal(out.api_sock, "/tmp/x.sock");
	assert_int_equal(out.console, CONSOLE_FILE);
	assert_string_equal(out.console_path, "/tmp/c.log");
	assert_int_equal(out.timeout_s, 33);
	assert_string_equal(out.restore_dir, dir);
	assert_true(rs.memory_fd >= 0);
	snapshot_restore_free(&rs);
}

static void expect_refused(const char *want)
{
	struct vmm_options out;
	struct snapshot_restore rs;
	struct err e = { 0 };

	assert_true(load_with(NULL, 0, &out, &rs, &e) < 0);
	if (!strstr(e.msg, want))
		fail_msg("want '%s' in '%s'", want, e.msg);
	assert_int_equal(rs.memory_fd, -1); /* nothing left open */
}

static void test_refusals(void **state)
{
	struct snap_host host, other;
	const char *ok = "[\"--kernel\",\"/k\",\"--mem\",\"64M\"]";

	(void)state;
	kvm_state_this_host(&host);
	expect_refused("No such file"); /* no state file */
	write_file(SNAPSHOT_STATE_FILE, "MVMSNAP", 7);
	expect_refused("truncated");
	other = host;
	memcpy(other.cpu_vendor, "OtherVendor!", SNAP_VENDOR_LEN);
	write_snapshot(ok, &other, 64u << 20);
	expect_refused("another host");
	write_snapshot(ok, &host, 32u << 20);
	expect_refused("not this snapshot's memory");
	write_snapshot("{\"kernel\":1}", &host, 64u << 20);
	expect_refused("VM_CONFIG is not a list");
	write_snapshot("[\"--kernel\",3]", &host, 64u << 20);
	expect_refused("not a string");
	write_snapshot("[\"--mem\",\"64M\"]", &host, 64u << 20);
	expect_refused("--kernel is required");
	write_snapshot("[\"--kernel\",\"/k\",\"--mem\",\"12Q\"]", &host, 64u << 20);
	expect_refused("--mem");
	write_snapshot("[\"--kernel\",\"/k\",\"--restore\",\"/x\"]", &host, 64u << 20);
	expect_refused("drop --kernel");
	write_snapshot("[\"--restore\",\"/x\"]", &host, 64u << 20);
	expect_refused("does not describe a VM");
	write_snapshot("[\"--help\"]", &host, 64u << 20);
	expect_refused("does not describe a VM");
	remove_file(SNAPSHOT_MEMORY_FILE);
	write_snapshot(ok, &host, 64u << 20);
	remove_file(SNAPSHOT_MEMORY_FILE);
	expect_refused("memory");
}

static void test_cli_conflicts(void **state)
{
	const char *argv[] = { "minivmm", "--restore", "/snap", "--mem", "1G" };
	struct vmm_options o;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(cli_parse(5, (char **)(uintptr_t)argv, &o, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "drop --mem"));
	assert_int_equal(cli_parse(3, (char **)(uintptr_t)argv, &o, &e), 0);
	assert_string_equal(o.restore_dir, "/snap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_round_trip, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_refusals, make_dir, remove_dir),
		cmocka_unit_test(test_cli_conflicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
