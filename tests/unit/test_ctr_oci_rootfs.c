/* The OCI container's file system: the pure decisions (paths, sysctl names,
 * mount plans, flags, default devices), then oci_rootfs_setup for real in
 * forked children with a mount namespace of their own (tests run as root):
 * once through pivot_root, once through the initramfs chroot fallback. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/minictr/fsutil.h"
#include "tools/minictr/oci_rootfs.h"

#define ESCAPE_NAME "minictr-oci-rootfs-escape-test"

static void test_path_clean(void **state)
{
	char out[16];
	struct err e;

	(void)state;
	assert_int_equal(oci_path_clean("//a/./b/../c/", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/a/c");
	assert_int_equal(oci_path_clean("/../../etc", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/etc");
	assert_int_equal(oci_path_clean("dev/", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/dev");
	assert_int_equal(oci_path_clean("", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/");
	assert_int_equal(oci_path_clean("/a/..", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/");
	assert_int_equal(oci_path_clean("/0123456789abcde", out, sizeof(out), &e), -ENAMETOOLONG);
	assert_int_equal(oci_path_clean("/0123456789abcd", out, sizeof(out), &e), 0);
	assert_int_equal(oci_path_clean("/x", out, 1, &e), -ENAMETOOLONG);
}

static void test_path_join(void **state)
{
	char out[12];
	struct err e;

	(void)state;
	assert_int_equal(oci_path_join(out, sizeof(out), "/proc/", "/sys", &e), 0);
	assert_string_equal(out, "/proc/sys");
	assert_int_equal(oci_path_join(out, sizeof(out), "/", "dev", &e), 0);
	assert_string_equal(out, "/dev");
	assert_int_equal(oci_path_join(out, sizeof(out), "/proc", "sys/a", &e), 0);
	assert_int_equal(oci_path_join(out, sizeof(out), "/proc", "sys/ab", &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "too long"));
}

static void add_ns(struct oci_spec *s, enum oci_ns_type t, const char *path)
{
	s->linux_.namespaces[s->linux_.n_namespaces++] = (struct oci_namespace){ .type = t,
										 .path = path };
}

static void test_sysctl_check(void **state)
{
	struct oci_spec s = { 0 };
	struct err e;

	(void)state;
	assert_int_equal(oci_sysctl_check(&s, "kernel.shmmax", &e), -EPERM);
	assert_non_null(strstr(e.msg, "kernel.shmmax"));
	assert_non_null(strstr(e.msg, "IPC"));
	assert_int_equal(oci_sysctl_check(&s, "net.ipv4.ip_forward", &e), -EPERM);
	assert_non_null(strstr(e.msg, "network"));
	add_ns(&s, OCI_NS_IPC, NULL);
	add_ns(&s, OCI_NS_NETWORK, "/var/run/netns/x"); /* joined counts */
	assert_int_equal(oci_sysctl_check(&s, "kernel.shmmax", &e), 0);
	assert_int_equal(oci_sysctl_check(&s, "kernel.msgmnb", &e), 0);
	assert_int_equal(oci_sysctl_check(&s, "kernel.sem", &e), 0);
	assert_int_equal(oci_sysctl_check(&s, "fs.mqueue.msg_max", &e), 0);
	assert_int_equal(oci_sysctl_check(&s, "net.ipv4.ip_forward", &e), 0);
	/* Never namespaced, whatever the namespaces. */
	assert_int_equal(oci_sysctl_check(&s, "kernel.panic", &e), -EPERM);
	assert_non_null(strstr(e.msg, "kernel.panic"));
	assert_int_equal(oci_sysctl_check(&s, "vm.swappiness", &e), -EPERM);
	assert_int_equal(oci_sysctl_check(&s, "fs.mqueue", &e), -EPERM);
	assert_int_equal(oci_sysctl_check(&s, "kernel.hostname", &e), -EPERM);
	add_ns(&s, OCI_NS_UTS, NULL);
	assert_int_equal(oci_sysctl_check(&s, "kernel.hostname", &e), 0);
	assert_int_equal(oci_sysctl_check(&s, "kernel.domainname", &e), 0);
}

