#include "tools/minictr/oci_rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file_text.h"
#include "tools/minictr/inroot.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* What runc gives every container that does not bind the host's /dev. */
static const struct oci_device default_devices[] = {
	{ .path = "/dev/null", .type = 'c', .major = 1, .minor = 3 },
	{ .path = "/dev/zero", .type = 'c', .major = 1, .minor = 5 },
	{ .path = "/dev/full", .type = 'c', .major = 1, .minor = 7 },
	{ .path = "/dev/random", .type = 'c', .major = 1, .minor = 8 },
	{ .path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
	{ .path = "/dev/tty", .type = 'c', .major = 5, .minor = 0 },
};
#define N_DEFAULT_DEVICES (sizeof(default_devices) / sizeof(default_devices[0]))

/* ---- pure helpers ---- */

int oci_path_clean(const char *in, char *out, size_t len, struct err *e)
{
	size_t n = 1;

	if (len < 2)
		return err_set(e, ENAMETOOLONG, "path %s too long", in);
	out[0] = '/';
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);

		if (clen == 2 && p[0] == '.' && p[1] == '.') {
			/* Lexically up, never above "/" (as filepath.Clean). */
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
		} else if (clen > 0 && !(clen == 1 && p[0] == '.')) {
			size_t sep = n > 1 ? 1 : 0;
			if (n + sep + clen >= len)
				return err_set(e, ENAMETOOLONG, "path %s too long", in);
			if (sep)
				out[n++] = '/';
			memcpy(out + n, p, clen);
			n += clen;
		}
		p = end;
	}
	out[n] = '\0';
	return 0;
}

int oci_path_join(char *buf, size_t len, const char *a, const char *b, struct err *e)
{
	size_t na = strlen(a);

	while (na > 0 && a[na - 1] == '/')
		na--;
	while (*b == '/')
		b++;
	int n = snprintf(buf, len, "%.*s/%s", (int)na, a, b);
	if (n < 0 || (size_t)n >= len)
		return err_set(e, ENAMETOOLONG, "path %s/%s too long", a, b);
	return 0;
}

const struct oci_namespace *oci_spec_ns(const struct oci_spec *s, enum oci_ns_type t)
{
	for (size_t i = 0; i < s->linux_.n_namespaces; i++)
		if (s->linux_.namespaces[i].type == t)
			return &s->linux_.namespaces[i];
	return NULL;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int oci_sysctl_check(const struct oci_spec *s, const char *key, struct err *e)
{
	/* runc's set: what a namespace of the container's own keeps away from
	 * the host (IPC limits, the network stack, the UTS names). */
	static const char *const ipc_prefixes[] = { "kernel.msg", "kernel.sem", "kernel.shm",
						    "fs.mqueue." };
	enum oci_ns_type need;
	const char *ns_name;
	bool ipc = false;

	for (size_t i = 0; i < sizeof(ipc_prefixes) / sizeof(ipc_prefixes[0]); i++)
		ipc = ipc || has_prefix(key, ipc_prefixes[i]);
	if (ipc) {
		need = OCI_NS_IPC;
		ns_name = "IPC";
	} else if (has_prefix(key, "net.")) {
		need = OCI_NS_NETWORK;
		ns_name = "network";
	} else if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname")) {
		need = OCI_NS_UTS;
		ns_name = "UTS";
	} else {
		return err_set(e, EPERM,
			       "linux.sysctl %s: not namespaced, it would change the host", key);
	}
	if (!oci_spec_ns(s, need))
		return err_set(e, EPERM,
			       "linux.sysctl %s: needs a %s namespace of the container's own", key,
			       ns_name);
	return 0;
}

/* Each '/'-separated component of p is a plain name. */
static bool plain_components(const char *p)
{
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p = *end ? end + 1 : end;
	}
	return true;
}

int oci_sysctl_path(const char *key, char *buf, size_t len, struct err *e)
{
	static const char prefix[] = "/proc/sys/";
	size_t n = strlen(key);

	if (n == 0)
		return err_set(e, EINVAL, "linux.sysctl: empty key");
	if (sizeof(prefix) + n > len)
		return err_set(e, ENAMETOOLONG, "linux.sysctl %s: key too long", key);
	memcpy(buf, prefix, sizeof(prefix) - 1);
	char *rel = buf + sizeof(prefix) - 1;
	for (size_t i = 0; i <= n; i++)
		rel[i] = key[i] == '.' ? '/' : key[i] == '/' ? '.' : key[i];
	if (key[n - 1] == '.' || !plain_components(rel))
		return err_set(e, EINVAL, "linux.sysctl %s: not a sysctl name", key);
	return 0;
}

