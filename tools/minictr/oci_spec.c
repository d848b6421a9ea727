/* config.json (OCI runtime-spec 1.0-1.2) into struct oci_spec. Unknown keys
 * are ignored (the spec asks runtimes to, for forward compatibility); known
 * ones minictr does not implement are refused when set. JSON null counts as
 * absent, as it does for the Go decoders engines are written against. */
#include "tools/minictr/oci_spec.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <jansson.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PATH_LEN     256

struct ctx {
	struct err *e;
	/* The document held an integer past int64 and was read again with every
	 * integer as a double (jansson has no uint64), so doubles are accepted
	 * where integers are expected. */
	bool real_ints;
};

/* ---- paths and errors ---- */

/* A path too long for the buffer ends in "...". */
static const char *fit(char *buf, int n)
{
	if (n >= PATH_LEN)
		strcpy(buf + PATH_LEN - 4, "...");
	return buf;
}

static const char *join(char *buf, const char *parent, const char *key)
{
	return fit(buf, snprintf(buf, PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key));
}

static const char *indexed(char *buf, const char *parent, const char *key, size_t i)
{
	return fit(buf, snprintf(buf, PATH_LEN, "%s%s%s[%zu]", parent, *parent && *key ? "." : "",
				 key, i));
}

static int bad(struct ctx *c, const char *path, const char *why)
{
	return err_set(c->e, -EINVAL, "%s: %s", path, why);
}

static int bad_key(struct ctx *c, const char *parent, const char *key, const char *why)
{
	char p[PATH_LEN];

	return bad(c, join(p, parent, key), why);
}

static int oom(struct ctx *c)
{
	return err_set(c->e, -ENOMEM, "config.json: out of memory");
}

static void *alloc_array(struct ctx *c, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		oom(c);
	return p;
}

/* ---- typed getters: <0 error, 0 absent (out untouched), 1 present ---- */

static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static bool value_i64(const struct ctx *c, const json_t *v, int64_t *out)
{
	double d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!c->real_ints || !json_is_real(v))
		return false;
	d = json_real_value(v);
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || (double)(int64_t)d != d)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool value_u64(const struct ctx *c, const json_t *v, uint64_t *out)
{
	int64_t i;
	double d;

	if (value_i64(c, v, &i)) {
		*out = (uint64_t)i;
		return i >= 0;
	}
	if (!c->real_ints || !json_is_real(v))
		return false;
	/* 2^63 and up: every double there is a whole number; 2^64 is how
	 * 18446744073709551615 (RLIM_INFINITY) reads back. */
	d = json_real_value(v);
	if (!(d >= 9223372036854775808.0 && d <= 18446744073709551616.0))
		return false;
	*out = d >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)d;
	return true;
}

static int get_u64(struct ctx *c, json_t *obj, const char *parent, const char *key, uint64_t *out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!value_u64(c, v, out))
		return bad_key(c, parent, key, "must be a non-negative integer");
	return 1;
}

static int get_range(struct ctx *c, json_t *obj, const char *parent, const char *key, int64_t min,
		     int64_t max, int64_t *out)
{
	json_t *v = member(obj, key);
	char why[96];

	if (!v)
		return 0;
	if (!value_i64(c, v, out) || *out < min || *out > max) {
		snprintf(why, sizeof(why), "must be an integer from %lld to %lld", (long long)min,
			 (long long)max);
		return bad_key(c, parent, key, why);
	}
	return 1;
}

static int get_i64(struct ctx *c, json_t *obj, const char *parent, const char *key, int64_t *out)
{
	return get_range(c, obj, parent, key, INT64_MIN, INT64_MAX, out);
}

static int get_u32(struct ctx *c, json_t *obj, const char *parent, const char *key, uint32_t *out)
{
	int64_t v;
	int r = get_range(c, obj, parent, key, 0, UINT32_MAX, &v);

	if (r > 0)
		*out = (uint32_t)v;
	return r;
}

/* Optional numbers with a has_ flag: 0 or the error. */
static int opt_i64(struct ctx *c, json_t *obj, const char *parent, const char *key, int64_t *out,
		   bool *has)
{
	int r = get_i64(c, obj, parent, key, out);

	*has = r > 0;
	return r < 0 ? r : 0;
}

static int opt_u64(struct ctx *c, json_t *obj, const char *parent, const char *key, uint64_t *out,
		   bool *has)
{
	int r = get_u64(c, obj, parent, key, out);

	*has = r > 0;
	return r < 0 ? r : 0;
}

static int opt_u32(struct ctx *c, json_t *obj, const char *parent, const char *key, uint32_t *out,
		   bool *has)
{
	int r = get_u32(c, obj, parent, key, out);

	*has = r > 0;
	return r < 0 ? r : 0;
}

static int get_bool(struct ctx *c, json_t *obj, const char *parent, const char *key, bool *out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad_key(c, parent, key, "must be true or false");
	*out = json_is_true(v);
	return 1;
}

static int get_string(struct ctx *c, json_t *obj, const char *parent, const char *key,
		      const char **out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad_key(c, parent, key, "must be a string");
	*out = json_string_value(v);
	return 1;
}

/* A string where "" (Go's omitted value) means not set: *out is then NULL. */
static int get_set_string(struct ctx *c, json_t *obj, const char *parent, const char *key,
			  const char **out)
{
	int r = get_string(c, obj, parent, key, out);

	if (r > 0 && !**out) {
		*out = NULL;
		return 0;
	}
	return r;
}

/* A string that must be there and not be empty. */
static int need_string(struct ctx *c, json_t *obj, const char *parent, const char *key,
		       const char **out)
{
	int r = get_string(c, obj, parent, key, out);

	if (r < 0)
		return r;
	if (r == 0 || !**out)
		return bad_key(c, parent, key, "required (a non-empty string)");
	return 1;
}

static int need_abs_path(struct ctx *c, json_t *obj, const char *parent, const char *key,
			 const char **out)
{
	int r = need_string(c, obj, parent, key, out);

	if (r > 0 && **out != '/')
		return bad_key(c, parent, key, "must be an absolute path");
	return r;
}

static int get_typed(struct ctx *c, json_t *obj, const char *parent, const char *key,
		     json_type type, json_t **out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (json_typeof(v) != type)
		return bad_key(c, parent, key,
			       type == JSON_OBJECT ? "must be an object" : "must be an array");
	*out = v;
	return 1;
}

static int get_object(struct ctx *c, json_t *obj, const char *parent, const char *key, json_t **out)
{
	return get_typed(c, obj, parent, key, JSON_OBJECT, out);
}

static int get_array(struct ctx *c, json_t *obj, const char *parent, const char *key, json_t **out)
{
	return get_typed(c, obj, parent, key, JSON_ARRAY, out);
}

/* An array of strings into a NULL-terminated array pointing into the
 * document. Absent: *out stays NULL. */
static int get_strings(struct ctx *c, json_t *obj, const char *parent, const char *key,
		       const char ***out, size_t *n)
{
	char p[PATH_LEN];
	json_t *arr = NULL, *v;
	size_t i;
	int r = get_array(c, obj, parent, key, &arr);

	if (r <= 0)
		return r;
	*out = alloc_array(c, json_array_size(arr) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*n = json_array_size(arr);
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			return bad(c, indexed(p, parent, key, i), "must be a string");
		(*out)[i] = json_string_value(v);
	}
	return 1;
}

/* Every element of the (present) list must be an absolute path. */
static int need_abs_paths(struct ctx *c, const char *parent, const char *key,
			  const char *const *list, size_t n)
{
	char p[PATH_LEN];

	for (size_t i = 0; i < n; i++)
		if (list[i][0] != '/')
			return bad(c, indexed(p, parent, key, i), "must be an absolute path");
	return 0;
}

