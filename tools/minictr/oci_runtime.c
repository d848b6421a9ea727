/* The OCI commands other than create and exec, and their dispatch
 * (oci_runtime.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file_text.h"
#include "tools/minictr/fsutil.h"
#include "tools/minictr/oci_cgroup.h"
#include "tools/minictr/oci_hooks.h"
#include "tools/minictr/oci_runtime.h"

#define MINICTR_VERSION "0.14"
/* How long start waits for the created process to take its byte, and delete
 * --force for a killed container to be gone. */
#define START_WAIT_MS	10000
#define DELETE_WAIT_MS	10000

static void log_line(const struct oci_cli *c, const char *level, const char *msg)
{
	char when[40];
	FILE *f;

	if (!c->log)
		return;
	if (!(f = fopen(c->log, "ae")))
		return;
	oci_now_rfc3339(when, sizeof(when));
	if (c->log_format == OCI_LOG_JSON) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (text)
			fprintf(f, "%s\n", text);
		free(text);
		json_decref(o);
	} else {
		fprintf(f, "%s %s: %s\n", when, level, msg);
	}
	fclose(f);
}

void oci_log_error(const struct oci_cli *c, const char *msg)
{
	fprintf(stderr, "minictr: error: %s\n", msg);
	log_line(c, "error", msg);
}

void oci_log_debug(const struct oci_cli *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!c->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "minictr: %s\n", msg);
	log_line(c, "debug", msg);
}

/* A container's record and its state directory. */
struct loaded {
	struct oci_state st;
	char dir[PATH_MAX];
	enum oci_status status;
};

static int load(const struct oci_cli *c, const char *id, struct loaded *l, struct err *e)
{
	int r;

	if ((r = oci_state_load(c->root, id, &l->st, e)) < 0)
		return r;
	if ((r = oci_state_dir(c->root, id, l->dir, sizeof(l->dir), e)) < 0) {
		oci_state_free(&l->st);
		return r;
	}
	l->status = oci_state_status(l->dir, &l->st);
	return 0;
}

static bool alive(const struct oci_state *st)
{
	bool zombie;
	uint64_t start = oci_pid_start(st->pid, &zombie);

	return start && !zombie && start == st->pid_start;
}

static int config_of(const struct loaded *l, struct oci_spec *spec, struct err *e)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/config.json", l->dir);
	return oci_spec_load_file(path, spec, e);
}

/* Take the created process's byte from exec.fifo (it has run its
 * startContainer hooks), then wait for the fifo's end of file: the process's
 * end is close-on-exec, so it closes when the program runs (or the process
 * dies). */
