/* `minictr create`, the runtime's side: read the bundle, make the state
 * directory and the container's cgroup, join the namespaces given by path,
 * clone the first process into the new ones, write its id maps, run the
 * runtime-side hooks when it asks, and record the state once it waits for
 * start. On any failure everything made so far is undone. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/cleanup.h"
#include "common/file_text.h"
#include "tools/minictr/fsutil.h"
#include "tools/minictr/oci_cgroup.h"
#include "tools/minictr/oci_console.h"
#include "tools/minictr/oci_devrules.h"
#include "tools/minictr/oci_hooks.h"
#include "tools/minictr/oci_runtime.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct create_job {
	const struct oci_cli *c;
	struct oci_spec spec;
	struct oci_state st;
	char dir[PATH_MAX];
	bool dir_made;
	bool cgroup_made;
	int dir_fd;
	int console_fd;
	int sync[2];
	pid_t child;
};

int oci_spec_load_file(const char *path, struct oci_spec *spec, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (!(buf = malloc(OCI_SPEC_MAX_BYTES + 1)))
		return err_set(e, ENOMEM, "out of memory");
	while ((n = read(fd, buf + len, OCI_SPEC_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		return err_sys(e, "read %s", path);
	if (len > OCI_SPEC_MAX_BYTES)
		return err_set(e, EFBIG, "%s: larger than %u bytes", path, OCI_SPEC_MAX_BYTES);
	if (oci_spec_parse(buf, len, spec, e) < 0)
		return err_wrap(e, "%s", path);
	return 0;
}

static int copy_file(const char *from, int to_dir, const char *name, struct err *e)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return err_sys(e, "open %s", from);
	out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return err_sys(e, "create %s", name);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return err_sys(e, "write %s", name);
	return n < 0 ? err_sys(e, "read %s", from) : 0;
}

/* Bundle, config and root file system, checked before anything is made. */
static int read_bundle(struct create_job *j, struct err *e)
{
	char bundle[PATH_MAX], path[PATH_MAX + 16], root[PATH_MAX * 2];
	const struct oci_spec *s = &j->spec;

	if (!realpath(j->c->bundle ? j->c->bundle : ".", bundle))
		return err_sys(e, "bundle %s", j->c->bundle ? j->c->bundle : ".");
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (oci_spec_load_file(path, &j->spec, e) < 0)
		return -EINVAL;
	if (!s->has_process)
		return err_set(e, EINVAL, "%s: process: required to create a container", path);
	if (s->process.terminal && !j->c->console_socket)
		return err_set(e, EINVAL,
			       "process.terminal is true: --console-socket is needed to hand "
			       "out the terminal");
	if (!s->process.terminal && j->c->console_socket)
		return err_set(e, EINVAL, "--console-socket given but process.terminal is false");
	/* SELinux labels mean something only where SELinux is on; there
	 * minictr cannot apply them, so it says so (runc applies them). */
	if ((s->linux_.mount_label || s->process.selinux_label) &&
	    access("/sys/fs/selinux/enforce", F_OK) == 0)
		return err_set(e, ENOTSUP,
			       "%s: SELinux is enabled here and minictr does not apply "
			       "SELinux labels",
			       s->linux_.mount_label ? "linux.mountLabel" : "process.selinuxLabel");
	if (s->root_path[0] == '/')
		snprintf(root, sizeof(root), "%s", s->root_path);
	else
		snprintf(root, sizeof(root), "%s/%s", bundle, s->root_path);
	if (!realpath(root, j->st.rootfs))
		return err_sys(e, "root.path %s", root);
	snprintf(j->st.bundle, sizeof(j->st.bundle), "%s", bundle);
	return 0;
}

static const struct oci_namespace *find_ns(const struct oci_spec *s, enum oci_ns_type t)
{
	for (size_t i = 0; i < s->linux_.n_namespaces; i++)
		if (s->linux_.namespaces[i].type == t)
			return &s->linux_.namespaces[i];
	return NULL;
}