/* An object whose values are all strings (annotations, sysctl, unified). */
static int get_string_map(struct ctx *c, json_t *obj, const char *parent, const char *key,
			  json_t **out)
{
	char p[PATH_LEN], q[PATH_LEN];
	const char *k;
	json_t *v;
	int r = get_object(c, obj, parent, key, out);

	if (r <= 0)
		return r;
	json_object_foreach(*out, k, v)
	{
		if (!*k)
			return bad_key(c, parent, key, "keys must not be empty");
		if (!json_is_string(v))
			return bad(c, join(q, join(p, parent, key), k), "must be a string");
	}
	return 1;
}

/* Is v the "off" value of a field: null, false, 0, "", [] or an object of
 * off values? */
static bool is_off(json_t *v)
{
	const char *k;
	json_t *m;

	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE: return true;
	case JSON_INTEGER: return json_integer_value(v) == 0;
	case JSON_REAL: return json_real_value(v) == 0;
	case JSON_STRING: return json_string_length(v) == 0;
	case JSON_ARRAY: return json_array_size(v) == 0;
	case JSON_OBJECT: json_object_foreach(v, k, m) if (!is_off(m)) return false; return true;
	default: return false;
	}
}

/* Refuse each named field of obj that is set to anything but off. */
static int refuse_set(struct ctx *c, json_t *obj, const char *parent, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(obj, *keys);

		if (v && !is_off(v))
			return bad_key(c, parent, *keys, "not supported");
	}
	return 0;
}

#define KEYS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Each element of an array field must be an object, given to fn. */
typedef int (*elem_fn)(struct ctx *c, json_t *v, const char *path, void *out);

static int each_object(struct ctx *c, json_t *arr, const char *parent, const char *key, elem_fn fn,
		       void *items, size_t size)
{
	char p[PATH_LEN];
	json_t *v;
	size_t i;
	int r;

	json_array_foreach(arr, i, v)
	{
		indexed(p, parent, key, i);
		if (!json_is_object(v))
			return bad(c, p, "must be an object");
		if ((r = fn(c, v, p, (char *)items + i * size)) < 0)
			return r;
	}
	return 0;
}

/* An array of objects into a calloc'ed array of n structs of size bytes. */
static int get_objects(struct ctx *c, json_t *obj, const char *parent, const char *key, elem_fn fn,
		       size_t size, void **out, size_t *n)
{
	json_t *arr = NULL;
	int r = get_array(c, obj, parent, key, &arr);

	if (r <= 0 || json_array_size(arr) == 0)
		return r;
	if (!(*out = alloc_array(c, json_array_size(arr), size)))
		return -ENOMEM;
	*n = json_array_size(arr);
	return each_object(c, arr, parent, key, fn, *out, size);
}

/* ---- names ---- */

struct name_val {
	const char *name;
	long val;
};

