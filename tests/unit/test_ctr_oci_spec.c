/* config.json parsing (tools/minictr/oci_spec.c): runc's default and a
 * podman-like config, every field, every refusal naming its field. */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "tools/minictr/oci_spec.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CAP(x)	     (1ull << (x))

/* JSON written with ' for " (no test string needs an apostrophe). */
static char *q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *q(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

/* Templates: a minimal valid config with text added at one level. */
#define TOP(extra)   "{'ociVersion':'1.2.0','root':{'path':'rootfs'}," extra "}"
#define PROC(extra)  TOP("'process':{'args':['sh'],'cwd':'/'," extra "}")
#define LINUX(extra) TOP("'linux':{" extra "}")
#define RES(extra)   LINUX("'resources':{" extra "}")

static int parse_text(const char *text, struct oci_spec *s, struct err *e)
{
	err_clear(e);
	return oci_spec_parse(text, strlen(text), s, e);
}

static void parse_ok(const char *json, struct oci_spec *s)
{
	char *text = q("%s", json);
	struct err e;
	int r = parse_text(text, s, &e);

	if (r < 0)
		fprintf(stderr, "unexpected error: %s\n", e.msg);
	assert_int_equal(r, 0);
	free(text);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void expect_bad(const char *json, const char *msg_part)
{
	char *text = q("%s", json);
	struct oci_spec s;
	struct err e;
	int r = parse_text(text, &s, &e);

	if (r == 0 || !strstr(e.msg, msg_part))
		fprintf(stderr, "json=%s r=%d msg='%s' wanted '%s'\n", text, r, e.msg, msg_part);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(e.msg, msg_part));
	assert_true(all_zero(&s, sizeof(s)));
	free(text);
}

static const struct oci_mount *find_mount(const struct oci_spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, dest) == 0)
			return &s->mounts[i];
	fail_msg("no mount on %s", dest);
	return NULL;
}

static bool has_ns(const struct oci_linux *l, enum oci_ns_type t, const char *path)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == t)
			return path ? l->namespaces[i].path &&
					       !strcmp(l->namespaces[i].path, path) :
				      !l->namespaces[i].path;
	return false;
}