static void test_sysctl_path(void **state)
{
	char out[64];
	struct err e;

	(void)state;
	assert_int_equal(oci_sysctl_path("kernel.shmmax", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/proc/sys/kernel/shmmax");
	/* sysctl(8): a '/' in the key is a '.' in the name (VLAN eth0.1). */
	assert_int_equal(oci_sysctl_path("net.ipv4.conf.eth0/1.rp_filter", out, sizeof(out), &e),
			 0);
	assert_string_equal(out, "/proc/sys/net/ipv4/conf/eth0.1/rp_filter");
	assert_int_equal(oci_sysctl_path("", out, sizeof(out), &e), -EINVAL);
	assert_int_equal(oci_sysctl_path("net..x", out, sizeof(out), &e), -EINVAL);
	assert_int_equal(oci_sysctl_path(".net", out, sizeof(out), &e), -EINVAL);
	assert_int_equal(oci_sysctl_path("net.", out, sizeof(out), &e), -EINVAL);
	assert_int_equal(oci_sysctl_path("net.//.x", out, sizeof(out), &e), -EINVAL); /* ".." */
	assert_int_equal(oci_sysctl_path("net./.x", out, sizeof(out), &e), -EINVAL);  /* "." */
	assert_non_null(strstr(e.msg, "net./.x"));
	assert_int_equal(oci_sysctl_path("kernel.shmmax", out, 23, &e), -ENAMETOOLONG);
	assert_int_equal(oci_sysctl_path("kernel.shmmax", out, 24, &e), 0);
}

static void test_mount_plan(void **state)
{
	struct oci_mount bind = { .destination = "/a", .source = "/b", .bind = true };
	struct oci_mount untyped = { .destination = "/a", .source = "/b" };
	struct oci_mount typed_bind = { .destination = "/a", .type = "bind", .source = "/b" };
	struct oci_mount proc = { .destination = "/proc", .type = "proc" };
	struct oci_mount sys = { .destination = "/sys", .type = "sysfs" };
	struct oci_mount cg = { .destination = "/sys/fs/cgroup", .type = "cgroup" };
	struct oci_mount mq = { .destination = "/dev/mqueue", .type = "mqueue" };

	(void)state;
	assert_int_equal(oci_mount_plan(&bind, false, false), OCI_PLAN_BIND);
	assert_int_equal(oci_mount_plan(&untyped, false, false), OCI_PLAN_BIND);
	assert_int_equal(oci_mount_plan(&typed_bind, true, true), OCI_PLAN_BIND);
	assert_int_equal(oci_mount_plan(&proc, true, false), OCI_PLAN_FS);
	assert_int_equal(oci_mount_plan(&sys, false, false), OCI_PLAN_FS);
	assert_int_equal(oci_mount_plan(&sys, true, true), OCI_PLAN_FS);
	assert_int_equal(oci_mount_plan(&sys, true, false), OCI_PLAN_HOST_SYS);
	assert_int_equal(oci_mount_plan(&cg, false, false), OCI_PLAN_CGROUP2);
	assert_int_equal(oci_mount_plan(&mq, true, false), OCI_PLAN_FS);
	assert_string_equal(oci_mount_host_fallback(&sys), "/sys");
	assert_string_equal(oci_mount_host_fallback(&cg), "/sys/fs/cgroup");
	assert_string_equal(oci_mount_host_fallback(&mq), "/dev/mqueue");
	assert_null(oci_mount_host_fallback(&proc));
	assert_null(oci_mount_host_fallback(&bind));
}

static void test_mountpoint_kind(void **state)
{
	(void)state;
	assert_true(oci_mountpoint_is_dir(OCI_PLAN_BIND, S_IFDIR | 0755));
	assert_false(oci_mountpoint_is_dir(OCI_PLAN_BIND, S_IFREG | 0644));
	assert_false(oci_mountpoint_is_dir(OCI_PLAN_BIND, S_IFCHR | 0666));
	assert_false(oci_mountpoint_is_dir(OCI_PLAN_BIND, S_IFSOCK | 0666));
	assert_true(oci_mountpoint_is_dir(OCI_PLAN_FS, 0));
	assert_true(oci_mountpoint_is_dir(OCI_PLAN_HOST_SYS, 0));
	assert_true(oci_mountpoint_is_dir(OCI_PLAN_CGROUP2, 0));
}

static void test_mount_attrs(void **state)
{
	uint64_t set, clr;

	(void)state;
	assert_false(oci_mount_attrs(MS_BIND | MS_REC, 0, &set, &clr));
	assert_true(oci_mount_attrs(MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, &set,
				    &clr));
	assert_int_equal(set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				      MOUNT_ATTR_NOEXEC);
	assert_int_equal(clr, 0);
	/* "rw,suid": cleared; a flag both set and cleared is set. */
	assert_true(oci_mount_attrs(MS_NODEV, MS_RDONLY | MS_NOSUID | MS_NODEV, &set, &clr));
	assert_int_equal(set, MOUNT_ATTR_NODEV);
	assert_int_equal(clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
	/* The atime mode goes whole. */
	assert_true(oci_mount_attrs(MS_NOATIME, 0, &set, &clr));
	assert_int_equal(set, MOUNT_ATTR_NOATIME);
	assert_int_equal(clr, MOUNT_ATTR__ATIME);
	assert_true(oci_mount_attrs(MS_RELATIME, 0, &set, &clr));
	assert_int_equal(set, MOUNT_ATTR_RELATIME);
	assert_int_equal(clr, MOUNT_ATTR__ATIME);
	assert_true(oci_mount_attrs(MS_STRICTATIME | MS_NODIRATIME, 0, &set, &clr));
	assert_int_equal(set, MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_NODIRATIME);
}

static void test_default_devices(void **state)
{
	struct oci_device mine[] = {
		{ .path = "/dev//null", .type = 'c', .major = 1, .minor = 3, .file_mode = 0600 },
		{ .path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229 },
	};
	struct oci_spec s = { 0 };
	const struct oci_device *out[6];

	(void)state;
	assert_int_equal(oci_default_devices(&s, out), 6);
	assert_string_equal(out[0]->path, "/dev/null");
	assert_int_equal(out[0]->major, 1);
	assert_int_equal(out[0]->minor, 3);
	assert_string_equal(out[5]->path, "/dev/tty");
	assert_int_equal(out[5]->major, 5);
	/* The spec's own /dev/null replaces the default one. */
	s.linux_.devices = mine;
	s.linux_.n_devices = 2;
	assert_int_equal(oci_default_devices(&s, out), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_not_equal(out[i]->path, "/dev/null");
}

static void test_dev_setup_needed(void **state)
{
	struct oci_mount tmpfs_dev = { .destination = "/dev", .type = "tmpfs" };
	struct oci_mount bind_dev = { .destination = "/dev/", .source = "/dev", .bind = true };
	struct oci_mount bind_other = { .destination = "/dev/x", .source = "/x", .bind = true };
	struct oci_spec s = { 0 };

	(void)state;
	assert_true(oci_dev_setup_needed(&s));
	s.mounts = &tmpfs_dev;
	s.n_mounts = 1;
	assert_true(oci_dev_setup_needed(&s));
	s.mounts = &bind_other;
	assert_true(oci_dev_setup_needed(&s));
	s.mounts = &bind_dev;
	assert_false(oci_dev_setup_needed(&s));
}

static void test_hostname_refused(void **state)
{
	struct oci_spec s = { .hostname = "x" };
	struct err e;

	(void)state;
	assert_int_equal(oci_hostname_apply(&s, &e), -EPERM);
	assert_non_null(strstr(e.msg, "hostname"));
	s.hostname = NULL;
	s.domainname = "d";
	assert_int_equal(oci_hostname_apply(&s, &e), -EPERM);
	assert_non_null(strstr(e.msg, "domainname"));
	s.domainname = NULL;
	assert_int_equal(oci_hostname_apply(&s, &e), 0);
	/* A UTS namespace joined by path is the container's too (runc's rule):
	 * not refused (not applied here: it would rename this host). */
	add_ns(&s, OCI_NS_UTS, "/proc/1/ns/uts");
	assert_int_equal(oci_hostname_apply(&s, &e), 0);
}

static void test_sysctl_apply_refuses_host_keys(void **state)
{
	struct oci_sysctl k[] = { { .key = "kernel.panic", .value = "1" } };
	struct oci_spec s = { 0 };
	struct err e;

	(void)state;
	s.linux_.sysctl = k;
	s.linux_.n_sysctl = 1;
	assert_int_equal(oci_sysctl_apply(&s, &e), -EPERM);
	assert_non_null(strstr(e.msg, "kernel.panic"));
}

/* ---- for real, in a child ---- */

/* What a child found wrong, one line each, sent to the parent. */
struct report {
	char text[2048];
	size_t n;
};

static void report(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n + 2 >= sizeof(r->text))
		return;
	va_start(ap, fmt);
	int w = vsnprintf(r->text + r->n, sizeof(r->text) - r->n - 1, fmt, ap);
	va_end(ap);
	if (w > 0)
		r->n += (size_t)w < sizeof(r->text) - r->n - 1 ? (size_t)w :
								 sizeof(r->text) - r->n - 2;
	r->text[r->n++] = '\n';
	r->text[r->n] = '\0';
}

/* Runs fn in a child, which reports over a pipe; the parent asserts it was
 * silent and exited 0. */
static void in_child(void (*fn)(const char *dir, struct report *r), const char *dir)
{
	int p[2], st;
	char buf[2048] = "";

	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct report r = { .n = 0 };
		close(p[0]);
		fn(dir, &r);
		if (r.n && write(p[1], r.text, r.n) < 0)
			_exit(2);
		_exit(r.n ? 1 : 0);
	}
	close(p[1]);
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (n > 0) {
		buf[n] = '\0';
		fail_msg("in the container:\n%s", buf);
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* dir/name, in buf (PATH_MAX). */
static const char *at(char *buf, const char *dir, const char *name)
{
	struct err e;

	assert_int_equal(oci_path_join(buf, PATH_MAX, dir, name, &e), 0);
	return buf;
}

static void make_dir(const char *dir, const char *name)
{
	char p[PATH_MAX];

	assert_int_equal(mkdir(at(p, dir, name), 0755), 0);
}

static void make_file(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];

	write_file(at(p, dir, name), text);
}

/* The image: a few directories, a file to mask, a directory to mask, one to
 * make read-only, and a symlink that points out of the root. Outside it: a
 * directory and a file to bind in. */
static void make_bundle(const char *dir)
{
	char root[PATH_MAX], p[PATH_MAX];

	at(root, dir, "rootfs");
	make_dir(dir, "rootfs");
	make_dir(root, "etc");
	make_dir(root, "ro_dir");
	make_dir(root, "secretdir");
	make_file(root, "secret", "secret\n");
	make_file(root, "secretdir/x", "x\n");
	make_file(root, "marker", "rootfs\n");
	assert_int_equal(symlink("/../../etc", at(p, root, "escape")), 0);
	make_dir(dir, "bindsrc");
	make_file(dir, "bindsrc/hello", "hi\n");
	make_file(dir, "hostfile", "from the host\n");
}

static bool read_is(const char *path, const char *want)
{
	char buf[64];
	struct err e;

	return read_text(path, buf, sizeof(buf), &e) >= 0 && !strcmp(buf, want);
}

static bool write_refused(const char *path, int want_errno)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == want_errno;
}

static bool fs_is(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == magic;
}

static bool is_chr(const char *path, unsigned maj, unsigned min)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISCHR(sb.st_mode) && major(sb.st_rdev) == maj &&
	       minor(sb.st_rdev) == min;
}

static bool link_is(const char *path, const char *target)
{
	char buf[64];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, target);
}

