/* The host KVM decision: every combination of its inputs against an oracle
 * written from the rule, then the hosts that matter by name, with their
 * messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/host_kvm.h"

#define PVM_NO_HW_MSG                                                               \
	"/dev/kvm comes from kvm_pvm and the CPU has no VT-x or AMD-V: "            \
	"a stock kernel would run emulated, thousands of times slower; run inside " \
	"tools/kvmbox, use a host with hardware virtualization, or pass "           \
	"--allow-emulated-kvm to boot a PVM-enabled guest kernel anyway"

/* Five booleans and the device state: combination i of 3 * 32. */
static struct host_kvm_facts combination(unsigned i)
{
	struct host_kvm_facts f = {
		.dev = (enum host_kvm_dev)(i / 32),
		.cpu_vmx = i & 1,
		.cpu_svm = i & 2,
		.mod_kvm_intel = i & 4,
		.mod_kvm_amd = i & 8,
		.mod_kvm_pvm = i & 16,
	};

	if (f.dev == HOST_KVM_DEV_DENIED)
		f.dev_errno = EACCES;
	return f;
}

/* The rule as the issue states it: /dev/kvm opens read-write, the CPU shows
 * VT-x or AMD-V (no hardware KVM exists without), and kvm_pvm does not
 * provide /dev/kvm (it does unless a vendor module whose extension the CPU
 * has is loaded: only one vendor module registers). */
static bool oracle_usable(const struct host_kvm_facts *f)
{
	bool hw = f->cpu_vmx || f->cpu_svm;
	bool vendor = (f->mod_kvm_intel && f->cpu_vmx) || (f->mod_kvm_amd && f->cpu_svm);
	bool pvm_provides = f->mod_kvm_pvm && !vendor;

	return f->dev == HOST_KVM_DEV_OK && hw && !pvm_provides;
}

static enum host_kvm_kind oracle_kind(const struct host_kvm_facts *f)
{
	if (f->dev == HOST_KVM_DEV_ABSENT)
		return HOST_KVM_NONE;
	if (f->dev == HOST_KVM_DEV_DENIED)
		return HOST_KVM_NO_ACCESS;
	if (oracle_usable(f))
		return HOST_KVM_HARDWARE;
	return f->mod_kvm_pvm ? HOST_KVM_EMULATED : HOST_KVM_UNKNOWN;
}

static void check_message(unsigned i, const struct host_kvm_verdict *v)
{
	size_t len = strlen(v->reason);

	if (len == 0 || len >= sizeof(v->reason) - 1 || strchr(v->reason, '\n'))
		fail_msg("combination %u: reason empty, truncated or not one line: '%s'", i,
			 v->reason);
	if (!strstr(v->reason, "/dev/kvm"))
		fail_msg("combination %u: reason does not name /dev/kvm: '%s'", i, v->reason);
	if (v->usable && !strstr(v->reason, "hardware speed"))
		fail_msg("combination %u: usable but says '%s'", i, v->reason);
	/* Every refusal names the way out. */
	if (!v->usable && !strstr(v->reason, "tools/kvmbox"))
		fail_msg("combination %u: no way out in '%s'", i, v->reason);
	if (v->kind == HOST_KVM_EMULATED &&
	    (!strstr(v->reason, "kvm_pvm") || !strstr(v->reason, "--allow-emulated-kvm") ||
	     !strstr(v->reason, "emulated")))
		fail_msg("combination %u: emulated, but says '%s'", i, v->reason);
	if (v->kind == HOST_KVM_NONE &&
	    strncmp(v->reason, HOST_KVM_NO_DEV_MSG, strlen(HOST_KVM_NO_DEV_MSG)))
		fail_msg("combination %u: no /dev/kvm, but says '%s'", i, v->reason);
}

