/* Command-line parsing: a pure parser from argv to struct vmm_options (no
 * files opened, no KVM), unit-tested on its own. */
#ifndef MINIVMM_CLI_H
#define MINIVMM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include "common/err.h"
#include "vmm/console.h"

#define CLI_MAX_DISKS	    16
#define CLI_MAX_NICS	    8
#define CLI_DEFAULT_MEM	    (512ull << 20)
#define CLI_MIN_MEM	    (16ull << 20)
#define CLI_MAX_MEM	    (1ull << 40)
#define CLI_DEFAULT_CMDLINE "console=ttyS0 panic=-1 pci=conf1,noearly"

#define CLI_MAX_TIMEOUT		     31536000u /* --timeout: 365 days, far below overflow */
#define CLI_DEFAULT_SHUTDOWN_TIMEOUT 15u
#define CLI_MAX_SHUTDOWN_TIMEOUT     3600u
#define CLI_MAX_API_SOCK_PATH	     107 /* sun_path is 108 bytes with the NUL */

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_CHECK_HOST };

struct vmm_options {
	enum cli_action action;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem;
	unsigned cpus;
	enum console_mode console;
	const char *console_path;
	uuid_t uuid;
	bool uuid_given;
	bool boot_time;
	bool verbose;
	bool allow_emulated_kvm;     /* run on a /dev/kvm that is not hardware */
	unsigned timeout_s;	     /* stop the VM after this many seconds; 0: never */
	unsigned shutdown_timeout_s; /* SIGTERM: power button, hard stop after this */
	bool no_reboot;		     /* a guest reset ends minivmm (EXIT_GUEST_RESET) */
	bool seccomp;		     /* per-thread seccomp filters (--seccomp=off: none) */
	const char *jail_dir;	     /* --jail: NULL without */
	uint32_t jail_uid, jail_gid; /* --uid, --gid: required with --jail, never 0 */
	bool jail_uid_given, jail_gid_given;
	uint64_t jail_mem;	  /* --jail-mem: the VMM's cgroup memory.max; 0: none */
	uint64_t jail_cpu_millis; /* --jail-cpus in thousandths of a CPU; 0: none */
	const char *api_sock;	  /* --api-sock: the control API's socket path; NULL: none */
	const char *restore_dir;  /* --restore: the snapshot to start from; NULL: boot */
	const char *vm_option;	  /* the first option given that describes the VM */
	const char *disks[CLI_MAX_DISKS];
	unsigned ndisks;
	const char *nics[CLI_MAX_NICS];
	unsigned nnics;
};

/* Parse argv. Returns 0 (see opts->action) or a negative errno with a message for
 * a usage error. Does not touch the file system. */
int cli_parse(int argc, char **argv, struct vmm_options *opts, struct err *e);
const char *cli_usage(void);

#endif
