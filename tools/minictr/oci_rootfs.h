/* An OCI container's file system, set up the way runc and crun do it, by the
 * container's init inside its own (already unshared) mount namespace: the
 * spec's mounts under the root, /dev, pivot_root, the masked and read-only
 * paths, the read-only root; then the namespaced sysctls and the host name. */
#ifndef MINICTR_OCI_ROOTFS_H
#define MINICTR_OCI_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "tools/minictr/oci_spec.h"

struct oci_rootfs_cfg {
	const struct oci_spec *spec;
	const char *rootfs; /* absolute host path of the root (bundle + root.path resolved) */
	bool in_userns;	    /* in a new user namespace: no mknod; device nodes are bind
			     * mounts of the host's */
	/* Called after every mount is in place and before pivot_root (the
	 * createContainer hooks); may be NULL. */
	int (*before_pivot)(void *arg, struct err *e);
	void *arg;
};

/* In the container's init, in its new mount namespace: / made MS_REC|MS_SLAVE
 * (or linux.rootfsPropagation), the root bound onto itself, the spec's mounts
 * in order (destinations resolved inside the root: an image's symlink never
 * leads a mount out), /dev's nodes and links (unless /dev is a bind mount),
 * before_pivot, pivot_root (or, on an initramfs, MS_MOVE + chroot), the
 * linux.sysctl values (oci_sysctl_apply: before the read-only paths, which
 * usually include /proc/sys), linux.readonlyPaths, linux.maskedPaths,
 * root.readonly, the root's propagation. Relative bind sources are taken
 * from the current directory (the bundle, as runc). Leaves the process in
 * "/" of the container. Returns 0 after a pivot_root, 1 after a chroot (the
 * caller must then drop CAP_SYS_CHROOT: a chroot is left by chrooting
 * again), or a negative errno. */
int oci_rootfs_setup(const struct oci_rootfs_cfg *c, struct err *e);
/* In the container's root, runc's order: each readonly path bound onto
 * itself read-only, then each masked path hidden (/dev/null over a file, an
 * empty read-only tmpfs over a directory); missing paths are skipped. Also
 * minictr's simple command line's masks (mounts.c). */
int oci_rootfs_protect(const char *const *readonly, size_t n_readonly, const char *const *masked,
		       size_t n_masked, struct err *e);
/* Write each linux.sysctl value to /proc/sys/<key> (refused, naming the key,
 * outside the namespaced set: see oci_sysctl_check). oci_rootfs_setup calls
 * it at the right moment; call it directly only without that. */
int oci_sysctl_apply(const struct oci_spec *s, struct err *e);
/* sethostname/setdomainname for "hostname"/"domainname" when set; refused
 * (naming the field) without a new UTS namespace. */
int oci_hostname_apply(const struct oci_spec *s, struct err *e);

/* The pure parts, exposed for the unit tests. */

/* in as an absolute, clean path: "//a/./b/../c/" -> "/a/c" (".." stops at
 * "/"); a relative one is taken from "/". -ENAMETOOLONG if it does not fit. */
int oci_path_clean(const char *in, char *out, size_t len, struct err *e);
/* a + "/" + b into buf, without doubling a '/'; -ENAMETOOLONG if too long. */
int oci_path_join(char *buf, size_t len, const char *a, const char *b, struct err *e);
/* The spec's namespace of type t, or NULL when the container shares the host's. */
const struct oci_namespace *oci_spec_ns(const struct oci_spec *s, enum oci_ns_type t);
/* 0 when the container may set sysctl key: kernel.msg*, kernel.sem*,
 * kernel.shm*, fs.mqueue.* (IPC namespace), net.* (network namespace),
 * kernel.hostname/domainname (UTS namespace); else -EPERM naming the key. */
int oci_sysctl_check(const struct oci_spec *s, const char *key, struct err *e);
/* "/proc/sys/" + key, '.' and '/' swapped (sysctl(8): "net.ipv4.conf.eth0/1.rp_filter"
 * is net/ipv4/conf/eth0.1/rp_filter); empty, "." and ".." components refused. */
int oci_sysctl_path(const char *key, char *buf, size_t len, struct err *e);

/* How a spec mount is made. */
enum oci_mount_plan {
	OCI_PLAN_FS,	   /* a new file system of m->type */
	OCI_PLAN_BIND,	   /* a bind mount of m->source */
	OCI_PLAN_CGROUP2,  /* "cgroup"/"cgroup2": cgroup2 */
	OCI_PLAN_HOST_SYS, /* sysfs without a network namespace to own it: rbind /sys */
};
enum oci_mount_plan oci_mount_plan(const struct oci_mount *m, bool in_userns, bool new_netns);
/* The host tree bound instead when mounting m fails in a user namespace
 * (sysfs, mqueue, cgroup), or NULL. */
const char *oci_mount_host_fallback(const struct oci_mount *m);
/* Whether the mount point is a directory (else an empty file): a bind of
 * anything but a directory gets a file. */
bool oci_mountpoint_is_dir(enum oci_mount_plan plan, mode_t source_mode);
/* MS_* flags to set and to clear as mount_setattr attributes (MOUNT_ATTR_*,
 * the atime mode replaced as a whole when the flags name one). False when
 * nothing is to change. */
bool oci_mount_attrs(unsigned long set, unsigned long clear, uint64_t *attr_set,
		     uint64_t *attr_clr);
/* Whether /dev gets its nodes and links: not when the spec binds /dev. */
bool oci_dev_setup_needed(const struct oci_spec *s);
/* The default nodes (null, zero, full, random, urandom, tty) the spec's
 * linux.devices do not replace, into out (room for 6); returns how many. */
size_t oci_default_devices(const struct oci_spec *s, const struct oci_device **out);

#endif
