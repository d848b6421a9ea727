/* Which KVM this host offers, decided before a VM is built. A /dev/kvm that
 * opens is not enough: kvm_pvm (pagetable-based virtualization) provides one
 * on CPUs without VT-x or AMD-V and emulates guest CPL0 code an instruction
 * at a time, so a stock kernel never gets through its boot there. The facts
 * are gathered in microseconds (CPUID, /sys/module, one open of /dev/kvm, no
 * VM created); the decision over them is a pure function. */
#ifndef MINIVMM_HOST_KVM_H
#define MINIVMM_HOST_KVM_H

#include <stdbool.h>

#include "common/err.h"

/* Shared with vmm/kvm.c, and grepped for by tests/integration/cli-errors.sh. */
#define HOST_KVM_NO_DEV_MSG                              \
	"/dev/kvm does not exist: this host has no KVM " \
	"(run inside tools/kvmbox, which provides one)"

enum host_kvm_dev {
	HOST_KVM_DEV_ABSENT, /* no /dev/kvm */
	HOST_KVM_DEV_DENIED, /* there, but open(O_RDWR) fails: dev_errno says why */
	HOST_KVM_DEV_OK,     /* opens read-write */
};

struct host_kvm_facts {
	enum host_kvm_dev dev;
	int dev_errno;
	bool cpu_vmx;	    /* CPUID leaf 1, ECX bit 5: Intel VT-x */
	bool cpu_svm;	    /* CPUID leaf 0x80000001, ECX bit 2: AMD-V */
	bool mod_kvm_intel; /* /sys/module/NAME exists */
	bool mod_kvm_amd;
	bool mod_kvm_pvm;
};

enum host_kvm_kind {
	HOST_KVM_HARDWARE,  /* VT-x or AMD-V behind /dev/kvm */
	HOST_KVM_EMULATED,  /* kvm_pvm behind /dev/kvm: CPL0 code is emulated */
	HOST_KVM_UNKNOWN,   /* /dev/kvm opens, no VT-x/AMD-V, provider unknown */
	HOST_KVM_NO_ACCESS, /* /dev/kvm exists but cannot be opened */
	HOST_KVM_NONE,	    /* no /dev/kvm */
};

struct host_kvm_verdict {
	enum host_kvm_kind kind;
	bool usable;	  /* a stock guest kernel runs at hardware speed */
	char reason[400]; /* one line: what this host offers, and the way out */
};

/* Decide from the facts alone (pure; unit-tested over every combination). */
void host_kvm_decide(const struct host_kvm_facts *f, struct host_kvm_verdict *v);
/* Short name of a kind for --check-host's line: "hardware", "emulated", ... */
const char *host_kvm_kind_name(enum host_kvm_kind kind);
/* Whether a run may go ahead: a usable verdict, or a /dev/kvm that opens but
 * is not hardware when the user passed --allow-emulated-kvm. */
bool host_kvm_permits(const struct host_kvm_verdict *v, bool allow_emulated);

/* Gather the facts on this host (CPUID, /sys/module, open of /dev/kvm). */
void host_kvm_gather(struct host_kvm_facts *f);
/* Gather and decide into *v; when the run may not go ahead, fail with the
 * reason (-ENOENT without /dev/kvm, the open's errno, or -ENOTSUP). */
int host_kvm_require(bool allow_emulated, struct host_kvm_verdict *v, struct err *e);

#endif
