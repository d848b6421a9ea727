#include "inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "guest_mem.h"

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

static int check_fit(const struct vm_inputs *in, const char *cmdline, uint64_t mem,
		     struct err *e)
{
	struct guest_mem layout;
	/* Where the kernel ends once it has decompressed and relocated itself. */
	uint64_t end = bzimage_runtime_end(&in->bz, BOOT_KERNEL_ADDR);
	uint64_t addr;
	size_t cmdlen = strlen(cmdline);

	guest_mem_layout(&layout, NULL, mem);
	if (end > layout.low_size)
		return err_set(e, EINVAL, "--mem %llu MiB is too small for kernel %s "
			       "(needs %llu MiB)", (unsigned long long)(mem >> 20),
			       in->kernel.path,
			       (unsigned long long)((end + (1 << 20) - 1) >> 20));
	if (cmdlen > in->bz.cmdline_size || cmdlen >= BOOT_CMDLINE_MAX)
		return err_set(e, EINVAL, "--append: command line of %zu bytes exceeds "
			       "the kernel's limit of %u", cmdlen, in->bz.cmdline_size);
	if (in->initrd.data) {
		int r = boot_initrd_addr(&layout, &in->bz, in->initrd.len, &addr, e);

		if (r < 0)
			return err_wrap(e, "initrd %s", in->initrd.path);
	}
	return 0;
}

int inputs_load(struct vm_inputs *in, const char *kernel, const char *initrd,
		const char *cmdline, uint64_t mem, struct err *e)
{
	int r;

	memset(in, 0, sizeof(*in));
	r = map_file(&in->kernel, kernel, "kernel", e);
	if (r == 0) {
		r = bzimage_parse(in->kernel.data, in->kernel.len, &in->bz, e);
		if (r < 0)
			err_wrap(e, "kernel %s", kernel);
	}
	if (r == 0 && initrd)
		r = map_file(&in->initrd, initrd, "initrd", e);
	if (r == 0)
		r = check_fit(in, cmdline, mem, e);
	if (r < 0)
		inputs_release(in);
	return r;
}

void inputs_release(struct vm_inputs *in)
{
	unmap_file(&in->kernel);
	unmap_file(&in->initrd);
}