static int release_fifo(const struct loaded *l, struct err *e)
{
	char path[PATH_MAX + 16], b;
	_cleanup_close_ int fd = -1;
	struct pollfd pfd;
	bool got = false;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/exec.fifo", l->dir);
	/* Non-blocking: a process that died before opening its end would
	 * otherwise hold start forever. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", path);
	for (int waited = 0; waited < START_WAIT_MS; waited += 100) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) > 0) {
			n = read(fd, &b, 1);
			if (n == 1) {
				got = true;
				unlink(path);
			} else if (n == 0 && got) {
				return 0;
			}
		}
		if (!alive(&l->st))
			return got ? 0 :
				     err_set(e, ESRCH, "container %s: its process is gone",
					     l->st.id);
	}
	return err_set(e, ETIMEDOUT, "container %s: its process did not %s in %d s", l->st.id,
		       got ? "exec its program" : "take the start", START_WAIT_MS / 1000);
}

static void warn_line(const char *msg, void *arg)
{
	fprintf(stderr, "minictr: warning: %s\n", msg);
	log_line(arg, "warning", msg);
}

/* poststart and poststop: a failing hook is a warning, the rest still run. */
static void warn_hooks(const struct oci_hook_list *h, const char *which, const struct loaded *l,
		       const struct oci_cli *c)
{
	_cleanup_free_ char *state = NULL;

	if (!h->n || !(state = oci_state_oci_json(&l->st, oci_state_status(l->dir, &l->st))))
		return;
	oci_hooks_run_each(h, which, state, strlen(state), warn_line, (void *)(uintptr_t)c);
}

int oci_start(const struct oci_cli *c, struct err *e)
{
	struct loaded l;
	struct oci_spec spec;
	int r;

	if ((r = load(c, c->id, &l, e)) < 0)
		return r;
	if (l.status != OCI_STATUS_CREATED) {
		r = err_set(e, EINVAL, "container %s is %s, not created", c->id,
			    oci_status_name(l.status));
		oci_state_free(&l.st);
		return r;
	}
	if ((r = config_of(&l, &spec, e)) < 0) {
		oci_state_free(&l.st);
		return r;
	}
	if ((r = release_fifo(&l, e)) == 0)
		warn_hooks(&spec.hooks.poststart, "poststart", &l, c);
	oci_spec_free(&spec);
	oci_state_free(&l.st);
	return r;
}

static int cmd_state(const struct oci_cli *c, struct err *e)
{
	struct loaded l;
	json_t *o;
	char *text;
	int r;

	if ((r = load(c, c->id, &l, e)) < 0)
		return r;
	text = oci_state_oci_json(&l.st, l.status);
	/* runc's state adds these to the OCI state; go-runc (containerd's shim)
	 * reads them. */
	o = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	text = NULL;
	if (o) {
		json_object_set_new(o, "rootfs", json_string(l.st.rootfs));
		json_object_set_new(o, "created", json_string(l.st.created));
		json_object_set_new(o, "owner", json_string(l.st.owner ? "" : "root"));
		text = json_dumps(o, JSON_INDENT(2));
		json_decref(o);
	}
	oci_state_free(&l.st);
	if (!text)
		return err_set(e, ENOMEM, "out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}

/* Every process of the container's group (kill --all). */
static int kill_group(const char *cgroup, int sig, struct err *e)
{
	char path[PATH_MAX + 16], line[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	if (!(f = fopen(path, "re")))
		return err_sys(e, "open %s", path);
	while (fgets(line, sizeof(line), f))
		kill((pid_t)atoi(line), sig);
	fclose(f);
	return 0;
}

static int cmd_kill(const struct oci_cli *c, struct err *e)
{
	struct loaded l;
	int sig, r;

	if ((r = oci_signal_parse(c->signal, &sig, e)) < 0)
		return r;
	if ((r = load(c, c->id, &l, e)) < 0)
		return r;
	if (l.status == OCI_STATUS_STOPPED && !c->all)
		r = err_set(e, ESRCH, "container %s is not running", c->id);
	else if (c->all && l.st.cgroup[0])
		r = kill_group(l.st.cgroup, sig, e);
	else if (l.status != OCI_STATUS_STOPPED && kill(l.st.pid, sig) < 0)
		r = err_sys(e, "kill %s (pid %d)", c->id, (int)l.st.pid);
	oci_state_free(&l.st);
	return r;
}

static int wait_gone(const struct loaded *l, struct err *e)
{
	for (int waited = 0; waited < DELETE_WAIT_MS; waited += 20) {
		if (!alive(&l->st))
			return 0;
		usleep(20000);
	}
	return err_set(e, ETIMEDOUT, "container %s: still there %d s after SIGKILL", l->st.id,
		       DELETE_WAIT_MS / 1000);
}

int oci_delete(const struct oci_cli *c, bool force, struct err *e)
{
	struct loaded l;
	struct oci_spec spec = { 0 };
	bool have_spec;
	int r;

	if ((r = load(c, c->id, &l, e)) < 0)
		return r;
	if (l.status != OCI_STATUS_STOPPED && !force) {
		r = err_set(e, EBUSY, "container %s is %s: stop it first, or delete --force", c->id,
			    oci_status_name(l.status));
		oci_state_free(&l.st);
		return r;
	}
	have_spec = config_of(&l, &spec, e) == 0;
	if (l.status != OCI_STATUS_STOPPED) {
		kill(l.st.pid, SIGKILL);
		if ((r = wait_gone(&l, e)) < 0)
			goto out;
	}
	if (l.st.cgroup[0] && (r = oci_cgroup_destroy(l.st.cgroup, e)) < 0)
		goto out;
	if (have_spec)
		warn_hooks(&spec.hooks.poststop, "poststop", &l, c);
	r = remove_tree(l.dir, e);
out:
	if (have_spec)
		oci_spec_free(&spec);
	oci_state_free(&l.st);
	return r;
}

static void list_one(const struct oci_cli *c, const struct loaded *l, json_t *all)
{
	enum oci_status st = l->status;

	if (all) {
		json_array_append_new(
			all, json_pack("{s:s, s:i, s:s, s:s, s:s, s:i}", "id", l->st.id, "pid",
				       st == OCI_STATUS_STOPPED ? 0 : (int)l->st.pid, "status",
				       oci_status_name(st), "bundle", l->st.bundle, "created",
				       l->st.created, "owner", (int)l->st.owner));
	} else if (c->quiet) {
		printf("%s\n", l->st.id);
	} else {
		printf("%-20s %-8d %-10s %-40s %s\n", l->st.id,
		       st == OCI_STATUS_STOPPED ? 0 : (int)l->st.pid, oci_status_name(st),
		       l->st.bundle, l->st.created);
	}
}

static int cmd_list(const struct oci_cli *c, struct err *e)
{
	DIR *d = opendir(c->root);
	json_t *all = c->json ? json_array() : NULL;
	struct dirent *de;

	if (!d && errno != ENOENT)
		return err_sys(e, "--root %s", c->root);
	if (!c->json && !c->quiet)
		printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	while (d && (de = readdir(d))) {
		struct loaded l;
		struct err skip;
		if (de->d_name[0] == '.' || load(c, de->d_name, &l, &skip) < 0)
			continue;
		list_one(c, &l, all);
		oci_state_free(&l.st);
	}
	if (d)
		closedir(d);
	if (all) {
		char *text = json_dumps(all, JSON_COMPACT);
		printf("%s\n", text ? text : "[]");
		free(text);
		json_decref(all);
	}
	return 0;
}

static int cmd_spec(const struct oci_cli *c, struct err *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = oci_spec_default(c->rootless, (uint32_t)geteuid(),
						     (uint32_t)getegid());
	_cleanup_close_ int fd = -1;
	size_t n;

	if (!text)
		return err_set(e, ENOMEM, "out of memory");
	if (snprintf(path, sizeof(path), "%s/config.json", c->bundle ? c->bundle : ".") >=
	    (int)sizeof(path))
		return err_set(e, ENAMETOOLONG, "--bundle: too long");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return err_sys(e, "%s", path);
	n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
		return err_sys(e, "write %s", path);
	return 0;
}

/* run without --detach: we are the process's parent; pass signals on, wait,
 * clean up, and exit as it did. */
static int supervise(const struct oci_cli *c, pid_t child, int *exit_status, struct err *e)
{
	static const int FORWARD[] = {
		SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH
	};
	sigset_t set;
	siginfo_t si;
	int status;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(FORWARD) / sizeof(FORWARD[0]); i++)
		sigaddset(&set, FORWARD[i]);
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, "sigwaitinfo");
		}
		if (si.si_signo != SIGCHLD) {
			kill(child, si.si_signo);
			continue;
		}
		if (waitpid(child, &status, WNOHANG) == child)
			break;
	}
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return oci_delete(c, true, e) < 0 ? err_wrap(e, "clean up after run") : 0;
}

