/* boot_linux() over fake guest RAM (a calloc'd buffer): placement rules
 * read back from the buffer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "tests/unit/boot_fixture.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

struct fake_vm {
	struct guest_mem mem;
	uint8_t *ram;
	uint8_t *img;
	size_t img_len;
	struct boot_config cfg;
};

static void fake_vm_init(struct fake_vm *v, uint64_t ram_size, const struct fake_bz *f)
{
	memset(v, 0, sizeof(*v));
	v->ram = calloc(1, ram_size);
	assert_non_null(v->ram);
	guest_mem_layout(&v->mem, v->ram, ram_size);
	v->img = fake_bz_build(f, &v->img_len);
	v->cfg.kernel = v->img;
	v->cfg.kernel_len = v->img_len;
	v->cfg.cmdline = "console=ttyS0";
	v->cfg.ncpus = 2;
}

static void fake_vm_free(struct fake_vm *v)
{
	free(v->ram);
	free(v->img);
}

static void test_layout(void **state)
{
	struct fake_bz f = fake_bz_default();
	static const struct mp_pci_irq pci[] = { { 1, 5 } };
	static uint8_t initrd[0x3001];
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };
	const uint8_t *zp, *mpf;
	uint64_t initrd_gpa = 32 * MIB - 0x4000; /* top of RAM, page aligned */

	(void)state;
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	fake_vm_init(&v, 32 * MIB, &f);
	v.cfg.initrd = initrd;
	v.cfg.initrd_len = sizeof(initrd);
	v.cfg.pci_irqs = pci;
	v.cfg.npci_irqs = 1;
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);

	/* Entry state. */
	assert_true(be.rip == 0x100200);
	assert_true(be.rsi == 0x7000);
	assert_true(be.rsp == LAYOUT_BOOT_STACK_TOP);
	assert_true(be.cr3 == 0x9000);
	assert_true(be.gdt_addr == 0x500);
	assert_int_equal(be.gdt_limit, 31);

	/* Protected-mode kernel (after the setup sectors) at 1 MiB. */
	for (size_t i = 0; i < f.kernel_size; i++)
		assert_int_equal(v.ram[MIB + i], fake_kernel_byte(i));
	/* Command line, NUL-terminated. */
	assert_string_equal((const char *)v.ram + LAYOUT_CMDLINE_ADDR, "console=ttyS0");
	/* initrd at the top of RAM. */
	assert_memory_equal(v.ram + initrd_gpa, initrd, sizeof(initrd));

	/* Zero page. */
	zp = v.ram + LAYOUT_ZERO_PAGE_ADDR;
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(fake_get(zp, 0x210, 1), 0xff);
	assert_int_equal(fake_get(zp, 0x228, 4), LAYOUT_CMDLINE_ADDR);
	assert_int_equal(fake_get(zp, 0x218, 4), initrd_gpa);
	assert_int_equal(fake_get(zp, 0x21c, 4), sizeof(initrd));
	assert_int_equal(fake_get(zp, 0x1e8, 1), 3);
	assert_true(fake_get(zp, 0x2d0 + 2 * 20 + 8, 8) == 31 * MIB);

	/* Page tables and GDT. */
	assert_true(fake_get(v.ram, 0x9000, 8) == (0xa000 | 3));
	assert_true(fake_get(v.ram, 0xb000 + 8, 8) == (0x200000 | 0x83));
	assert_true(fake_get(v.ram, 0x500 + 0x10, 8) == 0x00af9b000000ffffULL);
	assert_true(fake_get(v.ram, 0x500 + 0x18, 8) == 0x00cf93000000ffffULL);

	/* MP table in the last KiB of base memory, for 2 CPUs. */
	mpf = v.ram + LAYOUT_MPTABLE_ADDR;
	assert_memory_equal(mpf, "_MP_", 4);
	assert_int_equal(fake_get(mpf, 4, 4), LAYOUT_MPTABLE_ADDR + 16);
	assert_memory_equal(mpf + 16, "PCMP", 4);
	assert_int_equal(fake_get(mpf + 16, 34, 2), 2 + 2 + 1 + 15 + 1 + 2);
	assert_true(LAYOUT_MPTABLE_ADDR >= 639 * 1024 && LAYOUT_MPTABLE_ADDR + 16 <= 640 * 1024);

	/* ACPI: the RSDP at LAYOUT_ACPI_ADDR (where the legacy scan looks) and
	 * in the zero page (protocol 2.15 here); its XSDT right after it. */
	assert_memory_equal(v.ram + LAYOUT_ACPI_ADDR, "RSD PTR ", 8);
	assert_true(fake_get(zp, 0x070, 8) == LAYOUT_ACPI_ADDR);
	assert_true(fake_get(v.ram + LAYOUT_ACPI_ADDR, 24, 8) == LAYOUT_ACPI_ADDR + 40);
	assert_memory_equal(v.ram + LAYOUT_ACPI_ADDR + 40, "XSDT", 4);
	/* The reset vector's stub starts with cli. */
	assert_int_equal(v.ram[LAYOUT_RESET_VECTOR_ADDR], 0xfa);
	fake_vm_free(&v);
}

