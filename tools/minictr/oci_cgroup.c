#include "tools/minictr/oci_cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/cleanup.h"
#include "common/file_text.h"

/* ---- the group's path (pure) ---- */

/* A bounded string builder: any overflow sticks and is reported once. */
struct pbuf {
	char *s;
	size_t len, used;
	bool overflow;
};

static void pb_add(struct pbuf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->len - b->used) {
		b->overflow = true;
		return;
	}
	memcpy(b->s + b->used, s, n);
	b->used += n;
	b->s[b->used] = '\0';
}

static void pb_str(struct pbuf *b, const char *s)
{
	pb_add(b, s, strlen(s));
}

static bool bad_component(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') ||
	       memchr(s, '/', n) != NULL;
}

/* Append "/c" for each '/'-separated component of rel, checking each. */
static int add_components(struct pbuf *b, const char *rel, const char *what, struct err *e)
{
	const char *p = rel;

	for (;;) {
		size_t n = strcspn(p, "/");
		if (bad_component(p, n))
			return err_set(e, EINVAL,
				       "%s \"%s\": empty, \".\" or \"..\" component not allowed",
				       what, rel);
		pb_str(b, "/");
		pb_add(b, p, n);
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* systemd's slice naming: "a-b.slice" lives at "a.slice/a-b.slice". */
static int add_slice(struct pbuf *b, const char *slice, size_t n, struct err *e)
{
	static const char suffix[] = ".slice";
	const size_t sn = sizeof(suffix) - 1;

	if (n == 0) {
		pb_str(b, "/system.slice");
		return 0;
	}
	if (n == 1 + sn && !strncmp(slice, "-.slice", n))
		return 0; /* the root slice */
	size_t base = n - sn;
	if (n <= sn || strncmp(slice + base, suffix, sn) || memchr(slice, '/', n) ||
	    slice[0] == '-' || slice[base - 1] == '-' || memmem(slice, base, "--", 2))
		return err_set(e, EINVAL, "cgroupsPath: invalid systemd slice \"%.*s\"", (int)n,
			       slice);
	for (size_t i = 0; i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		pb_str(b, "/");
		pb_add(b, slice, i);
		pb_str(b, suffix);
	}
	return 0;
}

/* "slice:prefix:name" -> "/<slice path>/<prefix>-<name>.scope". */
static int add_systemd(struct pbuf *b, const char *cp, struct err *e)
{
	const char *c1 = strchr(cp, ':');
	const char *prefix = c1 + 1;
	const char *c2 = strchr(prefix, ':');
	const char *name = c2 + 1;
	size_t pn = (size_t)(c2 - prefix), nn = strlen(name);
	int r;

	if ((r = add_slice(b, cp, (size_t)(c1 - cp), e)) < 0)
		return r;
	if (bad_component(name, nn) || memchr(prefix, '/', pn))
		return err_set(e, EINVAL, "cgroupsPath \"%s\": invalid systemd unit name", cp);
	pb_str(b, "/");
	if (nn > 6 && !strcmp(name + nn - 6, ".slice")) {
		pb_str(b, name); /* the unit is that slice itself */
		return 0;
	}
	if (pn) {
		pb_add(b, prefix, pn);
		pb_str(b, "-");
	}
	pb_str(b, name);
	pb_str(b, ".scope");
	return 0;
}

static bool systemd_form(const char *cp)
{
	const char *c1 = strchr(cp, ':');
	return cp[0] != '/' && c1 && strchr(c1 + 1, ':') && !strchr(strchr(c1 + 1, ':') + 1, ':');
}

int oci_cgroup_path(const char *mount, const char *cgroups_path, const char *id, char *out,
		    size_t len, struct err *e)
{
	struct pbuf b = { .s = out, .len = len };
	int r;

	if (len == 0)
		return err_set(e, ENAMETOOLONG, "cgroup path: no room");
	out[0] = '\0';
	pb_str(&b, mount);
	if (!cgroups_path || !cgroups_path[0]) {
		if (!id || bad_component(id, strlen(id)))
			return err_set(e, EINVAL, "container id \"%s\": not a cgroup name",
				       id ? id : "");
		pb_str(&b, "/minictr/");
		pb_str(&b, id);
	} else if (systemd_form(cgroups_path)) {
		if ((r = add_systemd(&b, cgroups_path, e)) < 0)
			return r;
	} else {
		const char *rel = cgroups_path + (cgroups_path[0] == '/');
		if (!rel[0])
			return err_set(
				e, EINVAL,
				"cgroupsPath \"/\": the root cgroup cannot be a container's");
		if ((r = add_components(&b, rel, "cgroupsPath", e)) < 0)
			return r;
	}
	if (b.overflow)
		return err_set(e, ENAMETOOLONG, "cgroup path for \"%s\": too long",
			       cgroups_path ? cgroups_path : id);
	return 0;
}

/* ---- the files (pure) ---- */

struct files {
	struct oci_cg_file *out;
	size_t cap, n;
};

static int add_file(struct files *f, struct err *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int add_file(struct files *f, struct err *e, const char *name, const char *fmt, ...)
{
	struct oci_cg_file *o;
	va_list ap;
	int n;

	if (f->n >= f->cap)
		return err_set(e, ENOSPC, "cgroup files: more than %zu", f->cap);
	o = &f->out[f->n];
	if (strlen(name) >= sizeof(o->name))
		return err_set(e, EINVAL, "cgroup file name \"%.80s\": too long", name);
	strcpy(o->name, name);
	va_start(ap, fmt);
	n = vsnprintf(o->value, sizeof(o->value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(o->value))
		return err_set(e, EINVAL, "cgroup %s: value too long", name);
	f->n++;
	return 0;
}

/* runc's numToStr: -1 is "max". */
static int add_bytes(struct files *f, struct err *e, const char *name, const char *field, int64_t v)
{
	if (v == -1)
		return add_file(f, e, name, "max");
	if (v < 0)
		return err_set(e, EINVAL, "%s: %" PRId64 " is negative", field, v);
	return add_file(f, e, name, "%" PRId64, v);
}

/* OCI's swap is memory+swap (v1); v2's memory.swap.max is the swap alone.
 * runc's rules: memory unlimited and swap unset means swap unlimited too. */
static int add_swap(struct files *f, const struct oci_resources *r, struct err *e)
{
	int64_t mem = r->has_memory_limit ? r->memory_limit : 0;
	int64_t swap = r->has_memory_swap ? r->memory_swap : 0;

	if (mem == -1 && swap == 0)
		return add_file(f, e, "memory.swap.max", "max");
	if (swap == 0)
		return 0;
	if (swap == -1)
		return add_file(f, e, "memory.swap.max", "max");
	if (swap < 0)
		return err_set(e, EINVAL, "memory.swap: %" PRId64 " is negative", swap);
	if (mem <= 0)
		return err_set(e, EINVAL, "memory.swap: needs a memory.limit");
	if (swap < mem)
		return err_set(e, EINVAL,
			       "memory.swap: %" PRId64 " is below memory.limit %" PRId64
			       " (it is memory+swap)",
			       swap, mem);
	return add_file(f, e, "memory.swap.max", "%" PRId64, swap - mem);
}

static int add_memory(struct files *f, const struct oci_resources *r, struct err *e)
{
	int rc;

	if (r->has_memory_limit && r->memory_limit != 0 &&
	    (rc = add_bytes(f, e, "memory.max", "memory.limit", r->memory_limit)) < 0)
		return rc;
	if (r->has_memory_reservation && r->memory_reservation != 0 &&
	    (rc = add_bytes(f, e, "memory.low", "memory.reservation", r->memory_reservation)) < 0)
		return rc;
	return add_swap(f, r, e);
}

/* runc/crun: shares 2..262144 onto weight 1..10000. */
static uint64_t shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static int add_cpu(struct files *f, const struct oci_resources *r, struct err *e)
{
	bool quota = r->has_cpu_quota && r->cpu_quota != 0;
	bool period = r->has_cpu_period && r->cpu_period != 0;
	char q[32] = "max";
	int rc;

	if (r->has_cpu_shares && r->cpu_shares != 0 &&
	    (rc = add_file(f, e, "cpu.weight", "%" PRIu64, shares_to_weight(r->cpu_shares))) < 0)
		return rc;
	if (quota && r->cpu_quota > 0)
		snprintf(q, sizeof(q), "%" PRId64, r->cpu_quota);
	if (period)
		rc = add_file(f, e, "cpu.max", "%s %" PRIu64, q, r->cpu_period);
	else if (quota)
		rc = add_file(f, e, "cpu.max", "%s", q);
	else
		rc = 0;
	if (rc < 0)
		return rc;
	if (r->cpu_cpus && r->cpu_cpus[0] &&
	    (rc = add_file(f, e, "cpuset.cpus", "%s", r->cpu_cpus)) < 0)
		return rc;
	if (r->cpu_mems && r->cpu_mems[0] &&
	    (rc = add_file(f, e, "cpuset.mems", "%s", r->cpu_mems)) < 0)
		return rc;
	return 0;
}

/* crun: blkio weight 10..1000 onto io.weight 1..10000. */
static int io_weight(uint16_t w, const char *field, uint64_t *out, struct err *e)
{
	if (w < 10 || w > 1000)
		return err_set(e, EINVAL, "%s: %u is not in 10..1000", field, w);
	*out = 1 + ((uint64_t)w - 10) * 9999 / 990;
	return 0;
}

static int check_dev(int64_t major, int64_t minor, const char *field, struct err *e)
{
	if (major < 0 || minor < 0 || major > UINT32_MAX || minor > UINT32_MAX)
		return err_set(e, EINVAL, "%s: device %" PRId64 ":%" PRId64 " is invalid", field,
			       major, minor);
	return 0;
}

static int add_io_weights(struct files *f, const struct oci_resources *r, struct err *e)
{
	uint64_t w = 0;
	int rc;

	if (r->blkio_weight) {
		if ((rc = io_weight(r->blkio_weight, "blockIO.weight", &w, e)) < 0 ||
		    (rc = add_file(f, e, "io.weight", "%" PRIu64, w)) < 0)
			return rc;
	}
	for (size_t i = 0; i < r->n_weight_devices; i++) {
		const struct oci_weight_device *d = &r->weight_devices[i];
		if (!d->weight)
			continue;
		if ((rc = check_dev(d->major, d->minor, "blockIO.weightDevice", e)) < 0 ||
		    (rc = io_weight(d->weight, "blockIO.weightDevice", &w, e)) < 0 ||
		    (rc = add_file(f, e, "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
				   d->minor, w)) < 0)
			return rc;
	}
	return 0;
}

struct throttle_kind {
	const char *key, *field;
	const struct oci_throttle_device *d;
	size_t n;
};

/* One io.max line per device, with every limit the spec sets for it. */
static int add_io_max_dev(struct files *f, const struct throttle_kind *k, int64_t major,
			  int64_t minor, struct err *e)
{
	char line[256];
	struct pbuf b = { .s = line, .len = sizeof(line) };
	char num[48];

	snprintf(num, sizeof(num), "%" PRId64 ":%" PRId64, major, minor);
	pb_str(&b, num);
	for (size_t j = 0; j < 4; j++)
		for (size_t i = 0; i < k[j].n; i++) {
			const struct oci_throttle_device *d = &k[j].d[i];
			if (d->major != major || d->minor != minor)
				continue;
			/* 0 would stop all I/O; v2 spells "no limit" as max. */
			if (d->rate)
				snprintf(num, sizeof(num), " %s=%" PRIu64, k[j].key, d->rate);
			else
				snprintf(num, sizeof(num), " %s=max", k[j].key);
			pb_str(&b, num);
		}
	if (b.overflow)
		return err_set(e, EINVAL, "io.max: line too long");
	return add_file(f, e, "io.max", "%s", line);
}

/* Was (major, minor) already seen before entry i of kind j? */
static bool seen_dev(const struct throttle_kind *k, size_t j, size_t i)
{
	const struct oci_throttle_device *d = &k[j].d[i];

	for (size_t jj = 0; jj <= j; jj++)
		for (size_t ii = 0; ii < (jj == j ? i : k[jj].n); ii++)
			if (k[jj].d[ii].major == d->major && k[jj].d[ii].minor == d->minor)
				return true;
	return false;
}

static int add_io_max(struct files *f, const struct oci_resources *r, struct err *e)
{
	const struct throttle_kind k[4] = {
		{ "rbps", "blockIO.throttleReadBpsDevice", r->throttle_read_bps,
		  r->n_throttle_read_bps },
		{ "wbps", "blockIO.throttleWriteBpsDevice", r->throttle_write_bps,
		  r->n_throttle_write_bps },
		{ "riops", "blockIO.throttleReadIOPSDevice", r->throttle_read_iops,
		  r->n_throttle_read_iops },
		{ "wiops", "blockIO.throttleWriteIOPSDevice", r->throttle_write_iops,
		  r->n_throttle_write_iops },
	};
	int rc;

	for (size_t j = 0; j < 4; j++)
		for (size_t i = 0; i < k[j].n; i++) {
			const struct oci_throttle_device *d = &k[j].d[i];
			if ((rc = check_dev(d->major, d->minor, k[j].field, e)) < 0)
				return rc;
			if (!seen_dev(k, j, i) &&
			    (rc = add_io_max_dev(f, k, d->major, d->minor, e)) < 0)
				return rc;
		}
	return 0;
}

static int add_unified(struct files *f, const struct oci_resources *r, struct err *e)
{
	int rc;

	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified_keys[i], *v = r->unified_values[i];
		if (!k || bad_component(k, strlen(k)))
			return err_set(e, EINVAL,
				       "unified: key \"%.80s\" is not a cgroup file name",
				       k ? k : "");
		if (!v)
			return err_set(e, EINVAL, "unified.%.80s: no value", k);
		if ((rc = add_file(f, e, k, "%s", v)) < 0)
			return rc;
	}
	return 0;
}

int oci_cgroup_files(const struct oci_resources *r, struct oci_cg_file *out, size_t cap, size_t *n,
		     struct err *e)
{
	struct files f = { .out = out, .cap = cap };
	int rc;

	*n = 0;
	if ((rc = add_memory(&f, r, e)) < 0 || (rc = add_cpu(&f, r, e)) < 0)
		return rc;
	if (r->has_pids_limit &&
	    (rc = r->pids_limit <= 0 ? add_file(&f, e, "pids.max", "max") :
				       add_file(&f, e, "pids.max", "%" PRId64, r->pids_limit)) < 0)
		return rc;
	if ((rc = add_io_weights(&f, r, e)) < 0 || (rc = add_io_max(&f, r, e)) < 0 ||
	    (rc = add_unified(&f, r, e)) < 0)
		return rc;
	*n = f.n;
	return 0;
}

/* ---- creating, joining, removing ---- */

#define MAX_CONTROLLERS 16

struct controllers {
	char name[MAX_CONTROLLERS][32];
	size_t n;
};

/* The controller a file belongs to: its name up to the first '.'
 * ("cgroup.*" files belong to none). */
static void note_controller(struct controllers *c, const char *file)
{
	size_t n = strcspn(file, ".");

	if (!file[n] || n >= sizeof(c->name[0]) || (n == 6 && !strncmp(file, "cgroup", 6)))
		return;
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->name[i]) == n && !strncmp(c->name[i], file, n))
			return;
	if (c->n < MAX_CONTROLLERS) {
		memcpy(c->name[c->n], file, n);
		c->name[c->n++][n] = '\0';
	}
}

static int knob_path(char *buf, size_t len, const char *dir, const char *file, struct err *e)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= len)
		return err_set(e, ENAMETOOLONG, "cgroup %s: path too long", file);
	return 0;
}