static int make_state_dir(struct create_job *j, struct err *e)
{
	char path[PATH_MAX + 16];
	int r;

	if ((r = mkdir_p(j->c->root, 0711, e)) < 0)
		return err_wrap(e, "--root");
	if ((r = oci_state_dir(j->c->root, j->c->id, j->dir, sizeof(j->dir), e)) < 0)
		return r;
	if (mkdir(j->dir, 0711) < 0) {
		if (errno == EEXIST)
			return err_set(e, EEXIST, "container %s already exists", j->c->id);
		return err_sys(e, "mkdir %s", j->dir);
	}
	j->dir_made = true;
	j->dir_fd = open(j->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->dir_fd < 0)
		return err_sys(e, "open %s", j->dir);
	snprintf(path, sizeof(path), "%s/config.json", j->st.bundle);
	if ((r = copy_file(path, j->dir_fd, "config.json", e)) < 0)
		return r;
	/* Writable by the container's user, whoever that is: the created
	 * process opens it to wait for start (runc's mode). */
	if (mknodat(j->dir_fd, "exec.fifo", S_IFIFO | 0622, 0) < 0)
		return err_sys(e, "mkfifo %s/exec.fifo", j->dir);
	return fchmodat(j->dir_fd, "exec.fifo", 0622, 0) < 0 ? err_sys(e, "chmod exec.fifo") : 0;
}

/* The spec's device rules, then (as runc) the nodes every container has and
 * each node linux.devices asks for, so the process can make and use them. */
static int attach_device_rules(const struct oci_linux *l, const char *cg, struct err *e)
{
	static const struct oci_device_rule DEFAULTS[] = {
		{ true, 'c', 1, 3, true, true, true },	  /* null */
		{ true, 'c', 1, 5, true, true, true },	  /* zero */
		{ true, 'c', 1, 7, true, true, true },	  /* full */
		{ true, 'c', 1, 8, true, true, true },	  /* random */
		{ true, 'c', 1, 9, true, true, true },	  /* urandom */
		{ true, 'c', 5, 0, true, true, true },	  /* tty */
		{ true, 'c', 5, 2, true, true, true },	  /* ptmx */
		{ true, 'c', 136, -1, true, true, true }, /* pty slaves */
	};
	size_t n_defaults = sizeof(DEFAULTS) / sizeof(DEFAULTS[0]);
	size_t n = l->resources.n_device_rules + n_defaults + l->n_devices;
	_cleanup_free_ struct oci_device_rule *rules = calloc(n, sizeof(*rules));
	size_t k = 0;

	if (!rules)
		return err_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < l->resources.n_device_rules; i++)
		rules[k++] = l->resources.device_rules[i];
	for (size_t i = 0; i < n_defaults; i++)
		rules[k++] = DEFAULTS[i];
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct oci_device *d = &l->devices[i];
		if (d->type == 'p')
			continue; /* a fifo is no device */
		rules[k++] = (struct oci_device_rule){ .allow = true,
						       .type = d->type == 'b' ? 'b' : 'c',
						       .major = d->major,
						       .minor = d->minor,
						       .read = true,
						       .write = true,
						       .mknod = true };
	}
	return oci_devrules_attach(rules, k, cg, e);
}

static int make_cgroup(struct create_job *j, struct err *e)
{
	const struct oci_linux *l = &j->spec.linux_;
	char mountinfo[65536], mount[PATH_MAX];
	int r;

	if ((r = read_text("/proc/self/mountinfo", mountinfo, sizeof(mountinfo), e)) < 0)
		return r;
	if (cg_find_v2_mount(mountinfo, mount, sizeof(mount), e) < 0) {
		/* No cgroup v2: only acceptable when nothing is asked of it. */
		if (l->has_resources || l->cgroups_path)
			return err_set(e, ENOTSUP,
				       "linux.resources/cgroupsPath: no cgroup v2 hierarchy here");
		return 0;
	}
	if ((r = oci_cgroup_path(mount, l->cgroups_path, j->c->id, j->st.cgroup,
				 sizeof(j->st.cgroup), e)) < 0)
		return r;
	if ((r = oci_cgroup_create(j->st.cgroup, &l->resources, e)) < 0)
		return r;
	j->cgroup_made = true;
	if (l->resources.n_device_rules)
		return attach_device_rules(l, j->st.cgroup, e);
	return 0;
}