static void test_no_initrd(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };

	(void)state;
	fake_vm_init(&v, 32 * MIB, &f);
	v.cfg.cmdline = NULL; /* empty command line */
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	assert_int_equal(fake_get(v.ram + LAYOUT_ZERO_PAGE_ADDR, 0x218, 4), 0);
	assert_int_equal(fake_get(v.ram + LAYOUT_ZERO_PAGE_ADDR, 0x21c, 4), 0);
	assert_int_equal(v.ram[LAYOUT_CMDLINE_ADDR], 0);
	fake_vm_free(&v);
}

static void test_initrd_below_addr_max(void **state)
{
	struct fake_bz f = fake_bz_default();
	static uint8_t initrd[0x1000];
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };

	(void)state;
	f.initrd_addr_max = 24 * MIB - 1;
	fake_vm_init(&v, 32 * MIB, &f);
	v.cfg.initrd = initrd;
	v.cfg.initrd_len = sizeof(initrd);
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	assert_int_equal(fake_get(v.ram + LAYOUT_ZERO_PAGE_ADDR, 0x218, 4), 24 * MIB - 0x1000);
	fake_vm_free(&v);
}

/* The largest machine the CLI accepts: 64 vCPUs, 16 disks and 8 NICs on 24
 * slots whose INTx lines wrap around the 19 PCI GSIs: every table fits. */
static void test_largest_machine_fits(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct mp_pci_irq pci[24];
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };

	(void)state;
	for (unsigned i = 0; i < 24; i++)
		pci[i] = (struct mp_pci_irq){ .slot = (uint8_t)(i + 1),
					      .ioapic_pin = (uint8_t)(5 + i % 19) };
	fake_vm_init(&v, 32 * MIB, &f);
	v.cfg.ncpus = 64;
	v.cfg.pci_irqs = pci;
	v.cfg.npci_irqs = 24;
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	fake_vm_free(&v);
}

static void test_initrd_too_large(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };
	uint8_t *initrd = calloc(1, 16 * MIB);

	(void)state;
	fake_vm_init(&v, 32 * MIB, &f);
	v.cfg.initrd = initrd;
	/* The kernel occupies up to 16.5 MiB; 16 MiB more does not fit in 32. */
	v.cfg.initrd_len = 16 * MIB;
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "initrd of 16777216 bytes does not fit"));
	/* 15.5 MiB fits exactly. */
	v.cfg.initrd_len = 32 * MIB - 0x1080000;
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	assert_int_equal(fake_get(v.ram + LAYOUT_ZERO_PAGE_ADDR, 0x218, 4), 0x1080000);
	free(initrd);
	fake_vm_free(&v);
}

static void test_cmdline_limits(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };
	char *big = malloc(LAYOUT_CMDLINE_MAX + 1);

	(void)state;
	f.cmdline_size = 10;
	fake_vm_init(&v, 32 * MIB, &f);
	v.cfg.cmdline = "0123456789";
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	v.cfg.cmdline = "0123456789a";
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -E2BIG);
	assert_string_equal(e.msg, "command line is 11 bytes; this kernel accepts at most 10");
	fake_vm_free(&v);

	/* A kernel accepting more than our buffer is capped by the buffer. */
	f.cmdline_size = 0x100000;
	fake_vm_init(&v, 32 * MIB, &f);
	memset(big, 'x', LAYOUT_CMDLINE_MAX);
	big[LAYOUT_CMDLINE_MAX] = '\0';
	v.cfg.cmdline = big;
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -E2BIG);
	assert_string_equal(e.msg, "command line is too long (limit 65535 bytes)");
	big[LAYOUT_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	assert_int_equal(v.ram[LAYOUT_CMDLINE_ADDR + LAYOUT_CMDLINE_MAX - 1], 0);
	free(big);
	fake_vm_free(&v);
}