static int read_knob(const char *dir, const char *file, char *buf, size_t len, struct err *e)
{
	char p[PATH_MAX];
	int r;

	if ((r = knob_path(p, sizeof(p), dir, file, e)) < 0)
		return r;
	return read_text(p, buf, len, e);
}

static int write_knob(const char *dir, const char *file, const char *val, struct err *e)
{
	char p[PATH_MAX];
	int r;

	if ((r = knob_path(p, sizeof(p), dir, file, e)) < 0)
		return r;
	return write_text(p, val, e);
}

/* Let dir's children use the wanted controllers dir offers and has not
 * enabled yet; one write each, so an error names the controller. */
static int enable_controllers(const char *dir, const struct controllers *c, struct err *e)
{
	char avail[512], enabled[512], plus[40];
	int r;

	if (!c->n)
		return 0;
	if ((r = read_knob(dir, "cgroup.controllers", avail, sizeof(avail), e)) < 0 ||
	    (r = read_knob(dir, "cgroup.subtree_control", enabled, sizeof(enabled), e)) < 0)
		return err_wrap(e, "cgroup");
	for (size_t i = 0; i < c->n; i++) {
		if (!cg_has_controller(avail, c->name[i]) || cg_has_controller(enabled, c->name[i]))
			continue;
		snprintf(plus, sizeof(plus), "+%s", c->name[i]);
		if ((r = write_knob(dir, "cgroup.subtree_control", plus, e)) < 0)
			return err_wrap(e, "cgroup: enable the %s controller", c->name[i]);
	}
	return 0;
}