static bool is_type(const struct oci_mount *m, const char *type)
{
	return m->type && !strcmp(m->type, type);
}

enum oci_mount_plan oci_mount_plan(const struct oci_mount *m, bool in_userns, bool new_netns)
{
	if (m->bind || !m->type || (m->flags & MS_BIND) || is_type(m, "bind") ||
	    is_type(m, "rbind"))
		return OCI_PLAN_BIND;
	if (is_type(m, "cgroup") || is_type(m, "cgroup2"))
		return OCI_PLAN_CGROUP2;
	/* sysfs belongs to the network namespace: a user namespace may mount
	 * only the one of a network namespace it created. */
	if (is_type(m, "sysfs") && in_userns && !new_netns)
		return OCI_PLAN_HOST_SYS;
	return OCI_PLAN_FS;
}

const char *oci_mount_host_fallback(const struct oci_mount *m)
{
	if (is_type(m, "sysfs"))
		return "/sys";
	if (is_type(m, "mqueue"))
		return "/dev/mqueue";
	if (is_type(m, "cgroup") || is_type(m, "cgroup2"))
		return "/sys/fs/cgroup";
	return NULL;
}

bool oci_mountpoint_is_dir(enum oci_mount_plan plan, mode_t source_mode)
{
	return plan != OCI_PLAN_BIND || S_ISDIR(source_mode);
}

bool oci_mount_attrs(unsigned long set, unsigned long clear, uint64_t *attr_set, uint64_t *attr_clr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },	  { MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },		  { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
	};

	*attr_set = *attr_clr = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (set & map[i].ms)
			*attr_set |= map[i].attr;
		else if (clear & map[i].ms)
			*attr_clr |= map[i].attr;
	}
	/* The atime mode is one value: replaced whole when the options name one. */
	if (set & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
		*attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			*attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			*attr_set |= MOUNT_ATTR_STRICTATIME;
	}
	return *attr_set || *attr_clr;
}

/* Whether path, cleaned, is clean. */
static bool path_is(const char *path, const char *clean)
{
	char p[PATH_MAX];
	struct err e;

	return oci_path_clean(path, p, sizeof(p), &e) == 0 && !strcmp(p, clean);
}

static bool dest_is(const struct oci_mount *m, const char *clean)
{
	return path_is(m->destination, clean);
}

bool oci_dev_setup_needed(const struct oci_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (dest_is(&s->mounts[i], "/dev") &&
		    oci_mount_plan(&s->mounts[i], false, true) == OCI_PLAN_BIND)
			return false;
	return true;
}

static bool spec_has_device(const struct oci_spec *s, const char *path)
{
	for (size_t i = 0; i < s->linux_.n_devices; i++)
		if (path_is(s->linux_.devices[i].path, path))
			return true;
	return false;
}

size_t oci_default_devices(const struct oci_spec *s, const struct oci_device **out)
{
	size_t n = 0;

	for (size_t i = 0; i < N_DEFAULT_DEVICES; i++)
		if (!spec_has_device(s, default_devices[i].path))
			out[n++] = &default_devices[i];
	return n;
}

/* ---- mounting ---- */

/* What oci_rootfs_setup works with before the root changes. */
struct setup {
	const struct oci_rootfs_cfg *c;
	const struct oci_spec *s;
	int root; /* O_PATH of the rootfs bind mount */
	int cwd;  /* the caller's directory: relative bind sources */
};

static int sys_mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *a)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, a, sizeof(*a));
}

/* Apply MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC) to the mount at
 * dirfd/path (path "": dirfd itself). Several types go in a fixed order, so
 * that "slave" + "shared" makes a shared slave. */
static int set_propagation(int dirfd, const char *path, unsigned long prop, struct err *e)
{
	static const unsigned long order[] = { MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE };
	unsigned flags = (path[0] ? 0 : AT_EMPTY_PATH) | (prop & MS_REC ? AT_RECURSIVE : 0);

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct mount_attr a = { .propagation = order[i] };
		if ((prop & order[i]) && sys_mount_setattr(dirfd, path, flags, &a) < 0)
			return err_sys(e, "set the propagation of %s",
				       path[0] ? path : "the mount");
	}
	return 0;
}