/* Namespaces given by path that the runtime joins before the clone, so the
 * first process starts in them (pid and time only take effect for
 * children; network, ipc, uts and cgroup are joined here so that a new user
 * namespace does not stand between the process and their owner). User and
 * mount namespaces given by path are joined by the process itself. */
static int join_runtime_namespaces(const struct oci_spec *s, struct err *e)
{
	static const int FLAGS[OCI_NS_COUNT] = {
		[OCI_NS_PID] = CLONE_NEWPID,	   [OCI_NS_NETWORK] = CLONE_NEWNET,
		[OCI_NS_IPC] = CLONE_NEWIPC,	   [OCI_NS_UTS] = CLONE_NEWUTS,
		[OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = CLONE_NEWTIME,
	};

	for (size_t i = 0; i < s->linux_.n_namespaces; i++) {
		const struct oci_namespace *n = &s->linux_.namespaces[i];
		_cleanup_close_ int fd = -1;

		if (n->type == OCI_NS_TIME && !n->path && unshare(CLONE_NEWTIME) < 0)
			return err_sys(e, "linux.namespaces: new time namespace");
		if (!n->path || !FLAGS[n->type])
			continue;
		if ((fd = open(n->path, O_RDONLY | O_CLOEXEC)) < 0)
			return err_sys(e, "linux.namespaces %s: open %s", oci_ns_type_name(n->type),
				       n->path);
		if (setns(fd, FLAGS[n->type]) < 0)
			return err_sys(e, "linux.namespaces %s: join %s", oci_ns_type_name(n->type),
				       n->path);
	}
	return 0;
}

static unsigned long clone_flags(const struct oci_spec *s)
{
	static const unsigned long FLAGS[OCI_NS_COUNT] = {
		[OCI_NS_PID] = CLONE_NEWPID,  [OCI_NS_NETWORK] = CLONE_NEWNET,
		[OCI_NS_MOUNT] = CLONE_NEWNS, [OCI_NS_IPC] = CLONE_NEWIPC,
		[OCI_NS_UTS] = CLONE_NEWUTS,  [OCI_NS_USER] = CLONE_NEWUSER,
	};
	const struct oci_namespace *user = find_ns(s, OCI_NS_USER);
	unsigned long f = 0;

	for (size_t i = 0; i < s->linux_.n_namespaces; i++) {
		const struct oci_namespace *n = &s->linux_.namespaces[i];
		if (n->path)
			continue;
		/* Under a user namespace joined by path, the process makes the
		 * others itself, after joining it (oci_init.c). */
		if (user && user->path && n->type != OCI_NS_PID)
			continue;
		f |= FLAGS[n->type];
	}
	return f;
}

static int write_id_map(pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n,
			struct err *e)
{
	char text[4096], path[64];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(text + len, sizeof(text) - len, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= sizeof(text) - len)
			return err_set(e, EINVAL, "linux.%s: too many mappings", file);
		len += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return write_text(path, text, e);
}

static int write_id_maps(struct create_job *j, struct err *e)
{
	const struct oci_linux *l = &j->spec.linux_;
	int r;

	if (!l->n_uid_mappings || !l->n_gid_mappings)
		return err_set(e, EINVAL,
			       "linux.uidMappings/gidMappings: a new user namespace needs both");
	if ((r = write_id_map(j->child, "uid_map", l->uid_mappings, l->n_uid_mappings, e)) < 0)
		return err_wrap(e, "linux.uidMappings");
	if ((r = write_id_map(j->child, "gid_map", l->gid_mappings, l->n_gid_mappings, e)) < 0)
		return err_wrap(e, "linux.gidMappings");
	return 0;
}

static int clone_init(struct create_job *j, struct err *e)
{
	const struct oci_spec *s = &j->spec;
	const struct oci_namespace *user = find_ns(s, OCI_NS_USER);
	const struct oci_namespace *mnt = find_ns(s, OCI_NS_MOUNT);
	const struct oci_namespace *cg = find_ns(s, OCI_NS_CGROUP);
	struct oci_init_args a = {
		.spec = s,
		.rootfs = j->st.rootfs,
		.bundle = j->st.bundle,
		.sync_fd = j->sync[1],
		.state_dir_fd = j->dir_fd,
		.console_fd = j->console_fd,
		.preserve_fds = j->c->preserve_fds,
		.new_userns = user && !user->path,
		.userns_path = user ? user->path : NULL,
		.mntns_path = mnt ? mnt->path : NULL,
		.new_cgroupns = cg && !cg->path,
	};
	int r;

	if (!mnt)
		return err_set(e, EINVAL,
			       "linux.namespaces: a mount namespace is needed (the root is "
			       "pivoted inside it)");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sync) < 0)
		return err_sys(e, "socketpair");
	a.sync_fd = j->sync[1];
	if ((r = join_runtime_namespaces(s, e)) < 0)
		return r;
	j->child = (pid_t)syscall(SYS_clone, clone_flags(s) | SIGCHLD, NULL, NULL, NULL, NULL);
	if (j->child < 0)
		return err_sys(e, "clone the container's namespaces");
	if (j->child == 0) {
		close(j->sync[0]);
		_exit(oci_init_main(&a));
	}
	close(j->sync[1]);
	j->sync[1] = -1;
	return 0;
}

