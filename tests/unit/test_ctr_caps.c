/* minictr's capability set: Docker's default, less what lets the
 * container's root reach host devices or leave a chroot. */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>

#include "tools/minictr/caps.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_default_kept),
		cmocka_unit_test(test_host_reaching_dropped),
		cmocka_unit_test(test_chroot_root_drops_sys_chroot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
