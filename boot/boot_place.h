/* What boot_linux() (bzImage) and boot_pvh() (ELF vmlinux) place in guest
 * RAM the same way: the command line, the initrd, and the firmware tables
 * (page tables, GDT, MP table, ACPI, reset vector). Private to boot/. */
#ifndef MINIVMM_BOOT_PLACE_H
#define MINIVMM_BOOT_PLACE_H

#include <stdint.h>

#include "boot/boot.h"

#define BOOT_PAGE_MASK 0xfffULL
#define BOOT_MIB       (1024.0 * 1024.0)

/* Copy len bytes into guest RAM at gpa, or fail with ENOSPC naming what did
 * not fit. */
int boot_guest_write(const struct guest_mem *mem, uint64_t gpa, const void *src, uint64_t len,
		     const char *what, struct err *e);

/* The NUL-terminated command line (NULL: empty) at LAYOUT_CMDLINE_ADDR: E2BIG
 * when longer than LAYOUT_CMDLINE_MAX-1 or kernel_max bytes (what the kernel
 * accepts, NUL excluded). Its length in *len_out. */
int boot_place_cmdline(const struct guest_mem *mem, const char *cmdline, uint32_t kernel_max,
		       uint32_t *len_out, struct err *e);

/* Where an initrd of len bytes goes: page aligned, ending at or below top,
 * starting at or above kernel_end; ENOSPC with a message when it does not fit. */
int boot_initrd_fit(uint64_t top, uint64_t kernel_end, uint64_t len, uint64_t *addr, struct err *e);

/* len bytes of a file (data, from offset) at gpa: its whole pages through
 * cfg->map_file when set and aligned, the rest copied. */
int boot_place_file(const struct guest_mem *mem, const struct boot_config *cfg, enum boot_file file,
		    uint64_t gpa, const uint8_t *data, uint64_t offset, uint64_t len,
		    const char *what, struct err *e);

/* Copy cfg's initrd (if any) to boot_initrd_fit(top, kernel_end); its
 * address in *addr (0 without one). EFBIG for more than 4 GiB. */
int boot_place_initrd(const struct guest_mem *mem, const struct boot_config *cfg, uint64_t top,
		      uint64_t kernel_end, uint64_t *addr, struct err *e);

/* Page tables, GDT, MP table, ACPI tables and the reset-vector stub at their
 * LAYOUT_* addresses, for cfg's vCPUs and PCI interrupt routes. */
int boot_place_tables(const struct guest_mem *mem, const struct boot_config *cfg, struct err *e);

#endif