static const struct name_val *lookup(const struct name_val *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* clang-format off */
#define NV(x) { #x, x }
/* clang-format on */

static const struct name_val cap_names[] = {
	NV(CAP_CHOWN),
	NV(CAP_DAC_OVERRIDE),
	NV(CAP_DAC_READ_SEARCH),
	NV(CAP_FOWNER),
	NV(CAP_FSETID),
	NV(CAP_KILL),
	NV(CAP_SETGID),
	NV(CAP_SETUID),
	NV(CAP_SETPCAP),
	NV(CAP_LINUX_IMMUTABLE),
	NV(CAP_NET_BIND_SERVICE),
	NV(CAP_NET_BROADCAST),
	NV(CAP_NET_ADMIN),
	NV(CAP_NET_RAW),
	NV(CAP_IPC_LOCK),
	NV(CAP_IPC_OWNER),
	NV(CAP_SYS_MODULE),
	NV(CAP_SYS_RAWIO),
	NV(CAP_SYS_CHROOT),
	NV(CAP_SYS_PTRACE),
	NV(CAP_SYS_PACCT),
	NV(CAP_SYS_ADMIN),
	NV(CAP_SYS_BOOT),
	NV(CAP_SYS_NICE),
	NV(CAP_SYS_RESOURCE),
	NV(CAP_SYS_TIME),
	NV(CAP_SYS_TTY_CONFIG),
	NV(CAP_MKNOD),
	NV(CAP_LEASE),
	NV(CAP_AUDIT_WRITE),
	NV(CAP_AUDIT_CONTROL),
	NV(CAP_SETFCAP),
	NV(CAP_MAC_OVERRIDE),
	NV(CAP_MAC_ADMIN),
	NV(CAP_SYSLOG),
	NV(CAP_WAKE_ALARM),
	NV(CAP_BLOCK_SUSPEND),
	NV(CAP_AUDIT_READ),
#ifdef CAP_PERFMON
	NV(CAP_PERFMON),
#endif
#ifdef CAP_BPF
	NV(CAP_BPF),
#endif
#ifdef CAP_CHECKPOINT_RESTORE
	NV(CAP_CHECKPOINT_RESTORE),
#endif
};

static const struct name_val rlimit_names[] = {
	NV(RLIMIT_AS),	   NV(RLIMIT_CORE),   NV(RLIMIT_CPU),	     NV(RLIMIT_DATA),
	NV(RLIMIT_FSIZE),  NV(RLIMIT_LOCKS),  NV(RLIMIT_MEMLOCK),    NV(RLIMIT_MSGQUEUE),
	NV(RLIMIT_NICE),   NV(RLIMIT_NOFILE), NV(RLIMIT_NPROC),	     NV(RLIMIT_RSS),
	NV(RLIMIT_RTPRIO), NV(RLIMIT_RTTIME), NV(RLIMIT_SIGPENDING), NV(RLIMIT_STACK),
};

static const char *const ns_names[OCI_NS_COUNT] = {
	[OCI_NS_PID] = "pid",	    [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
	[OCI_NS_IPC] = "ipc",	    [OCI_NS_UTS] = "uts",	  [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

int oci_ns_type_from_name(const char *name)
{
	for (int i = 0; i < OCI_NS_COUNT; i++)
		if (strcmp(ns_names[i], name) == 0)
			return i;
	return -1;
}

const char *oci_ns_type_name(enum oci_ns_type t)
{
	return (unsigned)t < OCI_NS_COUNT ? ns_names[t] : "?";
}

static const struct name_val propagation_names[] = {
	{ "private", MS_PRIVATE },	 { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	 { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		 { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* ---- mount options ---- */

struct mount_flag {
	const char *name;
	unsigned long flag;
	bool clear; /* the option switches flag off */
};

static const struct mount_flag mount_flags[] = {
	{ "ro", MS_RDONLY, false },
	{ "rw", MS_RDONLY, true },
	{ "nosuid", MS_NOSUID, false },
	{ "suid", MS_NOSUID, true },
	{ "nodev", MS_NODEV, false },
	{ "dev", MS_NODEV, true },
	{ "noexec", MS_NOEXEC, false },
	{ "exec", MS_NOEXEC, true },
	{ "sync", MS_SYNCHRONOUS, false },
	{ "async", MS_SYNCHRONOUS, true },
	{ "dirsync", MS_DIRSYNC, false },
	{ "remount", MS_REMOUNT, false },
	{ "mand", MS_MANDLOCK, false },
	{ "nomand", MS_MANDLOCK, true },
	{ "noatime", MS_NOATIME, false },
	{ "atime", MS_NOATIME, true },
	{ "nodiratime", MS_NODIRATIME, false },
	{ "diratime", MS_NODIRATIME, true },
	{ "relatime", MS_RELATIME, false },
	{ "norelatime", MS_RELATIME, true },
	{ "strictatime", MS_STRICTATIME, false },
	{ "nostrictatime", MS_STRICTATIME, true },
	{ "lazytime", MS_LAZYTIME, false },
	{ "nolazytime", MS_LAZYTIME, true },
	{ "nosymfollow", MS_NOSYMFOLLOW, false },
	{ "symfollow", MS_NOSYMFOLLOW, true },
	{ "bind", MS_BIND, false },
	{ "rbind", MS_BIND | MS_REC, false },
	{ "defaults", 0, false },
};

/* Words that are a file system's own options, not mount(2) flags: they go
 * to data like key=value (runc's default config has devpts "newinstance"). */
static const char *const fs_words[] = {
	"newinstance",
	"nsdelegate",
	"memory_recursiveprot",
	"memory_localevents",
	"memory_hugetlb_accounting",
	"favordynmods",
	"noswap",
	"userxattr",
};

/* Options that mean work minictr does not do. */
static const char *const unsupported_words[] = { "tmpcopyup", "idmap", "ridmap" };

static bool in_list(const char *const *list, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], word) == 0)
			return true;
	return false;
}

static const struct mount_flag *mount_flag(const char *word)
{
	for (size_t i = 0; i < ARRAY_LEN(mount_flags); i++)
		if (strcmp(mount_flags[i].name, word) == 0)
			return &mount_flags[i];
	return NULL;
}

static void apply_flag(struct oci_mount *m, const struct mount_flag *f)
{
	if (f->clear) {
		m->flags &= ~f->flag;
		m->clear |= f->flag;
	} else {
		m->flags |= f->flag;
		m->clear &= ~f->flag;
	}
}

/* "rro", "rnosuid"...: mount_setattr(2) recursive attributes (runc 1.1). */
static bool is_recursive_attr(const char *word)
{
	const struct mount_flag *f = word[0] == 'r' ? mount_flag(word + 1) : NULL;

	return f && !(f->flag & (MS_BIND | MS_REMOUNT)) && f->flag;
}

static int append_data(char **data, const char *opt, struct err *e)
{
	size_t old = *data ? strlen(*data) : 0, len = strlen(opt);
	char *d = realloc(*data, old + len + 2);

	if (!d)
		return err_set(e, -ENOMEM, "mount options: out of memory");
	if (old)
		d[old++] = ',';
	memcpy(d + old, opt, len + 1);
	*data = d;
	return 0;
}

static int mount_option(const char *opt, struct oci_mount *m, struct err *e)
{
	const struct mount_flag *f = mount_flag(opt);
	const struct name_val *p;
	const char *eq = strchr(opt, '=');

	if (f) {
		apply_flag(m, f);
		return 0;
	}
	if ((p = lookup(propagation_names, ARRAY_LEN(propagation_names), opt))) {
		m->propagation = (unsigned long)p->val;
		return 0;
	}
	if (in_list(unsupported_words, ARRAY_LEN(unsupported_words), opt) ||
	    (eq && (strncmp(opt, "idmap=", 6) == 0 || strncmp(opt, "ridmap=", 7) == 0)))
		return err_set(e, -EINVAL, "mount option \"%s\": not supported", opt);
	if (is_recursive_attr(opt))
		return err_set(e, -EINVAL,
			       "mount option \"%s\": recursive mount attributes not supported",
			       opt);
	if ((eq && eq != opt) || in_list(fs_words, ARRAY_LEN(fs_words), opt))
		return append_data(&m->data, opt, e);
	return err_set(e, -EINVAL, "mount option \"%s\": unknown", opt);
}

int oci_mount_options(const char *const *opts, size_t n, struct oci_mount *m, struct err *e)
{
	m->flags = m->clear = m->propagation = 0;
	m->data = NULL;
	for (size_t i = 0; i < n; i++) {
		int r = mount_option(opts[i], m, e);

		if (r < 0) {
			free(m->data);
			m->data = NULL;
			return r;
		}
	}
	m->bind = m->flags & MS_BIND;
	return 0;
}

/* ---- process ---- */

static int parse_console(struct ctx *c, json_t *proc, const char *parent, struct oci_process *p)
{
	char path[PATH_LEN];
	json_t *cs = NULL;
	int64_t v;
	int r = get_object(c, proc, parent, "consoleSize", &cs);

	if (r <= 0)
		return r;
	join(path, parent, "consoleSize");
	if ((r = get_range(c, cs, path, "height", 0, UINT16_MAX, &v)) < 0)
		return r;
	p->console_height = r ? (unsigned)v : 0;
	if ((r = get_range(c, cs, path, "width", 0, UINT16_MAX, &v)) < 0)
		return r;
	p->console_width = r ? (unsigned)v : 0;
	return 0;
}

static int parse_gids(struct ctx *c, json_t *user, const char *parent, struct oci_user *u)
{
	char p[PATH_LEN];
	json_t *arr = NULL, *v;
	size_t i;
	int r = get_array(c, user, parent, "additionalGids", &arr);

	if (r <= 0 || json_array_size(arr) == 0)
		return r;
	if (!(u->additional_gids = alloc_array(c, json_array_size(arr), sizeof(uint32_t))))
		return -ENOMEM;
	u->n_additional_gids = json_array_size(arr);
	json_array_foreach(arr, i, v)
	{
		uint64_t g;

		if (!value_u64(c, v, &g) || g > UINT32_MAX)
			return bad(c, indexed(p, parent, "additionalGids", i),
				   "must be an integer from 0 to 4294967295");
		u->additional_gids[i] = (uint32_t)g;
	}
	return 0;
}

static int parse_user(struct ctx *c, json_t *proc, const char *parent, struct oci_user *u)
{
	char p[PATH_LEN];
	json_t *user = NULL;
	int r = get_object(c, proc, parent, "user", &user);

	if (r <= 0)
		return r;
	join(p, parent, "user");
	/* The spec's Linux user is numeric; a name would need the image's
	 * /etc/passwd, which the engine reads itself. */
	if ((r = refuse_set(c, user, p, KEYS("username"))) < 0 ||
	    (r = get_u32(c, user, p, "uid", &u->uid)) < 0 ||
	    (r = get_u32(c, user, p, "gid", &u->gid)) < 0 ||
	    (r = get_u32(c, user, p, "umask", &u->umask)) < 0)
		return r;
	u->has_umask = r > 0;
	if (u->has_umask && u->umask > 0777)
		return bad_key(c, p, "umask", "must be from 0 to 0777");
	return parse_gids(c, user, p, u);
}

static int parse_args(struct ctx *c, json_t *proc, const char *parent, struct oci_process *p)
{
	int r = get_strings(c, proc, parent, "args", &p->args, &p->n_args);

	if (r < 0)
		return r;
	if (p->n_args == 0 || !p->args[0][0])
		return bad_key(c, parent, "args", "must be a non-empty array of strings");
	return 0;
}

static int parse_env(struct ctx *c, json_t *proc, const char *parent, struct oci_process *p)
{
	char path[PATH_LEN];
	int r = get_strings(c, proc, parent, "env", &p->env, &p->n_env);

	if (r < 0)
		return r;
	if (!p->env && !(p->env = alloc_array(c, 1, sizeof(*p->env))))
		return -ENOMEM;
	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');

		if (!eq || eq == p->env[i])
			return bad(c, indexed(path, parent, "env", i), "must be NAME=VALUE");
	}
	return 0;
}

static int parse_cap_set(struct ctx *c, json_t *caps, const char *parent, const char *key,
			 uint64_t *set)
{
	char p[PATH_LEN], why[96];
	json_t *arr = NULL, *v;
	size_t i;
	int r = get_array(c, caps, parent, key, &arr);

	if (r <= 0)
		return r;
	json_array_foreach(arr, i, v)
	{
		const struct name_val *cap;

		indexed(p, parent, key, i);
		if (!json_is_string(v))
			return bad(c, p, "must be a string");
		cap = lookup(cap_names, ARRAY_LEN(cap_names), json_string_value(v));
		if (!cap || cap->val > CAP_LAST_CAP || cap->val > 63) {
			snprintf(why, sizeof(why), "unknown capability \"%.40s\"",
				 json_string_value(v));
			return bad(c, p, why);
		}
		*set |= 1ull << cap->val;
	}
	return 0;
}

static int parse_caps(struct ctx *c, json_t *proc, const char *parent, struct oci_process *p)
{
	char path[PATH_LEN];
	json_t *caps = NULL;
	int r = get_object(c, proc, parent, "capabilities", &caps);

	if (r <= 0)
		return r;
	p->has_caps = true;
	join(path, parent, "capabilities");
	if ((r = parse_cap_set(c, caps, path, "bounding", &p->caps.bounding)) < 0 ||
	    (r = parse_cap_set(c, caps, path, "effective", &p->caps.effective)) < 0 ||
	    (r = parse_cap_set(c, caps, path, "inheritable", &p->caps.inheritable)) < 0 ||
	    (r = parse_cap_set(c, caps, path, "permitted", &p->caps.permitted)) < 0)
		return r;
	return parse_cap_set(c, caps, path, "ambient", &p->caps.ambient);
}

static int parse_rlimit(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_rlimit *rl = out;
	const struct name_val *t;
	const char *type;
	int r;

	if ((r = need_string(c, v, path, "type", &type)) < 0)
		return r;
	if (!(t = lookup(rlimit_names, ARRAY_LEN(rlimit_names), type)))
		return bad_key(c, path, "type", "unknown resource");
	rl->resource = (int)t->val;
	if ((r = get_u64(c, v, path, "soft", &rl->soft)) <= 0)
		return r ? r : bad_key(c, path, "soft", "required");
	if ((r = get_u64(c, v, path, "hard", &rl->hard)) <= 0)
		return r ? r : bad_key(c, path, "hard", "required");
	if (rl->soft > rl->hard)
		return bad_key(c, path, "soft", "must not exceed hard");
	return 0;
}

static int parse_rlimits(struct ctx *c, json_t *proc, const char *parent, struct oci_process *p)
{
	char path[PATH_LEN];
	int r = get_objects(c, proc, parent, "rlimits", parse_rlimit, sizeof(*p->rlimits),
			    (void **)&p->rlimits, &p->n_rlimits);

	if (r < 0)
		return r;
	/* The spec: duplicate types MUST be an error. */
	for (size_t i = 0; i < p->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[i].resource == p->rlimits[j].resource)
				return bad(c, indexed(path, parent, "rlimits", i),
					   "type given twice");
	return 0;
}

static int parse_process_fields(struct ctx *c, json_t *proc, const char *parent,
				struct oci_process *p)
{
	static const char *const unsupported[] = { "apparmorProfile", "ioPriority", "scheduler",
						   "execCPUAffinity", NULL };
	int64_t adj;
	int r;

	if ((r = refuse_set(c, proc, parent, unsupported)) < 0 ||
	    (r = get_bool(c, proc, parent, "terminal", &p->terminal)) < 0 ||
	    (r = parse_console(c, proc, parent, p)) < 0 ||
	    (r = parse_user(c, proc, parent, &p->user)) < 0 ||
	    (r = parse_args(c, proc, parent, p)) < 0 || (r = parse_env(c, proc, parent, p)) < 0 ||
	    (r = need_abs_path(c, proc, parent, "cwd", &p->cwd)) < 0 ||
	    (r = get_set_string(c, proc, parent, "selinuxLabel", &p->selinux_label)) < 0 ||
	    (r = parse_caps(c, proc, parent, p)) < 0 ||
	    (r = parse_rlimits(c, proc, parent, p)) < 0 ||
	    (r = get_bool(c, proc, parent, "noNewPrivileges", &p->no_new_privileges)) < 0 ||
	    (r = get_range(c, proc, parent, "oomScoreAdj", -1000, 1000, &adj)) < 0)
		return r;
	p->has_oom_score_adj = r > 0;
	p->oom_score_adj = r > 0 ? (int)adj : 0;
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	free(p->user.additional_gids);
	free(p->args);
	free(p->env);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

/* ---- mounts ---- */

static int mount_entry_options(struct ctx *c, json_t *v, const char *path, struct oci_mount *m)
{
	const char **opts = NULL;
	size_t n = 0;
	int r = get_strings(c, v, path, "options", &opts, &n);

	if (r >= 0 && (r = oci_mount_options(opts, n, m, c->e)) < 0)
		err_wrap(c->e, "%s.options", path);
	free(opts);
	return r;
}

static int parse_mount(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_mount *m = out;
	int r;

	if ((r = refuse_set(c, v, path, KEYS("uidMappings", "gidMappings"))) < 0 ||
	    (r = need_abs_path(c, v, path, "destination", &m->destination)) < 0 ||
	    (r = get_set_string(c, v, path, "type", &m->type)) < 0 ||
	    (r = get_string(c, v, path, "source", &m->source)) < 0 ||
	    (r = mount_entry_options(c, v, path, m)) < 0)
		return r;
	/* runc: type "bind" alone is a bind mount; no type at all is one too. */
	if (!m->type || strcmp(m->type, "bind") == 0)
		m->flags |= MS_BIND;
	m->bind = m->flags & MS_BIND;
	if (m->bind && (!m->source || !*m->source))
		return bad_key(c, path, "source", "required for a bind mount");
	return 0;
}

static void free_mounts(struct oci_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].data);
	free(m);
}

/* ---- hooks ---- */

static int parse_hook(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_hook *h = out;
	int64_t t;
	int r;

	if ((r = need_abs_path(c, v, path, "path", &h->path)) < 0 ||
	    (r = get_strings(c, v, path, "args", &h->args, &h->n_args)) < 0 ||
	    (r = get_strings(c, v, path, "env", &h->env, &h->n_env)) < 0 ||
	    (r = get_range(c, v, path, "timeout", 1, INT32_MAX, &t)) < 0)
		return r;
	h->timeout = r > 0 ? (int)t : 0;
	return 0;
}

static int parse_hook_list(struct ctx *c, json_t *hooks, const char *key, struct oci_hook_list *l)
{
	return get_objects(c, hooks, "hooks", key, parse_hook, sizeof(*l->hooks),
			   (void **)&l->hooks, &l->n);
}

static int parse_hooks(struct ctx *c, json_t *root, struct oci_hooks *h)
{
	json_t *hooks = NULL;
	int r = get_object(c, root, "", "hooks", &hooks);

	if (r <= 0)
		return r;
	if ((r = parse_hook_list(c, hooks, "prestart", &h->prestart)) < 0 ||
	    (r = parse_hook_list(c, hooks, "createRuntime", &h->create_runtime)) < 0 ||
	    (r = parse_hook_list(c, hooks, "createContainer", &h->create_container)) < 0 ||
	    (r = parse_hook_list(c, hooks, "startContainer", &h->start_container)) < 0 ||
	    (r = parse_hook_list(c, hooks, "poststart", &h->poststart)) < 0)
		return r;
	return parse_hook_list(c, hooks, "poststop", &h->poststop);
}

static void free_hook_list(struct oci_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->hooks[i].args);
		free(l->hooks[i].env);
	}
	free(l->hooks);
}

static void free_hooks(struct oci_hooks *h)
{
	free_hook_list(&h->prestart);
	free_hook_list(&h->create_runtime);
	free_hook_list(&h->create_container);
	free_hook_list(&h->start_container);
	free_hook_list(&h->poststart);
	free_hook_list(&h->poststop);
}

/* ---- linux: namespaces, id mappings, devices ---- */

static int parse_namespace(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_linux *l = out;
	struct oci_namespace ns = { 0 };
	const char *type;
	int t, r;

	if ((r = need_string(c, v, path, "type", &type)) < 0)
		return r;
	if ((t = oci_ns_type_from_name(type)) < 0)
		return bad_key(c, path, "type", "unknown namespace type");
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == (enum oci_ns_type)t)
			return bad_key(c, path, "type", "namespace given twice");
	ns.type = (enum oci_ns_type)t;
	if ((r = get_set_string(c, v, path, "path", &ns.path)) < 0)
		return r;
	if (ns.path && *ns.path != '/')
		return bad_key(c, path, "path", "must be an absolute path");
	/* Unique types: there is room for each. */
	l->namespaces[l->n_namespaces++] = ns;
	return 0;
}

