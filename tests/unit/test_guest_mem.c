#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "vmm/guest_mem.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/* Reserve (not commit) address space so pointers into a multi-GiB layout
 * are real addresses; guest_buf() only computes them. */
static uint8_t *reserve(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void test_small_layout(void **state)
{
	uint8_t *host = reserve(512 * MIB);
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, host, 512 * MIB);
	assert_true(m.low_size == 512 * MIB);
	assert_true(guest_mem_end(&m) == 512 * MIB);
	assert_ptr_equal(guest_buf(&m, 0, 512 * MIB), host);
	assert_ptr_equal(guest_buf(&m, 0x1234, 16), host + 0x1234);
	assert_ptr_equal(guest_buf(&m, 512 * MIB - 1, 1), host + 512 * MIB - 1);
	/* len 0 at the very end is allowed, one byte more is not. */
	assert_ptr_equal(guest_buf(&m, 512 * MIB, 0), host + 512 * MIB);
	assert_null(guest_buf(&m, 512 * MIB, 1));
	assert_null(guest_buf(&m, 1, 512 * MIB));
	assert_null(guest_buf(&m, 512 * MIB + 1, 0));
	/* Nothing in or above the hole. */
	assert_null(guest_buf(&m, LAYOUT_MEM_HOLE_START, 1));
	assert_null(guest_buf(&m, LAYOUT_MEM_HOLE_END, 1));
	assert_null(guest_buf(&m, LAYOUT_MEM_HOLE_END, 0));
	munmap(host, 512 * MIB);
}

static void test_exactly_3g(void **state)
{
	uint8_t *host = reserve(3 * GIB);
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, host, 3 * GIB);
	assert_true(m.low_size == 3 * GIB);
	assert_true(guest_mem_end(&m) == 3 * GIB);
	assert_ptr_equal(guest_buf(&m, 3 * GIB - 4, 4), host + 3 * GIB - 4);
	assert_null(guest_buf(&m, 3 * GIB - 4, 5));
	/* No RAM above 4 GiB: not even a zero-length buffer there. */
	assert_null(guest_buf(&m, LAYOUT_MEM_HOLE_END, 0));
	assert_null(guest_buf(&m, LAYOUT_MEM_HOLE_END, 1));
	munmap(host, 3 * GIB);
}

static void test_split_layout(void **state)
{
	uint8_t *host = reserve(6 * GIB);
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, host, 6 * GIB);
	assert_true(m.low_size == 3 * GIB);
	assert_true(guest_mem_end(&m) == 7 * GIB);
	/* Low region. */
	assert_ptr_equal(guest_buf(&m, 3 * GIB - 1, 1), host + 3 * GIB - 1);
	/* High region starts right after low RAM in the host mapping. */
	assert_ptr_equal(guest_buf(&m, 4 * GIB, 1), host + 3 * GIB);
	assert_ptr_equal(guest_buf(&m, 5 * GIB + 7, 9), host + 4 * GIB + 7);
	assert_ptr_equal(guest_buf(&m, 4 * GIB, 3 * GIB), host + 3 * GIB);
	assert_ptr_equal(guest_buf(&m, 7 * GIB - 1, 1), host + 6 * GIB - 1);
	assert_ptr_equal(guest_buf(&m, 7 * GIB, 0), host + 6 * GIB);
	assert_null(guest_buf(&m, 7 * GIB, 1));
	assert_null(guest_buf(&m, 7 * GIB - 1, 2));
	/* The hole itself, and ranges crossing into or out of it. */
	assert_null(guest_buf(&m, 3 * GIB, 1));
	assert_null(guest_buf(&m, 3 * GIB + GIB / 2, 8));
	assert_null(guest_buf(&m, 4 * GIB - 1, 1));
	assert_null(guest_buf(&m, 3 * GIB - 1, 2));
	assert_null(guest_buf(&m, 4 * GIB - 1, 2));
	/* One range spanning both regions is not contiguous on the host. */
	assert_null(guest_buf(&m, 2 * GIB, 3 * GIB));
	assert_null(guest_buf(&m, 0, 7 * GIB));
	munmap(host, 6 * GIB);
}

static void test_overflow(void **state)
{
	uint8_t *host = reserve(6 * GIB);
	struct guest_mem m;

	(void)state;
	guest_mem_layout(&m, host, 6 * GIB);
	/* gpa + len wraps around 2^64. */
	assert_null(guest_buf(&m, UINT64_MAX, 1));
	assert_null(guest_buf(&m, UINT64_MAX - 1, 2));
	assert_null(guest_buf(&m, 1, UINT64_MAX));
	assert_null(guest_buf(&m, 4 * GIB, UINT64_MAX - 4 * GIB + 1));
	assert_null(guest_buf(&m, 4 * GIB + 8, UINT64_MAX - 4));
	/* Huge but not wrapping. */
	assert_null(guest_buf(&m, UINT64_MAX, 0));
	assert_null(guest_buf(&m, 4 * GIB, UINT64_MAX - 4 * GIB));
	assert_null(guest_buf(&m, 0, UINT64_MAX));
	assert_null(guest_buf(&m, UINT64_MAX - 0x1000, 0x1000));
	munmap(host, 6 * GIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_layout),
		cmocka_unit_test(test_exactly_3g),
		cmocka_unit_test(test_split_layout),
		cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
