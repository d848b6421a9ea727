#include "tools/minictr/idmount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "tools/minictr/fsutil.h"

/* A user namespace holding map, as an fd: a child parks in a fresh one while
 * we write its maps and open it; the namespace outlives the child through
 * the fd. */
static int userns_open(const struct idmap *map, struct err *e)
{
	char text[256], path[64];
	int sync[2], r, fd = -1;
	pid_t pid;

	if ((r = idmap_format(map, text, sizeof(text), e)) < 0)
		return r;
	if (pipe2(sync, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0) {
		r = err_sys(e, "clone a user namespace");
		close(sync[0]);
		close(sync[1]);
		return r;
	}
	if (pid == 0) {
		char c;

		close(sync[1]);
		/* Until the parent closes its end. */
		_exit(read(sync[0], &c, 1) < 0);
	}
	close(sync[0]);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	r = write_text(path, text, e);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (r == 0)
		r = write_text(path, text, e);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (r == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		r = err_sys(e, "open %s", path);
	close(sync[1]);
	waitpid(pid, NULL, 0);
	return r < 0 ? r : fd;
}

int idmount_open(const char *dir, const struct idmap *map, int *fd, struct err *e)
{
	_cleanup_close_ int ns = -1;
	int tree, r;

	if (map && (ns = userns_open(map, e)) < 0)
		return ns;
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return err_sys(e, "open_tree %s", dir);
	/* No device node in an image is ever usable, and no setuid file
	 * (the container runs with no_new_privs anyway). */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV |
					       MOUNT_ATTR_NOSUID };
	if (map) {
		attr.attr_set |= MOUNT_ATTR_IDMAP;
		attr.userns_fd = (__u64)ns;
	}
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		r = err_sys(e, "%s mount of %s", map ? "idmapped" : "read-only", dir);
		close(tree);
		return r;
	}
	*fd = tree;
	return 0;
}
