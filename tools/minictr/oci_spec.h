/* An OCI bundle's config.json (runtime-spec 1.0-1.2), parsed into plain C
 * (pure: no system calls). Every field the runtime acts on is here; a field
 * minictr does not implement, when set to anything but its "off" value, is
 * refused with an error naming it ("linux.intelRdt: not supported"), never
 * silently ignored. Strings point into the parsed JSON document, which the
 * spec owns until oci_spec_free(). */
#ifndef MINICTR_OCI_SPEC_H
#define MINICTR_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The runtime-spec version minictr implements (minictr --version). */
#define OCI_SPEC_VERSION   "1.2.0"
/* config.json is read whole; larger is refused. */
#define OCI_SPEC_MAX_BYTES (4u << 20)

struct oci_user {
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	uint32_t umask;
	bool has_umask;
};

/* Capability sets as bitmasks over CAP_* numbers (CAP_LAST_CAP and below). */
struct oci_caps {
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

struct oci_process {
	bool terminal;
	unsigned console_height, console_width; /* 0: leave as is */
	struct oci_user user;
	const char **args; /* NULL-terminated, n_args >= 1 */
	size_t n_args;
	const char **env; /* NULL-terminated */
	size_t n_env;
	const char *cwd; /* absolute */
	struct oci_caps caps;
	bool has_caps; /* no "capabilities" object: all sets empty */
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	int oom_score_adj;
	bool has_oom_score_adj;
	/* SELinux label; meaningful only where SELinux is on, where minictr
	 * refuses it (oci_create.c). NULL: not set. */
	const char *selinux_label;
};

/* One entry of "mounts", its options already split (mount(2) terms). */
struct oci_mount {
	const char *destination; /* absolute inside the container */
	const char *type;	 /* NULL: a bind mount (or "bind"/"rbind" options) */
	const char *source;	 /* may be NULL for pseudo file systems */
	unsigned long flags; /* MS_* from the options: MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC... */
	unsigned long clear; /* MS_* the options switch off ("rw", "suid", "dev", "exec"...) */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (| MS_REC), 0 */
	char *data; /* the other options joined with ',' ("mode=755,size=65536k"), owned, or NULL */
	bool bind;  /* MS_BIND in flags */
};

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT
};

struct oci_namespace {
	enum oci_ns_type type;
	const char *path; /* join this one (setns), NULL: a new namespace */
};

struct oci_id_mapping {
	uint32_t container_id, host_id, size;
};

/* linux.devices: a node to create in the container's /dev. */
struct oci_device {
	const char *path;
	char type; /* 'c', 'b', 'u' (unbuffered char), 'p' (fifo) */
	int64_t major, minor;
	uint32_t file_mode; /* permission bits, has_file_mode */
	bool has_file_mode;
	uint32_t uid, gid;
	bool has_uid, has_gid;
};

/* linux.resources.devices: the device cgroup rules, in order (last match wins). */
struct oci_device_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1: any */
	bool read, write, mknod;
};

struct oci_weight_device {
	int64_t major, minor;
	uint16_t weight; /* 0: not set */
};

struct oci_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

/* A limit the spec sets has its has_ flag; values are as the spec gives
 * them (cgroup v1 terms: shares, quota/period, memory -1 = unlimited). */
struct oci_resources {
	int64_t memory_limit, memory_reservation, memory_swap;
	bool has_memory_limit, has_memory_reservation, has_memory_swap;
	bool disable_oom_killer;
	uint64_t cpu_shares;
	int64_t cpu_quota;
	uint64_t cpu_period;
	bool has_cpu_shares, has_cpu_quota, has_cpu_period;
	const char *cpu_cpus, *cpu_mems; /* NULL: not set */
	int64_t pids_limit;
	bool has_pids_limit;
	uint16_t blkio_weight; /* 0: not set */
	struct oci_weight_device *weight_devices;
	size_t n_weight_devices;
	struct oci_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
		*throttle_write_iops;
	size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
		n_throttle_write_iops;
	struct oci_device_rule *device_rules;
	size_t n_device_rules;
	/* linux.resources.unified: cgroup v2 file name -> value, written as given */
	const char **unified_keys, **unified_values;
	size_t n_unified;
};

enum oci_seccomp_action {
	OCI_SCMP_KILL, /* SCMP_ACT_KILL and SCMP_ACT_KILL_THREAD */
	OCI_SCMP_KILL_PROCESS,
	OCI_SCMP_TRAP,
	OCI_SCMP_ERRNO,
	OCI_SCMP_TRACE,
	OCI_SCMP_ALLOW,
	OCI_SCMP_LOG,
};

