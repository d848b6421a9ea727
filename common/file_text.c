#include "common/file_text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

void remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *dash = strrchr(de->d_name, '-');
		char *end;
		long pid;

		/* Any prefix: each tool names its directories its own way. */
		if (!dash || dash == de->d_name || dash[1] < '0' || dash[1] > '9')
			continue;
		pid = strtol(dash + 1, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		/* rmdir only succeeds on what is empty by now: the owner died with it. */
		unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}
