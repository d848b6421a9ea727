#include "vmm/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "common/cleanup.h"
#include "vmm/kvm_state.h"

/* Recorded arguments at most (2 per option: 8 single ones, disks, NICs). */
#define MAX_ARGS (2 * (8 + CLI_MAX_DISKS + CLI_MAX_NICS))

static int add_arg(json_t *a, const char *opt, const char *val)
{
	return json_array_append_new(a, json_string(opt)) ||
	       json_array_append_new(a, json_string(val));
}

char *snapshot_config_json(const struct vmm_options *o)
{
	json_t *a = json_array();
	char mem[32], cpus[16], uuid[37];
	char *s = NULL;
	int bad;

	if (!a)
		return NULL;
	snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)(o->mem >> 20));
	snprintf(cpus, sizeof(cpus), "%u", o->cpus);
	uuid_unparse(o->uuid, uuid);
	bad = add_arg(a, "--kernel", o->kernel) || add_arg(a, "--append", o->cmdline) ||
	      add_arg(a, "--mem", mem) || add_arg(a, "--cpus", cpus) || add_arg(a, "--uuid", uuid);
	if (o->initrd)
		bad = bad || add_arg(a, "--initrd", o->initrd);
	for (unsigned i = 0; i < o->ndisks; i++)
		bad = bad || add_arg(a, "--disk", o->disks[i]);
	for (unsigned i = 0; i < o->nnics; i++)
		bad = bad || add_arg(a, "--net", o->nics[i]);
	if (!bad)
		s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static int path_in(const char *dir, const char *name, char *out, struct err *e)
{
	int n = snprintf(out, SNAPSHOT_PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= SNAPSHOT_PATH_MAX)
		return err_set(e, ENAMETOOLONG, "--restore %s: path too long", dir);
	return 0;
}

/* The whole state file, at most SNAP_MAX_FILE bytes. */
static int read_state(const char *path, struct snapshot_restore *rs, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return err_sys(e, "--restore: %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, "--restore: %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > SNAP_MAX_FILE)
		return err_set(e, EINVAL, "--restore: %s is not a state file of 1 byte to %u MiB",
			       path, SNAP_MAX_FILE >> 20);
	rs->state = malloc((size_t)st.st_size);
	if (!rs->state)
		return err_set(e, ENOMEM, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, rs->state + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_sys(e, "--restore: reading %s", path);
		got += (size_t)n;
	}
	rs->state_len = got;
	return 0;
}

/* The recorded arguments, as argv for cli_parse (argv[0] is ours). */
static int recorded_args(struct snapshot_restore *rs, struct err *e)
{
	const void *data;
	size_t len, n;
	json_error_t jerr;
	json_t *a;
	int r = 0;

	if (snap_find(rs->idx, SNAP_VM_CONFIG, 0, &data, &len) < 0)
		return err_set(e, EINVAL, "no VM_CONFIG section");
	a = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_array(a) || json_array_size(a) > MAX_ARGS) {
		json_decref(a);
		return err_set(e, EINVAL, "VM_CONFIG is not a list of at most %d arguments",
			       MAX_ARGS);
	}
	n = json_array_size(a);
	rs->argv = calloc(n + 2, sizeof(char *));
	if (!rs->argv) {
		json_decref(a);
		return err_set(e, ENOMEM, "out of memory");
	}
	rs->argv[0] = strdup("minivmm");
	rs->argc = 1;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if (!s)
			r = err_set(e, EINVAL, "VM_CONFIG argument %zu is not a string", i);
		else if (!(rs->argv[rs->argc++] = strdup(s)))
			r = err_set(e, ENOMEM, "out of memory");
	}
	json_decref(a);
	return r;
}

/* What the restore's own command line decides; the VM comes from the
 * snapshot. */
static void take_restore_options(struct vmm_options *out, const struct vmm_options *c)
{
	out->console = c->console;
	out->console_path = c->console_path;
	out->api_sock = c->api_sock;
	out->restore_dir = c->restore_dir;
	out->boot_time = c->boot_time;
	out->verbose = c->verbose;
	out->allow_emulated_kvm = c->allow_emulated_kvm;
	out->timeout_s = c->timeout_s;
	out->shutdown_timeout_s = c->shutdown_timeout_s;
	out->no_reboot = c->no_reboot;
	out->seccomp = c->seccomp;
	out->jail_dir = c->jail_dir;
	out->jail_uid = c->jail_uid;
	out->jail_gid = c->jail_gid;
	out->jail_uid_given = c->jail_uid_given;
	out->jail_gid_given = c->jail_gid_given;
	out->jail_mem = c->jail_mem;
	out->jail_cpu_millis = c->jail_cpu_millis;
}

static int open_memory(const char *path, uint64_t mem, struct snapshot_restore *rs, struct err *e)
{
	struct stat st;

	rs->memory_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (rs->memory_fd < 0)
		return err_sys(e, "--restore: %s", path);
	if (fstat(rs->memory_fd, &st) < 0)
		return err_sys(e, "--restore: %s", path);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != mem)
		return err_set(e, EINVAL,
			       "--restore: %s holds %lld bytes, the VM has %llu of RAM: not this "
			       "snapshot's memory",
			       path, (long long)st.st_size, (unsigned long long)mem);
	return 0;
}

static int load(const struct vmm_options *cmdline, struct vmm_options *out,
		struct snapshot_restore *rs, struct err *e)
{
	const char *dir = cmdline->restore_dir;
	char path[SNAPSHOT_PATH_MAX];
	struct snap_host host;
	int r = path_in(dir, SNAPSHOT_STATE_FILE, path, e);

	if (r == 0)
		r = read_state(path, rs, e);
	if (r < 0)
		return r;
	rs->idx = malloc(sizeof(*rs->idx));
	if (!rs->idx)
		return err_set(e, ENOMEM, "out of memory");
	kvm_state_this_host(&host);
	r = snap_parse(rs->state, rs->state_len, &host, rs->idx, e);
	if (r == 0)
		r = recorded_args(rs, e);
	if (r == 0 && cli_parse(rs->argc, rs->argv, out, e) < 0)
		r = err_wrap(e, "its VM configuration");
	/* Only a VM to run: not --help, --check-host or another --restore. */
	if (r == 0 && (out->action != CLI_RUN || !out->kernel || out->restore_dir))
		r = err_set(e, EINVAL, "its VM configuration does not describe a VM to run");
	if (r < 0)
		return err_wrap(e, "--restore: %s", path);
	take_restore_options(out, cmdline);
	r = path_in(dir, SNAPSHOT_MEMORY_FILE, path, e);
	return r < 0 ? r : open_memory(path, out->mem, rs, e);
}

int snapshot_load(const struct vmm_options *cmdline, struct vmm_options *out,
		  struct snapshot_restore *rs, struct err *e)
{
	int r;

	memset(rs, 0, sizeof(*rs));
	rs->memory_fd = -1;
	rs->dir = cmdline->restore_dir;
	r = load(cmdline, out, rs, e);
	if (r < 0)
		snapshot_restore_free(rs);
	return r;
}

void snapshot_restore_free(struct snapshot_restore *rs)
{
	for (int i = 0; rs->argv && i < rs->argc; i++)
		free(rs->argv[i]);
	free(rs->argv);
	free(rs->idx);
	free(rs->state);
	if (rs->memory_fd >= 0)
		close(rs->memory_fd);
	memset(rs, 0, sizeof(*rs));
	rs->memory_fd = -1;
}
