/* init — PID 1 of the minivmm guest (static, no libc beyond the syscalls it wraps).
 *
 * Mounts the pseudo filesystems, signals "booted" to the VMM (byte 123 to I/O port
 * 0x3f0, Firecracker's convention), loads the kernel modules in the initramfs in
 * modules.dep order, then either runs a test script or an interactive shell.
 *
 * Kernel command line:
 *   minivmm.test=NAME  run /bin/sh /tests/NAME.sh on the console; when it exits, power
 *                      off with its exit status as the VM's exit status (127: no script)
 *   minivmm.verbose    print each step
 * Without minivmm.test a login shell runs on the console; its exit powers off (status 0).
 *
 * "Power off with status N": sync, write N to I/O port 0xf4 (minivmm's exit port and
 * QEMU's isa-debug-exit), then reboot(RB_POWER_OFF) if we are still running.
 * busybox poweroff/halt/reboot signal PID 1 with SIGUSR2/SIGUSR1/SIGTERM.
 *
 * The ACPI power button (minivmm's SIGTERM or Ctrl-A p) powers off in order, as a
 * distribution does: a child watches the button's input device and sends PID 1
 * SIGUSR2, like busybox poweroff; the test or shell is stopped, disks synced. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOOT_PORT   0x3f0
#define BOOT_BYTE   123
#define EXIT_PORT   0xf4
#define MAX_MODULES 256

struct init_opts {
	bool verbose;
	char test[128]; /* empty: interactive shell */
};

struct module {
	char *path; /* relative to /lib/modules/VERSION */
	char *deps; /* space separated paths, as in modules.dep */
	int state;  /* 0 new, 1 loading, 2 done */
};