static char bindsrc[PATH_MAX], hostfile[PATH_MAX];

static struct oci_mount full_mounts[] = {
	{ .destination = "/proc",
	  .type = "proc",
	  .source = "proc",
	  .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ .destination = "/dev",
	  .type = "tmpfs",
	  .source = "tmpfs",
	  .flags = MS_NOSUID | MS_STRICTATIME,
	  .data = (char[]){ "mode=755,size=65536k" } },
	{ .destination = "/dev/pts",
	  .type = "devpts",
	  .source = "devpts",
	  .flags = MS_NOSUID | MS_NOEXEC,
	  .data = (char[]){ "newinstance,ptmxmode=0666,mode=0620" } },
	{ .destination = "/tmp",
	  .type = "tmpfs",
	  .source = "tmpfs",
	  .flags = MS_NOSUID | MS_NODEV,
	  .data = (char[]){ "mode=1770,size=2m" } },
	{ .destination = "/robind",
	  .source = bindsrc,
	  .bind = true,
	  .flags = MS_BIND | MS_REC | MS_RDONLY,
	  .clear = MS_NOSUID },
	{ .destination = "/etc/hostfile", .source = hostfile, .bind = true, .flags = MS_BIND },
	{ .destination = "/escape/" ESCAPE_NAME, .type = "tmpfs", .source = "tmpfs" },
};