static void check_default_common(const struct oci_spec *s)
{
	const struct oci_process *p = &s->process;
	const uint64_t caps = CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE);

	assert_string_equal(s->oci_version, OCI_SPEC_VERSION);
	assert_string_equal(s->root_path, "rootfs");
	assert_true(s->root_readonly);
	assert_string_equal(s->hostname, "minictr");
	assert_true(s->has_process);
	assert_true(p->terminal);
	assert_int_equal(p->n_args, 1);
	assert_string_equal(p->args[0], "sh");
	assert_null(p->args[1]);
	assert_int_equal(p->n_env, 2);
	assert_string_equal(p->env[1], "TERM=xterm");
	assert_null(p->env[2]);
	assert_string_equal(p->cwd, "/");
	assert_int_equal(p->user.uid, 0);
	assert_true(p->has_caps);
	assert_int_equal(p->caps.bounding, caps);
	assert_int_equal(p->caps.effective, caps);
	assert_int_equal(p->caps.permitted, caps);
	assert_int_equal(p->caps.inheritable, 0);
	assert_int_equal(p->caps.ambient, 0);
	assert_int_equal(p->n_rlimits, 1);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 1024);
	assert_true(p->no_new_privileges);
	assert_int_equal(s->n_mounts, 7);
	assert_int_equal(find_mount(s, "/proc")->flags, 0);
	assert_string_equal(find_mount(s, "/dev")->data, "mode=755,size=65536k");
	assert_int_equal(find_mount(s, "/dev")->flags, MS_NOSUID | MS_STRICTATIME);
	assert_int_equal(find_mount(s, "/dev/shm")->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
	assert_int_equal(find_mount(s, "/sys/fs/cgroup")->flags,
			 MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
	assert_int_equal(s->linux_.n_masked_paths, 10);
	assert_string_equal(s->linux_.masked_paths[0], "/proc/acpi");
	assert_int_equal(s->linux_.n_readonly_paths, 5);
	assert_string_equal(s->linux_.readonly_paths[4], "/proc/sysrq-trigger");
	assert_true(has_ns(&s->linux_, OCI_NS_PID, NULL));
	assert_true(has_ns(&s->linux_, OCI_NS_MOUNT, NULL));
	assert_true(has_ns(&s->linux_, OCI_NS_CGROUP, NULL));
	assert_false(s->linux_.has_seccomp);
}

static void test_runc_default(void **state)
{
	char *text = oci_spec_default(false, 1000, 1000);
	struct oci_spec s;
	struct err e;

	(void)state;
	assert_non_null(text);
	assert_int_equal(parse_text(text, &s, &e), 0);
	check_default_common(&s);
	assert_int_equal(s.linux_.n_namespaces, 6);
	assert_true(has_ns(&s.linux_, OCI_NS_NETWORK, NULL));
	assert_false(has_ns(&s.linux_, OCI_NS_USER, NULL));
	assert_int_equal(s.linux_.n_uid_mappings, 0);
	assert_string_equal(find_mount(&s, "/dev/pts")->data,
			    "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_string_equal(find_mount(&s, "/sys")->type, "sysfs");
	assert_false(find_mount(&s, "/sys")->bind);
	assert_true(s.linux_.has_resources);
	assert_int_equal(s.linux_.resources.n_device_rules, 1);
	assert_false(s.linux_.resources.device_rules[0].allow);
	assert_int_equal(s.linux_.resources.device_rules[0].type, 'a');
	assert_true(s.linux_.resources.device_rules[0].mknod);
	oci_spec_free(&s);
	free(text);
}

static void test_rootless_default(void **state)
{
	char *text = oci_spec_default(true, 1000, 1001);
	const struct oci_mount *sys;
	struct oci_spec s;
	struct err e;

	(void)state;
	assert_non_null(text);
	assert_int_equal(parse_text(text, &s, &e), 0);
	check_default_common(&s);
	assert_int_equal(s.linux_.n_namespaces, 6);
	assert_false(has_ns(&s.linux_, OCI_NS_NETWORK, NULL));
	assert_true(has_ns(&s.linux_, OCI_NS_USER, NULL));
	assert_int_equal(s.linux_.n_uid_mappings, 1);
	assert_int_equal(s.linux_.uid_mappings[0].container_id, 0);
	assert_int_equal(s.linux_.uid_mappings[0].host_id, 1000);
	assert_int_equal(s.linux_.uid_mappings[0].size, 1);
	assert_int_equal(s.linux_.n_gid_mappings, 1);
	assert_int_equal(s.linux_.gid_mappings[0].host_id, 1001);
	sys = find_mount(&s, "/sys");
	assert_true(sys->bind);
	assert_string_equal(sys->source, "/sys");
	assert_int_equal(sys->flags,
			 MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	assert_string_equal(find_mount(&s, "/dev/pts")->data,
			    "newinstance,ptmxmode=0666,mode=0620");
	assert_false(s.linux_.has_resources);
	oci_spec_free(&s);
	free(text);
}

/* What podman 4/5 writes, trimmed (with RLIM_INFINITY as a plain uint64). */
static const char podman_config[] =
	"{"
	"'ociVersion':'1.0.2-dev',"
	"'process':{'user':{'uid':1000,'gid':1000,'umask':18,'additionalGids':[1000,10]},"
	" 'args':['/bin/sh','-c','echo hi'],"
	" 'env':['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',"
	"        'TERM=xterm','container=podman','HOSTNAME=abc123','HOME=/root','EMPTY='],"
	" 'cwd':'/work','terminal':false,'consoleSize':{'height':40,'width':120},"
	" 'capabilities':{"
	"  'bounding':['CAP_CHOWN','CAP_DAC_OVERRIDE','CAP_FOWNER','CAP_FSETID','CAP_KILL',"
	"   'CAP_NET_BIND_SERVICE','CAP_SETFCAP','CAP_SETGID','CAP_SETPCAP','CAP_SETUID',"
	"   'CAP_SYS_CHROOT'],"
	"  'effective':['CAP_CHOWN'],'permitted':['CAP_CHOWN','CAP_KILL'],"
	"  'inheritable':[],'ambient':['CAP_CHECKPOINT_RESTORE']},"
	" 'rlimits':[{'type':'RLIMIT_NOFILE','hard':1048576,'soft':1048576},"
	"  {'type':'RLIMIT_NPROC','hard':18446744073709551615,'soft':4194304},"
	"  {'type':'RLIMIT_CORE','hard':18446744073709551615,'soft':18446744073709551615}],"
	" 'noNewPrivileges':false,'oomScoreAdj':-500,'apparmorProfile':'','selinuxLabel':''},"
	"'root':{'path':'/var/lib/containers/storage/overlay/x/merged'},"
	"'hostname':'abc123','domainname':'',"
	"'mounts':["
	" {'destination':'/proc','type':'proc','source':'proc','options':['nosuid','noexec','nodev']},"
	" {'destination':'/dev','type':'tmpfs','source':'tmpfs',"
	"  'options':['nosuid','strictatime','mode=755','size=65536k']},"
	" {'destination':'/sys','type':'sysfs','source':'sysfs','options':['nosuid','noexec','nodev','ro']},"
	" {'destination':'/etc/hosts','type':'bind','source':'/run/c/hosts',"
	"  'options':['bind','rprivate']},"
	" {'destination':'/data','type':'bind','source':'/srv/data',"
	"  'options':['rbind','rw','rprivate','nosuid','nodev']},"
	" {'destination':'/run','type':'tmpfs','source':'tmpfs',"
	"  'options':['rw','rprivate','nosuid','nodev','mode=755']}],"
	"'hooks':{'prestart':[{'path':'/usr/bin/netavark','args':['netavark','setup'],"
	"  'env':['A=1'],'timeout':10}],"
	" 'poststop':[{'path':'/usr/libexec/podman/cleanup'}],'createRuntime':[]},"
	"'annotations':{'io.container.manager':'libpod','org.opencontainers.image.stopSignal':'15'},"
	"'linux':{"
	" 'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
	" 'gidMappings':[{'containerID':0,'hostID':100000,'size':65536},"
	"                {'containerID':65536,'hostID':1000,'size':1}],"
	" 'sysctl':{'net.ipv4.ping_group_range':'0 0'},"
	" 'resources':{'devices':[{'allow':false,'access':'rwm'},"
	"   {'allow':true,'type':'c','major':1,'minor':3,'access':'rw'},"
	"   {'allow':true,'type':'c','major':136,'access':'rwm'}],"
	"  'memory':{'limit':536870912,'swap':1073741824},"
	"  'cpu':{'shares':1024,'quota':50000,'period':100000,'cpus':'0-1','mems':''},"
	"  'pids':{'limit':2048}},"
	" 'cgroupsPath':'machine.slice:libpod:abc123',"
	" 'namespaces':[{'type':'pid'},{'type':'network','path':'/run/netns/netns-1'},"
	"  {'type':'ipc'},{'type':'uts'},{'type':'mount'},{'type':'cgroup'},{'type':'user'}],"
	" 'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,"
	"   'uid':0,'gid':0}],"
	" 'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
	"  'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'],"
	"  'syscalls':[{'names':['read','write','exit_group'],'action':'SCMP_ACT_ALLOW'},"
	"   {'names':['personality'],'action':'SCMP_ACT_ALLOW',"
	"    'args':[{'index':0,'value':4294967295,'op':'SCMP_CMP_EQ'}]},"
	"   {'names':['clone'],'action':'SCMP_ACT_ALLOW',"
	"    'args':[{'index':0,'value':2114060288,'valueTwo':0,'op':'SCMP_CMP_MASKED_EQ'}]},"
	"   {'names':['bdflush'],'action':'SCMP_ACT_ERRNO','errnoRet':1}]},"
	" 'maskedPaths':['/proc/acpi','/proc/kcore'],'readonlyPaths':['/proc/sys'],"
	" 'mountLabel':'','rootfsPropagation':'rslave'},"
	"'futureField':{'anything':[1,2,3]}"
	"}";

static void check_podman_process(const struct oci_process *p)
{
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.umask, 022);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.n_additional_gids, 2);
	assert_int_equal(p->user.additional_gids[1], 10);
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[2], "echo hi");
	assert_int_equal(p->n_env, 6);
	assert_string_equal(p->env[5], "EMPTY=");
	assert_string_equal(p->cwd, "/work");
	assert_false(p->terminal);
	assert_int_equal(p->console_height, 40);
	assert_int_equal(p->console_width, 120);
	assert_int_equal(p->caps.bounding & CAP(CAP_SYS_CHROOT), CAP(CAP_SYS_CHROOT));
	assert_int_equal(p->caps.effective, CAP(CAP_CHOWN));
	assert_int_equal(p->caps.permitted, CAP(CAP_CHOWN) | CAP(CAP_KILL));
	assert_int_equal(p->caps.ambient, CAP(CAP_CHECKPOINT_RESTORE));
	assert_int_equal(p->n_rlimits, 3);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_NPROC);
	assert_int_equal(p->rlimits[1].hard, UINT64_MAX);
	assert_int_equal(p->rlimits[1].soft, 4194304);
	assert_int_equal(p->rlimits[2].soft, UINT64_MAX);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
}

static void check_podman_mounts(const struct oci_spec *s)
{
	const struct oci_mount *m = find_mount(s, "/data");

	assert_int_equal(s->n_mounts, 6);
	assert_true(m->bind);
	assert_int_equal(m->flags, MS_BIND | MS_REC | MS_NOSUID | MS_NODEV);
	assert_int_equal(m->clear, MS_RDONLY);
	assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
	assert_null(m->data);
	m = find_mount(s, "/etc/hosts");
	assert_int_equal(m->flags, MS_BIND);
	assert_string_equal(m->source, "/run/c/hosts");
	m = find_mount(s, "/run");
	assert_false(m->bind);
	assert_string_equal(m->type, "tmpfs");
	assert_string_equal(m->data, "mode=755");
}