static void every_combination(void **state)
{
	unsigned usable = 0;

	(void)state;
	for (unsigned i = 0; i < 3 * 32; i++) {
		struct host_kvm_facts f = combination(i);
		struct host_kvm_verdict v;

		memset(&v, 0xa5, sizeof(v)); /* nothing may be left over */
		host_kvm_decide(&f, &v);
		if (v.usable != oracle_usable(&f) || v.kind != oracle_kind(&f))
			fail_msg("combination %u (dev %d vmx %d svm %d intel %d amd %d pvm %d): "
				 "kind %s usable %d, want kind %s usable %d",
				 i, (int)f.dev, f.cpu_vmx, f.cpu_svm, f.mod_kvm_intel,
				 f.mod_kvm_amd, f.mod_kvm_pvm, host_kvm_kind_name(v.kind), v.usable,
				 host_kvm_kind_name(oracle_kind(&f)), oracle_usable(&f));
		check_message(i, &v);
		/* --allow-emulated-kvm overrides exactly "opens, but not hardware". */
		assert_int_equal(host_kvm_permits(&v, false), v.usable);
		assert_int_equal(host_kvm_permits(&v, true), f.dev == HOST_KVM_DEV_OK);
		usable += v.usable;
	}
	/* dev OK (32 cases): 24 with VT-x or AMD-V; of the 12 with kvm_pvm among
	 * them, kvm_pvm provides /dev/kvm in 5 (no matching vendor module). */
	assert_int_equal(usable, 24 - 5);
}

static void decide(struct host_kvm_verdict *v, enum host_kvm_dev dev, bool vmx, bool svm,
		   bool intel, bool amd, bool pvm)
{
	struct host_kvm_facts f = {
		.dev = dev,
		.cpu_vmx = vmx,
		.cpu_svm = svm,
		.mod_kvm_intel = intel,
		.mod_kvm_amd = amd,
		.mod_kvm_pvm = pvm,
	};

	if (dev == HOST_KVM_DEV_DENIED)
		f.dev_errno = EACCES;
	host_kvm_decide(&f, v);
}

/* This project's machines: kvm_pvm, no VT-x or AMD-V. */
static void pvm_host(void **state)
{
	struct host_kvm_verdict v;

	(void)state;
	decide(&v, HOST_KVM_DEV_OK, false, false, false, false, true);
	assert_int_equal(v.kind, HOST_KVM_EMULATED);
	assert_false(v.usable);
	assert_string_equal(v.reason, PVM_NO_HW_MSG);
	assert_true(host_kvm_permits(&v, true));
	assert_false(host_kvm_permits(&v, false));
	/* kvm_pvm with a stale vendor module entry but no extension in the CPU. */
	decide(&v, HOST_KVM_DEV_OK, false, false, true, true, true);
	assert_int_equal(v.kind, HOST_KVM_EMULATED);
	assert_string_equal(v.reason, PVM_NO_HW_MSG);
}

/* kvm_pvm on a CPU that has AMD-V, kvm_amd not loaded: still emulated, and
 * the message says which module would do. */
static void pvm_on_capable_cpu(void **state)
{
	struct host_kvm_verdict v;

	(void)state;
	decide(&v, HOST_KVM_DEV_OK, false, true, false, false, true);
	assert_int_equal(v.kind, HOST_KVM_EMULATED);
	assert_false(v.usable);
	assert_non_null(strstr(v.reason, "not kvm_amd (the CPU has AMD-V)"));
	assert_non_null(strstr(v.reason, "load kvm_amd"));
	/* kvm_intel loaded on an AMD CPU cannot be what drives /dev/kvm. */
	decide(&v, HOST_KVM_DEV_OK, false, true, true, false, true);
	assert_int_equal(v.kind, HOST_KVM_EMULATED);
}

