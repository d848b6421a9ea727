#include "tools/minictr/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

int write_text(const char *path, const char *text, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(text);
	ssize_t w;

	if (fd < 0)
		return err_sys(e, "open %s", path);
	w = write(fd, text, n);
	if (w < 0)
		return err_sys(e, "write '%s' to %s", text, path);
	if ((size_t)w != n)
		return err_set(e, EIO, "short write to %s", path);
	return 0;
}

int read_text(const char *path, char *buf, size_t len, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;

	if (fd < 0)
		return err_sys(e, "open %s", path);
	while (used + 1 < len) {
		ssize_t r = read(fd, buf + used, len - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, "read %s", path);
		if (r == 0)
			break;
		used += (size_t)r;
	}
	buf[used] = '\0';
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct err *e)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return err_set(e, ENAMETOOLONG, "bad path '%s'", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return err_sys(e, "mkdir %s", buf);
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

int touch(const char *path, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return err_sys(e, "create %s", path);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path, struct err *e)
{
	if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return err_sys(e, "remove %s", path);
	return 0;
}

void remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid;

		if (strncmp(de->d_name, "ctr-", 4))
			continue;
		pid = strtol(de->d_name + 4, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		/* Empty by now: the container died with its minictr. */
		unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}
