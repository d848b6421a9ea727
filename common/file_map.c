#include "common/file_map.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

int map_file(struct mapped_file *f, const char *path, const char *what, struct err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	void *p;

	f->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "cannot open %s %s", what, path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, "cannot stat %s %s", what, path);
	if (S_ISDIR(st.st_mode))
		return err_set(e, EISDIR, "%s %s is a directory", what, path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "%s %s is not a regular file", what, path);
	if (st.st_size == 0)
		return err_set(e, EINVAL, "%s %s is empty", what, path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return err_sys(e, "cannot map %s %s", what, path);
	f->data = p;
	f->len = (size_t)st.st_size;
	return 0;
}

void unmap_file(struct mapped_file *f)
{
	if (f->data)
		munmap((void *)(uintptr_t)f->data, f->len);
	f->data = NULL;
	f->len = 0;
}
