#include "common/root.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int root_enter(const char *dir, struct err *e)
{
	/* pivot_root(".", "."): the old root ends up on top of the new one, then
	 * gets detached; no directory for it is needed in dir. */
	if (chdir(dir) < 0)
		return err_sys(e, "chdir %s", dir);
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		/* The initramfs root cannot be pivoted away (EINVAL): move the new
		 * root over it and chroot, as runc does on ramdisks. */
		if (errno != EINVAL)
			return err_sys(e, "pivot_root");
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return err_sys(e, "move the new root over the initramfs");
		if (chroot(".") < 0)
			return err_sys(e, "chroot");
		if (chdir("/") < 0)
			return err_sys(e, "chdir /");
		return 1;
	}
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(e, "detach the old root");
	if (chdir("/") < 0)
		return err_sys(e, "chdir /");
	return 0;
}
