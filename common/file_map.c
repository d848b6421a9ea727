#include "common/file_map.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int map_file(struct mapped_file *f, const char *path, const char *what, struct err *e)
{
	int r;

	f->path = path;
	f->what = what;
	f->data = NULL;
	f->len = 0;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	f->open = f->fd >= 0;
	if (!f->open)
		return err_sys(e, "cannot open %s %s", what, path);
	r = remap_file(f, e);
	if (r < 0)
		close_mapped_file(f);
	return r;
}

int remap_file(struct mapped_file *f, struct err *e)
{
	struct stat st;
	void *p;

	if (!f->open)
		return err_set(e, EBADF, "%s %s is not open", f->what, f->path);
	if (fstat(f->fd, &st) < 0)
		return err_sys(e, "cannot stat %s %s", f->what, f->path);
	if (S_ISDIR(st.st_mode))
		return err_set(e, EISDIR, "%s %s is a directory", f->what, f->path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "%s %s is not a regular file", f->what, f->path);
	if (st.st_size == 0)
		return err_set(e, EINVAL, "%s %s is empty", f->what, f->path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, f->fd, 0);
	if (p == MAP_FAILED)
		return err_sys(e, "cannot map %s %s", f->what, f->path);
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

void close_mapped_file(struct mapped_file *f)
{
	unmap_file(f);
	if (f->open)
		close(f->fd);
	f->open = false;
	f->fd = -1;
}
