#include "tools/minictr/inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

#define MAX_DEPTH 64

static int resolve(int root, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

static int create(int root, const char *path, bool dir, unsigned depth, struct err *e);

static int open_depth(int root, const char *path, bool dir, unsigned depth, struct err *e)
{
	int fd = resolve(root, path);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return err_sys(e, "resolve %s in the container", path);
	if (depth >= MAX_DEPTH)
		return err_set(e, ELOOP, "resolve %s in the container: too deep", path);
	int r = create(root, path, dir, depth, e);
	if (r < 0)
		return r;
	if ((fd = resolve(root, path)) < 0)
		return err_sys(e, "resolve %s in the container", path);
	return fd;
}

/* Make the last component of path under its (resolved) parent. */
static int create(int root, const char *path, bool dir, unsigned depth, struct err *e)
{
	char parent[PATH_MAX];
	_cleanup_close_ int pfd = -1;
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(parent))
		return err_set(e, ENAMETOOLONG, "path %s too long", path);
	memcpy(parent, path, n);
	parent[n] = '\0';
	char *slash = strrchr(parent, '/');
	if (!slash || !slash[1])
		return err_set(e, EINVAL, "bad path %s in the container", path);
	char *base = slash + 1;
	if (!strcmp(base, ".") || !strcmp(base, ".."))
		return err_set(e, EINVAL, "bad path %s in the container", path);
	*slash = '\0';
	if ((pfd = open_depth(root, parent[0] ? parent : "/", true, depth + 1, e)) < 0)
		return pfd;
	if (dir) {
		if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
			return err_sys(e, "mkdir %s in the container", path);
		return 0;
	}
	_cleanup_close_ int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
					0644);
	if (fd < 0 && errno != EEXIST)
		return err_sys(e, "create %s in the container", path);
	return 0;
}

int inroot_open(int root, const char *path, bool dir, struct err *e)
{
	return open_depth(root, path, dir, 0, e);
}

int inroot_plain_dir(int root, const char *name, struct err *e)
{
	struct stat st;

	if (fstatat(root, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		if (unlinkat(root, name, 0) < 0)
			return err_sys(e, "replace /%s in the container", name);
	} else if (errno != ENOENT) {
		return err_sys(e, "stat /%s in the container", name);
	}
	if (mkdirat(root, name, 0755) < 0)
		return err_sys(e, "mkdir /%s in the container", name);
	return 0;
}
