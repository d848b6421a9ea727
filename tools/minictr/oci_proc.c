#include "tools/minictr/oci_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

#define CAP_BIT(c) (1ull << (c))

const char *oci_rlimit_name(int resource)
{
	static const char *const names[] = {
		[RLIMIT_CPU] = "RLIMIT_CPU",	       [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
		[RLIMIT_DATA] = "RLIMIT_DATA",	       [RLIMIT_STACK] = "RLIMIT_STACK",
		[RLIMIT_CORE] = "RLIMIT_CORE",	       [RLIMIT_RSS] = "RLIMIT_RSS",
		[RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
		[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
		[RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
		[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
		[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
	};

	if (resource < 0 || (size_t)resource >= sizeof(names) / sizeof(names[0]) ||
	    !names[resource])
		return "RLIMIT_?";
	return names[resource];
}

void oci_caps_plan(const struct oci_caps *caps, unsigned cap_last_cap, struct oci_caps_plan *plan)
{
	static const struct oci_caps none;
	uint64_t known = cap_last_cap >= 63 ? ~0ull : CAP_BIT(cap_last_cap + 1) - 1;

	if (!caps)
		caps = &none;
	memset(plan, 0, sizeof(*plan));
	plan->drop_bounding = known & ~caps->bounding;
	plan->effective = caps->effective & known;
	plan->permitted = caps->permitted & known;
	plan->inheritable = caps->inheritable & known;
	plan->ambient = caps->ambient & plan->permitted & plan->inheritable;
	for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		plan->data[i].effective = (uint32_t)(plan->effective >> (32 * i));
		plan->data[i].permitted = (uint32_t)(plan->permitted >> (32 * i));
		plan->data[i].inheritable = (uint32_t)(plan->inheritable >> (32 * i));
	}
}

static bool cap_known(unsigned c)
{
	return prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0;
}

unsigned oci_cap_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	unsigned last = 0;
	bool ok = false;

	if (f) {
		ok = fscanf(f, "%u", &last) == 1 && last < 64;
		fclose(f);
	}
	if (ok)
		return last;
	for (last = 0; last < 63 && cap_known(last + 1); last++)
		;
	return last;
}

int oci_proc_rlimits(const struct oci_process *p, struct err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *r = &p->rlimits[i];
		struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };

		if (setrlimit(r->resource, &rl) < 0)
			return err_sys(e, "process.rlimits[%zu]: setrlimit %s soft %llu hard %llu",
				       i, oci_rlimit_name(r->resource), (unsigned long long)r->soft,
				       (unsigned long long)r->hard);
	}
	return 0;
}

int oci_proc_oom_score_adj(const struct oci_process *p, pid_t pid, struct err *e)
{
	_cleanup_close_ int fd = -1;
	char path[64], val[16];
	int n;

	if (!p->has_oom_score_adj)
		return 0;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
	n = snprintf(val, sizeof(val), "%d", p->oom_score_adj);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return err_sys(e, "process.oomScoreAdj: open %s", path);
	if (write(fd, val, (size_t)n) != n)
		return err_sys(e, "process.oomScoreAdj: write %s to %s", val, path);
	return 0;
}

static int drop_bounding(uint64_t drop, struct err *e)
{
	for (unsigned c = 0; c < 64; c++)
		if ((drop & CAP_BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return err_sys(e, "drop capability %u from the bounding set", c);
	return 0;
}

/* Does this user namespace refuse setgroups (/proc/self/setgroups "deny")? */
static bool setgroups_denied(void)
{
	char buf[8] = "";
	FILE *f = fopen("/proc/self/setgroups", "re");

	if (!f)
		return false; /* older kernels: no such file, never denied */
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strncmp(buf, "deny", 4);
}

static int set_groups(const struct oci_user *u, struct err *e)
{
	bool denied = setgroups_denied();

	if (denied && !u->n_additional_gids)
		return 0;
	if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) < 0)
		return err_sys(e, "process.user.additionalGids: setgroups (%zu groups%s)",
			       u->n_additional_gids,
			       denied ? ", denied in this user namespace" : "");
	return 0;
}

static int set_ids(const struct oci_user *u, struct err *e)
{
	int ret;

	if ((ret = set_groups(u, e)) < 0)
		return ret;
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return err_sys(e, "process.user.gid: setresgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return err_sys(e, "process.user.uid: setresuid %u", u->uid);
	if (u->has_umask)
		umask((mode_t)(u->umask & 0777));
	return 0;
}

static int set_caps(const struct oci_caps_plan *plan, struct err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memcpy(data, plan->data, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(e,
			       "process.capabilities: capset effective %#llx permitted %#llx "
			       "inheritable %#llx",
			       (unsigned long long)plan->effective,
			       (unsigned long long)plan->permitted,
			       (unsigned long long)plan->inheritable);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(e, "process.capabilities.ambient: clear");
	for (unsigned c = 0; c < 64; c++)
		if ((plan->ambient & CAP_BIT(c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return err_sys(e, "process.capabilities.ambient: raise capability %u", c);
	return 0;
}

int oci_proc_identity(const struct oci_process *p, struct err *e)
{
	struct oci_caps_plan plan;
	int ret;

	oci_caps_plan(p->has_caps ? &p->caps : NULL, oci_cap_last_cap(), &plan);
	if ((ret = drop_bounding(plan.drop_bounding, e)) < 0)
		return err_wrap(e, "process.capabilities.bounding");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(e, "PR_SET_KEEPCAPS");
	if ((ret = set_ids(&p->user, e)) < 0 || (ret = set_caps(&plan, e)) < 0)
		return ret;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_sys(e, "PR_SET_KEEPCAPS 0");
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "process.noNewPrivileges: PR_SET_NO_NEW_PRIVS");
	return 0;
}