/* The cgroup v2 mount that holds dir, and dir's part below it. */
static int split_dir(const char *dir, char *mnt, size_t len, const char **rel, struct err *e)
{
	_cleanup_free_ char *mountinfo = malloc(1 << 20);
	size_t n;
	int r;

	if (!mountinfo)
		return err_set(e, ENOMEM, "cgroup: out of memory");
	if ((r = read_text("/proc/self/mountinfo", mountinfo, 1 << 20, e)) < 0 ||
	    (r = cg_find_v2_mount(mountinfo, mnt, len, e)) < 0)
		return err_wrap(e, "cgroup %s", dir);
	n = strlen(mnt);
	while (n > 1 && mnt[n - 1] == '/')
		mnt[--n] = '\0';
	if (strncmp(dir, mnt, n) || dir[n] != '/' || !dir[n + 1])
		return err_set(e, EINVAL, "cgroup %s: not a group below the cgroup v2 mount %s",
			       dir, mnt);
	*rel = dir + n + 1;
	return 0;
}

/* mkdir -p below mnt, enabling controllers on the way. *made: the leaf is new. */
static int make_groups(const char *mnt, const char *rel, const struct controllers *c, bool *made,
		       struct err *e)
{
	char cur[PATH_MAX];
	struct pbuf b = { .s = cur, .len = sizeof(cur) };
	const char *p = rel;
	int r;