/* ro/nosuid/nodev/noexec/atime of a bind mount (mount_setattr: the flags not
 * named stay as they are). A user namespace may not clear what a more
 * privileged one locked on the source (EPERM): then only add flags, keeping
 * the source's, as runc's remount does. */
static int set_bind_flags(int tree, unsigned long set, unsigned long clear, struct err *e)
{
	uint64_t attr_set, attr_clr;

	if (!oci_mount_attrs(set, clear, &attr_set, &attr_clr))
		return 0;
	struct mount_attr a = { .attr_set = attr_set, .attr_clr = attr_clr };
	if (sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a) == 0)
		return 0;
	if (errno != EPERM)
		return err_sys(e, "set the mount flags");
	a.attr_clr = 0;
	a.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
	if (a.attr_set && sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a) < 0)
		return err_sys(e, "set the mount flags");
	return 0;
}

/* Bind source (a host path) at dest inside the root. The flags go onto the
 * detached copy first: the container never sees it writable. */
static int bind_mount(const struct setup *st, const char *dest, const char *source,
		      unsigned long flags, unsigned long clear, unsigned long prop, struct err *e)
{
	_cleanup_close_ int tree = -1, dst = -1;
	unsigned rec = flags & MS_REC ? AT_RECURSIVE : 0;
	struct stat sb;
	int r;

	if (!source)
		return err_set(e, EINVAL, "a bind mount needs a source");
	tree = (int)syscall(SYS_open_tree, st->cwd, source,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	if (tree < 0)
		return err_sys(e, "bind %s", source);
	if (fstat(tree, &sb) < 0)
		return err_sys(e, "stat %s", source);
	if ((r = set_bind_flags(tree, flags, clear, e)) < 0)
		return err_wrap(e, "bind %s", source);
	if ((dst = inroot_open(st->root, dest, oci_mountpoint_is_dir(OCI_PLAN_BIND, sb.st_mode),
			       e)) < 0)
		return dst;
	if (syscall(SYS_move_mount, tree, "", dst, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, "bind %s", source);
	return set_propagation(tree, "", prop, e);
}

/* A new file system at dest (a directory inside the root), mounted from
 * there as "." so that no path outside the root is ever named. */
static int fs_mount(const struct setup *st, const char *dest, const struct oci_mount *m,
		    const char *type, const char *data, unsigned long flags, struct err *e)
{
	_cleanup_close_ int dst = inroot_open(st->root, dest, true, e);

	if (dst < 0)
		return dst;
	if (fchdir(dst) < 0)
		return err_sys(e, "chdir");
	int r = mount(m->source ? m->source : type, ".", type, flags, data);
	int saved = errno;
	if (fchdir(st->cwd) < 0)
		return err_sys(e, "chdir back");
	if (r < 0) {
		errno = saved;
		return err_sys(e, "mount %s%s%s", type, data ? " with " : "", data ? data : "");
	}
	if (!m->propagation)
		return 0;
	/* Resolved again: now the new mount's root. */
	_cleanup_close_ int top = inroot_open(st->root, dest, true, e);
	if (top < 0)
		return top;
	return set_propagation(top, "", m->propagation, e);
}

static int mount_one(const struct setup *st, const struct oci_mount *m, struct err *e)
{
	const struct oci_namespace *net = oci_spec_ns(st->s, OCI_NS_NETWORK);
	enum oci_mount_plan plan = oci_mount_plan(m, st->c->in_userns, net && !net->path);
	char dest[PATH_MAX];
	int r;

	if ((r = oci_path_clean(m->destination, dest, sizeof(dest), e)) < 0)
		return r;
	if (!strcmp(dest, "/"))
		return err_set(e, EINVAL, "a mount over the root is not supported");
	if (plan == OCI_PLAN_BIND)
		return bind_mount(st, dest, m->source, m->flags, m->clear, m->propagation, e);
	if (plan == OCI_PLAN_HOST_SYS)
		return bind_mount(st, dest, "/sys", m->flags | MS_REC, m->clear, m->propagation, e);

	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
	/* A read-only /dev still gets its nodes: made read-only after them. */
	if (!strcmp(dest, "/dev"))
		flags &= ~(unsigned long)MS_RDONLY;
	if (plan == OCI_PLAN_CGROUP2)
		r = fs_mount(st, dest, m, "cgroup2", NULL, flags, e);
	else
		r = fs_mount(st, dest, m, m->type, m->data, flags, e);
	const char *host = oci_mount_host_fallback(m);
	if (r >= 0 || !st->c->in_userns || !host)
		return r;
	/* The namespace that owns it (network, IPC, cgroup) is not the user
	 * namespace's: show the host's instead, as runc does. */
	bool rec = strcmp(host, "/dev/mqueue") != 0;
	return bind_mount(st, dest, host, m->flags | (rec ? MS_REC : 0), m->clear, m->propagation,
			  e);
}

/* ---- /dev ---- */

static int bind_node(const struct setup *st, const char *path, struct err *e)
{
	/* The host's node of the same path (mknod is not allowed). */
	return bind_mount(st, path, path, 0, 0, 0, e);
}

static int node_type(char t, mode_t *type)
{
	switch (t) {
	case 'c':
	case 'u': *type = S_IFCHR; return 0;
	case 'b': *type = S_IFBLK; return 0;
	case 'p': *type = S_IFIFO; return 0;
	default: return -EINVAL;
	}
}

static int make_node(const struct setup *st, const struct oci_device *d, struct err *e)
{
	char path[PATH_MAX], parent[PATH_MAX];
	mode_t type, perm = d->has_file_mode ? (mode_t)(d->file_mode & 07777) : 0666;
	int r;

	if ((r = oci_path_clean(d->path, path, sizeof(path), e)) < 0)
		return r;
	if (node_type(d->type, &type) < 0)
		return err_set(e, EINVAL, "unknown device type '%c'", d->type);
	if (st->c->in_userns)
		return bind_node(st, path, e);
	char *slash = strrchr(path, '/');
	const char *base = slash + 1;
	if (!*base)
		return err_set(e, EINVAL, "not a device path");
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	_cleanup_close_ int pfd = inroot_open(st->root, parent[0] ? parent : "/", true, e);
	if (pfd < 0)
		return pfd;
	if (mknodat(pfd, base, type | perm, makedev(d->major, d->minor)) < 0) {
		if (errno == EEXIST)
			return 0; /* what the image or an earlier entry put there stays (runc) */
		if (errno == EPERM)
			return bind_node(st, path, e); /* no CAP_MKNOD */
		return err_sys(e, "mknod");
	}
	/* mknod applied the umask; the spec's mode is exact. */
	if (fchmodat(pfd, base, perm, 0) < 0 ||
	    fchownat(pfd, base, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "set the owner and mode");
	return 0;
}

static bool spec_mounts(const struct oci_spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (dest_is(&s->mounts[i], dest))
			return true;
	return false;
}

static int dev_links(const struct setup *st, bool ptmx, struct err *e)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};
	_cleanup_close_ int dev = inroot_open(st->root, "/dev", true, e);

	if (dev < 0)
		return dev;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return err_sys(e, "symlink /dev/%s", links[i][1]);
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
	    errno != EEXIST)
		return err_sys(e, "symlink /dev/core");
	if (!ptmx)
		return 0;
	/* The ptmx of the container's own devpts instance. */
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return err_sys(e, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		return err_sys(e, "symlink /dev/ptmx");
	return 0;
}

static int setup_dev(const struct setup *st, struct err *e)
{
	const struct oci_spec *s = st->s;
	const struct oci_device *defs[N_DEFAULT_DEVICES];
	bool ptmx = spec_mounts(s, "/dev/pts");
	int r;

	if (!oci_dev_setup_needed(s))
		return 0;
	size_t n = oci_default_devices(s, defs);
	for (size_t i = 0; i < n; i++)
		if ((r = make_node(st, defs[i], e)) < 0)
			return err_wrap(e, "device %s", defs[i]->path);
	for (size_t i = 0; i < s->linux_.n_devices; i++) {
		const struct oci_device *d = &s->linux_.devices[i];
		/* /dev/ptmx is the link to the devpts instance's. */
		if (ptmx && path_is(d->path, "/dev/ptmx"))
			continue;
		if ((r = make_node(st, d, e)) < 0)
			return err_wrap(e, "linux.devices[%zu] %s", i, d->path);
	}
	return dev_links(st, ptmx, e);
}

/* ---- the root ---- */

static void parent_dir(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash)
		slash[slash == path ? 1 : 0] = '\0';
}

