#include "tools/minictr/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tools/minictr/fsutil.h"

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

static unsigned last_cap(void)
{
	char buf[16];
	struct err ignored;

	if (read_text("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf), &ignored) < 0)
		return CAP_LAST_CAP;
	return (unsigned)strtoul(buf, NULL, 10);
}

bool caps_keep(unsigned cap, bool chrooted)
{
	/* A chroot is escaped by chrooting again with CAP_SYS_CHROOT. */
	if (chrooted && cap == CAP_SYS_CHROOT)
		return false;
	return caps_default_has(cap);
}

int caps_restrict(bool chrooted, struct err *e)
{
	unsigned last = last_cap();
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (unsigned c = 0; c <= last; c++) {
		if (caps_keep(c, chrooted))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_sys(e, "drop capability %u from the bounding set", c);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(e, "clear ambient capabilities");
	for (size_t i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++) {
		unsigned c = default_caps[i];
		if (!caps_keep(c, chrooted))
			continue;
		data[c / 32].effective |= 1u << (c % 32);
		data[c / 32].permitted |= 1u << (c % 32);
		data[c / 32].inheritable |= 1u << (c % 32);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(e, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "PR_SET_NO_NEW_PRIVS");
	return 0;
}
