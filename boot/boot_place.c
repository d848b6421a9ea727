/* The placement steps boot_linux() and boot_pvh() share: command line,
 * initrd and firmware tables in guest RAM, every write through guest_buf(). */
#include "boot/boot_place.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "boot/acpi.h"

int boot_guest_write(const struct guest_mem *mem, uint64_t gpa, const void *src, uint64_t len,
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

int boot_place_cmdline(const struct guest_mem *mem, const char *cmdline, uint32_t kernel_max,
		       uint32_t *len_out, struct err *e)
{
	size_t len = cmdline ? strnlen(cmdline, LAYOUT_CMDLINE_MAX) : 0;

	/* kernel_max excludes the NUL; our buffer must hold it too. */
	if (len >= LAYOUT_CMDLINE_MAX)
		return err_set(e, E2BIG, "command line is too long (limit %llu bytes)",
			       LAYOUT_CMDLINE_MAX - 1);
	if (len > kernel_max)
		return err_set(e, E2BIG,
			       "command line is %zu bytes; this kernel accepts "
			       "at most %" PRIu32,
			       len, kernel_max);
	*len_out = (uint32_t)len;
	return boot_guest_write(mem, LAYOUT_CMDLINE_ADDR, cmdline ? cmdline : "", len + 1,
				"command line", e);
}

int boot_initrd_fit(uint64_t top, uint64_t kernel_end, uint64_t len, uint64_t *addr, struct err *e)
{
	uint64_t start;

	if (len > top || kernel_end > top - len)
		return err_set(e, ENOSPC,
			       "initrd of %" PRIu64 " bytes does not fit between the "
			       "kernel's end at 0x%" PRIx64 " and 0x%" PRIx64
			       " (%.1f MiB free; give the guest more memory)",
			       len, kernel_end, top,
			       kernel_end < top ? (double)(top - kernel_end) / BOOT_MIB : 0.0);
	start = (top - len) & ~BOOT_PAGE_MASK;
	if (start < kernel_end)
		return err_set(e, ENOSPC,
			       "initrd of %" PRIu64 " bytes does not fit above the "
			       "kernel's end at 0x%" PRIx64,
			       len, kernel_end);
	*addr = start;
	return 0;
}

int boot_place_file(const struct guest_mem *mem, const struct boot_config *cfg, enum boot_file file,
		    uint64_t gpa, const uint8_t *data, uint64_t offset, uint64_t len,
		    const char *what, struct err *e)
{
	uint64_t whole = len & ~(uint64_t)BOOT_PAGE_MASK, mapped = 0;

	if (cfg->map_file && !(gpa & BOOT_PAGE_MASK) && !(offset & BOOT_PAGE_MASK) && whole &&
	    guest_buf(mem, gpa, len)) {
		int r = cfg->map_file(cfg->map_opaque, file, mem, gpa, offset, whole);

		if (r < 0)
			return err_set(e, -r, "%s: cannot map %" PRIu64 " bytes at 0x%" PRIx64,
				       what, whole, gpa);
		if (r == 0)
			mapped = whole;
	}
	if (mapped == len)
		return 0;
	return boot_guest_write(mem, gpa + mapped, data + offset + mapped, len - mapped, what, e);
}

int boot_place_initrd(const struct guest_mem *mem, const struct boot_config *cfg, uint64_t top,
		      uint64_t kernel_end, uint64_t *addr, struct err *e)
{
	int r;

	*addr = 0;
	if (!cfg->initrd || !cfg->initrd_len)
		return 0;
	if (cfg->initrd_len > UINT32_MAX)
		return err_set(e, EFBIG, "initrd of %zu bytes is larger than 4 GiB",
			       cfg->initrd_len);
	r = boot_initrd_fit(top, kernel_end, cfg->initrd_len, addr, e);
	if (r < 0)
		return r;
	return boot_place_file(mem, cfg, BOOT_FILE_INITRD, *addr, cfg->initrd, 0, cfg->initrd_len,
			       "initrd", e);
}

int boot_place_tables(const struct guest_mem *mem, const struct boot_config *cfg, struct err *e)
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
	if (boot_guest_write(mem, LAYOUT_GDT_ADDR, gdt, sizeof(gdt), "GDT", e) < 0)
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