/* The runtime-side hooks the process asks for once its mounts are in place:
 * prestart (deprecated, same moment) and createRuntime. */
static int runtime_hooks(struct create_job *j, const char *state, struct err *e)
{
	const struct oci_hooks *h = &j->spec.hooks;
	size_t len = strlen(state);
	int r;

	_cleanup_free_ char *created = NULL;

	/* prestart (runtime-spec 1.0) sees the container "created", as crun
	 * shows it and the validation suite expects; createRuntime "creating". */
	if (h->prestart.n) {
		if (!(created = oci_state_oci_json(&j->st, OCI_STATUS_CREATED)))
			return err_set(e, ENOMEM, "out of memory");
		if ((r = oci_hooks_run(&h->prestart, "prestart", created, strlen(created), e)) < 0)
			return r;
	}
	return oci_hooks_run(&h->create_runtime, "createRuntime", state, len, e);
}

static char *creating_state(struct create_job *j)
{
	return oci_state_oci_json(&j->st, OCI_STATUS_CREATING);
}

/* Talk to the process until it waits for start. */
static int drive_init(struct create_job *j, struct err *e)
{
	_cleanup_free_ char *state = NULL;
	_cleanup_free_ char *msg = malloc(OCI_SYNC_MAX);
	bool zombie;
	int r, type;

	if (!msg)
		return err_set(e, ENOMEM, "out of memory");
	j->st.pid = j->child;
	j->st.pid_start = oci_pid_start(j->child, &zombie);
	if (j->spec.linux_.n_uid_mappings || j->spec.linux_.n_gid_mappings) {
		const struct oci_namespace *user = find_ns(&j->spec, OCI_NS_USER);
		if (user && !user->path && (r = write_id_maps(j, e)) < 0)
			return r;
	}
	if (j->st.cgroup[0] && (r = oci_cgroup_add_pid(j->st.cgroup, j->child, e)) < 0)
		return r;
	if (!(state = creating_state(j)))
		return err_set(e, ENOMEM, "out of memory");
	if ((r = oci_sync_send(j->sync[0], OCI_SYNC_GO, state, e)) < 0)
		return r;
	for (;;) {
		type = oci_sync_recv(j->sync[0], msg, OCI_SYNC_MAX, e);
		if (type == -EPIPE)
			return err_set(e, EPIPE, "the container's process ended during create");
		if (type < 0)
			return type;
		if (type == OCI_SYNC_READY)
			return 0;
		if (type == OCI_SYNC_ERROR)
			return err_set(e, EINVAL, "%s", msg);
		if (type != OCI_SYNC_HOOKS)
			return err_set(e, EPROTO, "unexpected message '%c' from the container",
				       type);
		r = runtime_hooks(j, state, e);
		if (r < 0) {
			oci_sync_send(j->sync[0], OCI_SYNC_ERROR, e->msg, e);
			return r;
		}
		if ((r = oci_sync_send(j->sync[0], OCI_SYNC_HOOKS_OK, "", e)) < 0)
			return r;
	}
}

