#include "tools/minictr/simple_spec.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/caps.h"
#include "common/cleanup.h"
#include "tools/minictr/caps.h"
#include "tools/minictr/oci_devrules.h"
#include "tools/minictr/oci_proc.h"

/* One allowed character device, any access (opening it, or mknod). */
#define CHAR_DEV(maj, min)                                                                \
	{                                                                                 \
		.allow = true, .type = 'c', .major = (maj), .minor = (min), .read = true, \
		.write = true, .mknod = true                                              \
	}

/* The pty slaves: UNIX98_PTY_SLAVE_MAJOR (136) and the 7 majors after it. */
static const struct oci_device_rule rules[] = {
	CHAR_DEV(1, 3), /* null */
	CHAR_DEV(1, 5), /* zero */
	CHAR_DEV(1, 7), /* full */
	CHAR_DEV(1, 8), /* random */
	CHAR_DEV(1, 9), /* urandom */
	CHAR_DEV(5, 0), /* tty */
	CHAR_DEV(5, 2), /* ptmx */
	CHAR_DEV(136, -1), CHAR_DEV(137, -1), CHAR_DEV(138, -1), CHAR_DEV(139, -1),
	CHAR_DEV(140, -1), CHAR_DEV(141, -1), CHAR_DEV(142, -1), CHAR_DEV(143, -1),
};

const struct oci_device_rule *simple_device_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

int simple_device_filter_attach(const char *cg_path, struct err *e)
{
	size_t n;
	const struct oci_device_rule *r = simple_device_rules(&n);

	return oci_devrules_attach(r, n, cg_path, e);
}

void simple_caps(bool chrooted, struct oci_caps *out)
{
	uint64_t keep = 0;

	for (unsigned c = 0; c < 64; c++)
		if (caps_keep(c, chrooted))
			keep |= CAP_MASK(c);
	*out = (struct oci_caps){
		.bounding = keep, .effective = keep, .permitted = keep, .inheritable = keep
	};
}

/* The supplementary groups to set again: the current ones, so that
 * oci_proc_identity's setgroups changes nothing; none in a new user
 * namespace, where minictr already dropped them or the kernel denies
 * setgroups (oci_proc_identity then leaves them alone). */
static int current_groups(bool in_userns, uint32_t **out, size_t *n, struct err *e)
{
	int count;

	*out = NULL;
	*n = 0;
	if (in_userns)
		return 0;
	if ((count = getgroups(0, NULL)) < 0)
		return err_sys(e, "getgroups");
	if (!count)
		return 0;
	/* gid_t is uint32_t, as oci_user's additional_gids. */
	if (!(*out = calloc((size_t)count, sizeof(gid_t))))
		return err_set(e, ENOMEM, "getgroups: out of memory");
	if ((count = getgroups(count, (gid_t *)*out)) < 0)
		return err_sys(e, "getgroups");
	*n = (size_t)count;
	return 0;
}

int simple_identity(bool chrooted, bool in_userns, struct err *e)
{
	_cleanup_free_ uint32_t *groups = NULL;
	struct oci_process p = {
		.user = { .uid = getuid(), .gid = getgid() },
		.has_caps = true,
		.no_new_privileges = true,
	};
	int r;

	if ((r = current_groups(in_userns, &groups, &p.user.n_additional_gids, e)) < 0)
		return r;
	p.user.additional_gids = groups;
	simple_caps(chrooted, &p.caps);
	return oci_proc_identity(&p, e);
}
