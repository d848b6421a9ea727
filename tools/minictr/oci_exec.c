/* `minictr exec`: a new process in a running container. A helper child
 * joins the container's namespaces and cgroup and forks the process there
 * (a new pid namespace only takes effect for children); the process gets
 * the container's seccomp filter, capabilities and user unless the process
 * given says otherwise. With --detach minictr returns once it runs (the
 * engine's subreaper adopts it); else minictr waits and exits as it does. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file_text.h"
#include "tools/minictr/oci_console.h"
#include "tools/minictr/oci_proc.h"
#include "tools/minictr/oci_runtime.h"
#include "tools/minictr/oci_seccomp.h"

#define EXIT_EXEC_FAIL 127

struct exec_job {
	const struct oci_cli *c;
	struct oci_state st;
	char dir[PATH_MAX];
	struct oci_spec spec;	 /* the container's config.json */
	struct oci_process proc; /* what runs */
	void *proc_json;	 /* --process document, or NULL */
	const char **argv_store, **env_store;
	int console_fd;
	int pid_pipe[2]; /* helper -> minictr: the process's host pid */
};

/* The process from the command line: the container's own settings, with
 * the given command, --env added, --cwd, --user, --tty, --no-new-privs. */
static int process_from_cli(struct exec_job *j, struct err *e)
{
	const struct oci_cli *c = j->c;
	const struct oci_process *base = &j->spec.process;
	size_t n_env = base->n_env + c->n_env;

	j->proc = *base;
	j->proc.rlimits = base->rlimits;
	if (!(j->argv_store = calloc((size_t)c->n_args + 1, sizeof(char *))) ||
	    !(j->env_store = calloc(n_env + 1, sizeof(char *))))
		return err_set(e, ENOMEM, "out of memory");
	for (int i = 0; i < c->n_args; i++)
		j->argv_store[i] = c->args[i];
	for (size_t i = 0; i < base->n_env; i++)
		j->env_store[i] = base->env[i];
	for (unsigned i = 0; i < c->n_env; i++)
		j->env_store[base->n_env + i] = c->env[i];
	j->proc.args = j->argv_store;
	j->proc.n_args = (size_t)c->n_args;
	j->proc.env = j->env_store;
	j->proc.n_env = n_env;
	j->proc.terminal = c->tty;
	if (c->cwd)
		j->proc.cwd = c->cwd;
	if (c->no_new_privs)
		j->proc.no_new_privileges = true;
	if (c->user) {
		unsigned uid, gid = 0;
		char tail;
		int n = sscanf(c->user, "%u:%u%c", &uid, &gid, &tail);
		if (n != 1 && n != 2)
			return err_set(e, EINVAL, "--user '%s': want UID[:GID] (numbers)", c->user);
		j->proc.user.uid = uid;
		j->proc.user.gid = gid;
		j->proc.user.n_additional_gids = 0;
	}
	if (j->proc.cwd[0] != '/')
		return err_set(e, EINVAL, "--cwd '%s': must be absolute", j->proc.cwd);
	return 0;
}

