#include "tools/minictr/mounts.h"
#include "tools/minictr/oci_rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/root.h"
#include "tools/minictr/fsutil.h"
#include "tools/minictr/inroot.h"

/* What OCI runtimes hide (runc/crun defaults): kernel memory, keys, timers
 * and firmware a container has no business reading. */
static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static int do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data, struct err *e)
{
	if (mount(src, dst, type, flags, data) < 0) {
		const char *what = type ? type : src ? src : "(remount)";
		return err_sys(e, "mount %s on %s%s%s", what, dst, data ? " with " : "",
			       data ? data : "");
	}
	return 0;
}

static int join(char *buf, size_t len, const char *a, const char *b, struct err *e)
{
	if (snprintf(buf, len, "%s%s", a, b) >= (int)len)
		return err_set(e, ENAMETOOLONG, "path %s%s too long", a, b);
	return 0;
}

static int mount_overlay(const struct mounts_cfg *c, char *merged, size_t len, struct err *e)
{
	char upper[PATH_MAX], work[PATH_MAX], image[PATH_MAX], data[3 * PATH_MAX + 64];
	const char *lower = c->lower;
	int r;

	/* The writable layer lives in a tmpfs of this mount namespace: it goes
	 * away with the namespace, whatever way the container ends. */
	char tmpfs_opts[64];
	snprintf(tmpfs_opts, sizeof(tmpfs_opts), "mode=755,size=%llu",
		 (unsigned long long)c->o->tmp_bytes);
	if ((r = do_mount("minictr", c->scratch, "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_opts, e)) < 0)
		return r;
	if ((r = join(upper, sizeof(upper), c->scratch, "/upper", e)) < 0 ||
	    (r = join(work, sizeof(work), c->scratch, "/work", e)) < 0 ||
	    (r = join(merged, len, c->scratch, "/merged", e)) < 0)
		return r;
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0 || mkdir(merged, 0755) < 0)
		return err_sys(e, "mkdir in %s", c->scratch);
	if (c->lower_fd >= 0) {
		/* The idmapped image minictr mounted outside: attach it here. */
		if ((r = join(image, sizeof(image), c->scratch, "/image", e)) < 0)
			return r;
		if (mkdir(image, 0755) < 0)
			return err_sys(e, "mkdir %s", image);
		if (syscall(SYS_move_mount, c->lower_fd, "", AT_FDCWD, image,
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return err_sys(e, "attach the idmapped image");
		lower = image;
	}
	if (strchr(lower, ',') || strchr(lower, ':'))
		return err_set(e, EINVAL, "image path %s must not contain ',' or ':'", lower);
	snprintf(data, sizeof(data), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	/* nodev: a device node in the image, or one made in the container,
	 * never opens a host device. nosuid: no_new_privs ignores set-id bits
	 * anyway; this keeps that true if it ever goes. */
	if (mount("overlay", merged, "overlay", MS_NODEV | MS_NOSUID, data) == 0)
		return 0;
	/* Inside a user namespace the trusted.* xattrs are off limits. */
	snprintf(data, sizeof(data), "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lower, upper,
		 work);
	return do_mount("overlay", merged, "overlay", MS_NODEV | MS_NOSUID, data, e);
}

/* One volume: the detached tree minictr took (or, without the privilege for
 * that, one taken here), attached at its target resolved inside the root. */
static int mount_volume(const struct ctr_volume *v, int tree, int root, struct err *e)
{
	_cleanup_close_ int own = -1, dst = -1;
	struct stat st;

	if (tree < 0) {
		own = tree = (int)syscall(SYS_open_tree, AT_FDCWD, v->host,
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (own < 0)
			return err_sys(e, "volume %s", v->host);
		if (v->readonly && mounts_tree_rdonly(own, e) < 0)
			return err_wrap(e, "volume %s", v->host);
	}
	if (fstat(tree, &st) < 0)
		return err_sys(e, "volume %s", v->host);
	if ((dst = inroot_open(root, v->ctr, S_ISDIR(st.st_mode), e)) < 0)
		return err_wrap(e, "volume target %s", v->ctr);
	if (syscall(SYS_move_mount, tree, "", dst, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, "bind volume %s on %s", v->host, v->ctr);
	return 0;
}

static int mount_volumes(const struct mounts_cfg *c, const char *merged, struct err *e)
{
	_cleanup_close_ int root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (root < 0)
		return err_sys(e, "open %s", merged);
	for (unsigned i = 0; i < c->o->n_vols; i++)
		if ((r = mount_volume(&c->o->vols[i], c->vol_fds[i], root, e)) < 0)
			return r;
	/* /proc, /sys and /dev are then mounted by path: no symlink on the way. */
	if ((r = inroot_plain_dir(root, "proc", e)) < 0 ||
	    (r = inroot_plain_dir(root, "sys", e)) < 0 ||
	    (r = inroot_plain_dir(root, "dev", e)) < 0)
		return r;
	return 0;
}

int mounts_tree_rdonly(int tree, struct err *e)
{
	/* Every submount too: a plain read-only remount leaves them writable. */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
		    sizeof(attr)) < 0)
		return err_sys(e, "make read-only");
	return 0;
}

static int mount_dev(const struct mounts_cfg *c, const char *merged, struct err *e)
{
	char dev[PATH_MAX], p[PATH_MAX + 32], opts[96];
	int r;

	if ((r = join(dev, sizeof(dev), merged, "/dev", e)) < 0 || (r = mkdir_p(dev, 0755, e)) < 0)
		return r;
	/* nodev: only the nodes bound below (mounts of their own) open. */
	if ((r = do_mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=755,size=65536k", e)) < 0)
		return r;
	/* mknod is not allowed in a user namespace: bind the host's nodes. */
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		char host[32];
		snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
		snprintf(p, sizeof(p), "%s/%s", dev, dev_nodes[i]);
		if ((r = touch(p, e)) < 0)
			return r;
		if (mount(host, p, NULL, MS_BIND, NULL) < 0) {
			if (!strcmp(dev_nodes[i], "tty") && (errno == ENXIO || errno == ENOENT)) {
				unlink(p); /* no controlling terminal to offer */
				continue;
			}
			return err_sys(e, "bind %s", host);
		}
	}
	snprintf(p, sizeof(p), "%s/pts", dev);
	if (mkdir(p, 0755) < 0)
		return err_sys(e, "mkdir %s", p);
	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=0620%s",
		 c->gid5_mapped ? ",gid=5" : "");
	if ((r = do_mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, opts, e)) < 0)
		return r;
	snprintf(p, sizeof(p), "%s/shm", dev);
	if (mkdir(p, 01777) < 0)
		return err_sys(e, "mkdir %s", p);
	if ((r = do_mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=1777,size=65536k", e)) < 0)
		return r;
	static const char *const links[][2] = {
		{ "pts/ptmx", "ptmx" },		 { "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },	 { "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dev, links[i][1]);
		if (symlink(links[i][0], p) < 0)
			return err_sys(e, "symlink %s", p);
	}
	return 0;
}

static int mount_proc_sys(const struct ctr_opts *o, const char *merged, struct err *e)
{
	char p[PATH_MAX];
	int r;

	if ((r = join(p, sizeof(p), merged, "/proc", e)) < 0 || (r = mkdir_p(p, 0555, e)) < 0)
		return r;
	if ((r = do_mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e)) < 0)
		return r;
	if ((r = join(p, sizeof(p), merged, "/sys", e)) < 0 || (r = mkdir_p(p, 0555, e)) < 0)
		return r;
	/* sysfs needs a network namespace of our own; otherwise leave /sys empty. */
	if (mount("sysfs", p, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0) {
		if (o->verbose)
			fprintf(stderr, "minictr: /sys left empty: mount sysfs: %s\n",
				strerror(errno));
		return 0;
	}
	if (o->namespaces & CTR_NS_CGROUP) {
		/* Our own cgroup subtree only, read-only; absent without cgroup v2. */
		if (join(p, sizeof(p), merged, "/sys/fs/cgroup", e) == 0 &&
		    mount("cgroup2", p, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
			  NULL) < 0 &&
		    o->verbose)
			fprintf(stderr, "minictr: no /sys/fs/cgroup in the container: %s\n",
				strerror(errno));
	}
	return 0;
}

/* The runtime's own: the same code as an OCI bundle's masked and read-only paths. */
static int apply_masks(struct err *e)
{
	return oci_rootfs_protect(readonly_paths,
				  sizeof(readonly_paths) / sizeof(readonly_paths[0]), masked_paths,
				  sizeof(masked_paths) / sizeof(masked_paths[0]), e);
}

int mounts_setup(const struct mounts_cfg *c, struct err *e)
{
	char merged[PATH_MAX];
	int r;

	/* Nothing we mount may propagate back to the host. */
	if ((r = do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, e)) < 0)
		return r;
	if ((r = mount_overlay(c, merged, sizeof(merged), e)) < 0)
		return err_wrap(e, "writable layer");
	if ((r = mount_volumes(c, merged, e)) < 0 || (r = mount_proc_sys(c->o, merged, e)) < 0 ||
	    (r = mount_dev(c, merged, e)) < 0)
		return r;
	int chrooted = root_enter(merged, e);
	if (chrooted < 0)
		return chrooted;
	if ((r = apply_masks(e)) < 0)
		return r;
	return chrooted;
}
