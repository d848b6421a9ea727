#include "tools/minictr/caps.h"

#include <linux/capability.h>
#include <stddef.h>

/* What Docker/moby keeps (oci/caps/defaults.go): enough for a normal
 * userland as root, nothing that reaches into the host kernel; less
 * CAP_MKNOD, which Docker keeps only because its device cgroup stops the
 * nodes it allows: here /dev is made by minictr and nothing needs mknod. */
static const unsigned default_caps[] = {
	CAP_CHOWN,	CAP_DAC_OVERRIDE, CAP_FSETID,	   CAP_FOWNER,	CAP_NET_RAW,
	CAP_SETGID,	CAP_SETUID,	  CAP_SETFCAP,	   CAP_SETPCAP, CAP_NET_BIND_SERVICE,
	CAP_SYS_CHROOT, CAP_KILL,	  CAP_AUDIT_WRITE,
};

bool caps_default_has(unsigned cap)
{
	for (size_t i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++)
		if (default_caps[i] == cap)
			return true;
	return false;
}

bool caps_keep(unsigned cap, bool chrooted)
{
	/* A chroot is escaped by chrooting again with CAP_SYS_CHROOT. */
	if (chrooted && cap == CAP_SYS_CHROOT)
		return false;
	return caps_default_has(cap);
}