int oci_write_pid_file(const char *path, pid_t pid, struct err *e)
{
	char tmp[PATH_MAX], text[32];
	_cleanup_close_ int fd = -1;
	int n;

	if (snprintf(tmp, sizeof(tmp), "%s.minictr-tmp", path) >= (int)sizeof(tmp))
		return err_set(e, ENAMETOOLONG, "--pid-file %s: too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return err_sys(e, "--pid-file %s", tmp);
	n = snprintf(text, sizeof(text), "%d", (int)pid);
	if (write(fd, text, (size_t)n) != n)
		return err_sys(e, "--pid-file %s", tmp);
	if (rename(tmp, path) < 0)
		return err_sys(e, "--pid-file %s", path);
	return 0;
}

static void undo(struct create_job *j)
{
	struct err ignored;

	if (j->child > 0) {
		kill(j->child, SIGKILL);
		waitpid(j->child, NULL, 0);
	}
	if (j->cgroup_made)
		oci_cgroup_destroy(j->st.cgroup, &ignored);
	if (j->dir_made)
		remove_tree(j->dir, &ignored);
}

static int create_steps(struct create_job *j, struct err *e)
{
	char *annotations = NULL;
	int r;

	if ((r = read_bundle(j, e)) < 0)
		return r;
	if (j->spec.annotations)
		annotations = json_dumps(j->spec.annotations, JSON_COMPACT);
	j->st.annotations_json = annotations;
	snprintf(j->st.id, sizeof(j->st.id), "%s", j->c->id);
	oci_now_rfc3339(j->st.created, sizeof(j->st.created));
	j->st.owner = (uint32_t)geteuid();
	if ((r = make_state_dir(j, e)) < 0 || (r = make_cgroup(j, e)) < 0)
		return r;
	if (j->c->console_socket &&
	    (j->console_fd = oci_console_connect(j->c->console_socket, e)) < 0)
		return j->console_fd;
	if ((r = clone_init(j, e)) < 0 || (r = drive_init(j, e)) < 0)
		return r;
	if (j->c->pid_file && (r = oci_write_pid_file(j->c->pid_file, j->child, e)) < 0)
		return r;
	return oci_state_save(j->dir, &j->st, e);
}

int oci_create(const struct oci_cli *c, struct oci_created *out, struct err *e)
{
	struct create_job j = { .c = c, .dir_fd = -1, .console_fd = -1, .sync = { -1, -1 } };
	int r = create_steps(&j, e);

	if (r < 0)
		undo(&j);
	else {
		out->child = j.child;
		snprintf(out->state_dir, sizeof(out->state_dir), "%s", j.dir);
	}
	for (int i = 0; i < 2; i++)
		if (j.sync[i] >= 0)
			close(j.sync[i]);
	if (j.dir_fd >= 0)
		close(j.dir_fd);
	if (j.console_fd >= 0)
		close(j.console_fd);
	oci_state_free(&j.st);
	oci_spec_free(&j.spec);
	return r;
}
