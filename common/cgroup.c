/* The side-effect half of cgroup.h: creating, filling and removing one
 * group under <cgroup2 mount>/<tool>/. */
#include "common/cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/file_text.h"

static int knob(const char *dir, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int write_knob(const char *dir, const char *file, const char *val, struct err *e)
{
	char p[PATH_MAX + 64];

	if (knob(dir, file, p, sizeof(p)) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup path too long");
	return write_text(p, val, e);
}

/* Let children of dir use the controllers in want (space separated). */
static int enable_controllers(const char *dir, const char *want, struct err *e)
{
	char line[128] = "";
	const char *p = want;

	while (*p) {
		size_t n = strcspn(p, " ");
		size_t used = strlen(line);
		snprintf(line + used, sizeof(line) - used, "%s+%.*s", used ? " " : "", (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
	if (!line[0])
		return 0;
	return write_knob(dir, "cgroup.subtree_control", line, e);
}

static int write_limits(const struct cgroup *cg, const struct cg_limits *l, struct err *e)
{
	char val[64];
	int r;

	if (l->mem_bytes) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->mem_bytes);
		if ((r = write_knob(cg->path, "memory.max", val, e)) < 0)
			return r;
		/* No swap: the limit must mean RAM. The file is absent without swap accounting. */
		r = write_knob(cg->path, "memory.swap.max", "0", e);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (l->cpu_millis) {
		if ((r = cg_format_cpu_max(l->cpu_millis, val, sizeof(val), e)) < 0)
			return r;
		if ((r = write_knob(cg->path, "cpu.max", val, e)) < 0)
			return r;
	}
	if (l->pids_max) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->pids_max);
		if ((r = write_knob(cg->path, "pids.max", val, e)) < 0)
			return r;
	}
	if (l->io_weight) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->io_weight);
		r = write_knob(cg->path, "io.weight", val, e);
		if (r == -ENOENT) /* weights come from BFQ when iocost is not set up */
			r = write_knob(cg->path, "io.bfq.weight", val, e);
		if (r == -ENOENT)
			return err_set(e, ENOENT,
				       "--io-weight: neither io.weight nor io.bfq.weight "
				       "exists (no iocost or BFQ on this host)");
		if (r < 0)
			return r;
	}
	return 0;
}

int cg_create(struct cgroup *cg, const struct cg_spec *s, struct err *e)
{
	char mountinfo[65536], mnt[PATH_MAX], avail[256], needed[64], missing[64];
	char base[PATH_MAX + 32], want[80], path[sizeof(cg->path)];
	bool limits;
	int r;

	memset(cg, 0, sizeof(*cg));
	cg_needed(&s->limits, needed, sizeof(needed));
	limits = needed[0] != '\0';
	if ((r = read_text("/proc/self/mountinfo", mountinfo, sizeof(mountinfo), e)) < 0)
		return r;
	r = cg_find_v2_mount(mountinfo, mnt, sizeof(mnt), e);
	if (r < 0) {
		if (limits)
			return err_set(e, ENOENT,
				       "cannot apply limits (%s): no cgroup v2 hierarchy "
				       "is mounted",
				       needed);
		if (s->verbose)
			fprintf(stderr, "%s: no cgroup v2 hierarchy: running without a cgroup\n",
				s->tool);
		return 0;
	}
	snprintf(base, sizeof(base), "%s/cgroup.controllers", mnt);
	if ((r = read_text(base, avail, sizeof(avail), e)) < 0)
		return r;
	avail[strcspn(avail, "\n")] = '\0';
	cg_missing(needed, avail, missing, sizeof(missing));
	if (missing[0])
		return err_set(e, EOPNOTSUPP,
			       "cgroup v2 controller(s) not available: %s "
			       "(the cgroup2 hierarchy at %s offers: %s)",
			       missing, mnt, avail[0] ? avail : "none");
	/* required: the caller needs a cgroup of its own even without limits
	 * (minictr's device filter without a user namespace). */
	bool must = limits || s->required;
	cg->has_memory = cg_has_controller(avail, "memory");
	if (!must && !cg->has_memory) {
		if (s->verbose)
			fprintf(stderr,
				"%s: cgroup v2 at %s has no memory controller (offers: %s): "
				"running without a cgroup\n",
				s->tool, mnt, avail[0] ? avail : "none");
		return 0;
	}
	/* Always account memory when we can, so --mem-report has a number. */
	snprintf(want, sizeof(want), "%s%s", needed,
		 strstr(needed, "memory") || !cg->has_memory ? "" :
		 needed[0]				     ? " memory" :
							       "memory");
	/* Checked before anything is written; cg->path stays "" until the group exists. */
	if ((r = cg_path(mnt, s->tool, s->name, path, sizeof(path), e)) < 0)
		return r;
	if ((r = enable_controllers(mnt, want, e)) < 0)
		return err_wrap(e, "enable cgroup controllers");
	snprintf(base, sizeof(base), "%s/%s", mnt, s->tool);
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", base);
	remove_stale(base);
	if ((r = enable_controllers(base, want, e)) < 0)
		return err_wrap(e, "enable cgroup controllers");
	if (mkdir(path, 0755) < 0)
		return err_sys(e, "mkdir %s", path);
	memcpy(cg->path, path, sizeof(cg->path));
	if ((r = write_limits(cg, &s->limits, e)) < 0) {
		cg_destroy(cg);
		return err_wrap(e, "cgroup limits");
	}
	if (s->verbose)
		fprintf(stderr, "%s: cgroup %s (limits: %s)\n", s->tool, cg->path,
			limits ? needed : "none");
	return 0;
}

int cg_add_pid(const struct cgroup *cg, pid_t pid, struct err *e)
{
	char val[32];

	if (!cg->path[0])
		return 0;
	snprintf(val, sizeof(val), "%d", (int)pid);
	return write_knob(cg->path, "cgroup.procs", val, e);
}

int cg_memory_peak(const struct cgroup *cg, uint64_t *bytes, struct err *e)
{
	char p[PATH_MAX + 64], val[64];
	int r;

	if (!cg->path[0] || !cg->has_memory)
		return err_set(e, ENOENT, "no memory cgroup for this container");
	knob(cg->path, "memory.peak", p, sizeof(p));
	r = read_text(p, val, sizeof(val), e);
	if (r == -ENOENT) {
		knob(cg->path, "memory.current", p, sizeof(p));
		r = read_text(p, val, sizeof(val), e);
	}
	if (r < 0)
		return r;
	*bytes = strtoull(val, NULL, 10);
	return 0;
}

void cg_destroy(struct cgroup *cg)
{
	char p[PATH_MAX + 64];

	if (!cg->path[0])
		return;
	/* Processes that outlived init (--no-pid) must not pin the cgroup. */
	if (knob(cg->path, "cgroup.kill", p, sizeof(p)) == 0 && access(p, W_OK) == 0) {
		struct err ignored;
		write_text(p, "1", &ignored);
	}
	/* Dying tasks leave the cgroup asynchronously: retry for up to ~2 s. */
	for (int i = 0; i < 200; i++) {
		if (rmdir(cg->path) == 0 || errno == ENOENT)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	cg->path[0] = '\0';
}