static void check_podman_linux(const struct oci_linux *l)
{
	const struct oci_resources *rs = &l->resources;

	assert_int_equal(l->n_namespaces, 7);
	assert_true(has_ns(l, OCI_NS_NETWORK, "/run/netns/netns-1"));
	assert_true(has_ns(l, OCI_NS_USER, NULL));
	assert_int_equal(l->n_gid_mappings, 2);
	assert_int_equal(l->gid_mappings[1].container_id, 65536);
	assert_int_equal(l->n_sysctl, 1);
	assert_string_equal(l->sysctl[0].key, "net.ipv4.ping_group_range");
	assert_string_equal(l->sysctl[0].value, "0 0");
	assert_int_equal(rs->n_device_rules, 3);
	assert_int_equal(rs->device_rules[1].major, 1);
	assert_true(rs->device_rules[1].write);
	assert_false(rs->device_rules[1].mknod);
	assert_int_equal(rs->device_rules[2].minor, -1);
	assert_true(rs->has_memory_limit && rs->has_memory_swap);
	assert_false(rs->has_memory_reservation);
	assert_int_equal(rs->memory_limit, 536870912);
	assert_int_equal(rs->cpu_quota, 50000);
	assert_string_equal(rs->cpu_cpus, "0-1");
	assert_null(rs->cpu_mems);
	assert_int_equal(rs->pids_limit, 2048);
	assert_string_equal(l->cgroups_path, "machine.slice:libpod:abc123");
	assert_int_equal(l->n_devices, 1);
	assert_int_equal(l->devices[0].file_mode, 0666);
	assert_true(l->devices[0].has_uid);
	assert_int_equal(l->rootfs_propagation, MS_SLAVE | MS_REC);
	assert_int_equal(l->n_masked_paths, 2);
}

static void check_podman_seccomp(const struct oci_seccomp *sc)
{
	assert_int_equal(sc->default_action, OCI_SCMP_ERRNO);
	assert_int_equal(sc->default_errno_ret, 38);
	assert_int_equal(sc->n_architectures, 3);
	assert_string_equal(sc->architectures[2], "SCMP_ARCH_X32");
	assert_int_equal(sc->n_rules, 4);
	assert_int_equal(sc->rules[0].n_names, 3);
	assert_string_equal(sc->rules[0].names[2], "exit_group");
	assert_int_equal(sc->rules[0].action, OCI_SCMP_ALLOW);
	assert_int_equal(sc->rules[1].n_args, 1);
	assert_int_equal(sc->rules[1].args[0].value, 4294967295u);
	assert_int_equal(sc->rules[2].args[0].op, OCI_SCMP_CMP_MASKED_EQ);
	assert_int_equal(sc->rules[2].args[0].value, 2114060288);
	assert_int_equal(sc->rules[3].action, OCI_SCMP_ERRNO);
	assert_int_equal(sc->rules[3].errno_ret, 1);
}

static void test_podman_config(void **state)
{
	struct oci_spec s;

	(void)state;
	parse_ok(podman_config, &s);
	assert_string_equal(s.oci_version, "1.0.2-dev");
	assert_string_equal(s.hostname, "abc123");
	assert_null(s.domainname);
	assert_false(s.root_readonly);
	check_podman_process(&s.process);
	check_podman_mounts(&s);
	check_podman_linux(&s.linux_);
	check_podman_seccomp(&s.linux_.seccomp);
	assert_int_equal(s.hooks.prestart.n, 1);
	assert_string_equal(s.hooks.prestart.hooks[0].args[1], "setup");
	assert_null(s.hooks.prestart.hooks[0].args[2]);
	assert_int_equal(s.hooks.prestart.hooks[0].timeout, 10);
	assert_int_equal(s.hooks.poststop.n, 1);
	assert_null(s.hooks.poststop.hooks[0].args);
	assert_int_equal(s.hooks.poststop.hooks[0].timeout, 0);
	assert_int_equal(s.hooks.create_runtime.n, 0);
	assert_non_null(s.annotations);
	oci_spec_free(&s);
	assert_null(s.json);
}

/* Each option word's effect on a fresh mount. */
static void test_mount_options_table(void **state)
{
	static const struct {
		const char *opt;
		unsigned long flags, clear, propagation;
	} t[] = {
		{ "ro", MS_RDONLY, 0, 0 },
		{ "rw", 0, MS_RDONLY, 0 },
		{ "nosuid", MS_NOSUID, 0, 0 },
		{ "suid", 0, MS_NOSUID, 0 },
		{ "nodev", MS_NODEV, 0, 0 },
		{ "dev", 0, MS_NODEV, 0 },
		{ "noexec", MS_NOEXEC, 0, 0 },
		{ "exec", 0, MS_NOEXEC, 0 },
		{ "sync", MS_SYNCHRONOUS, 0, 0 },
		{ "async", 0, MS_SYNCHRONOUS, 0 },
		{ "dirsync", MS_DIRSYNC, 0, 0 },
		{ "remount", MS_REMOUNT, 0, 0 },
		{ "mand", MS_MANDLOCK, 0, 0 },
		{ "nomand", 0, MS_MANDLOCK, 0 },
		{ "atime", 0, MS_NOATIME, 0 },
		{ "noatime", MS_NOATIME, 0, 0 },
		{ "diratime", 0, MS_NODIRATIME, 0 },
		{ "nodiratime", MS_NODIRATIME, 0, 0 },
		{ "relatime", MS_RELATIME, 0, 0 },
		{ "norelatime", 0, MS_RELATIME, 0 },
		{ "strictatime", MS_STRICTATIME, 0, 0 },
		{ "nostrictatime", 0, MS_STRICTATIME, 0 },
		{ "bind", MS_BIND, 0, 0 },
		{ "rbind", MS_BIND | MS_REC, 0, 0 },
		{ "private", 0, 0, MS_PRIVATE },
		{ "rprivate", 0, 0, MS_PRIVATE | MS_REC },
		{ "shared", 0, 0, MS_SHARED },
		{ "rshared", 0, 0, MS_SHARED | MS_REC },
		{ "slave", 0, 0, MS_SLAVE },
		{ "rslave", 0, 0, MS_SLAVE | MS_REC },
		{ "unbindable", 0, 0, MS_UNBINDABLE },
		{ "runbindable", 0, 0, MS_UNBINDABLE | MS_REC },
		{ "defaults", 0, 0, 0 },
	};
	struct oci_mount m;
	struct err e;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		memset(&m, 0xff, sizeof(m));
		assert_int_equal(oci_mount_options(&t[i].opt, 1, &m, &e), 0);
		if (m.flags != t[i].flags || m.clear != t[i].clear ||
		    m.propagation != t[i].propagation)
			fail_msg("option %s: flags %lx clear %lx propagation %lx", t[i].opt,
				 m.flags, m.clear, m.propagation);
		assert_null(m.data);
		assert_int_equal(m.bind, (t[i].flags & MS_BIND) != 0);
	}
}

static void test_mount_options_combined(void **state)
{
	static const char *const opts[] = { "ro",      "nosuid",  "mode=755",	 "rw",	  "shared",
					    "private", "size=1m", "newinstance", "noexec" };
	struct oci_mount m;
	struct err e;

	(void)state;
	assert_int_equal(oci_mount_options(opts, ARRAY_LEN(opts), &m, &e), 0);
	/* The last of a pair wins; the rest go to data in order. */
	assert_int_equal(m.flags, MS_NOSUID | MS_NOEXEC);
	assert_int_equal(m.clear, MS_RDONLY);
	assert_int_equal(m.propagation, MS_PRIVATE);
	assert_string_equal(m.data, "mode=755,size=1m,newinstance");
	free(m.data);
	assert_int_equal(oci_mount_options(NULL, 0, &m, &e), 0);
	assert_int_equal(m.flags | m.clear | m.propagation, 0);
	assert_null(m.data);
}

