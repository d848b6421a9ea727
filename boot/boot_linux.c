/* Compose the boot builders over guest RAM: kernel at 1 MiB, command line,
 * initrd at the top of low RAM, zero page, page tables, GDT, MP table, ACPI
 * tables and the reset vector. Every guest write goes through guest_buf(). */
#include "boot/acpi.h"
#include "boot/boot.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define PAGE_MASK 0xfffULL
#define MIB	  (1024.0 * 1024.0)

int boot_initrd_addr(const struct guest_mem *mem, const struct bzimage_info *bz,
		     uint64_t initrd_len, uint64_t *addr, struct err *e)
{
	/* initrd_addr_max is the highest byte address the initrd may occupy. */
	uint64_t top = (uint64_t)bz->initrd_addr_max + 1;
	uint64_t kernel_end = bzimage_runtime_end(bz, LAYOUT_KERNEL_ADDR);
	uint64_t start;

	if (top > mem->low_size)
		top = mem->low_size;
	if (initrd_len > top || kernel_end > top - initrd_len)
		return err_set(e, ENOSPC,
			       "initrd of %" PRIu64 " bytes does not fit between the "
			       "kernel's end at 0x%" PRIx64 " and 0x%" PRIx64
			       " (%.1f MiB free; give the guest more memory)",
			       initrd_len, kernel_end, top,
			       kernel_end < top ? (double)(top - kernel_end) / MIB : 0.0);
	start = (top - initrd_len) & ~PAGE_MASK;
	if (start < kernel_end)
		return err_set(e, ENOSPC,
			       "initrd of %" PRIu64 " bytes does not fit above the "
			       "kernel's end at 0x%" PRIx64,
			       initrd_len, kernel_end);
	*addr = start;
	return 0;
}

/* Copy len bytes into guest RAM at gpa, or fail naming what did not fit. */
static int guest_write(const struct guest_mem *mem, uint64_t gpa, const void *src, uint64_t len,
		       const char *what, struct err *e)
{
	void *dst = guest_buf(mem, gpa, len);

	if (!dst)
		return err_set(e, ENOSPC,
			       "%s (%" PRIu64 " bytes at 0x%" PRIx64 ") is outside guest RAM", what,
			       len, gpa);
	memcpy(dst, src, len);
	return 0;
}

static int place_kernel(const struct guest_mem *mem, const struct boot_config *cfg,
			const struct bzimage_info *bz, struct err *e)
{
	uint64_t end = bzimage_runtime_end(bz, LAYOUT_KERNEL_ADDR);

	if (end > mem->low_size)
		return err_set(e, ENOSPC,
			       "kernel needs RAM up to 0x%" PRIx64 " (%.1f MiB) "
			       "but the guest has %.1f MiB below the PCI hole",
			       end, (double)end / MIB, (double)mem->low_size / MIB);
	return guest_write(mem, LAYOUT_KERNEL_ADDR, cfg->kernel + bz->setup_size, bz->kernel_size,
			   "kernel", e);
}

static int place_cmdline(const struct guest_mem *mem, const char *cmdline,
			 const struct bzimage_info *bz, uint32_t *len_out, struct err *e)
{
	size_t len = cmdline ? strnlen(cmdline, LAYOUT_CMDLINE_MAX) : 0;

	/* cmdline_size excludes the NUL; our buffer must hold it too. */
	if (len >= LAYOUT_CMDLINE_MAX)
		return err_set(e, E2BIG, "command line is too long (limit %llu bytes)",
			       LAYOUT_CMDLINE_MAX - 1);
	if (len > bz->cmdline_size)
		return err_set(e, E2BIG,
			       "command line is %zu bytes; this kernel accepts "
			       "at most %" PRIu32,
			       len, bz->cmdline_size);
	*len_out = (uint32_t)len;
	return guest_write(mem, LAYOUT_CMDLINE_ADDR, cmdline ? cmdline : "", len + 1,
			   "command line", e);
}