/* Make the mount that holds rootfs private: the bind of rootfs onto itself
 * then propagates nowhere, and pivot_root and MS_MOVE accept it (neither
 * works under a shared parent). */
static int make_parent_private(const char *rootfs, struct err *e)
{
	char path[PATH_MAX], up[PATH_MAX];
	struct statx sx;

	if (!realpath(rootfs, path))
		return err_sys(e, "resolve %s", rootfs);
	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &sx) < 0)
		return err_sys(e, "statx %s", path);
	uint64_t id = sx.stx_mnt_id;
	/* Up while the parent directory is on the same mount: its mount point. */
	while (strcmp(path, "/")) {
		memcpy(up, path, sizeof(up));
		parent_dir(up);
		if (statx(AT_FDCWD, up, 0, STATX_MNT_ID, &sx) < 0)
			return err_sys(e, "statx %s", up);
		if (sx.stx_mnt_id != id)
			break;
		memcpy(path, up, sizeof(path));
	}
	return set_propagation(AT_FDCWD, path, MS_PRIVATE, e);
}

static int prepare_root(struct setup *st, struct err *e)
{
	const char *rootfs = st->c->rootfs;
	unsigned long prop = st->s->linux_.rootfs_propagation;
	int r;

	/* What is mounted below reaches the host only if the spec asks. */
	if ((r = set_propagation(AT_FDCWD, "/", prop ? prop : MS_SLAVE | MS_REC, e)) < 0 ||
	    (r = make_parent_private(rootfs, e)) < 0)
		return r;
	/* pivot_root wants the new root to be a mount point. */
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "bind %s onto itself", rootfs);
	if ((st->root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", rootfs);
	return 0;
}

/* Everything done with host paths in view: mounts, /dev, the hooks. */
static int populate(const struct oci_rootfs_cfg *c, struct err *e)
{
	const struct oci_spec *s = c->spec;
	_cleanup_close_ int root = -1, cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct setup st = { .c = c, .s = s, .root = -1, .cwd = cwd };
	int r;

	if (cwd < 0)
		return err_sys(e, "open the current directory");
	r = prepare_root(&st, e);
	root = st.root;
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_mounts; i++)
		if ((r = mount_one(&st, &s->mounts[i], e)) < 0)
			return err_wrap(e, "mounts[%zu] %s", i, s->mounts[i].destination);
	if ((r = setup_dev(&st, e)) < 0)
		return r;
	return c->before_pivot ? c->before_pivot(c->arg, e) : 0;
}