static void expect_bad_option(const char *opt, const char *why)
{
	const char *opts[] = { "mode=1", opt };
	struct oci_mount m;
	struct err e;

	err_clear(&e);
	assert_int_equal(oci_mount_options(opts, 2, &m, &e), -EINVAL);
	assert_null(m.data);
	if (!strstr(e.msg, opt) || !strstr(e.msg, why))
		fail_msg("option %s: '%s'", opt, e.msg);
}

static void test_mount_options_refused(void **state)
{
	(void)state;
	expect_bad_option("tmpcopyup", "not supported");
	expect_bad_option("idmap", "not supported");
	expect_bad_option("ridmap", "not supported");
	expect_bad_option("idmap=uids=0-1-2", "not supported");
	expect_bad_option("rro", "recursive");
	expect_bad_option("rnosuid", "recursive");
	expect_bad_option("rnoatime", "recursive");
	expect_bad_option("bogus", "unknown");
	expect_bad_option("RO", "unknown");
	expect_bad_option("", "unknown");
	expect_bad_option("=x", "unknown");
	expect_bad(TOP("'mounts':[{'destination':'/a','type':'tmpfs','options':['ro','rro']}]"),
		   "mounts[0].options: mount option \"rro\"");
}

static void test_mounts(void **state)
{
	struct oci_spec s;

	(void)state;
	/* No type: a bind mount; type "bind" without options: one too. */
	parse_ok(TOP("'mounts':[{'destination':'/a','source':'/h'},"
		     "{'destination':'/b','type':'bind','source':'/h'},"
		     "{'destination':'/c','type':'none','source':'/h','options':['rbind']},"
		     "{'destination':'/d','type':'','source':'/h','options':null}]"),
		 &s);
	assert_int_equal(s.n_mounts, 4);
	for (size_t i = 0; i < 4; i++)
		assert_true(s.mounts[i].bind);
	assert_null(s.mounts[0].type);
	assert_null(s.mounts[3].type);
	assert_int_equal(s.mounts[2].flags, MS_BIND | MS_REC);
	oci_spec_free(&s);
	expect_bad(TOP("'mounts':[{'destination':'/a','type':'proc'},{'destination':'rel'}]"),
		   "mounts[1].destination: must be an absolute path");
	expect_bad(TOP("'mounts':[{'type':'proc'}]"), "mounts[0].destination: required");
	expect_bad(TOP("'mounts':[{'destination':'/a'}]"), "mounts[0].source: required");
	expect_bad(TOP("'mounts':[{'destination':'/a','type':5}]"), "mounts[0].type: must be");
	expect_bad(TOP("'mounts':[{'destination':'/a','type':'proc','options':'ro'}]"),
		   "mounts[0].options: must be an array");
	expect_bad(TOP("'mounts':[{'destination':'/a','type':'proc','options':[1]}]"),
		   "mounts[0].options[0]: must be a string");
	expect_bad(TOP("'mounts':[{'destination':'/a','source':'/h',"
		       "'uidMappings':[{'containerID':0,'hostID':1,'size':1}]}]"),
		   "mounts[0].uidMappings: not supported");
	expect_bad(TOP("'mounts':[3]"), "mounts[0]: must be an object");
	expect_bad(TOP("'mounts':{}"), "mounts: must be an array");
}

static void test_process_fields(void **state)
{
	struct oci_spec s;

	(void)state;
	parse_ok(PROC("'user':{'uid':4294967295,'gid':0,'username':''},'env':[],"
		      "'capabilities':{},'oomScoreAdj':1000,'noNewPrivileges':true,"
		      "'ioPriority':null,'scheduler':{},'commandLine':'ignored'"),
		 &s);
	assert_int_equal(s.process.user.uid, UINT32_MAX);
	assert_false(s.process.user.has_umask);
	assert_int_equal(s.process.n_env, 0);
	assert_non_null(s.process.env);
	assert_null(s.process.env[0]);
	assert_true(s.process.has_caps);
	assert_int_equal(s.process.caps.bounding, 0);
	assert_int_equal(s.process.oom_score_adj, 1000);
	oci_spec_free(&s);
	/* No process at all (create then exec a process file). */
	parse_ok(TOP("'hostname':'h'"), &s);
	assert_false(s.has_process);
	assert_null(s.process.args);
	oci_spec_free(&s);
	/* Without env or capabilities. */
	parse_ok(PROC("'terminal':true"), &s);
	assert_non_null(s.process.env);
	assert_null(s.process.env[0]);
	assert_false(s.process.has_caps);
	oci_spec_free(&s);
	/* SELinux labels are kept for the runtime to judge (off here: ignored). */
	parse_ok(
		TOP("'process':{'args':['sh'],'cwd':'/','selinuxLabel':'system_u:system_r:c_t:s0'},"
		    "'linux':{'mountLabel':'system_u:object_r:c_file_t:s0'}"),
		&s);
	assert_string_equal(s.process.selinux_label, "system_u:system_r:c_t:s0");
	assert_string_equal(s.linux_.mount_label, "system_u:object_r:c_file_t:s0");
	oci_spec_free(&s);
}