static int place_tables(const struct guest_mem *mem, const struct boot_config *cfg, struct err *e)
{
	uint64_t gdt[BOOT_GDT_ENTRIES];
	uint8_t *pt = guest_buf(mem, LAYOUT_PAGE_TABLES_ADDR, LAYOUT_PAGE_TABLES_SIZE);
	uint8_t *mp = guest_buf(mem, LAYOUT_MPTABLE_ADDR, LAYOUT_MPTABLE_END - LAYOUT_MPTABLE_ADDR);
	uint8_t *acpi = guest_buf(mem, LAYOUT_ACPI_ADDR, LAYOUT_ACPI_SIZE);
	uint8_t *reset = guest_buf(mem, LAYOUT_RESET_VECTOR_ADDR, LAYOUT_RESET_VECTOR_SIZE);
	struct acpi_config acfg = {
		.ncpus = cfg->ncpus,
		.pci_irqs = cfg->pci_irqs,
		.npci_irqs = cfg->npci_irqs,
	};
	long r;

	if (!pt || !mp || !acpi || !reset)
		return err_set(e, ENOSPC, "guest RAM does not cover the boot tables below 1 MiB");
	pagetables_build(pt, LAYOUT_PAGE_TABLES_ADDR);
	gdt_build(gdt);
	if (guest_write(mem, LAYOUT_GDT_ADDR, gdt, sizeof(gdt), "GDT", e) < 0)
		return -e->code;
	r = mptable_build(mp, LAYOUT_MPTABLE_END - LAYOUT_MPTABLE_ADDR, LAYOUT_MPTABLE_ADDR,
			  cfg->ncpus, cfg->pci_irqs, cfg->npci_irqs);
	if (r < 0)
		return err_set(e, (int)r,
			       "cannot build the MP table for %u vCPUs and %u PCI "
			       "interrupts",
			       cfg->ncpus, cfg->npci_irqs);
	r = acpi_build(acpi, LAYOUT_ACPI_SIZE, LAYOUT_ACPI_ADDR, &acfg);
	if (r == -ENOSPC)
		return err_set(e, ENOSPC,
			       "the ACPI tables for %u vCPUs and %u PCI interrupts do "
			       "not fit in their %llu bytes at 0x%llx",
			       cfg->ncpus, cfg->npci_irqs, LAYOUT_ACPI_SIZE, LAYOUT_ACPI_ADDR);
	if (r < 0)
		return err_set(e, (int)r,
			       "cannot build the ACPI tables for %u vCPUs and %u PCI "
			       "interrupts",
			       cfg->ncpus, cfg->npci_irqs);
	acpi_reset_vector(reset);
	return 0;
}

int boot_linux(const struct guest_mem *mem, const struct boot_config *cfg, struct boot_entry *entry,
	       struct err *e)
{
	struct boot_params bp;
	struct bzimage_info bz;
	uint64_t initrd_addr = 0;
	uint32_t cmdline_len = 0;
	int r;

	r = bzimage_parse(cfg->kernel, cfg->kernel_len, &bz, e);
	if (r < 0)
		return r;
	r = place_kernel(mem, cfg, &bz, e);
	if (r < 0)
		return r;
	r = place_cmdline(mem, cfg->cmdline, &bz, &cmdline_len, e);
	if (r < 0)
		return r;
	if (cfg->initrd && cfg->initrd_len) {
		if (cfg->initrd_len > UINT32_MAX)
			return err_set(e, EFBIG, "initrd of %zu bytes is larger than 4 GiB",
				       cfg->initrd_len);
		r = boot_initrd_addr(mem, &bz, cfg->initrd_len, &initrd_addr, e);
		if (r < 0)
			return r;
		r = guest_write(mem, initrd_addr, cfg->initrd, cfg->initrd_len, "initrd", e);
		if (r < 0)
			return r;
	}
	r = place_tables(mem, cfg, e);
	if (r < 0)
		return r;

	boot_params_build(&bp, cfg->kernel, cfg->kernel_len, LAYOUT_CMDLINE_ADDR, cmdline_len,
			  initrd_addr, cfg->initrd ? (uint32_t)cfg->initrd_len : 0, mem);
	boot_params_set_rsdp(&bp, LAYOUT_ACPI_ADDR);
	r = guest_write(mem, LAYOUT_ZERO_PAGE_ADDR, &bp, sizeof(bp), "zero page", e);
	if (r < 0)
		return r;

	memset(entry, 0, sizeof(*entry));
	entry->rip = LAYOUT_KERNEL_ADDR + 0x200; /* 64-bit entry: startup_64 */
	entry->rsi = LAYOUT_ZERO_PAGE_ADDR;
	entry->rsp = LAYOUT_BOOT_STACK_TOP;
	entry->cr3 = LAYOUT_PAGE_TABLES_ADDR;
	entry->gdt_addr = LAYOUT_GDT_ADDR;
	entry->gdt_limit = (uint16_t)(BOOT_GDT_ENTRIES * 8 - 1);
	return 0;
}