/* tools/kvmbox (nested SVM, kvm_amd) and plain hardware hosts. */
static void hardware_hosts(void **state)
{
	struct host_kvm_verdict v;

	(void)state;
	decide(&v, HOST_KVM_DEV_OK, false, true, false, true, false);
	assert_int_equal(v.kind, HOST_KVM_HARDWARE);
	assert_true(v.usable);
	assert_string_equal(v.reason, "/dev/kvm from kvm_amd on a CPU with AMD-V: stock "
				      "guests run at hardware speed");
	decide(&v, HOST_KVM_DEV_OK, true, false, true, false, false);
	assert_true(v.usable);
	assert_non_null(strstr(v.reason, "kvm_intel on a CPU with VT-x"));
	/* Only one vendor module registers /dev/kvm: with kvm_amd loaded, the
	 * kvm_pvm next to it is not the provider. */
	decide(&v, HOST_KVM_DEV_OK, false, true, false, true, true);
	assert_int_equal(v.kind, HOST_KVM_HARDWARE);
	assert_non_null(strstr(v.reason, "kvm_pvm is present"));
	/* Vendor code built in without a /sys/module entry. */
	decide(&v, HOST_KVM_DEV_OK, true, false, false, false, false);
	assert_int_equal(v.kind, HOST_KVM_HARDWARE);
	assert_non_null(strstr(v.reason, "no kvm_intel in /sys/module"));
}

static void unknown_provider(void **state)
{
	struct host_kvm_verdict v;

	(void)state;
	decide(&v, HOST_KVM_DEV_OK, false, false, false, false, false);
	assert_int_equal(v.kind, HOST_KVM_UNKNOWN);
	assert_false(v.usable);
	assert_non_null(strstr(v.reason, "neither VT-x nor AMD-V"));
	assert_true(host_kvm_permits(&v, true));
}

static void no_dev_kvm(void **state)
{
	struct host_kvm_verdict v;

	(void)state;
	/* The wording scripts and users know, whatever else the host has. */
	decide(&v, HOST_KVM_DEV_ABSENT, false, false, false, false, true);
	assert_int_equal(v.kind, HOST_KVM_NONE);
	assert_string_equal(v.reason, HOST_KVM_NO_DEV_MSG);
	assert_false(host_kvm_permits(&v, true));
	decide(&v, HOST_KVM_DEV_ABSENT, true, false, false, false, false);
	assert_non_null(strstr(v.reason, "the CPU has VT-x, so loading kvm_intel"));
	decide(&v, HOST_KVM_DEV_DENIED, false, true, false, true, false);
	assert_int_equal(v.kind, HOST_KVM_NO_ACCESS);
	assert_non_null(strstr(v.reason, "cannot open /dev/kvm: Permission denied"));
	assert_false(host_kvm_permits(&v, true));
}

static void kind_names(void **state)
{
	(void)state;
	assert_string_equal(host_kvm_kind_name(HOST_KVM_HARDWARE), "hardware");
	assert_string_equal(host_kvm_kind_name(HOST_KVM_EMULATED), "emulated");
	assert_string_equal(host_kvm_kind_name(HOST_KVM_UNKNOWN), "unknown");
	assert_string_equal(host_kvm_kind_name(HOST_KVM_NO_ACCESS), "no-access");
	assert_string_equal(host_kvm_kind_name(HOST_KVM_NONE), "none");
}

/* Gathering on the machine running the tests: consistent with itself. */
static void gather_here(void **state)
{
	struct host_kvm_facts f;
	struct host_kvm_verdict v;
	struct err e = { 0 };
	int r;

	(void)state;
	host_kvm_gather(&f);
	assert_true(f.dev == HOST_KVM_DEV_OK || f.dev_errno != 0);
	r = host_kvm_require(false, &v, &e);
	assert_int_equal(r == 0, v.usable);
	if (r < 0)
		assert_string_equal(e.msg, v.reason);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_combination),  cmocka_unit_test(pvm_host),
		cmocka_unit_test(pvm_on_capable_cpu), cmocka_unit_test(hardware_hosts),
		cmocka_unit_test(unknown_provider),   cmocka_unit_test(no_dev_kvm),
		cmocka_unit_test(kind_names),	      cmocka_unit_test(gather_here),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
