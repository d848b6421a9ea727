/* minictr command line: a pure parser so every bad input is unit-testable. */
#ifndef MINICTR_OPTS_H
#define MINICTR_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define CTR_MAX_VOLUMES 32
#define CTR_MAX_ENV	64
/* The writable layer is a tmpfs: without a bound one container could fill
 * half the host's RAM (tmpfs's own default) outside any --mem. */
#define CTR_TMP_DEFAULT (1ull << 30)

/* Namespace bits, each on by default; --no-NAME turns one off. */
enum ctr_ns {
	CTR_NS_USER = 1 << 0,
	CTR_NS_PID = 1 << 1,
	CTR_NS_MOUNT = 1 << 2,
	CTR_NS_UTS = 1 << 3,
	CTR_NS_IPC = 1 << 4,
	CTR_NS_NET = 1 << 5,
	CTR_NS_CGROUP = 1 << 6,
	CTR_NS_ALL = (1 << 7) - 1,
};

struct ctr_volume {
	const char *host; /* points into argv */
	const char *ctr;  /* absolute path inside the container */
	bool readonly;
};

struct ctr_opts {
	const char *rootfs;
	char *const *argv;    /* COMMAND and ARGS, NULL-terminated (argv tail) */
	unsigned namespaces;  /* enum ctr_ns bits */
	const char *hostname; /* NULL: "minictr" */
	const char *workdir;  /* NULL: "/" */
	const char *env[CTR_MAX_ENV];
	unsigned n_env;
	struct ctr_volume vols[CTR_MAX_VOLUMES];
	unsigned n_vols;
	uint64_t mem_bytes;  /* 0: no limit */
	uint64_t tmp_bytes;  /* size of the writable layer's tmpfs (CTR_TMP_DEFAULT) */
	uint64_t cpu_millis; /* CPUs x 1000, 0: no limit */
	uint64_t pids_max;   /* 0: no limit */
	uint64_t io_weight;  /* 0: no limit, else 1..10000 */
	const char *bridge;  /* --net bridge=NAME, NULL for --net none */
	uint32_t ip4;	     /* ...,ip=A.B.C.D/N for eth0 (network order), 0: none */
	unsigned ip4_prefix;
	uint32_t gw4;	      /* ...,gw=A.B.C.D default route (network order), 0: none */
	uint32_t map_host_id; /* --map-root HOSTID[:COUNT]; used when map_set */
	uint32_t map_count;
	bool map_set;
	bool init;	 /* small reaping init as PID 1 (default) */
	bool tty;	 /* -t: a pseudo-terminal for COMMAND */
	bool unconfined; /* --seccomp=unconfined: no seccomp filter */
	bool boot_time;
	bool mem_report;
	bool verbose;
	bool help;
};

/* Fill o from argv (argv[0] is the program name). Returns 0 or -EINVAL with
 * one line in e. On --help, o->help is set and nothing else is required. */
int ctr_parse_args(int argc, char *const argv[], struct ctr_opts *o, struct err *e);

/* "HOST:CTR" or "HOST:CTR:ro" / ":rw"; both paths absolute. Keeps pointers
 * into a copy the caller owns (spec is modified). */
int ctr_parse_volume(char *spec, struct ctr_volume *v, struct err *e);
/* Decimal integer in [min, max]. */
int ctr_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what,
		   struct err *e);

void ctr_usage(const char *prog, int to_stderr);

#endif