static int parse_namespaces(struct ctx *c, json_t *lx, struct oci_linux *l)
{
	json_t *arr = NULL;
	int r = get_array(c, lx, "linux", "namespaces", &arr);

	/* Size 0: every element is given the same struct oci_linux. */
	return r <= 0 ? r : each_object(c, arr, "linux", "namespaces", parse_namespace, l, 0);
}

static bool has_namespace(const struct oci_linux *l, enum oci_ns_type t)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == t)
			return true;
	return false;
}

static int need_u32(struct ctx *c, json_t *v, const char *path, const char *key, uint32_t *out)
{
	int r = get_u32(c, v, path, key, out);

	return r ? r : bad_key(c, path, key, "required");
}

static int parse_id_mapping(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_id_mapping *m = out;
	int r;

	if ((r = need_u32(c, v, path, "containerID", &m->container_id)) < 0 ||
	    (r = need_u32(c, v, path, "hostID", &m->host_id)) < 0 ||
	    (r = need_u32(c, v, path, "size", &m->size)) < 0)
		return r;
	if (m->size == 0)
		return bad_key(c, path, "size", "must not be 0");
	return 0;
}

static int parse_id_mappings(struct ctx *c, json_t *lx, struct oci_linux *l)
{
	int r = get_objects(c, lx, "linux", "uidMappings", parse_id_mapping,
			    sizeof(*l->uid_mappings), (void **)&l->uid_mappings,
			    &l->n_uid_mappings);

	if (r < 0 || (r = get_objects(c, lx, "linux", "gidMappings", parse_id_mapping,
				      sizeof(*l->gid_mappings), (void **)&l->gid_mappings,
				      &l->n_gid_mappings)) < 0)
		return r;
	if ((l->n_uid_mappings || l->n_gid_mappings) && !has_namespace(l, OCI_NS_USER))
		return bad_key(c, "linux", l->n_uid_mappings ? "uidMappings" : "gidMappings",
			       "given without a user namespace");
	return 0;
}