static int read_process_file(struct exec_job *j, struct err *e)
{
	_cleanup_close_ int fd = open(j->c->process, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = malloc(OCI_SPEC_MAX_BYTES + 1);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return err_sys(e, "--process %s", j->c->process);
	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	while ((n = read(fd, buf + len, OCI_SPEC_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0 || len > OCI_SPEC_MAX_BYTES)
		return err_set(e, EINVAL, "--process %s: unreadable or too large", j->c->process);
	if (oci_process_parse(buf, len, &j->proc, &j->proc_json, e) < 0)
		return err_wrap(e, "--process %s", j->c->process);
	return 0;
}

/* Join ns NAME of pid unless we are in it already (joining one's own user
 * namespace is an error). */
static int join_ns_of(pid_t pid, const char *name, int type, struct err *e)
{
	char path[64], self[64];
	struct stat a, b;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	snprintf(self, sizeof(self), "/proc/self/ns/%s", name);
	if (stat(path, &a) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "%s", path);
	if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", path);
	if (setns(fd, type) < 0)
		return err_sys(e, "join the container's %s namespace", name);
	return 0;
}

static int enter_container(const struct exec_job *j, struct err *e)
{
	static const struct {
		const char *name;
		int type;
	} NS[] = {
		{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
		{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
		{ "mnt", CLONE_NEWNS },
	};
	char procs[PATH_MAX + 16], me[32];
	int r;

	if (j->st.cgroup[0]) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", j->st.cgroup);
		snprintf(me, sizeof(me), "%d", (int)getpid());
		if ((r = write_text(procs, me, e)) < 0)
			return err_wrap(e, "join the container's cgroup");
	}
	for (size_t i = 0; i < sizeof(NS) / sizeof(NS[0]); i++)
		if ((r = join_ns_of(j->st.pid, NS[i].name, NS[i].type, e)) < 0)
			return r;
	return 0;
}

/* The process itself, in the container. */
static int become_process(const struct exec_job *j, struct err *e)
{
	const struct oci_process *p = &j->proc;
	const struct oci_linux *l = &j->spec.linux_;
	char exe[PATH_MAX];
	void *filter = NULL;
	int r;

	if (chdir(p->cwd) < 0)
		return err_sys(e, "cwd %s", p->cwd);
	if ((r = oci_find_exe(p, exe, sizeof(exe), e)) < 0)
		return r;
	if (p->terminal) {
		int master = -1, slave = -1;
		if ((r = oci_console_open(p->console_height, p->console_width, &master, &slave,
					  e)) < 0 ||
		    (r = oci_console_send(j->console_fd, master, e)) < 0 ||
		    (r = oci_console_attach(slave, e)) < 0)
			return err_wrap(e, "--tty");
		close(master);
	}
	if ((r = oci_proc_rlimits(p, e)) < 0 || (r = oci_proc_oom_score_adj(p, 0, e)) < 0)
		return r;
	if (l->has_seccomp && (r = oci_seccomp_build(&l->seccomp, &filter, e)) < 0)
		return r;
	oci_cloexec_from(3 + j->c->preserve_fds);
	if (filter && !p->no_new_privileges && (r = oci_seccomp_load(filter, e)) < 0)
		return r;
	if ((r = oci_proc_identity(p, e)) < 0)
		return r;
	if (filter && p->no_new_privileges && (r = oci_seccomp_load(filter, e)) < 0)
		return r;
	oci_execve(exe, p->args, p->env);
	return err_sys(e, "exec %s", exe);
}

/* The helper: in the container's namespaces, fork the process, tell
 * minictr its pid, and (without --detach) wait for it. */
static int helper_main(struct exec_job *j)
{
	struct err e = { 0 };
	pid_t pid;
	int status;

	close(j->pid_pipe[0]);
	if (enter_container(j, &e) < 0) {
		dprintf(2, "minictr: error: %s\n", e.msg);
		return EXIT_EXEC_FAIL;
	}
	pid = fork();
	if (pid < 0) {
		dprintf(2, "minictr: error: fork in the container: %s\n", strerror(errno));
		return EXIT_EXEC_FAIL;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(j->pid_pipe[1]);
		become_process(j, &e);
		dprintf(2, "minictr: error: %s\n", e.msg);
		_exit(EXIT_EXEC_FAIL);
	}
	if (write(j->pid_pipe[1], &pid, sizeof(pid)) != sizeof(pid))
		return EXIT_EXEC_FAIL;
	close(j->pid_pipe[1]);
	if (j->c->detach)
		return 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_EXEC_FAIL;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_helper(struct exec_job *j, int *exit_status, struct err *e)
{
	pid_t helper, pid;
	int status;
	ssize_t n;

	if (pipe2(j->pid_pipe, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	helper = fork();
	if (helper < 0)
		return err_sys(e, "fork");
	if (helper == 0)
		_exit(helper_main(j));
	close(j->pid_pipe[1]);
	n = read(j->pid_pipe[0], &pid, sizeof(pid));
	close(j->pid_pipe[0]);
	if (n == sizeof(pid) && j->c->pid_file && oci_write_pid_file(j->c->pid_file, pid, e) < 0) {
		kill(pid, SIGKILL);
		waitpid(helper, NULL, 0);
		return -EIO;
	}
	while (waitpid(helper, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, "wait");
	if (n != sizeof(pid))
		return err_set(e, EINVAL, "exec in container %s failed (above)", j->c->id);
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

static int exec_steps(struct exec_job *j, int *exit_status, struct err *e)
{
	char path[PATH_MAX + 16];
	enum oci_status st;
	int r;

	if ((r = oci_state_load(j->c->root, j->c->id, &j->st, e)) < 0)
		return r;
	if ((r = oci_state_dir(j->c->root, j->c->id, j->dir, sizeof(j->dir), e)) < 0)
		return r;
	st = oci_state_status(j->dir, &j->st);
	if (st != OCI_STATUS_RUNNING)
		return err_set(e, EINVAL, "container %s is %s, not running", j->c->id,
			       oci_status_name(st));
	snprintf(path, sizeof(path), "%s/config.json", j->dir);
	if ((r = oci_spec_load_file(path, &j->spec, e)) < 0)
		return r;
	r = j->c->process ? read_process_file(j, e) : process_from_cli(j, e);
	if (r < 0)
		return r;
	if (j->proc.terminal && !j->c->console_socket)
		return err_set(e, EINVAL, "a terminal needs --console-socket");
	if (j->c->console_socket &&
	    (j->console_fd = oci_console_connect(j->c->console_socket, e)) < 0)
		return j->console_fd;
	return run_helper(j, exit_status, e);
}

int oci_exec(const struct oci_cli *c, int *exit_status, struct err *e)
{
	struct exec_job j = { .c = c, .console_fd = -1 };
	int r = exec_steps(&j, exit_status, e);

	if (j.console_fd >= 0)
		close(j.console_fd);
	if (j.proc_json) {
		oci_process_free(&j.proc);
		oci_json_free(j.proc_json);
	}
	free(j.argv_store);
	free(j.env_store);
	oci_spec_free(&j.spec);
	oci_state_free(&j.st);
	return r;
}
