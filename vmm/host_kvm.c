#include "vmm/host_kvm.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CPUID_1_ECX_VMX	       (1u << 5)
#define CPUID_80000001_ECX_SVM (1u << 2)

/* The ways out of a /dev/kvm that opens but is not hardware. */
#define WAY_OUT_ELSEWHERE "run inside tools/kvmbox, use a host with hardware virtualization"
#define WAY_OUT_OVERRIDE  "pass --allow-emulated-kvm to boot a PVM-enabled guest kernel anyway"

/* The hardware extension the CPU shows and the module that drives it. A CPU
 * shows one of the two; should a (virtual) CPU claim both, VT-x is named. */
static const char *cpu_ext(const struct host_kvm_facts *f)
{
	return f->cpu_vmx ? "VT-x" : "AMD-V";
}

static const char *cpu_module(const struct host_kvm_facts *f)
{
	return f->cpu_vmx ? "kvm_intel" : "kvm_amd";
}

/* kvm_intel and kvm_amd refuse to load on a CPU without their extension, and
 * only one vendor module (kvm_pvm counts as one) can register /dev/kvm: a
 * loaded vendor module whose extension the CPU has is the one behind it. */
static bool vendor_owns_dev(const struct host_kvm_facts *f)
{
	return (f->mod_kvm_intel && f->cpu_vmx) || (f->mod_kvm_amd && f->cpu_svm);
}

static void verdict(struct host_kvm_verdict *v, enum host_kvm_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void verdict(struct host_kvm_verdict *v, enum host_kvm_kind kind, const char *fmt, ...)
{
	va_list ap;

	v->kind = kind;
	v->usable = kind == HOST_KVM_HARDWARE;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

static void decide_absent(const struct host_kvm_facts *f, struct host_kvm_verdict *v)
{
	if (f->cpu_vmx || f->cpu_svm)
		verdict(v, HOST_KVM_NONE,
			"%s; the CPU has %s, so loading %s (or passing "
			"/dev/kvm into this container) would give it one",
			HOST_KVM_NO_DEV_MSG, cpu_ext(f), cpu_module(f));
	else
		verdict(v, HOST_KVM_NONE, "%s", HOST_KVM_NO_DEV_MSG);
}

static void decide_emulated(const struct host_kvm_facts *f, struct host_kvm_verdict *v)
{
	if (f->cpu_vmx || f->cpu_svm)
		verdict(v, HOST_KVM_EMULATED,
			"/dev/kvm comes from kvm_pvm, not %s (the "
			"CPU has %s): a stock kernel would run emulated, thousands of times "
			"slower; unload kvm_pvm and load %s, run inside tools/kvmbox, or " WAY_OUT_OVERRIDE,
			cpu_module(f), cpu_ext(f), cpu_module(f));
	else
		verdict(v, HOST_KVM_EMULATED,
			"/dev/kvm comes from kvm_pvm and the CPU has "
			"no VT-x or AMD-V: a stock kernel would run emulated, thousands of "
			"times slower; " WAY_OUT_ELSEWHERE ", or " WAY_OUT_OVERRIDE);
}

static void decide_hardware(const struct host_kvm_facts *f, struct host_kvm_verdict *v)
{
	if (vendor_owns_dev(f))
		verdict(v, HOST_KVM_HARDWARE,
			"/dev/kvm from %s on a CPU with %s%s: stock "
			"guests run at hardware speed",
			cpu_module(f), cpu_ext(f),
			f->mod_kvm_pvm ? " (kvm_pvm is present but cannot own /dev/kvm "
					 "next to it)" :
					 "");
	else
		/* Built-in vendor code without parameters has no /sys/module entry. */
		verdict(v, HOST_KVM_HARDWARE,
			"/dev/kvm on a CPU with %s (no %s in "
			"/sys/module): stock guests run at hardware speed",
			cpu_ext(f), cpu_module(f));
}

void host_kvm_decide(const struct host_kvm_facts *f, struct host_kvm_verdict *v)
{
	if (f->dev == HOST_KVM_DEV_ABSENT)
		decide_absent(f, v);
	else if (f->dev == HOST_KVM_DEV_DENIED)
		verdict(v, HOST_KVM_NO_ACCESS,
			"cannot open /dev/kvm: %s (get read-write "
			"access to it, e.g. through the kvm group, or run inside tools/kvmbox)",
			f->dev_errno ? strerror(f->dev_errno) : "unknown error");
	else if (f->mod_kvm_pvm && !vendor_owns_dev(f))
		decide_emulated(f, v);
	else if (f->cpu_vmx || f->cpu_svm)
		decide_hardware(f, v);
	else
		/* A hardware KVM cannot exist without VT-x or AMD-V. */
		verdict(v, HOST_KVM_UNKNOWN,
			"/dev/kvm opens but the CPU shows neither VT-x "
			"nor AMD-V and kvm_pvm is not loaded: whatever provides it cannot run "
			"a stock kernel in hardware; " WAY_OUT_ELSEWHERE ", or pass "
			"--allow-emulated-kvm to go ahead anyway");
}

const char *host_kvm_kind_name(enum host_kvm_kind kind)
{
	switch (kind) {
	case HOST_KVM_HARDWARE: return "hardware";
	case HOST_KVM_EMULATED: return "emulated";
	case HOST_KVM_UNKNOWN: return "unknown";
	case HOST_KVM_NO_ACCESS: return "no-access";
	case HOST_KVM_NONE: return "none";
	}
	return "?";
}

bool host_kvm_permits(const struct host_kvm_verdict *v, bool allow_emulated)
{
	if (v->usable)
		return true;
	/* The option vouches for the guest kernel, not for a /dev/kvm we
	 * cannot open: only a working but non-hardware KVM is overridden. */
	return allow_emulated && (v->kind == HOST_KVM_EMULATED || v->kind == HOST_KVM_UNKNOWN);
}

static bool module_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

void host_kvm_gather(struct host_kvm_facts *f)
{
	unsigned a, b, c, d;
	int fd;

	memset(f, 0, sizeof(*f));
	if (__get_cpuid(1, &a, &b, &c, &d))
		f->cpu_vmx = c & CPUID_1_ECX_VMX;
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		f->cpu_svm = c & CPUID_80000001_ECX_SVM;
	f->mod_kvm_intel = module_loaded("kvm_intel");
	f->mod_kvm_amd = module_loaded("kvm_amd");
	f->mod_kvm_pvm = module_loaded("kvm_pvm");
	/* Opening /dev/kvm creates no VM: it is as cheap as a stat, and it is
	 * the only check of the access the run will need. */
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		f->dev = HOST_KVM_DEV_OK;
		close(fd);
	} else {
		f->dev = errno == ENOENT ? HOST_KVM_DEV_ABSENT : HOST_KVM_DEV_DENIED;
		f->dev_errno = errno;
	}
}

int host_kvm_require(bool allow_emulated, struct host_kvm_verdict *v, struct err *e)
{
	struct host_kvm_facts f;

	host_kvm_gather(&f);
	host_kvm_decide(&f, v);
	if (host_kvm_permits(v, allow_emulated))
		return 0;
	if (v->kind == HOST_KVM_NONE)
		return err_set(e, ENOENT, "%s", v->reason);
	if (v->kind == HOST_KVM_NO_ACCESS)
		return err_set(e, f.dev_errno, "%s", v->reason);
	return err_set(e, ENOTSUP, "%s", v->reason);
}