static int cmd_run(const struct oci_cli *c, int *exit_status, struct err *e)
{
	struct oci_created made;
	sigset_t set, old;
	int r;

	/* Blocked before the child exists, so none is lost while we start it. */
	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigprocmask(SIG_BLOCK, &set, &old);
	if ((r = oci_create(c, &made, e)) < 0)
		return r;
	if ((r = oci_start(c, e)) < 0) {
		struct err ignored;
		oci_delete(c, true, &ignored);
		return r;
	}
	if (c->detach)
		return 0;
	return supervise(c, made.child, exit_status, e);
}

static int dispatch(const struct oci_cli *c, int *exit_status, struct err *e)
{
	struct oci_created made;

	switch (c->cmd) {
	case OCI_CMD_CREATE: return oci_create(c, &made, e);
	case OCI_CMD_START: return oci_start(c, e);
	case OCI_CMD_STATE: return cmd_state(c, e);
	case OCI_CMD_KILL: return cmd_kill(c, e);
	case OCI_CMD_DELETE: return oci_delete(c, c->force, e);
	case OCI_CMD_RUN: return cmd_run(c, exit_status, e);
	case OCI_CMD_LIST: return cmd_list(c, e);
	case OCI_CMD_SPEC: return cmd_spec(c, e);
	case OCI_CMD_EXEC: return oci_exec(c, exit_status, e);
	case OCI_CMD_NONE: break;
	}
	return 0;
}

int oci_main(int argc, char *const argv[])
{
	struct oci_cli c;
	struct err e = { 0 };
	int exit_status = 0;

	if (oci_cli_parse(argc, argv, &c, &e) < 0) {
		oci_log_error(&c, e.msg);
		return OCI_EXIT_FAIL;
	}
	if (c.version) {
		printf("minictr version " MINICTR_VERSION "\nspec: " OCI_SPEC_VERSION "\n");
		return 0;
	}
	if (c.help || c.cmd == OCI_CMD_NONE) {
		oci_usage(argv[0]);
		return 0;
	}
	oci_log_debug(&c, "%s %s", c.cmd_name, c.id ? c.id : "");
	if (dispatch(&c, &exit_status, &e) < 0) {
		oci_log_error(&c, e.msg);
		return OCI_EXIT_FAIL;
	}
	return exit_status;
}