static int parse_major_minor(struct ctx *c, json_t *v, const char *path, int64_t *major,
			     int64_t *minor)
{
	int r = get_i64(c, v, path, "major", major);

	if (r <= 0)
		return r ? r : bad_key(c, path, "major", "required");
	if ((r = get_i64(c, v, path, "minor", minor)) <= 0)
		return r ? r : bad_key(c, path, "minor", "required");
	return 0;
}

static int parse_device(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_device *d = out;
	const char *type;
	int r;

	if ((r = need_abs_path(c, v, path, "path", &d->path)) < 0 ||
	    (r = need_string(c, v, path, "type", &type)) < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return bad_key(c, path, "type", "must be \"c\", \"b\", \"u\" or \"p\"");
	d->type = type[0];
	/* A fifo has no device number. */
	if (d->type != 'p' && (r = parse_major_minor(c, v, path, &d->major, &d->minor)) < 0)
		return r;
	if ((r = opt_u32(c, v, path, "fileMode", &d->file_mode, &d->has_file_mode)) < 0 ||
	    (r = opt_u32(c, v, path, "uid", &d->uid, &d->has_uid)) < 0 ||
	    (r = opt_u32(c, v, path, "gid", &d->gid, &d->has_gid)) < 0)
		return r;
	if (d->file_mode > 07777)
		return bad_key(c, path, "fileMode", "must be permission bits (at most 07777)");
	return 0;
}

/* ---- linux.resources ---- */

static int parse_memory(struct ctx *c, json_t *res, struct oci_resources *rs)
{
	static const char *const p = "linux.resources.memory";
	json_t *mem = NULL;
	int r = get_object(c, res, "linux.resources", "memory", &mem);

	if (r <= 0)
		return r;
	/* kernel and kernelTCP are cgroup v1 only (gone from the kernel);
	 * swappiness has no cgroup v2 file. useHierarchy (v1) and
	 * checkBeforeUpdate (for update) are accepted and mean nothing here. */
	if ((r = refuse_set(c, mem, p, KEYS("kernel", "kernelTCP"))) < 0)
		return r;
	if (member(mem, "swappiness"))
		return bad_key(c, p, "swappiness", "not supported");
	if ((r = opt_i64(c, mem, p, "limit", &rs->memory_limit, &rs->has_memory_limit)) < 0 ||
	    (r = opt_i64(c, mem, p, "reservation", &rs->memory_reservation,
			 &rs->has_memory_reservation)) < 0 ||
	    (r = opt_i64(c, mem, p, "swap", &rs->memory_swap, &rs->has_memory_swap)) < 0 ||
	    (r = get_bool(c, mem, p, "disableOOMKiller", &rs->disable_oom_killer)) < 0)
		return r;
	return get_bool(c, mem, p, "useHierarchy", &(bool){ false });
}

static int parse_cpu(struct ctx *c, json_t *res, struct oci_resources *rs)
{
	static const char *const p = "linux.resources.cpu";
	json_t *cpu = NULL;
	int r = get_object(c, res, "linux.resources", "cpu", &cpu);

	if (r <= 0)
		return r;
	if ((r = refuse_set(c, cpu, p,
			    KEYS("realtimeRuntime", "realtimePeriod", "idle", "burst"))) < 0)
		return r;
	if ((r = opt_u64(c, cpu, p, "shares", &rs->cpu_shares, &rs->has_cpu_shares)) < 0 ||
	    (r = opt_i64(c, cpu, p, "quota", &rs->cpu_quota, &rs->has_cpu_quota)) < 0 ||
	    (r = opt_u64(c, cpu, p, "period", &rs->cpu_period, &rs->has_cpu_period)) < 0 ||
	    (r = get_set_string(c, cpu, p, "cpus", &rs->cpu_cpus)) < 0)
		return r;
	return get_set_string(c, cpu, p, "mems", &rs->cpu_mems);
}

static int parse_pids(struct ctx *c, json_t *res, struct oci_resources *rs)
{
	json_t *pids = NULL;
	int r = get_object(c, res, "linux.resources", "pids", &pids);

	if (r <= 0)
		return r;
	return opt_i64(c, pids, "linux.resources.pids", "limit", &rs->pids_limit,
		       &rs->has_pids_limit);
}

static int parse_weight(struct ctx *c, json_t *v, const char *path, const char *key, uint16_t *out)
{
	int64_t w;
	int r = get_range(c, v, path, key, 0, 1000, &w);

	if (r > 0 && w != 0 && w < 10)
		return bad_key(c, path, key, "must be from 10 to 1000");
	if (r > 0)
		*out = (uint16_t)w;
	return r;
}

static int parse_weight_device(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_weight_device *w = out;
	int r;

	if ((r = refuse_set(c, v, path, KEYS("leafWeight"))) < 0 ||
	    (r = parse_major_minor(c, v, path, &w->major, &w->minor)) < 0)
		return r;
	return parse_weight(c, v, path, "weight", &w->weight);
}

static int parse_throttle_device(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_throttle_device *t = out;
	int r = parse_major_minor(c, v, path, &t->major, &t->minor);

	if (r < 0 || (r = get_u64(c, v, path, "rate", &t->rate)) < 0)
		return r;
	return r ? 0 : bad_key(c, path, "rate", "required");
}

static int parse_throttle(struct ctx *c, json_t *bio, const char *key,
			  struct oci_throttle_device **out, size_t *n)
{
	return get_objects(c, bio, "linux.resources.blockIO", key, parse_throttle_device,
			   sizeof(**out), (void **)out, n);
}

static int parse_blkio(struct ctx *c, json_t *res, struct oci_resources *rs)
{
	static const char *const p = "linux.resources.blockIO";
	json_t *bio = NULL;
	int r = get_object(c, res, "linux.resources", "blockIO", &bio);

	if (r <= 0)
		return r;
	if ((r = refuse_set(c, bio, p, KEYS("leafWeight"))) < 0 ||
	    (r = parse_weight(c, bio, p, "weight", &rs->blkio_weight)) < 0 ||
	    (r = get_objects(c, bio, p, "weightDevice", parse_weight_device,
			     sizeof(*rs->weight_devices), (void **)&rs->weight_devices,
			     &rs->n_weight_devices)) < 0 ||
	    (r = parse_throttle(c, bio, "throttleReadBpsDevice", &rs->throttle_read_bps,
				&rs->n_throttle_read_bps)) < 0 ||
	    (r = parse_throttle(c, bio, "throttleWriteBpsDevice", &rs->throttle_write_bps,
				&rs->n_throttle_write_bps)) < 0 ||
	    (r = parse_throttle(c, bio, "throttleReadIOPSDevice", &rs->throttle_read_iops,
				&rs->n_throttle_read_iops)) < 0)
		return r;
	return parse_throttle(c, bio, "throttleWriteIOPSDevice", &rs->throttle_write_iops,
			      &rs->n_throttle_write_iops);
}

static int parse_access(struct ctx *c, json_t *v, const char *path, struct oci_device_rule *d)
{
	const char *access = NULL;
	int r = get_string(c, v, path, "access", &access);

	if (r < 0)
		return r;
	/* No access given: the rule covers all three, as "rwm" would. */
	if (!access || !*access)
		access = "rwm";
	for (const char *a = access; *a; a++) {
		if (*a == 'r')
			d->read = true;
		else if (*a == 'w')
			d->write = true;
		else if (*a == 'm')
			d->mknod = true;
		else
			return bad_key(c, path, "access", "must be made of r, w and m");
	}
	return 0;
}

static int parse_device_rule(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_device_rule *d = out;
	const char *type = NULL;
	int r = get_bool(c, v, path, "allow", &d->allow);

	if (r <= 0)
		return r ? r : bad_key(c, path, "allow", "required");
	if ((r = get_string(c, v, path, "type", &type)) < 0)
		return r;
	if (!type || !*type)
		type = "a";
	if (strlen(type) != 1 || !strchr("acb", type[0]))
		return bad_key(c, path, "type", "must be \"a\", \"c\" or \"b\"");
	d->type = type[0];
	d->major = d->minor = -1;
	if ((r = get_range(c, v, path, "major", -1, INT64_MAX, &d->major)) < 0 ||
	    (r = get_range(c, v, path, "minor", -1, INT64_MAX, &d->minor)) < 0)
		return r;
	return parse_access(c, v, path, d);
}

static int parse_unified(struct ctx *c, json_t *res, struct oci_resources *rs)
{
	json_t *map = NULL, *v;
	const char *k;
	size_t i = 0;
	int r = get_string_map(c, res, "linux.resources", "unified", &map);

	if (r <= 0 || json_object_size(map) == 0)
		return r;
	rs->unified_keys = alloc_array(c, json_object_size(map) + 1, sizeof(char *));
	rs->unified_values = alloc_array(c, json_object_size(map) + 1, sizeof(char *));
	if (!rs->unified_keys || !rs->unified_values)
		return -ENOMEM;
	json_object_foreach(map, k, v)
	{
		rs->unified_keys[i] = k;
		rs->unified_values[i++] = json_string_value(v);
	}
	rs->n_unified = i;
	return 0;
}

static int parse_resources(struct ctx *c, json_t *lx, struct oci_linux *l)
{
	struct oci_resources *rs = &l->resources;
	json_t *res = NULL;
	int r = get_object(c, lx, "linux", "resources", &res);

	if (r <= 0)
		return r;
	l->has_resources = true;
	if ((r = refuse_set(c, res, "linux.resources", KEYS("hugepageLimits", "network", "rdma"))) <
		    0 ||
	    (r = parse_memory(c, res, rs)) < 0 || (r = parse_cpu(c, res, rs)) < 0 ||
	    (r = parse_pids(c, res, rs)) < 0 || (r = parse_blkio(c, res, rs)) < 0 ||
	    (r = get_objects(c, res, "linux.resources", "devices", parse_device_rule,
			     sizeof(*rs->device_rules), (void **)&rs->device_rules,
			     &rs->n_device_rules)) < 0)
		return r;
	return parse_unified(c, res, rs);
}

static void free_resources(struct oci_resources *rs)
{
	free(rs->weight_devices);
	free(rs->throttle_read_bps);
	free(rs->throttle_write_bps);
	free(rs->throttle_read_iops);
	free(rs->throttle_write_iops);
	free(rs->device_rules);
	free(rs->unified_keys);
	free(rs->unified_values);
}

/* ---- linux.seccomp ---- */

static const struct name_val seccomp_actions[] = {
	{ "SCMP_ACT_KILL", OCI_SCMP_KILL },
	{ "SCMP_ACT_KILL_THREAD", OCI_SCMP_KILL },
	{ "SCMP_ACT_KILL_PROCESS", OCI_SCMP_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", OCI_SCMP_TRAP },
	{ "SCMP_ACT_ERRNO", OCI_SCMP_ERRNO },
	{ "SCMP_ACT_TRACE", OCI_SCMP_TRACE },
	{ "SCMP_ACT_ALLOW", OCI_SCMP_ALLOW },
	{ "SCMP_ACT_LOG", OCI_SCMP_LOG },
};

static const struct name_val seccomp_ops[] = {
	{ "SCMP_CMP_NE", OCI_SCMP_CMP_NE },
	{ "SCMP_CMP_LT", OCI_SCMP_CMP_LT },
	{ "SCMP_CMP_LE", OCI_SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", OCI_SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", OCI_SCMP_CMP_GE },
	{ "SCMP_CMP_GT", OCI_SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", OCI_SCMP_CMP_MASKED_EQ },
};

/* A name from table t, required; "what" names the kind in the error. */
static int get_name(struct ctx *c, json_t *obj, const char *path, const char *key,
		    const struct name_val *t, size_t n, const char *what, long *out)
{
	const struct name_val *nv;
	const char *s;
	char why[96];
	int r = need_string(c, obj, path, key, &s);

	if (r < 0)
		return r;
	if (!(nv = lookup(t, n, s))) {
		snprintf(why, sizeof(why), "%s \"%.40s\" not supported", what, s);
		return bad_key(c, path, key, why);
	}
	*out = nv->val;
	return 0;
}

/* An action and its errnoRet: EPERM unless given, given only for ERRNO/TRACE. */
static int parse_action(struct ctx *c, json_t *v, const char *path, const char *action_key,
			const char *errno_key, enum oci_seccomp_action *action, uint32_t *ret)
{
	long a;
	int r = get_name(c, v, path, action_key, seccomp_actions, ARRAY_LEN(seccomp_actions),
			 "action", &a);

	if (r < 0)
		return r;
	*action = (enum oci_seccomp_action)a;
	*ret = EPERM;
	if ((r = get_u32(c, v, path, errno_key, ret)) <= 0)
		return r;
	if (a != OCI_SCMP_ERRNO && a != OCI_SCMP_TRACE)
		return bad_key(c, path, errno_key, "only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE");
	return 0;
}

static int parse_seccomp_arg(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_seccomp_arg *a = out;
	int64_t index;
	long op;
	int r = get_range(c, v, path, "index", 0, 5, &index);

	if (r <= 0)
		return r ? r : bad_key(c, path, "index", "required");
	a->index = (unsigned)index;
	if ((r = get_u64(c, v, path, "value", &a->value)) <= 0)
		return r ? r : bad_key(c, path, "value", "required");
	if ((r = get_u64(c, v, path, "valueTwo", &a->value_two)) < 0 ||
	    (r = get_name(c, v, path, "op", seccomp_ops, ARRAY_LEN(seccomp_ops), "operator", &op)) <
		    0)
		return r;
	a->op = (enum oci_seccomp_op)op;
	return 0;
}

static int parse_syscall(struct ctx *c, json_t *v, const char *path, void *out)
{
	struct oci_seccomp_rule *s = out;
	char p[PATH_LEN];
	int r = get_strings(c, v, path, "names", &s->names, &s->n_names);

	if (r < 0)
		return r;
	if (s->n_names == 0)
		return bad_key(c, path, "names", "must be a non-empty array of strings");
	for (size_t i = 0; i < s->n_names; i++)
		if (!*s->names[i])
			return bad(c, indexed(p, path, "names", i), "must not be empty");
	if ((r = parse_action(c, v, path, "action", "errnoRet", &s->action, &s->errno_ret)) < 0)
		return r;
	return get_objects(c, v, path, "args", parse_seccomp_arg, sizeof(*s->args),
			   (void **)&s->args, &s->n_args);
}

static int parse_seccomp_flags(struct ctx *c, json_t *sc, const char *path, struct oci_seccomp *s)
{
	const char **flags = NULL;
	size_t n = 0;
	char p[PATH_LEN];
	int r = get_strings(c, sc, path, "flags", &flags, &n);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (strcmp(flags[i], "SECCOMP_FILTER_FLAG_LOG") == 0)
			s->flag_log = true;
		else if (strcmp(flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			s->flag_spec_allow = true;
		/* TSYNC: the container's init is single-threaded; nothing to do. */
		else if (strcmp(flags[i], "SECCOMP_FILTER_FLAG_TSYNC") != 0)
			r = bad(c, indexed(p, path, "flags", i), "flag not supported");
	}
	free(flags);
	return r;
}

static int parse_architectures(struct ctx *c, json_t *sc, const char *path, struct oci_seccomp *s)
{
	char p[PATH_LEN];
	int r = get_strings(c, sc, path, "architectures", &s->architectures, &s->n_architectures);

	for (size_t i = 0; r >= 0 && i < s->n_architectures; i++)
		if (strncmp(s->architectures[i], "SCMP_ARCH_", 10) != 0 || !s->architectures[i][10])
			r = bad(c, indexed(p, path, "architectures", i),
				"must be an SCMP_ARCH_ name");
	return r;
}

static int parse_seccomp(struct ctx *c, json_t *lx, struct oci_linux *l)
{
	static const char *const p = "linux.seccomp";
	struct oci_seccomp *s = &l->seccomp;
	json_t *sc = NULL;
	int r = get_object(c, lx, "linux", "seccomp", &sc);

	if (r <= 0)
		return r;
	l->has_seccomp = true;
	if ((r = refuse_set(c, sc, p, KEYS("listenerPath"))) < 0 ||
	    (r = parse_action(c, sc, p, "defaultAction", "defaultErrnoRet", &s->default_action,
			      &s->default_errno_ret)) < 0 ||
	    (r = parse_architectures(c, sc, p, s)) < 0 ||
	    (r = parse_seccomp_flags(c, sc, p, s)) < 0)
		return r;
	return get_objects(c, sc, p, "syscalls", parse_syscall, sizeof(*s->rules),
			   (void **)&s->rules, &s->n_rules);
}

static void free_seccomp(struct oci_seccomp *s)
{
	free(s->architectures);
	for (size_t i = 0; i < s->n_rules; i++) {
		free(s->rules[i].names);
		free(s->rules[i].args);
	}
	free(s->rules);
}

/* ---- linux: the rest ---- */

static int parse_sysctl(struct ctx *c, json_t *lx, struct oci_linux *l)
{
	json_t *map = NULL, *v;
	const char *k;
	size_t i = 0;
	int r = get_string_map(c, lx, "linux", "sysctl", &map);

	if (r <= 0 || json_object_size(map) == 0)
		return r;
	if (!(l->sysctl = alloc_array(c, json_object_size(map), sizeof(*l->sysctl))))
		return -ENOMEM;
	json_object_foreach(map, k, v)
		l->sysctl[i++] = (struct oci_sysctl){ .key = k, .value = json_string_value(v) };
	l->n_sysctl = i;
	return 0;
}

static int parse_propagation(struct ctx *c, json_t *lx, struct oci_linux *l)
{
	const struct name_val *nv;
	const char *s = NULL;
	int r = get_string(c, lx, "linux", "rootfsPropagation", &s);

	if (r <= 0 || !*s)
		return r;
	if (!(nv = lookup(propagation_names, ARRAY_LEN(propagation_names), s)))
		return bad_key(c, "linux", "rootfsPropagation", "unknown propagation");
	l->rootfs_propagation = (unsigned long)nv->val;
	return 0;
}

static int parse_path_lists(struct ctx *c, json_t *lx, struct oci_linux *l)
{
	int r = get_strings(c, lx, "linux", "maskedPaths", &l->masked_paths, &l->n_masked_paths);

	if (r < 0 ||
	    (r = need_abs_paths(c, "linux", "maskedPaths", l->masked_paths, l->n_masked_paths)) <
		    0 ||
	    (r = get_strings(c, lx, "linux", "readonlyPaths", &l->readonly_paths,
			     &l->n_readonly_paths)) < 0)
		return r;
	return need_abs_paths(c, "linux", "readonlyPaths", l->readonly_paths, l->n_readonly_paths);
}

static int parse_linux(struct ctx *c, json_t *root, struct oci_linux *l)
{
	static const char *const unsupported[] = { "intelRdt", "personality", "timeOffsets",
						   "memoryPolicy", NULL };
	json_t *lx = NULL;
	int r = get_object(c, root, "", "linux", &lx);

	if (r <= 0)
		return r;
	if ((r = refuse_set(c, lx, "linux", unsupported)) < 0 ||
	    (r = parse_namespaces(c, lx, l)) < 0 || (r = parse_id_mappings(c, lx, l)) < 0 ||
	    (r = get_objects(c, lx, "linux", "devices", parse_device, sizeof(*l->devices),
			     (void **)&l->devices, &l->n_devices)) < 0 ||
	    (r = parse_resources(c, lx, l)) < 0 ||
	    (r = get_set_string(c, lx, "linux", "cgroupsPath", &l->cgroups_path)) < 0 ||
	    (r = get_set_string(c, lx, "linux", "mountLabel", &l->mount_label)) < 0 ||
	    (r = parse_path_lists(c, lx, l)) < 0 || (r = parse_sysctl(c, lx, l)) < 0 ||
	    (r = parse_seccomp(c, lx, l)) < 0)
		return r;
	return parse_propagation(c, lx, l);
}

static void free_linux(struct oci_linux *l)
{
	free(l->uid_mappings);
	free(l->gid_mappings);
	free(l->devices);
	free_resources(&l->resources);
	free(l->masked_paths);
	free(l->readonly_paths);
	free(l->sysctl);
	free_seccomp(&l->seccomp);
}

/* ---- the document ---- */

/* "1.0.x" to "1.2.x", with any pre-release suffix ("1.0.2-dev"). */
static int parse_version(struct ctx *c, json_t *root, struct oci_spec *s)
{
	const char *v;
	int r = need_string(c, root, "", "ociVersion", &v);

	if (r < 0)
		return r;
	if (strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '2' || v[3] != '.' || v[4] < '0' ||
	    v[4] > '9')
		return bad(c, "ociVersion", "runtime-spec 1.0 to 1.2 supported");
	s->oci_version = v;
	return 0;
}

static int parse_root(struct ctx *c, json_t *root, struct oci_spec *s)
{
	json_t *rt = NULL;
	int r = get_object(c, root, "", "root", &rt);

	if (r <= 0)
		return r ? r : bad(c, "root", "required");
	if ((r = need_string(c, rt, "root", "path", &s->root_path)) < 0)
		return r;
	return get_bool(c, rt, "root", "readonly", &s->root_readonly);
}

static int parse_names(struct ctx *c, json_t *root, struct oci_spec *s)
{
	int r = get_set_string(c, root, "", "hostname", &s->hostname);

	return r < 0 ? r : get_set_string(c, root, "", "domainname", &s->domainname);
}

static int parse_spec_process(struct ctx *c, json_t *root, struct oci_spec *s)
{
	json_t *proc = NULL;
	int r = get_object(c, root, "", "process", &proc);

	if (r <= 0)
		return r;
	s->has_process = true;
	return parse_process_fields(c, proc, "process", &s->process);
}

static int parse_annotations(struct ctx *c, json_t *root, struct oci_spec *s)
{
	json_t *a = NULL;
	int r = get_string_map(c, root, "", "annotations", &a);

	s->annotations = r > 0 ? a : NULL;
	return r;
}

static int parse_spec_fields(struct ctx *c, json_t *root, struct oci_spec *s)
{
	int r;

	if ((r = parse_version(c, root, s)) < 0 || (r = parse_root(c, root, s)) < 0 ||
	    (r = parse_names(c, root, s)) < 0 || (r = parse_spec_process(c, root, s)) < 0 ||
	    (r = get_objects(c, root, "", "mounts", parse_mount, sizeof(*s->mounts),
			     (void **)&s->mounts, &s->n_mounts)) < 0 ||
	    (r = parse_hooks(c, root, &s->hooks)) < 0 || (r = parse_annotations(c, root, s)) < 0)
		return r;
	return parse_linux(c, root, &s->linux_);
}

/* The text as a JSON object. An integer past int64 (RLIM_INFINITY written as
 * 18446744073709551615) makes jansson refuse the document; it is then read
 * again with integers as doubles. */
static int load(struct ctx *c, const char *text, size_t len, const char *what, json_t **out)
{
	json_error_t je;
	json_t *j;

	if (len > OCI_SPEC_MAX_BYTES)
		return err_set(c->e, -EINVAL, "%s: larger than %u bytes", what, OCI_SPEC_MAX_BYTES);
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!j && json_error_code(&je) == json_error_numeric_overflow) {
		c->real_ints = true;
		j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	}
	if (!j)
		return err_set(c->e,
			       json_error_code(&je) == json_error_out_of_memory ? -ENOMEM : -EINVAL,
			       "%s: line %d column %d: %s", what, je.line, je.column, je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(c->e, -EINVAL, "%s: must be a JSON object", what);
	}
	*out = j;
	return 0;
}

int oci_spec_parse(const char *text, size_t len, struct oci_spec *spec, struct err *e)
{
	struct ctx c = { .e = e };
	json_t *root;
	int r;

	memset(spec, 0, sizeof(*spec));
	if ((r = load(&c, text, len, "config.json", &root)) < 0)
		return r;
	spec->json = root;
	if ((r = parse_spec_fields(&c, root, spec)) < 0) {
		oci_spec_free(spec);
		return r;
	}
	return 0;
}

int oci_process_parse(const char *text, size_t len, struct oci_process *p, void **json_out,
		      struct err *e)
{
	struct ctx c = { .e = e };
	json_t *root;
	int r;

	memset(p, 0, sizeof(*p));
	*json_out = NULL;
	if ((r = load(&c, text, len, "process", &root)) < 0)
		return r;
	if ((r = parse_process_fields(&c, root, "process", p)) < 0) {
		oci_process_free(p);
		json_decref(root);
		return r;
	}
	*json_out = root;
	return 0;
}

void oci_json_free(void *json)
{
	json_decref(json);
}

void oci_spec_free(struct oci_spec *spec)
{
	oci_process_free(&spec->process);
	free_mounts(spec->mounts, spec->n_mounts);
	free_hooks(&spec->hooks);
	free_linux(&spec->linux_);
	json_decref(spec->json);
	memset(spec, 0, sizeof(*spec));
}

/* ---- `minictr spec` ---- */

/* Rootless (runc's ToRootless): /sys is the host's, bound, and devpts has
 * no gid= (group 5 is not mapped). */
static json_t *default_mounts(bool rootless)
{
	json_t *sys = rootless ? json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination", "/sys",
					   "type", "none", "source", "/sys", "options", "rbind",
					   "nosuid", "noexec", "nodev", "ro") :
				 json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination", "/sys",
					   "type", "sysfs", "source", "sysfs", "options", "nosuid",
					   "noexec", "nodev", "ro");

	return json_pack("[{s:s, s:s, s:s},"
			 " {s:s, s:s, s:s, s:[s,s,s,s]},"
			 " {s:s, s:s, s:s, s:[s,s,s,s,s,s*]},"
			 " {s:s, s:s, s:s, s:[s,s,s,s,s]},"
			 " {s:s, s:s, s:s, s:[s,s,s]},"
			 " o,"
			 " {s:s, s:s, s:s, s:[s,s,s,s,s]}]",
			 "destination", "/proc", "type", "proc", "source", "proc", /* */
			 "destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options",
			 "nosuid", "strictatime", "mode=755", "size=65536k", /* */
			 "destination", "/dev/pts", "type", "devpts", "source", "devpts", "options",
			 "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
			 rootless ? NULL : "gid=5", "destination", "/dev/shm", "type", "tmpfs",
			 "source", "shm", "options", "nosuid", "noexec", "nodev", "mode=1777",
			 "size=65536k", /* */
			 "destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue",
			 "options", "nosuid", "noexec", "nodev", /* */
			 sys,					 /* */
			 "destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
			 "options", "nosuid", "noexec", "nodev", "relatime", "ro");
}

static json_t *default_process(void)
{
	json_t *caps = json_pack("[s,s,s]", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

	return json_pack("{s:b, s:{s:i, s:i}, s:[s], s:[s,s], s:s, s:{s:O, s:O, s:o},"
			 " s:[{s:s, s:i, s:i}], s:b}",
			 "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 "TERM=xterm", "cwd", "/", "capabilities", "bounding", caps, "effective",
			 caps, "permitted", caps, "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024,
			 "soft", 1024, "noNewPrivileges", 1);
}

static json_t *default_linux(bool rootless, uint32_t uid, uint32_t gid)
{
	json_t *lx = json_pack("{s:[s,s,s,s,s,s,s,s,s,s], s:[s,s,s,s,s], s:{s:[{s:b, s:s}]}, s:[]}",
			       "maskedPaths", "/proc/acpi", "/proc/asound", "/proc/kcore",
			       "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
			       "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
			       "/proc/scsi", "readonlyPaths", "/proc/bus", "/proc/fs", "/proc/irq",
			       "/proc/sys", "/proc/sysrq-trigger", "resources", "devices", "allow",
			       0, "access", "rwm", "namespaces");
	json_t *ns = json_object_get(lx, "namespaces");
	static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };

	if (!lx)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (!rootless || strcmp(types[i], "network") != 0)
			json_array_append_new(ns, json_pack("{s:s}", "type", types[i]));
	if (!rootless)
		return lx;
	/* `runc spec --rootless`: the caller is root in a user namespace, and
	 * a device cgroup needs root outside. */
	json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
	json_object_set_new(lx, "uidMappings",
			    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
				      (json_int_t)uid, "size", 1));
	json_object_set_new(lx, "gidMappings",
			    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
				      (json_int_t)gid, "size", 1));
	json_object_del(lx, "resources");
	return lx;
}

char *oci_spec_default(bool rootless, uint32_t uid, uint32_t gid)
{
	json_t *doc = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion",
				OCI_SPEC_VERSION, "process", default_process(), "root", "path",
				"rootfs", "readonly", 1, "hostname", "minictr", "mounts",
				default_mounts(rootless), "linux",
				default_linux(rootless, uid, gid));
	char *text;

	if (!doc)
		return NULL;
	text = json_dumps(doc, JSON_INDENT(8));
	json_decref(doc);
	return text;
}
