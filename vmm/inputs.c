#include "vmm/inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "vmm/guest_mem.h"

static int check_fit(const struct vm_inputs *in, const char *cmdline, uint64_t mem, struct err *e)
{
	bool pvh = in->kind == KERNEL_PVH;
	struct guest_mem layout;
	/* Where the kernel ends: a bzImage once it has decompressed and
	 * relocated itself, a vmlinux at its last segment's end. */
	uint64_t end = pvh ? in->pvh.end : bzimage_runtime_end(&in->bz, LAYOUT_KERNEL_ADDR);
	uint64_t cmdline_max = pvh ? LAYOUT_CMDLINE_MAX - 1 : in->bz.cmdline_size;
	uint64_t addr;
	size_t cmdlen = strlen(cmdline);

	guest_mem_layout(&layout, NULL, mem);
	if (end > layout.low_size)
		return err_set(e, EINVAL,
			       "--mem %llu MiB is too small for kernel %s "
			       "(needs %llu MiB)",
			       (unsigned long long)(mem >> 20), in->kernel.path,
			       (unsigned long long)((end + (1 << 20) - 1) >> 20));
	if (cmdlen > cmdline_max || cmdlen >= LAYOUT_CMDLINE_MAX)
		return err_set(e, EINVAL,
			       "--append: command line of %zu bytes exceeds "
			       "the kernel's limit of %llu",
			       cmdlen, (unsigned long long)cmdline_max);
	if (in->initrd.data) {
		int r = pvh ? pvh_initrd_addr(&layout, &in->pvh, in->initrd.len, &addr, e) :
			      boot_initrd_addr(&layout, &in->bz, in->initrd.len, &addr, e);

		if (r < 0)
			return err_wrap(e, "initrd %s", in->initrd.path);
	}
	return 0;
}

/* Parse the mapped kernel (an ELF is a PVH vmlinux, anything else must be
 * a bzImage) and check that everything fits. */
static int validate(struct vm_inputs *in, const char *cmdline, uint64_t mem, struct err *e)
{
	int r;

	in->kind = pvh_is_elf(in->kernel.data, in->kernel.len) ? KERNEL_PVH : KERNEL_BZIMAGE;
	if (in->kind == KERNEL_PVH)
		r = pvh_parse(in->kernel.data, in->kernel.len, &in->pvh, e);
	else
		r = bzimage_parse(in->kernel.data, in->kernel.len, &in->bz, e);
	if (r < 0)
		return err_wrap(e, "kernel %s", in->kernel.path);
	return check_fit(in, cmdline, mem, e);
}

int inputs_load(struct vm_inputs *in, const char *kernel, const char *initrd, const char *cmdline,
		uint64_t mem, struct err *e)
{
	int r;

	memset(in, 0, sizeof(*in));
	r = map_file(&in->kernel, kernel, "kernel", e);
	if (r == 0 && initrd)
		r = map_file(&in->initrd, initrd, "initrd", e);
	if (r == 0)
		r = validate(in, cmdline, mem, e);
	if (r < 0)
		inputs_close(in);
	return r;
}

int inputs_reload(struct vm_inputs *in, const char *cmdline, uint64_t mem, struct err *e)
{
	int r;

	inputs_release(in);
	r = remap_file(&in->kernel, e);
	if (r == 0 && in->initrd.open)
		r = remap_file(&in->initrd, e);
	if (r == 0)
		r = validate(in, cmdline, mem, e);
	if (r < 0)
		inputs_release(in);
	return r;
}

void inputs_release(struct vm_inputs *in)
{
	unmap_file(&in->kernel);
	unmap_file(&in->initrd);
}

void inputs_close(struct vm_inputs *in)
{
	close_mapped_file(&in->kernel);
	close_mapped_file(&in->initrd);
}