enum oci_seccomp_op {
	OCI_SCMP_CMP_NE,
	OCI_SCMP_CMP_LT,
	OCI_SCMP_CMP_LE,
	OCI_SCMP_CMP_EQ,
	OCI_SCMP_CMP_GE,
	OCI_SCMP_CMP_GT,
	OCI_SCMP_CMP_MASKED_EQ,
};

struct oci_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value, value_two;
	enum oci_seccomp_op op;
};

struct oci_seccomp_rule {
	const char **names; /* syscall names as the spec gives them */
	size_t n_names;
	enum oci_seccomp_action action;
	uint32_t errno_ret; /* for ERRNO (default EPERM) and TRACE */
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	enum oci_seccomp_action default_action;
	uint32_t default_errno_ret;
	const char **architectures; /* "SCMP_ARCH_X86_64", ... */
	size_t n_architectures;
	bool flag_log, flag_spec_allow; /* SECCOMP_FILTER_FLAG_LOG / _SPEC_ALLOW */
	struct oci_seccomp_rule *rules;
	size_t n_rules;
};

struct oci_hook {
	const char *path;  /* absolute */
	const char **args; /* NULL-terminated; may be NULL (then argv is {path}) */
	size_t n_args;
	const char **env; /* NULL-terminated; may be NULL */
	size_t n_env;
	int timeout; /* seconds, 0: none given */
};

struct oci_hook_list {
	struct oci_hook *hooks;
	size_t n;
};

struct oci_hooks {
	struct oci_hook_list prestart, create_runtime, create_container, start_container, poststart,
		poststop;
};

struct oci_sysctl {
	const char *key, *value;
};

struct oci_linux {
	struct oci_namespace namespaces[OCI_NS_COUNT];
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	struct oci_resources resources;
	bool has_resources;
	const char *cgroups_path; /* NULL: the runtime picks one */
	const char **masked_paths, **readonly_paths;
	size_t n_masked_paths, n_readonly_paths;
	struct oci_sysctl *sysctl;
	size_t n_sysctl;
	struct oci_seccomp seccomp;
	bool has_seccomp;
	unsigned long rootfs_propagation; /* MS_* | MS_REC, 0: not set */
	const char *mount_label;	  /* SELinux, as process.selinux_label; NULL: not set */
};

struct oci_spec {
	void *json; /* the document (json_t *), owned */
	const char *oci_version;
	const char *root_path; /* as given: relative to the bundle or absolute */
	bool root_readonly;
	const char *hostname, *domainname; /* NULL: not set */
	struct oci_process process;
	bool has_process;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks hooks;
	struct oci_linux linux_;
	/* annotations, as a JSON object (json_t *, borrowed from json), or NULL */
	void *annotations;
};

/* Parse config.json text (len bytes, need not be NUL-terminated). On error,
 * -EINVAL (or -ENOMEM) and one line naming the field ("process.args: must be
 * a non-empty array of strings"); spec is then empty and needs no free. */
int oci_spec_parse(const char *text, size_t len, struct oci_spec *spec, struct err *e);
/* Parse one process object (minictr exec --process FILE) the same way. The
 * document is kept in *json_out (free with oci_json_free). */
int oci_process_parse(const char *text, size_t len, struct oci_process *p, void **json_out,
		      struct err *e);
void oci_process_free(struct oci_process *p);
void oci_json_free(void *json);
void oci_spec_free(struct oci_spec *spec);

/* Mount options ("ro", "nosuid", "rbind", "rprivate", "mode=755", ...) into m's
 * flags/clear/propagation/data. Unknown "word" options that are not key=value
 * are refused; key=value options go to data. */
int oci_mount_options(const char *const *opts, size_t n, struct oci_mount *m, struct err *e);

/* The default config.json of `minictr spec` (runc's default: sh in a
 * terminal, rootfs "rootfs", the usual mounts, masked and read-only paths,
 * new pid/network/ipc/uts/mount/cgroup namespaces, rootless: with a user
 * namespace mapping the caller). Returns a malloc'ed NUL-terminated string. */
char *oci_spec_default(bool rootless, uint32_t uid, uint32_t gid);

/* "pid" -> OCI_NS_PID ...; -1 when unknown. */
int oci_ns_type_from_name(const char *name);
const char *oci_ns_type_name(enum oci_ns_type t);

#endif