/* pivot_root(".", ".") (runc): the old root lands on top of the new one and
 * is detached. An initramfs cannot be pivoted away (EINVAL): the new root is
 * moved over it and chrooted into (returns 1), as common/root.c does. */
static int enter_root(const char *rootfs, unsigned long prop, struct err *e)
{
	if (chdir(rootfs) < 0)
		return err_sys(e, "chdir %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		/* Slaves first: with a shared /, detaching the host's mounts
		 * would otherwise unmount them on the host too. */
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return err_sys(e, "make the old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			return err_sys(e, "detach the old root");
		if (chdir("/") < 0)
			return err_sys(e, "chdir /");
		return 0;
	}
	if (errno != EINVAL)
		return err_sys(e, "pivot_root");
	/* Under a shared /, the move would show the container's root on the host's. */
	if ((prop & MS_SHARED) && mount(NULL, "/", NULL, MS_SLAVE, NULL) < 0)
		return err_sys(e, "make / a slave");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return err_sys(e, "move the new root over the initramfs");
	if (chroot(".") < 0)
		return err_sys(e, "chroot");
	if (chdir("/") < 0)
		return err_sys(e, "chdir /");
	return 1;
}

static int set_readonly(const char *path, struct err *e)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

	if (sys_mount_setattr(AT_FDCWD, path, 0, &a) < 0)
		return err_sys(e, "make %s read-only", path);
	return 0;
}

/* A bind of the path onto itself, read-only (the other flags it had stay). */
static int readonly_path(const char *p, struct err *e)
{
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "bind %s onto itself", p);
	}
	return set_readonly(p, e);
}