static const char *full_masked[] = { "/secret", "/secretdir", "/missing" };
static const char *full_readonly[] = { "/ro_dir", "/proc/sys", "/missing/too" };
static struct oci_device full_devices[] = {
	{ .path = "/dev/mydev",
	  .type = 'c',
	  .major = 1,
	  .minor = 5,
	  .file_mode = 0640,
	  .has_file_mode = true,
	  .uid = 1,
	  .gid = 2,
	  .has_uid = true,
	  .has_gid = true },
};
static struct oci_sysctl full_sysctl[] = { { .key = "kernel.shmmni", .value = "2048" } };

static void full_spec(struct oci_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->root_readonly = true;
	s->hostname = "ocitest";
	s->mounts = full_mounts;
	s->n_mounts = sizeof(full_mounts) / sizeof(full_mounts[0]);
	s->linux_.masked_paths = full_masked;
	s->linux_.n_masked_paths = 3;
	s->linux_.readonly_paths = full_readonly;
	s->linux_.n_readonly_paths = 3;
	s->linux_.devices = full_devices;
	s->linux_.n_devices = 1;
	s->linux_.sysctl = full_sysctl;
	s->linux_.n_sysctl = 1;
	add_ns(s, OCI_NS_MOUNT, NULL);
	add_ns(s, OCI_NS_UTS, NULL);
	add_ns(s, OCI_NS_IPC, NULL);
}