static void test_kernel_too_large_for_memory(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };

	(void)state;
	fake_vm_init(&v, 16 * MIB, &f); /* kernel runs at 16 MiB: no room */
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "kernel needs RAM up to 0x1080000"));
	fake_vm_free(&v);

	f.init_size = 0x1000000; /* 16 MiB from 16 MiB: needs exactly 32 MiB */
	fake_vm_init(&v, 32 * MIB, &f);
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	fake_vm_free(&v);
	fake_vm_init(&v, 32 * MIB - 4096, &f);
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -ENOSPC);
	fake_vm_free(&v);
}

static void test_bad_image_and_cpus(void **state)
{
	struct fake_bz f = fake_bz_default();
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };

	(void)state;
	f.magic = "XXXX";
	fake_vm_init(&v, 32 * MIB, &f);
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -EINVAL);
	assert_string_equal(e.msg, "not a Linux bzImage (no HdrS magic)");
	fake_vm_free(&v);

	f = fake_bz_default();
	fake_vm_init(&v, 32 * MIB, &f);
	v.cfg.ncpus = 0;
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "MP table"));
	fake_vm_free(&v);
}

/* The pure placement helper on layouts too large to allocate. */
static void test_initrd_addr_large_memory(void **state)
{
	struct bzimage_info bz = {
		.kernel_size = 0x800000,
		.init_size = 0x3f98000,
		.kernel_alignment = 0x200000,
		.pref_address = 0x1000000,
		.relocatable = 1,
		.initrd_addr_max = 0x7fffffff,
	};
	struct guest_mem m;
	struct err e = { 0 };
	uint64_t addr = 0;

	(void)state;
	/* 6 GiB guest: capped by initrd_addr_max (2 GiB), not the 3 GiB hole. */
	guest_mem_layout(&m, NULL, 6 * GIB);
	assert_int_equal(boot_initrd_addr(&m, &bz, 0x1234567, &addr, &e), 0);
	assert_true(addr == ((2 * GIB - 0x1234567) & ~0xfffULL));
	/* Kernel allowing 4 GiB: capped by the end of low RAM. */
	bz.initrd_addr_max = 0xffffffff;
	assert_int_equal(boot_initrd_addr(&m, &bz, 0x1000, &addr, &e), 0);
	assert_true(addr == 3 * GIB - 0x1000);
	/* Larger than all low RAM. */
	assert_int_equal(boot_initrd_addr(&m, &bz, 4 * GIB, &addr, &e), -ENOSPC);
	assert_int_equal(boot_initrd_addr(&m, &bz, UINT64_MAX, &addr, &e), -ENOSPC);
	/* 64 MiB guest with the stock kernel's init_size: no room at all. */
	guest_mem_layout(&m, NULL, 64 * MIB);
	assert_int_equal(boot_initrd_addr(&m, &bz, 0x1000, &addr, &e), -ENOSPC);
}

/* A kernel older than boot protocol 2.14 finds the RSDP by its scan only;
 * routes the MP table takes but ACPI cannot describe fail with a message. */
static void test_acpi_old_protocol_and_bad_route(void **state)
{
	struct fake_bz f = fake_bz_default();
	static const struct mp_pci_irq pci[] = { { 1, LAYOUT_IRQ_COM1 } };
	struct boot_entry be;
	struct fake_vm v;
	struct err e = { 0 };

	(void)state;
	f.version = 0x020c;
	fake_vm_init(&v, 32 * MIB, &f);
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), 0);
	assert_memory_equal(v.ram + LAYOUT_ACPI_ADDR, "RSD PTR ", 8);
	assert_true(fake_get(v.ram + LAYOUT_ZERO_PAGE_ADDR, 0x070, 8) == 0);
	v.cfg.pci_irqs = pci;
	v.cfg.npci_irqs = 1;
	assert_int_equal(boot_linux(&v.mem, &v.cfg, &be, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "cannot build the ACPI tables"));
	fake_vm_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_largest_machine_fits),
		cmocka_unit_test(test_no_initrd),
		cmocka_unit_test(test_initrd_below_addr_max),
		cmocka_unit_test(test_initrd_too_large),
		cmocka_unit_test(test_cmdline_limits),
		cmocka_unit_test(test_kernel_too_large_for_memory),
		cmocka_unit_test(test_bad_image_and_cpus),
		cmocka_unit_test(test_initrd_addr_large_memory),
		cmocka_unit_test(test_acpi_old_protocol_and_bad_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