/* /dev/null over a file, an empty read-only tmpfs over a directory. */
static int mask_path(const char *p, struct err *e)
{
	struct stat sb;

	if (stat(p, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "stat %s", p);
	}
	if (S_ISDIR(sb.st_mode)) {
		if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) <
		    0)
			return err_sys(e, "mount an empty tmpfs on %s", p);
	} else if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
		return err_sys(e, "bind /dev/null on %s", p);
	}
	return 0;
}

int oci_rootfs_protect(const char *const *readonly, size_t n_readonly, const char *const *masked,
		       size_t n_masked, struct err *e)
{
	int r;

	for (size_t i = 0; i < n_readonly; i++)
		if ((r = readonly_path(readonly[i], e)) < 0)
			return err_wrap(e, "linux.readonlyPaths[%zu]", i);
	for (size_t i = 0; i < n_masked; i++)
		if ((r = mask_path(masked[i], e)) < 0)
			return err_wrap(e, "linux.maskedPaths[%zu]", i);
	return 0;
}

/* The last /dev mount asked for "ro" (dropped while its nodes were made). */
static bool dev_wants_ro(const struct oci_spec *s)
{
	bool ro = false;

	for (size_t i = 0; i < s->n_mounts; i++)
		if (dest_is(&s->mounts[i], "/dev"))
			ro = (s->mounts[i].flags & MS_RDONLY) &&
			     oci_mount_plan(&s->mounts[i], false, true) != OCI_PLAN_BIND;
	return ro;
}

/* In the new root: runc's order (sysctls while /proc/sys is writable, then
 * read-only and masked paths, then the root itself). */
static int finish_root(const struct oci_spec *s, struct err *e)
{
	const struct oci_linux *l = &s->linux_;
	int r;

	if (dev_wants_ro(s) && (r = set_readonly("/dev", e)) < 0)
		return r;
	if ((r = oci_sysctl_apply(s, e)) < 0)
		return r;
	if ((r = oci_rootfs_protect(l->readonly_paths, l->n_readonly_paths, l->masked_paths,
				    l->n_masked_paths, e)) < 0)
		return r;
	if (s->root_readonly && (r = set_readonly("/", e)) < 0)
		return err_wrap(e, "root.readonly");
	if (l->rootfs_propagation &&
	    (r = set_propagation(AT_FDCWD, "/", l->rootfs_propagation, e)) < 0)
		return err_wrap(e, "linux.rootfsPropagation");
	return 0;
}

int oci_rootfs_setup(const struct oci_rootfs_cfg *c, struct err *e)
{
	int r;

	if (!c->rootfs || c->rootfs[0] != '/')
		return err_set(e, EINVAL, "root %s: not an absolute path",
			       c->rootfs ? c->rootfs : "(none)");
	if ((r = populate(c, e)) < 0)
		return r;
	int chrooted = enter_root(c->rootfs, c->spec->linux_.rootfs_propagation, e);
	if (chrooted < 0)
		return chrooted;
	if ((r = finish_root(c->spec, e)) < 0)
		return r;
	return chrooted;
}

/* ---- sysctl, host name ---- */

int oci_sysctl_apply(const struct oci_spec *s, struct err *e)
{
	char path[PATH_MAX];
	int r;

	for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
		const struct oci_sysctl *k = &s->linux_.sysctl[i];

		if ((r = oci_sysctl_check(s, k->key, e)) < 0 ||
		    (r = oci_sysctl_path(k->key, path, sizeof(path), e)) < 0)
			return r;
		if ((r = write_text(path, k->value, e)) < 0)
			return err_wrap(e, "linux.sysctl %s", k->key);
	}
	return 0;
}

int oci_hostname_apply(const struct oci_spec *s, struct err *e)
{
	/* A UTS namespace of the container's own, new or joined by path (runc's rule). */
	bool new_uts = oci_spec_ns(s, OCI_NS_UTS) != NULL;

	if (s->hostname) {
		if (!new_uts)
			return err_set(e, EPERM,
				       "hostname: needs a UTS namespace of the container's own");
		if (sethostname(s->hostname, strlen(s->hostname)) < 0)
			return err_sys(e, "hostname %s", s->hostname);
	}
	if (s->domainname) {
		if (!new_uts)
			return err_set(e, EPERM,
				       "domainname: needs a UTS namespace of the container's own");
		if (setdomainname(s->domainname, strlen(s->domainname)) < 0)
			return err_sys(e, "domainname %s", s->domainname);
	}
	return 0;
}