static void test_process_refused(void **state)
{
	(void)state;
	expect_bad(TOP("'process':{'cwd':'/'}"), "process.args: must be a non-empty array");
	expect_bad(TOP("'process':{'args':[],'cwd':'/'}"), "process.args: must be a non-empty");
	expect_bad(TOP("'process':{'args':[''],'cwd':'/'}"), "process.args: must be a non-empty");
	expect_bad(TOP("'process':{'args':['a',1],'cwd':'/'}"),
		   "process.args[1]: must be a string");
	expect_bad(TOP("'process':{'args':['sh']}"), "process.cwd: required");
	expect_bad(TOP("'process':{'args':['sh'],'cwd':'x'}"), "process.cwd: must be an absolute");
	expect_bad(TOP("'process':[]"), "process: must be an object");
	expect_bad(PROC("'terminal':1"), "process.terminal: must be true or false");
	expect_bad(PROC("'env':['A=1','NOEQUALS']"), "process.env[1]: must be NAME=VALUE");
	expect_bad(PROC("'env':['=x']"), "process.env[0]: must be NAME=VALUE");
	expect_bad(PROC("'user':{'uid':-1}"), "process.user.uid: must be an integer from 0");
	expect_bad(PROC("'user':{'uid':4294967296}"), "process.user.uid: must be an integer");
	expect_bad(PROC("'user':{'gid':1.5}"), "process.user.gid: must be an integer");
	expect_bad(PROC("'user':{'uid':0,'username':'root'}"),
		   "process.user.username: not supported");
	expect_bad(PROC("'user':{'umask':512}"), "process.user.umask: must be from 0 to 0777");
	expect_bad(PROC("'user':{'additionalGids':[1,'x']}"), "process.user.additionalGids[1]");
	expect_bad(PROC("'consoleSize':{'height':-1}"), "process.consoleSize.height");
	expect_bad(PROC("'consoleSize':{'width':'80'}"), "process.consoleSize.width");
	expect_bad(PROC("'capabilities':{'bounding':['CAP_KILL','CAP_BOGUS']}"),
		   "process.capabilities.bounding[1]: unknown capability \"CAP_BOGUS\"");
	expect_bad(PROC("'capabilities':{'ambient':['kill']}"),
		   "process.capabilities.ambient[0]: unknown capability");
	expect_bad(PROC("'capabilities':{'effective':'CAP_KILL'}"),
		   "process.capabilities.effective: must be an array");
	expect_bad(PROC("'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
		   "process.rlimits[0].type: unknown resource");
	expect_bad(PROC("'rlimits':[{'type':'RLIMIT_CORE','hard':1}]"),
		   "process.rlimits[0].soft: required");
	expect_bad(PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':2,'hard':1}]"),
		   "process.rlimits[0].soft: must not exceed hard");
	expect_bad(PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},"
			"{'type':'RLIMIT_CORE','soft':1,'hard':1}]"),
		   "process.rlimits[1]: type given twice");
	expect_bad(PROC("'oomScoreAdj':1001"),
		   "process.oomScoreAdj: must be an integer from -1000");
	expect_bad(PROC("'apparmorProfile':'docker-default'"),
		   "process.apparmorProfile: not supported");
	expect_bad(PROC("'selinuxLabel':1"), "process.selinuxLabel: must be a string");
	expect_bad(PROC("'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':1}"),
		   "process.ioPriority: not supported");
	expect_bad(PROC("'scheduler':{'policy':'SCHED_FIFO'}"), "process.scheduler: not supported");
	expect_bad(PROC("'execCPUAffinity':{'initial':'0'}"),
		   "process.execCPUAffinity: not supported");
}

static void test_process_parse(void **state)
{
	static const char good[] = "{\"args\":[\"ls\",\"-l\"],\"cwd\":\"/tmp\",\"env\":[\"A=B\"],"
				   "\"user\":{\"uid\":5,\"gid\":6},\"terminal\":true}";
	static const char bad_cwd[] = "{\"args\":[\"ls\"],\"cwd\":\"tmp\"}";
	struct oci_process p;
	struct err e;
	void *json;

	(void)state;
	assert_int_equal(oci_process_parse(good, strlen(good), &p, &json, &e), 0);
	assert_non_null(json);
	assert_int_equal(p.n_args, 2);
	assert_string_equal(p.args[1], "-l");
	assert_string_equal(p.cwd, "/tmp");
	assert_int_equal(p.user.gid, 6);
	assert_true(p.terminal);
	oci_process_free(&p);
	oci_json_free(json);
	assert_int_equal(oci_process_parse(bad_cwd, strlen(bad_cwd), &p, &json, &e), -EINVAL);
	assert_null(json);
	assert_non_null(strstr(e.msg, "process.cwd"));
	assert_int_equal(oci_process_parse("[1]", 3, &p, &json, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "must be a JSON object"));
	assert_int_equal(oci_process_parse("{", 1, &p, &json, &e), -EINVAL);
	assert_null(json);
}

static void test_resources(void **state)
{
	struct oci_spec s;
	const struct oci_resources *rs = &s.linux_.resources;

	(void)state;
	parse_ok(RES("'memory':{'limit':-1,'reservation':1048576,'swap':-1,'disableOOMKiller':true,"
		     " 'useHierarchy':true,'kernel':0,'checkBeforeUpdate':true},"
		     "'cpu':{'shares':512,'quota':-1,'period':250000,'cpus':'1,3','mems':'0',"
		     " 'realtimeRuntime':0,'idle':0},"
		     "'pids':{'limit':-1},"
		     "'blockIO':{'weight':500,'leafWeight':0,"
		     " 'weightDevice':[{'major':8,'minor':0,'weight':300}],"
		     " 'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1000}],"
		     " 'throttleWriteBpsDevice':[{'major':8,'minor':1,'rate':2000}],"
		     " 'throttleReadIOPSDevice':[{'major':8,'minor':2,'rate':30}],"
		     " 'throttleWriteIOPSDevice':[{'major':8,'minor':3,'rate':40},"
		     "  {'major':8,'minor':4,'rate':50}]},"
		     "'devices':[{'allow':true}],"
		     "'hugepageLimits':[],'network':{'classID':0},'rdma':{},"
		     "'unified':{'memory.high':'1000000','io.max':'8:0 rbps=1'}"),
		 &s);
	assert_true(s.linux_.has_resources);
	assert_true(rs->has_memory_limit && rs->has_memory_reservation && rs->has_memory_swap);
	assert_int_equal(rs->memory_limit, -1);
	assert_int_equal(rs->memory_reservation, 1048576);
	assert_true(rs->disable_oom_killer);
	assert_true(rs->has_cpu_shares && rs->has_cpu_quota && rs->has_cpu_period);
	assert_int_equal(rs->cpu_shares, 512);
	assert_int_equal(rs->cpu_quota, -1);
	assert_int_equal(rs->cpu_period, 250000);
	assert_string_equal(rs->cpu_cpus, "1,3");
	assert_string_equal(rs->cpu_mems, "0");
	assert_true(rs->has_pids_limit);
	assert_int_equal(rs->pids_limit, -1);
	assert_int_equal(rs->blkio_weight, 500);
	assert_int_equal(rs->n_weight_devices, 1);
	assert_int_equal(rs->weight_devices[0].weight, 300);
	assert_int_equal(rs->n_throttle_read_bps, 1);
	assert_int_equal(rs->throttle_read_bps[0].rate, 1000);
	assert_int_equal(rs->throttle_write_bps[0].minor, 1);
	assert_int_equal(rs->throttle_read_iops[0].rate, 30);
	assert_int_equal(rs->n_throttle_write_iops, 2);
	assert_int_equal(rs->throttle_write_iops[1].rate, 50);
	assert_int_equal(rs->n_device_rules, 1);
	assert_int_equal(rs->device_rules[0].type, 'a');
	assert_int_equal(rs->device_rules[0].major, -1);
	assert_true(rs->device_rules[0].read && rs->device_rules[0].write);
	assert_int_equal(rs->n_unified, 2);
	assert_string_equal(rs->unified_keys[1], "io.max");
	assert_string_equal(rs->unified_values[1], "8:0 rbps=1");
	oci_spec_free(&s);
	/* An empty resources object: nothing set. */
	parse_ok(RES(""), &s);
	assert_true(s.linux_.has_resources);
	assert_false(rs->has_memory_limit || rs->has_cpu_shares || rs->has_pids_limit);
	assert_null(rs->cpu_cpus);
	oci_spec_free(&s);
}

