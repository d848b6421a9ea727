/* minictr's capability set: Docker's default, less what lets the
 * container's root reach host devices or leave a chroot. */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/caps.h"
#include "tools/minictr/caps.h"
#include "tools/minictr/oci_proc.h"
#include "tools/minictr/simple_spec.h"

static void test_docker_default_kept(void **state)
{
	static const unsigned kept[] = {
		CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,	    CAP_SETUID,
		CAP_SETGID, CAP_KILL,	      CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE
	};

	(void)state;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_true(caps_default_has(kept[i]));
}

static void test_host_reaching_dropped(void **state)
{
	(void)state;
	/* With host ids (--no-user) mknod would make a node for the host's disk. */
	assert_false(caps_default_has(CAP_MKNOD));
	assert_false(caps_default_has(CAP_SYS_ADMIN));
	assert_false(caps_default_has(CAP_SYS_MODULE));
	assert_false(caps_default_has(CAP_SYS_RAWIO));
}

/* From an initramfs minictr can only chroot: CAP_SYS_CHROOT would undo it. */
static void test_chroot_root_drops_sys_chroot(void **state)
{
	(void)state;
	assert_true(caps_keep(CAP_SYS_CHROOT, false));
	assert_false(caps_keep(CAP_SYS_CHROOT, true));
	assert_true(caps_keep(CAP_CHOWN, true));
	assert_false(caps_keep(CAP_MKNOD, false));
}

/* The set as the OCI process capabilities oci_proc_identity applies: the
 * same mask in every set but the ambient one. */
static void test_oci_caps(void **state)
{
	struct oci_caps c;
	struct oci_caps_plan plan;

	(void)state;
	simple_caps(false, &c);
	assert_true(c.bounding & CAP_MASK(CAP_CHOWN));
	assert_true(c.bounding & CAP_MASK(CAP_SYS_CHROOT));
	assert_false(c.bounding & CAP_MASK(CAP_SYS_ADMIN));
	assert_false(c.bounding & CAP_MASK(CAP_MKNOD));
	assert_true(c.effective == c.bounding && c.permitted == c.bounding &&
		    c.inheritable == c.bounding);
	assert_true(c.ambient == 0);
	oci_caps_plan(&c, CAP_LAST_CAP, &plan);
	assert_true(plan.drop_bounding & CAP_MASK(CAP_SYS_ADMIN));
	assert_false(plan.drop_bounding & CAP_MASK(CAP_KILL));
	assert_true(plan.effective == c.bounding);

	simple_caps(true, &c);
	assert_false(c.bounding & CAP_MASK(CAP_SYS_CHROOT));
	assert_false(c.effective & CAP_MASK(CAP_SYS_CHROOT));
	assert_true(c.bounding & CAP_MASK(CAP_CHOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_default_kept),
		cmocka_unit_test(test_host_reaching_dropped),
		cmocka_unit_test(test_chroot_root_drops_sys_chroot),
		cmocka_unit_test(test_oci_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
