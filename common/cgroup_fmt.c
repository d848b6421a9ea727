/* Pure cgroup v2 helpers: nothing here touches the filesystem. */
#include "common/cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Field 5 (mount point) and the fstype after " - " of one mountinfo line. */
static int mountinfo_fields(const char *line, size_t n, char *mnt, size_t mlen, char *fstype,
			    size_t flen)
{
	const char *p = line, *end = line + n;
	const char *sep;

	for (int field = 0; field < 4; field++) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (!p)
			return -1;
		p++;
	}
	sep = memchr(p, ' ', (size_t)(end - p));
	if (!sep || (size_t)(sep - p) >= mlen)
		return -1;
	memcpy(mnt, p, (size_t)(sep - p));
	mnt[sep - p] = '\0';
	p = memmem(sep, (size_t)(end - sep), " - ", 3);
	if (!p)
		return -1;
	p += 3;
	sep = memchr(p, ' ', (size_t)(end - p));
	if (!sep)
		sep = end;
	if ((size_t)(sep - p) >= flen)
		return -1;
	memcpy(fstype, p, (size_t)(sep - p));
	fstype[sep - p] = '\0';
	return 0;
}

int cg_find_v2_mount(const char *mountinfo, char *out, size_t len, struct err *e)
{
	const char *line = mountinfo;
	bool found = false;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char mnt[PATH_MAX], fstype[32];

		if (mountinfo_fields(line, n, mnt, sizeof(mnt), fstype, sizeof(fstype)) == 0 &&
		    !strcmp(fstype, "cgroup2") && strlen(mnt) < len) {
			bool preferred = !strcmp(mnt, "/sys/fs/cgroup");
			if (!found || preferred)
				strcpy(out, mnt);
			found = true;
			if (preferred)
				break;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!found)
		return err_set(e, ENOENT, "no cgroup v2 hierarchy is mounted");
	return 0;
}

bool cg_has_controller(const char *controllers, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = controllers; (p = strstr(p, name)) != NULL; p += n) {
		bool starts = p == controllers || p[-1] == ' ';
		bool ends = p[n] == '\0' || p[n] == ' ' || p[n] == '\n';
		if (starts && ends)
			return true;
	}
	return false;
}

static void append_word(char *buf, size_t len, const char *word)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s", used ? " " : "", word);
}

void cg_needed(const struct cg_limits *l, char *buf, size_t len)
{
	buf[0] = '\0';
	if (l->mem_bytes)
		append_word(buf, len, "memory");
	if (l->cpu_millis)
		append_word(buf, len, "cpu");
	if (l->pids_max)
		append_word(buf, len, "pids");
	if (l->io_weight)
		append_word(buf, len, "io");
}

void cg_missing(const char *needed, const char *available, char *buf, size_t len)
{
	char word[32];
	const char *p = needed;

	buf[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n && n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (!cg_has_controller(available, word))
				append_word(buf, len, word);
		}
		p += n;
		p += strspn(p, " ");
	}
}

int cg_format_cpu_max(uint64_t millis, char *buf, size_t len, struct err *e)
{
	uint64_t quota;
	int n;

	if (millis == 0 || millis > 1000000)
		return err_set(e, ERANGE, "cpu limit %llu/1000 CPUs out of range",
			       (unsigned long long)millis);
	/* Quota in microseconds per 100 ms period; the kernel wants >= 1000. */
	quota = millis * CG_PERIOD_US / 1000;
	if (quota < 1000)
		quota = 1000;
	n = snprintf(buf, len, "%llu %d", (unsigned long long)quota, CG_PERIOD_US);
	if (n < 0 || (size_t)n >= len)
		return err_set(e, ENOSPC, "cpu.max value does not fit");
	return 0;
}

static bool one_component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

int cg_path(const char *mount, const char *tool, const char *name, char *buf, size_t len,
	    struct err *e)
{
	int n;

	if (!one_component(tool))
		return err_set(e, EINVAL, "invalid cgroup name '%s'", tool);
	if (!one_component(name))
		return err_set(e, EINVAL, "invalid cgroup name '%s'", name);
	n = snprintf(buf, len, "%s/%s/%s", mount, tool, name);
	if (n < 0 || (size_t)n >= len)
		return err_set(e, ENAMETOOLONG, "cgroup path under %s is too long", mount);
	return 0;
}
