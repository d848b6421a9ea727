/* Input files (kernel, initrd) mapped read-only and validated against the
 * requested VM shape before /dev/kvm is opened, so every user gets the
 * precise error whatever the host. */
#ifndef MINIVMM_INPUTS_H
#define MINIVMM_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"
#include "boot/pvh.h"
#include "common/err.h"
#include "common/file_map.h"

/* What --kernel is, from its first bytes. */
enum kernel_kind {
	KERNEL_BZIMAGE, /* boot_linux(): 64-bit entry of the boot protocol */
	KERNEL_PVH,	/* an ELF vmlinux: boot_pvh() */
};

struct vm_inputs {
	struct mapped_file kernel;
	struct mapped_file initrd; /* not open when no initrd */
	enum kernel_kind kind;
	struct bzimage_info bz; /* KERNEL_BZIMAGE */
	struct pvh_info pvh;	/* KERNEL_PVH */
};

/* Map and check the kernel and initrd: readable regular files, a valid
 * bzImage or (a file with the ELF magic) PVH vmlinux, kernel + initrd
 * fitting in mem bytes of RAM, cmdline within the kernel's limit. */
int inputs_load(struct vm_inputs *in, const char *kernel, const char *initrd, const char *cmdline,
		uint64_t mem, struct err *e);
/* After a guest reset: map the files opened by inputs_load again (their
 * paths may be out of reach in --jail) and check them as inputs_load did. */
int inputs_reload(struct vm_inputs *in, const char *cmdline, uint64_t mem, struct err *e);
/* Unmap the files (once they are copied into guest RAM); they stay open for
 * inputs_reload. Safe to repeat. */
void inputs_release(struct vm_inputs *in);
/* Unmap and close. Safe to repeat. */
void inputs_close(struct vm_inputs *in);

#endif