static void test_resources_refused(void **state)
{
	(void)state;
	expect_bad(RES("'memory':{'kernel':1048576}"),
		   "linux.resources.memory.kernel: not supported");
	expect_bad(RES("'memory':{'kernelTCP':1}"),
		   "linux.resources.memory.kernelTCP: not supported");
	expect_bad(RES("'memory':{'swappiness':0}"), "linux.resources.memory.swappiness: not supp");
	expect_bad(RES("'memory':{'limit':'1g'}"),
		   "linux.resources.memory.limit: must be an integer");
	expect_bad(RES("'memory':{'disableOOMKiller':0}"), "memory.disableOOMKiller: must be true");
	expect_bad(RES("'cpu':{'realtimeRuntime':950000}"), "linux.resources.cpu.realtimeRuntime");
	expect_bad(RES("'cpu':{'realtimePeriod':1000000}"), "linux.resources.cpu.realtimePeriod");
	expect_bad(RES("'cpu':{'idle':1}"), "linux.resources.cpu.idle: not supported");
	expect_bad(RES("'cpu':{'shares':-2}"),
		   "linux.resources.cpu.shares: must be a non-negative");
	expect_bad(RES("'cpu':{'cpus':0}"), "linux.resources.cpu.cpus: must be a string");
	expect_bad(RES("'pids':{'limit':true}"), "linux.resources.pids.limit");
	expect_bad(RES("'blockIO':{'weight':5}"),
		   "linux.resources.blockIO.weight: must be from 10");
	expect_bad(RES("'blockIO':{'weight':1001}"),
		   "linux.resources.blockIO.weight: must be an int");
	expect_bad(RES("'blockIO':{'leafWeight':10}"),
		   "linux.resources.blockIO.leafWeight: not supp");
	expect_bad(RES("'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':10}]}"),
		   "linux.resources.blockIO.weightDevice[0].leafWeight: not supported");
	expect_bad(RES("'blockIO':{'weightDevice':[{'major':8,'weight':10}]}"),
		   "linux.resources.blockIO.weightDevice[0].minor: required");
	expect_bad(RES("'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':0},{}]}"),
		   "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: required");
	expect_bad(RES("'devices':[{'allow':true},{'type':'c'}]"),
		   "linux.resources.devices[1].allow: required");
	expect_bad(RES("'devices':[{'allow':true,'type':'u'}]"),
		   "linux.resources.devices[0].type: must be");
	expect_bad(RES("'devices':[{'allow':true,'access':'rx'}]"),
		   "linux.resources.devices[0].access: must be made of r, w and m");
	expect_bad(RES("'devices':[{'allow':true,'major':-2}]"),
		   "linux.resources.devices[0].major");
	expect_bad(RES("'hugepageLimits':[{'pageSize':'2MB','limit':1}]"),
		   "linux.resources.hugepageLimits: not supported");
	expect_bad(RES("'network':{'classID':1}"), "linux.resources.network: not supported");
	expect_bad(RES("'rdma':{'mlx5_1':{'hcaHandles':3}}"),
		   "linux.resources.rdma: not supported");
	expect_bad(RES("'unified':{'memory.high':5}"),
		   "linux.resources.unified.memory.high: must be");
	expect_bad(RES("'unified':[]"), "linux.resources.unified: must be an object");
	expect_bad(LINUX("'resources':1"), "linux.resources: must be an object");
}

static void test_seccomp(void **state)
{
	struct oci_spec s;
	const struct oci_seccomp *sc = &s.linux_.seccomp;

	(void)state;
	parse_ok(LINUX("'seccomp':{'defaultAction':'SCMP_ACT_KILL_PROCESS',"
		       "'flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW',"
		       " 'SECCOMP_FILTER_FLAG_TSYNC'],'listenerPath':'',"
		       "'syscalls':[{'names':['a'],'action':'SCMP_ACT_KILL'},"
		       " {'names':['b'],'action':'SCMP_ACT_KILL_THREAD'},"
		       " {'names':['c'],'action':'SCMP_ACT_TRAP'},"
		       " {'names':['d'],'action':'SCMP_ACT_TRACE','errnoRet':7},"
		       " {'names':['e'],'action':'SCMP_ACT_LOG','comment':'x'},"
		       " {'names':['f'],'action':'SCMP_ACT_ERRNO',"
		       "  'args':[{'index':5,'value':18446744073709551615,'op':'SCMP_CMP_NE'},"
		       "   {'index':1,'value':1,'valueTwo':2,'op':'SCMP_CMP_LT'},"
		       "   {'index':2,'value':0,'op':'SCMP_CMP_LE'},"
		       "   {'index':3,'value':0,'op':'SCMP_CMP_GE'},"
		       "   {'index':4,'value':0,'op':'SCMP_CMP_GT'}]}]}"),
		 &s);
	assert_true(s.linux_.has_seccomp);
	assert_int_equal(sc->default_action, OCI_SCMP_KILL_PROCESS);
	assert_int_equal(sc->default_errno_ret, EPERM);
	assert_true(sc->flag_log && sc->flag_spec_allow);
	assert_int_equal(sc->n_architectures, 0);
	assert_int_equal(sc->n_rules, 6);
	assert_int_equal(sc->rules[0].action, OCI_SCMP_KILL);
	assert_int_equal(sc->rules[1].action, OCI_SCMP_KILL);
	assert_int_equal(sc->rules[2].action, OCI_SCMP_TRAP);
	assert_int_equal(sc->rules[3].action, OCI_SCMP_TRACE);
	assert_int_equal(sc->rules[3].errno_ret, 7);
	assert_int_equal(sc->rules[4].action, OCI_SCMP_LOG);
	assert_int_equal(sc->rules[5].errno_ret, EPERM);
	assert_int_equal(sc->rules[5].n_args, 5);
	assert_int_equal(sc->rules[5].args[0].index, 5);
	assert_int_equal(sc->rules[5].args[0].value, UINT64_MAX);
	assert_int_equal(sc->rules[5].args[0].op, OCI_SCMP_CMP_NE);
	assert_int_equal(sc->rules[5].args[1].value_two, 2);
	assert_int_equal(sc->rules[5].args[1].op, OCI_SCMP_CMP_LT);
	assert_int_equal(sc->rules[5].args[4].op, OCI_SCMP_CMP_GT);
	oci_spec_free(&s);
}

#define SC(extra) LINUX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," extra "}")