static int count_hook(void *arg, struct err *e)
{
	(void)e;
	/* Before pivot_root: the host's view, the mounts in place. */
	*(int *)arg += access("/proc/self", F_OK) == 0 ? 1 : 100;
	return 0;
}

static void check_mounts(struct report *r)
{
	struct stat sb;
	struct statvfs sv;

	if (!fs_is("/proc", PROC_SUPER_MAGIC) || access("/proc/self/status", R_OK) < 0)
		report(r, "/proc is not a proc mount");
	if (stat("/tmp", &sb) < 0 || (sb.st_mode & 07777) != 01770)
		report(r, "/tmp: mode %o, want 1770", (unsigned)(sb.st_mode & 07777));
	if (statvfs("/tmp", &sv) < 0 || (uint64_t)sv.f_blocks * sv.f_frsize != 2u << 20)
		report(r, "/tmp: size %llu, want 2 MiB",
		       (unsigned long long)sv.f_blocks * sv.f_frsize);
	if (!write_refused("/robind/new", EROFS))
		report(r, "/robind is writable");
	if (!read_is("/robind/hello", "hi\n"))
		report(r, "/robind/hello: not the bound directory's");
	if (!read_is("/etc/hostfile", "from the host\n"))
		report(r, "/etc/hostfile: not the bound file");
	/* The image's /escape -> /../../etc resolved inside the root. */
	if (!fs_is("/etc/" ESCAPE_NAME, TMPFS_MAGIC))
		report(r, "/etc/" ESCAPE_NAME ": the mount did not land inside the root");
	if (!read_is("/marker", "rootfs\n"))
		report(r, "/ is not the container's root");
}