	pb_str(&b, mnt);
	for (;;) {
		size_t n = strcspn(p, "/");
		if (bad_component(p, n))
			return err_set(e, EINVAL, "cgroup %s/%s: bad component", mnt, rel);
		if ((r = enable_controllers(cur, c, e)) < 0)
			return r;
		pb_str(&b, "/");
		pb_add(&b, p, n);
		if (b.overflow)
			return err_set(e, ENAMETOOLONG, "cgroup %s/%s: path too long", mnt, rel);
		*made = mkdir(cur, 0755) == 0;
		if (!*made && errno != EEXIST)
			return err_sys(e, "cgroup: mkdir %s", cur);
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static int write_files(const char *dir, const struct oci_cg_file *f, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		int r = write_knob(dir, f[i].name, f[i].value, e);
		/* runc: without swap accounting, "no swap limit" needs no file. */
		if (r == -ENOENT && !strcmp(f[i].name, "memory.swap.max") &&
		    (!strcmp(f[i].value, "max") || !strcmp(f[i].value, "0")))
			continue;
		if (r < 0)
			return err_wrap(e, "cgroup %s", f[i].name);
	}
	return 0;
}

static size_t files_needed(const struct oci_resources *r)
{
	return 16 + r->n_weight_devices + r->n_throttle_read_bps + r->n_throttle_write_bps +
	       r->n_throttle_read_iops + r->n_throttle_write_iops + r->n_unified;
}

int oci_cgroup_create(const char *dir, const struct oci_resources *r, struct err *e)
{
	static const struct oci_resources none;
	struct controllers c = { .n = 0 };
	char mnt[PATH_MAX];
	const char *rel = NULL;
	size_t cap, n;
	bool made = false;
	int rc;

	if (!r)
		r = &none;
	cap = files_needed(r);
	_cleanup_free_ struct oci_cg_file *f = calloc(cap, sizeof(*f));
	if (!f)
		return err_set(e, ENOMEM, "cgroup: out of memory");
	/* Everything that can be refused is refused before anything is made. */
	if ((rc = oci_cgroup_files(r, f, cap, &n, e)) < 0 ||
	    (rc = split_dir(dir, mnt, sizeof(mnt), &rel, e)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		note_controller(&c, f[i].name);
	if ((rc = make_groups(mnt, rel, &c, &made, e)) < 0)
		return rc;
	if ((rc = write_files(dir, f, n, e)) < 0 && made)
		rmdir(dir);
	return rc;
}

int oci_cgroup_add_pid(const char *dir, pid_t pid, struct err *e)
{
	char val[32];
	int r;

	snprintf(val, sizeof(val), "%d", (int)pid);
	if ((r = write_knob(dir, "cgroup.procs", val, e)) < 0)
		return err_wrap(e, "cgroup: add pid %d", (int)pid);
	return 0;
}

#define DESTROY_TIMEOUT_NS (2 * 1000000000LL)
#define DESTROY_MAX_DEPTH  32

/* SIGKILL each pid cgroup.procs lists (kernels without cgroup.kill). */
static void kill_procs(const char *dir)
{
	_cleanup_free_ char *buf = malloc(65536);
	struct err ignored;
	char *p, *end;

	if (!buf || read_knob(dir, "cgroup.procs", buf, 65536, &ignored) < 0)
		return;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && pid <= INT_MAX)
			kill((pid_t)pid, SIGKILL);
	}
}

/* One pass over the tree, deepest first: kill, then rmdir. 0 when dir is
 * gone, -EBUSY (with errno's text) while something is left. */
static int remove_pass(const char *dir, int depth, struct err *e)
{
	DIR *d;
	struct dirent *de;
	char sub[PATH_MAX];
	int r = 0;

	if (depth > DESTROY_MAX_DEPTH)
		return err_set(e, ELOOP, "cgroup %s: nested too deep", dir);
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : err_sys(e, "cgroup: open %s", dir);
	while ((de = readdir(d)) != NULL && r == 0) {
		if (de->d_type != DT_DIR || bad_component(de->d_name, strlen(de->d_name)))
			continue;
		if (knob_path(sub, sizeof(sub), dir, de->d_name, e) == 0)
			r = remove_pass(sub, depth + 1, e);
	}
	closedir(d);
	if (r < 0 && r != -EBUSY)
		return r;
	kill_procs(dir);
	if (rmdir(dir) == 0 || errno == ENOENT)
		return r;
	return err_sys(e, "cgroup: rmdir %s", dir);
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int oci_cgroup_destroy(const char *dir, struct err *e)
{
	long long deadline = now_ns() + DESTROY_TIMEOUT_NS;
	struct err ignored;
	char p[PATH_MAX];
	int r;

	/* cgroup.kill (5.14+) kills the whole subtree at once, frozen or not. */
	if (knob_path(p, sizeof(p), dir, "cgroup.kill", e) == 0 && access(p, F_OK) == 0)
		write_text(p, "1", &ignored);
	for (;;) {
		r = remove_pass(dir, 0, e);
		if (r == 0)
			return 0;
		if (r != -EBUSY && r != -ENOTEMPTY)
			return r;
		/* Killed tasks leave the group asynchronously. */
		if (now_ns() > deadline)
			return err_wrap(e, "cgroup: gave up after 2 s");
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}