static void test_seccomp_refused(void **state)
{
	(void)state;
	expect_bad(LINUX("'seccomp':{}"), "linux.seccomp.defaultAction: required");
	expect_bad(LINUX("'seccomp':{'defaultAction':'SCMP_ACT_NOTIFY'}"),
		   "linux.seccomp.defaultAction: action \"SCMP_ACT_NOTIFY\" not supported");
	expect_bad(SC("'defaultErrnoRet':1"), "linux.seccomp.defaultErrnoRet: only for");
	expect_bad(SC("'listenerPath':'/run/sock'"), "linux.seccomp.listenerPath: not supported");
	expect_bad(SC("'flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']"),
		   "linux.seccomp.flags[0]: flag not supported");
	expect_bad(SC("'architectures':['x86_64']"), "linux.seccomp.architectures[0]: must be");
	expect_bad(SC("'syscalls':[{'action':'SCMP_ACT_ALLOW'}]"),
		   "linux.seccomp.syscalls[0].names: must be a non-empty");
	expect_bad(SC("'syscalls':[{'names':[''],'action':'SCMP_ACT_ALLOW'}]"),
		   "linux.seccomp.syscalls[0].names[0]: must not be empty");
	expect_bad(SC("'syscalls':[{'names':['a']}]"),
		   "linux.seccomp.syscalls[0].action: required");
	expect_bad(SC("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ALLOW','errnoRet':1}]"),
		   "linux.seccomp.syscalls[0].errnoRet: only for");
	expect_bad(SC("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ERRNO',"
		      "'args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]"),
		   "linux.seccomp.syscalls[0].args[0].index: must be an integer from 0 to 5");
	expect_bad(SC("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ERRNO',"
		      "'args':[{'index':1,'op':'SCMP_CMP_EQ'}]}]"),
		   "linux.seccomp.syscalls[0].args[0].value: required");
	expect_bad(SC("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ERRNO',"
		      "'args':[{'index':1,'value':1,'op':'SCMP_CMP_XX'}]}]"),
		   "linux.seccomp.syscalls[0].args[0].op: operator \"SCMP_CMP_XX\" not supported");
	expect_bad(SC("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ERRNO',"
		      "'args':[{'index':1,'value':-1,'op':'SCMP_CMP_EQ'}]}]"),
		   "linux.seccomp.syscalls[0].args[0].value: must be a non-negative");
}

static void test_hooks(void **state)
{
	struct oci_spec s;

	(void)state;
	parse_ok(TOP("'hooks':{'prestart':[{'path':'/a'}],'createRuntime':[{'path':'/b'}],"
		     "'createContainer':[{'path':'/c','args':['c','1'],'env':['X=1']}],"
		     "'startContainer':[{'path':'/d','timeout':3}],"
		     "'poststart':[{'path':'/e'},{'path':'/f'}],'poststop':[{'path':'/g'}],"
		     "'future':[{'path':'x'}]}"),
		 &s);
	assert_string_equal(s.hooks.prestart.hooks[0].path, "/a");
	assert_string_equal(s.hooks.create_runtime.hooks[0].path, "/b");
	assert_int_equal(s.hooks.create_container.hooks[0].n_args, 2);
	assert_string_equal(s.hooks.create_container.hooks[0].env[0], "X=1");
	assert_null(s.hooks.create_container.hooks[0].env[1]);
	assert_int_equal(s.hooks.start_container.hooks[0].timeout, 3);
	assert_int_equal(s.hooks.poststart.n, 2);
	assert_string_equal(s.hooks.poststart.hooks[1].path, "/f");
	assert_null(s.hooks.poststart.hooks[1].env);
	assert_string_equal(s.hooks.poststop.hooks[0].path, "/g");
	oci_spec_free(&s);
	expect_bad(TOP("'hooks':{'poststop':[{'path':'/a'},{'path':'b'}]}"),
		   "hooks.poststop[1].path: must be an absolute path");
	expect_bad(TOP("'hooks':{'prestart':[{}]}"), "hooks.prestart[0].path: required");
	expect_bad(TOP("'hooks':{'prestart':[{'path':'/a','timeout':0}]}"),
		   "hooks.prestart[0].timeout: must be an integer from 1");
	expect_bad(TOP("'hooks':{'poststart':[{'path':'/a','args':'x'}]}"),
		   "hooks.poststart[0].args: must be an array");
	expect_bad(TOP("'hooks':{'createContainer':{}}"),
		   "hooks.createContainer: must be an array");
	expect_bad(TOP("'hooks':[]"), "hooks: must be an object");
}

static void test_namespaces(void **state)
{
	struct oci_spec s;

	(void)state;
	parse_ok(LINUX("'namespaces':[{'type':'pid'},{'type':'network','path':'/proc/1/ns/net'},"
		       "{'type':'mount'},{'type':'ipc','path':''},{'type':'uts'},{'type':'user'},"
		       "{'type':'cgroup'},{'type':'time'}],"
		       "'uidMappings':[{'containerID':0,'hostID':1000,'size':1},"
		       " {'containerID':1,'hostID':100000,'size':65536}]"),
		 &s);
	assert_int_equal(s.linux_.n_namespaces, OCI_NS_COUNT);
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		assert_int_equal(oci_ns_type_from_name(oci_ns_type_name((enum oci_ns_type)t)), t);
		assert_true(has_ns(&s.linux_, (enum oci_ns_type)t,
				   t == OCI_NS_NETWORK ? "/proc/1/ns/net" : NULL));
	}
	assert_int_equal(s.linux_.n_uid_mappings, 2);
	assert_int_equal(s.linux_.uid_mappings[1].size, 65536);
	oci_spec_free(&s);
	assert_int_equal(oci_ns_type_from_name("net"), -1);
	expect_bad(LINUX("'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'pid'}]"),
		   "linux.namespaces[2].type: namespace given twice");
	expect_bad(LINUX("'namespaces':[{'type':'net'}]"),
		   "linux.namespaces[0].type: unknown namespace type");
	expect_bad(LINUX("'namespaces':[{'path':'/x'}]"), "linux.namespaces[0].type: required");
	expect_bad(LINUX("'namespaces':[{'type':'pid','path':'proc/1/ns/pid'}]"),
		   "linux.namespaces[0].path: must be an absolute path");
	expect_bad(LINUX("'namespaces':['pid']"), "linux.namespaces[0]: must be an object");
	expect_bad(LINUX("'uidMappings':[{'containerID':0,'hostID':1,'size':1}]"),
		   "linux.uidMappings: given without a user namespace");
	expect_bad(LINUX("'namespaces':[{'type':'user'}],"
			 "'gidMappings':[{'containerID':0,'hostID':1,'size':0}]"),
		   "linux.gidMappings[0].size: must not be 0");
	expect_bad(
		LINUX("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'size':1}]"),
		"linux.uidMappings[0].hostID: required");
}

static void test_linux_fields(void **state)
{
	struct oci_spec s;

	(void)state;
	parse_ok(LINUX("'devices':[{'path':'/dev/null','type':'c','major':1,'minor':3},"
		       " {'path':'/dev/fifo','type':'p'}],"
		       "'cgroupsPath':'','sysctl':{},'maskedPaths':[],'readonlyPaths':null,"
		       "'rootfsPropagation':'','mountLabel':'','intelRdt':null,"
		       "'personality':{},'timeOffsets':{},'memoryPolicy':{'mode':''}"),
		 &s);
	assert_int_equal(s.linux_.n_devices, 2);
	assert_false(s.linux_.devices[0].has_file_mode || s.linux_.devices[0].has_uid);
	assert_int_equal(s.linux_.devices[1].type, 'p');
	assert_null(s.linux_.cgroups_path);
	assert_int_equal(s.linux_.n_sysctl, 0);
	assert_int_equal(s.linux_.rootfs_propagation, 0);
	assert_false(s.linux_.has_resources || s.linux_.has_seccomp);
	oci_spec_free(&s);
	static const char *const props[] = { "private", "rprivate", "slave",	  "rslave",
					     "shared",	"rshared",  "unbindable", "runbindable" };
	static const unsigned long flags[] = { MS_PRIVATE,    MS_PRIVATE | MS_REC,
					       MS_SLAVE,      MS_SLAVE | MS_REC,
					       MS_SHARED,     MS_SHARED | MS_REC,
					       MS_UNBINDABLE, MS_UNBINDABLE | MS_REC };
	for (size_t i = 0; i < ARRAY_LEN(props); i++) {
		char *j = q(LINUX("'rootfsPropagation':'%s'"), props[i]);

		parse_ok(j, &s);
		assert_int_equal(s.linux_.rootfs_propagation, flags[i]);
		oci_spec_free(&s);
		free(j);
	}
}

