/* vmmstat: run a VMM, time it and measure its memory, for the benchmarks.
 *
 *   vmmstat [--marker TEXT] [--sample-after MS] [--guest-ram BYTES] [--timeout S] -- CMD...
 *
 * Times from just before exec of CMD to (a) the first line of its output
 * containing TEXT and (b) its exit. At the marker (plus --sample-after ms; at
 * exit-time minus nothing when there is no marker) it reads /proc/PID/smaps
 * and reports the total RSS and the RSS outside guest RAM (mappings at least
 * --guest-ram bytes large are taken to be guest RAM). Output, one line:
 *   marker_ms=.. exit_ms=.. rss_kb=.. overhead_kb=.. status=..
 * With --kvm-stats, the sample also reads KVM's counters for the VM CMD made
 * (debugfs /sys/kernel/debug/kvm/PID-FD/: every exit, whether the kernel or
 * the VMM handled it) and adds kvm_exits=.. kvm_io_exits=.. and so on.
 * CMD's own output goes to stderr prefixed with "| " when -v is given.
 * A CMD still running after --timeout seconds (default 600) is killed, so a
 * stuck VM fails one benchmark run (status=137) instead of hanging it. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *marker;
	long sample_after_ms;
	unsigned long long guest_ram;
	long timeout_s;
	bool verbose;
	bool kvm_stats;
	char **cmd;
};

/* KVM's per-VM exit counters (x86 vCPU stats summed over the VM). */
static const char *const kvm_counters[] = {
	"exits",	"io_exits",	    "mmio_exits",	"halt_exits",
	"irq_exits",	"irq_window_exits", "nmi_window_exits", "request_irq_exits",
	"signal_exits",
};
#define KVM_COUNTERS (sizeof(kvm_counters) / sizeof(kvm_counters[0]))

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->guest_ram = ~0ull;
	o->timeout_s = 600;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") && i + 1 < argc) {
			o->cmd = &argv[i + 1];
			return 0;
		} else if (!strcmp(argv[i], "--marker") && i + 1 < argc) {
			o->marker = argv[++i];
		} else if (!strcmp(argv[i], "--sample-after") && i + 1 < argc) {
			o->sample_after_ms = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--guest-ram") && i + 1 < argc) {
			o->guest_ram = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			o->timeout_s = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--kvm-stats")) {
			o->kvm_stats = true;
		} else if (!strcmp(argv[i], "-v")) {
			o->verbose = true;
		} else {
			break;
		}
	}
	fprintf(stderr, "usage: vmmstat [--marker TEXT] [--sample-after MS] "
			"[--guest-ram BYTES] [--timeout S] [--kvm-stats] [-v] -- CMD [ARGS...]\n");
	return -1;
}

/* Sum Rss over all mappings, and over those outside guest RAM: guest RAM is
 * a mapping at least guest_ram bytes long, or a run of adjacent mappings
 * kept out of core dumps (VmFlags "dd") that long: minivmm maps the
 * kernel's pages over part of its RAM, which splits it in several. */
static void sample_rss(pid_t pid, unsigned long long guest_ram, unsigned long long *rss_kb,
		       unsigned long long *overhead_kb)
{
	enum { MAX_MAPS = 4096 };
	static struct {
		unsigned long long start, end, rss_kb;
		bool dontdump;
	} maps[MAX_MAPS];
	char path[64], line[512];
	unsigned long long start, end, kb;
	unsigned n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &start, &end) == 2 && strchr(line, '-') &&
		    line[strspn(line, "0123456789abcdef")] == '-') {
			if (n < MAX_MAPS)
				maps[n++] = (typeof(maps[0])){ start, end, 0, false };
		} else if (sscanf(line, "Rss: %llu kB", &kb) == 1 && n) {
			maps[n - 1].rss_kb += kb;
		} else if (!strncmp(line, "VmFlags:", 8) && n) {
			maps[n - 1].dontdump = strstr(line, " dd") != NULL;
		}
	}
	fclose(f);
	*rss_kb = *overhead_kb = 0;
	for (unsigned i = 0; i < n;) {
		unsigned j = i + 1;
		unsigned long long run_kb = maps[i].rss_kb;

		while (maps[i].dontdump && j < n && maps[j].dontdump &&
		       maps[j].start == maps[j - 1].end)
			run_kb += maps[j++].rss_kb;
		*rss_kb += run_kb;
		if (maps[j - 1].end - maps[i].start < guest_ram)
			*overhead_kb += run_kb;
		i = j;
	}
}

/* Read PID's VM's counters into values (-1: not there). */
static void sample_kvm(pid_t pid, long long values[KVM_COUNTERS])
{
	char pattern[64];
	glob_t g;

	for (size_t i = 0; i < KVM_COUNTERS; i++)
		values[i] = -1;
	snprintf(pattern, sizeof(pattern), "/sys/kernel/debug/kvm/%d-*", (int)pid);
	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < KVM_COUNTERS; i++) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", g.gl_pathv[0], kvm_counters[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lld", &values[i]) != 1)
			values[i] = -1;
		fclose(f);
	}
	globfree(&g);
}

int main(int argc, char **argv)
{
	struct opts o;
	int pipefd[2], status = 0;
	double t0, marker_ms = -1, sample_at = -1;
	unsigned long long rss = 0, overhead = 0;
	char buf[4096], line[4096];
	size_t linelen = 0;
	bool sampled = false, eof = false;
	long long kvm[KVM_COUNTERS];
	pid_t pid;

	if (parse(argc, argv, &o) < 0)
		return 2;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return perror("pipe"), 1;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execvp(o.cmd[0], o.cmd);
		fprintf(stderr, "vmmstat: cannot run %s: %s\n", o.cmd[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while (!eof) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		double left_total = t0 + (double)o.timeout_s * 1e3 - now_ms();
		int timeout = left_total > 0 ? (int)left_total + 1 : 0;

		if (left_total <= 0) {
			kill(pid, SIGKILL); /* output EOF follows */
			o.timeout_s = 1 << 20;
		}
		if (sample_at >= 0 && !sampled) {
			double left = sample_at - now_ms();

			if (left < timeout)
				timeout = left > 0 ? (int)left + 1 : 0;
		}
		int ready = poll(&p, 1, timeout);

		if (sample_at >= 0 && !sampled && now_ms() >= sample_at) {
			sample_rss(pid, o.guest_ram, &rss, &overhead);
			if (o.kvm_stats)
				sample_kvm(pid, kvm);
			sampled = true;
			continue;
		}
		if (ready <= 0)
			continue;
		ssize_t n = read(pipefd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = true;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (linelen < sizeof(line) - 1)
				line[linelen++] = buf[i];
			if (buf[i] != '\n')
				continue;
			line[linelen] = '\0';
			if (o.verbose)
				fprintf(stderr, "| %s", line);
			if (o.marker && marker_ms < 0 && strstr(line, o.marker)) {
				marker_ms = now_ms() - t0;
				sample_at = now_ms() + (double)o.sample_after_ms;
			}
			linelen = 0;
		}
	}
	waitpid(pid, &status, 0);
	printf("marker_ms=%.1f exit_ms=%.1f rss_kb=%llu overhead_kb=%llu status=%d", marker_ms,
	       now_ms() - t0, rss, overhead,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	for (size_t i = 0; o.kvm_stats && sampled && i < KVM_COUNTERS; i++)
		if (kvm[i] >= 0)
			printf(" kvm_%s=%lld", kvm_counters[i], kvm[i]);
	printf("\n");
	return 0;
}
