/* Compose the boot builders over guest RAM: kernel at 1 MiB, command line,
 * initrd at the top of low RAM, zero page, page tables, GDT, MP table, ACPI
 * tables and the reset vector. Every guest write goes through guest_buf();
 * the steps boot_pvh() shares are in boot_place.c. */
#include "boot/boot.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "boot/boot_place.h"

/* Where an initrd may lie for this kernel: below top (initrd_addr_max is
 * the highest byte address it may occupy, and low RAM ends), above the
 * kernel's runtime end. */
static void initrd_bounds(const struct guest_mem *mem, const struct bzimage_info *bz, uint64_t *top,
			  uint64_t *kernel_end)
{
	*top = (uint64_t)bz->initrd_addr_max + 1;
	if (*top > mem->low_size)
		*top = mem->low_size;
	*kernel_end = bzimage_runtime_end(bz, LAYOUT_KERNEL_ADDR);
}

int boot_initrd_addr(const struct guest_mem *mem, const struct bzimage_info *bz,
		     uint64_t initrd_len, uint64_t *addr, struct err *e)
{
	uint64_t top, kernel_end;

	initrd_bounds(mem, bz, &top, &kernel_end);
	return boot_initrd_fit(top, kernel_end, initrd_len, addr, e);
}

static int place_kernel(const struct guest_mem *mem, const struct boot_config *cfg,
			const struct bzimage_info *bz, struct err *e)
{
	uint64_t end = bzimage_runtime_end(bz, LAYOUT_KERNEL_ADDR);

	if (end > mem->low_size)
		return err_set(e, ENOSPC,
			       "kernel needs RAM up to 0x%" PRIx64 " (%.1f MiB) "
			       "but the guest has %.1f MiB below the PCI hole",
			       end, (double)end / BOOT_MIB, (double)mem->low_size / BOOT_MIB);
	return boot_guest_write(mem, LAYOUT_KERNEL_ADDR, cfg->kernel + bz->setup_size,
				bz->kernel_size, "kernel", e);
}

int boot_linux(const struct guest_mem *mem, const struct boot_config *cfg, struct boot_entry *entry,
	       struct err *e)
{
	struct boot_params bp;
	struct bzimage_info bz;
	uint64_t initrd_addr = 0, top, kernel_end;
	uint32_t cmdline_len = 0;
	int r;

	r = bzimage_parse(cfg->kernel, cfg->kernel_len, &bz, e);
	if (r < 0)
		return r;
	r = place_kernel(mem, cfg, &bz, e);
	if (r < 0)
		return r;
	r = boot_place_cmdline(mem, cfg->cmdline, bz.cmdline_size, &cmdline_len, e);
	if (r < 0)
		return r;
	initrd_bounds(mem, &bz, &top, &kernel_end);
	r = boot_place_initrd(mem, cfg, top, kernel_end, &initrd_addr, e);
	if (r < 0)
		return r;
	r = boot_place_tables(mem, cfg, e);
	if (r < 0)
		return r;

	boot_params_build(&bp, cfg->kernel, cfg->kernel_len, LAYOUT_CMDLINE_ADDR, cmdline_len,
			  initrd_addr, cfg->initrd ? (uint32_t)cfg->initrd_len : 0, mem);
	boot_params_set_rsdp(&bp, LAYOUT_ACPI_ADDR);
	r = boot_guest_write(mem, LAYOUT_ZERO_PAGE_ADDR, &bp, sizeof(bp), "zero page", e);
	if (r < 0)
		return r;

	memset(entry, 0, sizeof(*entry));
	entry->mode = BOOT_MODE_LONG64;
	entry->rip = LAYOUT_KERNEL_ADDR + 0x200; /* 64-bit entry: startup_64 */
	entry->rsi = LAYOUT_ZERO_PAGE_ADDR;
	entry->rsp = LAYOUT_BOOT_STACK_TOP;
	entry->cr3 = LAYOUT_PAGE_TABLES_ADDR;
	entry->gdt_addr = LAYOUT_GDT_ADDR;
	entry->gdt_limit = (uint16_t)(BOOT_GDT_ENTRIES * 8 - 1);
	return 0;
}