static void test_linux_refused(void **state)
{
	(void)state;
	expect_bad(LINUX("'devices':[{'path':'dev/null','type':'c','major':1,'minor':3}]"),
		   "linux.devices[0].path: must be an absolute path");
	expect_bad(LINUX("'devices':[{'path':'/dev/x','type':'x','major':1,'minor':3}]"),
		   "linux.devices[0].type: must be");
	expect_bad(LINUX("'devices':[{'path':'/dev/x','type':'b','minor':3}]"),
		   "linux.devices[0].major: required");
	expect_bad(LINUX("'devices':[{'path':'/dev/x','type':'u','major':1}]"),
		   "linux.devices[0].minor: required");
	expect_bad(LINUX("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':1,"
			 "'fileMode':65535}]"),
		   "linux.devices[0].fileMode: must be permission bits");
	expect_bad(LINUX("'maskedPaths':['/a','b']"), "linux.maskedPaths[1]: must be an absolute");
	expect_bad(LINUX("'readonlyPaths':[1]"), "linux.readonlyPaths[0]: must be a string");
	expect_bad(LINUX("'sysctl':{'net.x':1}"), "linux.sysctl.net.x: must be a string");
	expect_bad(LINUX("'sysctl':{'':'1'}"), "linux.sysctl: keys must not be empty");
	expect_bad(LINUX("'cgroupsPath':[]"), "linux.cgroupsPath: must be a string");
	expect_bad(LINUX("'rootfsPropagation':'rprivat'"), "linux.rootfsPropagation: unknown");
	expect_bad(LINUX("'mountLabel':[]"), "linux.mountLabel: must be a string");
	expect_bad(LINUX("'intelRdt':{'closID':'x'}"), "linux.intelRdt: not supported");
	expect_bad(LINUX("'personality':{'domain':'LINUX32'}"), "linux.personality: not supported");
	expect_bad(LINUX("'timeOffsets':{'monotonic':{'secs':1}}"), "linux.timeOffsets: not supp");
	expect_bad(LINUX("'memoryPolicy':{'mode':'MPOL_BIND'}"),
		   "linux.memoryPolicy: not supported");
	expect_bad(TOP("'linux':[]"), "linux: must be an object");
}

static void test_top_level(void **state)
{
	struct oci_spec s;

	(void)state;
	parse_ok("{'ociVersion':'1.1.0','root':{'path':'/abs','readonly':false},"
		 "'hostname':null,'annotations':{'a':'b'},'unknown':5,'windows':{'x':1},"
		 "'vm':{'hypervisor':{}},'process':null}",
		 &s);
	assert_string_equal(s.root_path, "/abs");
	assert_null(s.hostname);
	assert_false(s.has_process);
	assert_int_equal(s.n_mounts, 0);
	assert_non_null(s.annotations);
	oci_spec_free(&s);
	expect_bad("{'root':{'path':'r'}}", "ociVersion: required");
	expect_bad("{'ociVersion':'1.2.0'}", "root: required");
	expect_bad("{'ociVersion':'1.2.0','root':{}}", "root.path: required");
	expect_bad("{'ociVersion':'1.2.0','root':{'path':''}}", "root.path: required");
	expect_bad("{'ociVersion':'1.2.0','root':{'path':'r','readonly':'yes'}}",
		   "root.readonly: must be true or false");
	expect_bad(TOP("'hostname':7"), "hostname: must be a string");
	expect_bad(TOP("'domainname':{}"), "domainname: must be a string");
	expect_bad(TOP("'annotations':{'a':1}"), "annotations.a: must be a string");
	expect_bad(TOP("'annotations':['a']"), "annotations: must be an object");
	expect_bad(TOP("'hostname':'a','hostname':'b'"), "duplicate");
	expect_bad("{'ociVersion':'1.2.0',", "config.json: line 1");
	expect_bad("[]", "config.json: must be a JSON object");
	expect_bad("", "config.json");
}

static void test_versions(void **state)
{
	static const char *const good[] = { "1.0.0", "1.0.2-dev", "1.1.0", "1.1.0-rc.3",
					    "1.2.0", "1.2.1",	  "1.2.99" };
	static const char *const bad_versions[] = { "1.3.0", "2.0.0",  "0.9.0",	 "1.0", "1",
						    "",	     "1.10.0", "v1.0.0", "1.2" };
	struct oci_spec s;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		char *j = q("{'ociVersion':'%s','root':{'path':'r'}}", good[i]);

		parse_ok(j, &s);
		assert_string_equal(s.oci_version, good[i]);
		oci_spec_free(&s);
		free(j);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad_versions); i++) {
		char *j = q("{'ociVersion':'%s','root':{'path':'r'}}", bad_versions[i]);

		expect_bad(j, "ociVersion");
		free(j);
	}
	expect_bad("{'ociVersion':1.2,'root':{'path':'r'}}", "ociVersion: must be a string");
}

static void test_sizes_and_numbers(void **state)
{
	const size_t big = OCI_SPEC_MAX_BYTES + 1;
	char *text = malloc(big);
	struct oci_spec s;
	struct err e;

	(void)state;
	assert_non_null(text);
	memset(text, ' ', big);
	text[0] = '{';
	text[big - 1] = '}';
	assert_int_equal(oci_spec_parse(text, big, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "larger than"));
	free(text);
	/* Well past uint64: refused (just past it rounds to 2^64, read as
	 * UINT64_MAX); doubles are read as integers only when one integer was
	 * too big for jansson. */
	expect_bad(PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':18446744073709600000}]"),
		   "process.rlimits[0].hard: must be a non-negative integer");
	expect_bad(PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':1.0,'hard':1}]"),
		   "process.rlimits[0].soft: must be a non-negative integer");
	parse_ok(PROC("'user':{'uid':7},'rlimits':[{'type':'RLIMIT_CORE','soft':1,"
		      "'hard':9223372036854775808}]"),
		 &s);
	assert_int_equal(s.process.user.uid, 7);
	assert_int_equal(s.process.rlimits[0].hard, 9223372036854775808ull);
	oci_spec_free(&s);
	expect_bad(PROC("'user':{'uid':1.5},'rlimits':[{'type':'RLIMIT_CORE','soft':1,"
			"'hard':18446744073709551615}]"),
		   "process.user.uid: must be an integer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_default),
		cmocka_unit_test(test_rootless_default),
		cmocka_unit_test(test_podman_config),
		cmocka_unit_test(test_mount_options_table),
		cmocka_unit_test(test_mount_options_combined),
		cmocka_unit_test(test_mount_options_refused),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_process_fields),
		cmocka_unit_test(test_process_refused),
		cmocka_unit_test(test_process_parse),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_resources_refused),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_seccomp_refused),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_linux_fields),
		cmocka_unit_test(test_linux_refused),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_sizes_and_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