static void check_dev(struct report *r)
{
	struct stat sb;

	if (!is_chr("/dev/null", 1, 3) || !is_chr("/dev/urandom", 1, 9) ||
	    !is_chr("/dev/tty", 5, 0))
		report(r, "/dev/null, urandom or tty is not the right char device");
	if (stat("/dev/null", &sb) < 0 || (sb.st_mode & 0777) != 0666)
		report(r, "/dev/null: mode %o", (unsigned)(sb.st_mode & 0777));
	if (!is_chr("/dev/mydev", 1, 5) || stat("/dev/mydev", &sb) < 0 ||
	    (sb.st_mode & 0777) != 0640 || sb.st_uid != 1 || sb.st_gid != 2)
		report(r, "/dev/mydev: not 1:5 0640 1:2");
	if (!link_is("/dev/ptmx", "pts/ptmx") || !link_is("/dev/fd", "/proc/self/fd") ||
	    !link_is("/dev/stderr", "/proc/self/fd/2"))
		report(r, "/dev links missing");
	if (!fs_is("/dev/pts", DEVPTS_SUPER_MAGIC))
		report(r, "/dev/pts is not devpts");
}

static void check_paths(struct report *r)
{
	char buf[8];
	int fd = open("/secret", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, buf, sizeof(buf)) != 0)
		report(r, "/secret is not masked");
	if (fd >= 0)
		close(fd);
	if (access("/secretdir/x", F_OK) == 0 || !write_refused("/secretdir/y", EROFS))
		report(r, "/secretdir is not masked read-only");
	if (!write_refused("/ro_dir/f", EROFS))
		report(r, "/ro_dir is writable");
	if (!write_refused("/proc/sys/kernel/shmmni", EROFS))
		report(r, "/proc/sys is writable");
	/* Written before /proc/sys turned read-only. */
	if (!read_is("/proc/sys/kernel/shmmni", "2048\n"))
		report(r, "kernel.shmmni not set");
	if (!write_refused("/newfile", EROFS))
		report(r, "root.readonly: / is writable");
	if (mkdir("/tmp/d", 0700) < 0)
		report(r, "/tmp is not writable: %s", strerror(errno));
}

static void full_child(const char *dir, struct report *r)
{
	struct oci_spec s;
	struct err e;
	char rootfs[PATH_MAX], host[64];
	int hook = 0;

	at(rootfs, dir, "rootfs");
	at(bindsrc, dir, "bindsrc");
	at(hostfile, dir, "hostfile");
	full_spec(&s);
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
		return report(r, "unshare: %s", strerror(errno));
	struct oci_rootfs_cfg c = {
		.spec = &s, .rootfs = rootfs, .before_pivot = count_hook, .arg = &hook
	};
	int ret = oci_rootfs_setup(&c, &e);
	if (ret < 0)
		return report(r, "oci_rootfs_setup: %s", e.msg);
	if (hook != 1)
		report(r, "before_pivot: ran %d", hook);
	if (oci_hostname_apply(&s, &e) < 0)
		report(r, "oci_hostname_apply: %s", e.msg);
	else if (gethostname(host, sizeof(host)) < 0 || strcmp(host, "ocitest"))
		report(r, "hostname not set");
	check_mounts(r);
	check_dev(r);
	check_paths(r);
}

/* A fresh bundle in a temporary directory for child, then after(dir) in
 * the parent (may be NULL), then the directory removed. */
static void in_bundle(void (*child)(const char *dir, struct report *r),
		      void (*after)(const char *dir))
{
	char dir[] = "/tmp/test-oci-rootfs-XXXXXX";
	struct err e;

	assert_non_null(mkdtemp(dir));
	make_bundle(dir);
	in_child(child, dir);
	if (after)
		after(dir);
	assert_int_equal(remove_tree(dir, &e), 0);
}

static void escape_stayed_inside(const char *dir)
{
	char p[PATH_MAX];

	assert_int_equal(access("/etc/" ESCAPE_NAME, F_OK), -1);
	assert_int_equal(access(at(p, dir, "rootfs/etc/" ESCAPE_NAME), F_OK), 0);
}

static void test_setup_for_real(void **state)
{
	(void)state;
	in_bundle(full_child, escape_stayed_inside);
}

