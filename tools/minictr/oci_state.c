/* Container state between minictr's OCI commands (oci_state.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file_text.h"
#include "tools/minictr/oci_spec.h"
#include "tools/minictr/oci_state.h"

#define STATE_MAX_BYTES (1u << 20)

int oci_state_dir(const char *root, const char *id, char *out, size_t len, struct err *e)
{
	if (snprintf(out, len, "%s/%s", root, id) >= (int)len)
		return err_set(e, ENAMETOOLONG, "state directory %s/%s: too long", root, id);
	return 0;
}

char *oci_state_to_json(const struct oci_state *s)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I}", "id", s->id, "pid",
			      (json_int_t)s->pid, "pid_start", (json_int_t)s->pid_start, "bundle",
			      s->bundle, "rootfs", s->rootfs, "cgroup", s->cgroup, "created",
			      s->created, "owner", (json_int_t)s->owner);
	char *text;

	if (!o)
		return NULL;
	if (s->annotations_json) {
		json_t *a = json_loads(s->annotations_json, 0, NULL);
		if (a)
			json_object_set_new(o, "annotations", a);
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static int copy_str(json_t *o, const char *key, char *dst, size_t len, struct err *e)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v)
		return err_set(e, EINVAL, "state.json: '%s' missing", key);
	if (snprintf(dst, len, "%s", v) >= (int)len)
		return err_set(e, EINVAL, "state.json: '%s' too long", key);
	return 0;
}

static int get_int(json_t *o, const char *key, json_int_t min, json_int_t *out, struct err *e)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < min)
		return err_set(e, EINVAL, "state.json: '%s' missing or invalid", key);
	*out = json_integer_value(v);
	return 0;
}

int oci_state_from_json(const char *text, size_t len, struct oci_state *s, struct err *e)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	json_t *a;
	json_int_t pid = 0, start = 0, owner = 0;
	int r;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o)) {
		json_decref(o);
		return err_set(e, EINVAL, "state.json: not a JSON object (%s)", je.text);
	}
	if ((r = copy_str(o, "id", s->id, sizeof(s->id), e)) < 0 ||
	    (r = copy_str(o, "bundle", s->bundle, sizeof(s->bundle), e)) < 0 ||
	    (r = copy_str(o, "rootfs", s->rootfs, sizeof(s->rootfs), e)) < 0 ||
	    (r = copy_str(o, "cgroup", s->cgroup, sizeof(s->cgroup), e)) < 0 ||
	    (r = copy_str(o, "created", s->created, sizeof(s->created), e)) < 0 ||
	    (r = get_int(o, "pid", 1, &pid, e)) < 0 ||
	    (r = get_int(o, "pid_start", 0, &start, e)) < 0 ||
	    (r = get_int(o, "owner", 0, &owner, e)) < 0) {
		json_decref(o);
		return r;
	}
	if (pid > INT32_MAX || owner > UINT32_MAX) {
		json_decref(o);
		return err_set(e, EINVAL, "state.json: pid or owner out of range");
	}
	s->pid = (pid_t)pid;
	s->pid_start = (uint64_t)start;
	s->owner = (uint32_t)owner;
	a = json_object_get(o, "annotations");
	if (json_is_object(a))
		s->annotations_json = json_dumps(a, JSON_COMPACT);
	json_decref(o);
	return 0;
}

void oci_state_free(struct oci_state *s)
{
	free(s->annotations_json);
	s->annotations_json = NULL;
}

int oci_state_save(const char *dir, const struct oci_state *s, struct err *e)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	_cleanup_free_ char *text = oci_state_to_json(s);
	_cleanup_close_ int fd = -1;
	size_t n;

	if (!text)
		return err_set(e, ENOMEM, "state.json: out of memory");
	if (snprintf(path, sizeof(path), "%s/state.json", dir) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.state.json.tmp", dir) >= (int)sizeof(tmp))
		return err_set(e, ENAMETOOLONG, "%s: path too long", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, "create %s", tmp);
	n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) < 0)
		return err_sys(e, "write %s", tmp);
	if (rename(tmp, path) < 0)
		return err_sys(e, "rename %s", path);
	return 0;
}

int oci_state_load(const char *root, const char *id, struct oci_state *s, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	int r;

	if ((r = oci_state_dir(root, id, dir, sizeof(dir), e)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return err_set(e, ENOENT, "container %s does not exist", id);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (!(buf = malloc(STATE_MAX_BYTES)))
		return err_set(e, ENOMEM, "out of memory");
	n = read(fd, buf, STATE_MAX_BYTES);
	if (n < 0)
		return err_sys(e, "read %s", path);
	if ((size_t)n == STATE_MAX_BYTES)
		return err_set(e, EFBIG, "%s: too large", path);
	if ((r = oci_state_from_json(buf, (size_t)n, s, e)) < 0)
		return err_wrap(e, "container %s", id);
	return 0;
}

int oci_parse_proc_stat(const char *line, uint64_t *start, char *state, struct err *e)
{
	/* The command name may hold spaces and ')': fields start after the last ')'. */
	const char *p = strrchr(line, ')');
	unsigned long long v;
	int field;

	if (!p || p[1] != ' ' || !p[2])
		return err_set(e, EINVAL, "/proc stat line without a command name");
	p += 2;
	*state = *p;
	/* field 3 is the state; 22 the start time */
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return err_set(e, EINVAL, "/proc stat line with %d fields", field);
		p++;
	}
	if (sscanf(p, "%llu", &v) != 1)
		return err_set(e, EINVAL, "/proc stat line: no start time");
	*start = v;
	return 0;
}

uint64_t oci_pid_start(pid_t pid, bool *zombie)
{
	char path[64], line[1024];
	struct err e;
	uint64_t start;
	char state;

	*zombie = false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, line, sizeof(line), &e) < 0)
		return 0;
	if (oci_parse_proc_stat(line, &start, &state, &e) < 0)
		return 0;
	*zombie = state == 'Z' || state == 'X';
	return start;
}

enum oci_status oci_state_status(const char *dir, const struct oci_state *s)
{
	char fifo[PATH_MAX + 16];
	bool zombie;
	uint64_t start = oci_pid_start(s->pid, &zombie);

	if (start == 0 || zombie || start != s->pid_start)
		return OCI_STATUS_STOPPED;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	if (access(fifo, F_OK) == 0)
		return OCI_STATUS_CREATED;
	return OCI_STATUS_RUNNING;
}

const char *oci_status_name(enum oci_status st)
{
	switch (st) {
	case OCI_STATUS_CREATING: return "creating";
	case OCI_STATUS_CREATED: return "created";
	case OCI_STATUS_RUNNING: return "running";
	case OCI_STATUS_STOPPED: return "stopped";
	}
	return "unknown";
}

char *oci_state_oci_json(const struct oci_state *s, enum oci_status st)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ociVersion", OCI_SPEC_VERSION, "id", s->id,
			      "status", oci_status_name(st), "bundle", s->bundle);
	char *text;

	if (!o)
		return NULL;
	if (st != OCI_STATUS_STOPPED)
		json_object_set_new(o, "pid", json_integer(s->pid));
	if (s->annotations_json) {
		json_t *a = json_loads(s->annotations_json, 0, NULL);
		if (a)
			json_object_set_new(o, "annotations", a);
	}
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	return text;
}

void oci_now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}
