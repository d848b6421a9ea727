#include "common/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int caps_bound_to(uint64_t keep, struct err *e)
{
	for (unsigned c = 0; c < 64; c++) {
		if (keep & CAP_MASK(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL) /* past the kernel's last capability */
			break;
		return err_sys(e, "drop capability %u from the bounding set", c);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(e, "clear ambient capabilities");
	return 0;
}

int caps_set(uint64_t mask, struct err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (unsigned i = 0; i < 2; i++) {
		uint32_t word = (uint32_t)(mask >> (32 * i));

		data[i].effective = data[i].permitted = data[i].inheritable = word;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(e, "capset");
	return 0;
}

uint64_t caps_effective(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return ~0ull;
	return (uint64_t)data[0].effective | (uint64_t)data[1].effective << 32;
}