/* The box's root is an initramfs, which pivot_root refuses (EINVAL).
 * Simulated: chrooted into a mount whose parent is shared, pivot_root says
 * EINVAL the same way, and the new root must be moved and chrooted into. */
static void chroot_child(const char *dir, struct report *r)
{
	static struct oci_mount mounts[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc" },
	};
	static const char *masked[] = { "/secret" };
	struct oci_spec s = { .mounts = mounts, .n_mounts = 1 };
	struct err e;

	s.linux_.masked_paths = masked;
	s.linux_.n_masked_paths = 1;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(NULL, "/", NULL, MS_SHARED, NULL) < 0 ||
	    mount(dir, dir, NULL, MS_BIND, NULL) < 0 || chdir(dir) < 0 || chroot(".") < 0)
		return report(r, "set up the chroot: %s", strerror(errno));
	struct oci_rootfs_cfg c = { .spec = &s, .rootfs = "/rootfs" };
	int ret = oci_rootfs_setup(&c, &e);
	if (ret != 1)
		return report(r, "oci_rootfs_setup: %d, want 1 (chroot): %s", ret,
			      ret < 0 ? e.msg : "");
	if (!read_is("/marker", "rootfs\n") || access("/rootfs", F_OK) == 0)
		report(r, "/ is not the container's root");
	if (!fs_is("/proc", PROC_SUPER_MAGIC))
		report(r, "/proc is not a proc mount");
	if (!read_is("/secret", ""))
		report(r, "/secret is not masked");
	if (!is_chr("/dev/null", 1, 3))
		report(r, "/dev/null is missing");
}

static void test_setup_chroot_fallback(void **state)
{
	(void)state;
	in_bundle(chroot_child, NULL);
}

/* in_userns without a user namespace (as root): the same paths a rootless
 * container takes, the host's nodes bound in and the host's /sys rbound
 * for a sysfs without a network namespace. */
static void userns_child(const char *dir, struct report *r)
{
	static struct oci_mount mounts[] = {
		{ .destination = "/dev", .type = "tmpfs", .source = "tmpfs", .flags = MS_RDONLY },
		{ .destination = "/sys", .type = "sysfs", .source = "sysfs", .flags = MS_RDONLY },
	};
	struct oci_spec s = { .mounts = mounts, .n_mounts = 2 };
	struct err e;
	char rootfs[PATH_MAX];
	struct stat dev, null;

	if (unshare(CLONE_NEWNS) < 0)
		return report(r, "unshare: %s", strerror(errno));
	struct oci_rootfs_cfg c = { .spec = &s,
				    .rootfs = at(rootfs, dir, "rootfs"),
				    .in_userns = true };
	int ret = oci_rootfs_setup(&c, &e);
	if (ret < 0)
		return report(r, "oci_rootfs_setup: %s", e.msg);
	if (!is_chr("/dev/null", 1, 3) || stat("/dev", &dev) < 0 || stat("/dev/null", &null) < 0 ||
	    dev.st_dev == null.st_dev)
		report(r, "/dev/null is not a bind of the host's");
	if (!write_refused("/dev/newfile", EROFS))
		report(r, "/dev is writable: its \"ro\" was lost");
	if (!fs_is("/sys", SYSFS_MAGIC) || access("/sys/kernel", F_OK) < 0)
		report(r, "/sys is not the host's sysfs");
	if (!write_refused("/sys/newfile", EROFS))
		report(r, "/sys is writable");
}

static void test_setup_userns_paths(void **state)
{
	(void)state;
	in_bundle(userns_child, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_clean),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_sysctl_check),
		cmocka_unit_test(test_sysctl_path),
		cmocka_unit_test(test_mount_plan),
		cmocka_unit_test(test_mountpoint_kind),
		cmocka_unit_test(test_mount_attrs),
		cmocka_unit_test(test_default_devices),
		cmocka_unit_test(test_dev_setup_needed),
		cmocka_unit_test(test_hostname_refused),
		cmocka_unit_test(test_sysctl_apply_refuses_host_keys),
		cmocka_unit_test(test_setup_for_real),
		cmocka_unit_test(test_setup_chroot_fallback),
		cmocka_unit_test(test_setup_userns_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