struct module_table {
	char dir[128];
	char text[64 * 1024];
	struct module mods[MAX_MODULES];
	int count;
};

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("init: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#define say(opts, ...)                     \
	do {                               \
		if ((opts)->verbose)       \
			warn(__VA_ARGS__); \
	} while (0)

/* Through /dev/port, so the kernel does the OUT at CPL 0: a user-mode OUT after
 * ioperm() raised #GP in a nested KVM guest on QEMU TCG's SVM (TSS I/O bitmap). */
static void write_port(unsigned short port, unsigned char value)
{
	int fd = open("/dev/port", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || pwrite(fd, &value, 1, port) != 1)
		warn("write to I/O port 0x%x: %s", port, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void mount_fs(const char *src, const char *dst, const char *type, unsigned long flags,
		     const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		warn("mount %s on %s: %s", type, dst, strerror(errno));
}

/* The kernel gives PID 1 /dev/console as fds 0-2 only if the node exists in the
 * initramfs; ours gets it from devtmpfs, so open it once /dev is mounted. */
static void open_console(void)
{
	if (fcntl(1, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* A small file's text, NUL-terminated, without the trailing newline; -1 if unreadable. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

static void parse_cmdline(struct init_opts *opts)
{
	char buf[4096];

	if (read_text("/proc/cmdline", buf, sizeof(buf)) < 0) {
		warn("/proc/cmdline: %s", strerror(errno));
		return;
	}
	for (char *save = NULL, *tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (strcmp(tok, "minivmm.verbose") == 0)
			opts->verbose = true;
		else if (strncmp(tok, "minivmm.test=", 13) == 0)
			snprintf(opts->test, sizeof(opts->test), "%s", tok + 13);
	}
}

/* modules.dep: "kernel/a/b.ko: kernel/c.ko kernel/d.ko" per line (the initramfs
 * subset is a few KiB); entries point into t->text. */
static int read_modules_dep(struct module_table *t)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/modules.dep", t->dir);
	if (read_text(path, t->text, sizeof(t->text)) < 0)
		return -1;
	for (char *save = NULL, *line = strtok_r(t->text, "\n", &save);
	     line && t->count < MAX_MODULES; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		t->mods[t->count++] = (struct module){ .path = line, .deps = colon + 1 };
	}
	return 0;
}

static struct module *find_module(struct module_table *t, const char *path)
{
	for (int i = 0; i < t->count; i++)
		if (strcmp(t->mods[i].path, path) == 0)
			return &t->mods[i];
	return NULL;
}

static void insert_module(const struct init_opts *opts, const char *dir, const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		warn("module %s: %s", full, strerror(errno));
		return;
	}
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		warn("finit_module %s: %s", path, strerror(errno));
	else
		say(opts, "loaded %s", path);
	close(fd);
}

/* Depth first: every dependency (and its own dependencies) before the module. */
static void load_module(const struct init_opts *opts, struct module_table *t, struct module *m)
{
	char deps[1024];

	if (m->state != 0)
		return;
	m->state = 1;
	snprintf(deps, sizeof(deps), "%s", m->deps);
	for (char *save = NULL, *dep = strtok_r(deps, " ", &save); dep;
	     dep = strtok_r(NULL, " ", &save)) {
		struct module *d = find_module(t, dep);
		if (d)
			load_module(opts, t, d);
		else
			insert_module(opts, t->dir, dep);
	}
	insert_module(opts, t->dir, m->path);
	m->state = 2;
}

/* Loads every module in modules.dep, in its line order (the build puts
 * crc32c_generic first: ext4 needs it at mount time but does not depend on it). */
static void load_modules(const struct init_opts *opts)
{
	struct utsname u;
	struct module_table *t = calloc(1, sizeof(*t));

	if (!t || uname(&u) < 0)
		return;
	snprintf(t->dir, sizeof(t->dir), "/lib/modules/%s", u.release);
	if (read_modules_dep(t) < 0) {
		say(opts, "no modules.dep in %s", t->dir);
		return;
	}
	for (int i = 0; i < t->count; i++)
		load_module(opts, t, &t->mods[i]);
	say(opts, "%d modules processed", t->count);
}

static void setup_network_and_name(void)
{
	char name[64];

	if (read_text("/etc/hostname", name, sizeof(name)) <= 0)
		snprintf(name, sizeof(name), "minivmm-guest");
	sethostname(name, strlen(name));

	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { .ifr_name = "lo" };
	if (s < 0)
		return;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			warn("lo up: %s", strerror(errno));
	}
	close(s);
}

/* The tty behind /dev/console (e.g. ttyS0), which can be a controlling terminal. */
static int open_console_tty(void)
{
	char names[64], path[80];

	/* "tty0 ttyS0": the last one is /dev/console's. */
	read_text("/sys/class/tty/console/active", names, sizeof(names));
	char *last = strrchr(names, ' ');
	snprintf(path, sizeof(path), "/dev/%s", last ? last + 1 : names[0] ? names : "console");
	int fd = open(path, O_RDWR);
	return fd >= 0 ? fd : open("/dev/console", O_RDWR);
}

/* The ACPI button driver's input device for the power button, or -1. */
static int open_power_button(void)
{
	DIR *d = opendir("/sys/class/input");
	struct dirent *de;
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (de = readdir(d))) {
		char path[300], name[64];

		if (strncmp(de->d_name, "event", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/class/input/%s/device/name", de->d_name);
		if (read_text(path, name, sizeof(name)) <= 0 || strcmp(name, "Power Button"))
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	closedir(d);
	return fd;
}

/* Child: wait for a press of the power button, then ask PID 1 to power off. */
static void watch_power_button(const struct init_opts *opts, const sigset_t *oldmask)
{
	struct input_event ev;
	int fd;

	if (fork() != 0)
		return;
	sigprocmask(SIG_SETMASK, oldmask, NULL); /* kill_everything's SIGTERM ends us */
	fd = open_power_button();
	if (fd < 0) {
		say(opts, "no power button (ACPI off?)");
		_exit(0);
	}
	while (read(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
		if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1) {
			fprintf(stderr, "init: power button pressed: powering off\n");
			kill(1, SIGUSR2);
			break;
		}
	}
	_exit(0);
}

static pid_t spawn(const struct init_opts *opts, const sigset_t *oldmask)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* Writable copies: execle takes char *const[], string literals are const. */
	char path[] = "PATH=/sbin:/usr/sbin:/bin:/usr/bin", home[] = "HOME=/",
	     term[] = "TERM=linux", shell[] = "SHELL=/bin/sh", ps1[] = "PS1=minivmm# ",
	     user[] = "USER=root", logname[] = "LOGNAME=root";
	char *const child_env[] = { path, home, term, shell, ps1, user, logname, NULL };

	sigprocmask(SIG_SETMASK, oldmask, NULL);
	setsid();
	if (chdir("/") < 0)
		_exit(126);
	if (opts->test[0]) {
		char script[192];
		snprintf(script, sizeof(script), "/tests/%s.sh", opts->test);
		if (strchr(opts->test, '/') || access(script, R_OK) < 0) {
			fprintf(stderr, "init: no test script %s (minivmm.test=%s)\n", script,
				opts->test);
			_exit(127);
		}
		execle("/bin/sh", "sh", script, (char *)NULL, child_env);
	} else {
		int fd = open_console_tty();
		if (fd >= 0) {
			ioctl(fd, TIOCSCTTY, 1);
			for (int i = 0; i < 3; i++)
				dup2(fd, i);
			if (fd > 2)
				close(fd);
		}
		execle("/bin/sh", "-sh", (char *)NULL, child_env);
	}
	fprintf(stderr, "init: exec /bin/sh: %s\n", strerror(errno));
	_exit(126);
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* TERM everything, give it up to a second, then KILL what is left. */
static void kill_everything(void)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };

	kill(-1, SIGTERM);
	for (int i = 0; i < 50; i++) {
		reap_all();
		if (kill(-1, 0) < 0 && errno == ESRCH)
			return;
		nanosleep(&tick, NULL);
	}
	kill(-1, SIGKILL);
	reap_all();
}

static _Noreturn void power_off(const struct init_opts *opts, int status)
{
	say(opts, "power off, status %d", status);
	sync();
	write_port(EXIT_PORT, (unsigned char)status);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static _Noreturn void restart(const struct init_opts *opts)
{
	say(opts, "reboot");
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static int exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 128 + WTERMSIG(wstatus);
}

/* Wait for signals: reap children, end when the main child exits or when
 * busybox poweroff/halt/reboot asks. */
static _Noreturn void supervise(const struct init_opts *opts, pid_t main_pid, const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int wstatus;
		pid_t pid;

		if (sigwaitinfo(set, &si) < 0)
			continue;
		switch (si.si_signo) {
		case SIGCHLD:
			while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
				if (pid != main_pid)
					continue;
				int code = opts->test[0] ? exit_code(wstatus) : 0;
				say(opts, "%s exited with status %d",
				    opts->test[0] ? "test" : "shell", exit_code(wstatus));
				kill_everything();
				power_off(opts, code);
			}
			break;
		case SIGUSR1: /* halt: a VM has nothing to halt for, power off */
		case SIGUSR2: /* poweroff */ kill_everything(); power_off(opts, 0);
		case SIGTERM: /* reboot */ kill_everything(); restart(opts);
		default: break;
		}
	}
}

int main(void)
{
	struct init_opts opts = { 0 };
	sigset_t set, oldmask;

	if (getpid() != 1) {
		fprintf(stderr, "init: must run as PID 1\n");
		return 1;
	}
	mount_fs("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_fs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	write_port(BOOT_PORT, BOOT_BYTE);
	open_console();
	parse_cmdline(&opts);
	say(&opts, "boot signal sent, mounting filesystems");
	mount_fs("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_fs("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "gid=5,mode=620,ptmxmode=666");
	mount_fs("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_fs("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	load_modules(&opts);
	setup_network_and_name();

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	watch_power_button(&opts, &oldmask);
	if (opts.test[0])
		say(&opts, "running test %s", opts.test);
	pid_t pid = spawn(&opts, &oldmask);
	if (pid < 0) {
		warn("fork: %s", strerror(errno));
		power_off(&opts, 125);
	}
	supervise(&opts, pid, &set);
}
