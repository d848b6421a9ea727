/* The VM exits that reach minivmm (KVM_RUN returning to user space), counted
 * per vCPU by its own thread: by reason, by I/O port and by MMIO address.
 * --boot-time prints them at the guest's boot signal, with minivmm's own
 * start-up cost, so what dominates a boot is counted, not guessed
 * (docs/boot.md). Exits KVM handles in the kernel (LAPIC, IOAPIC, PIT,
 * ioeventfd kicks) never reach us and are not here. */
#ifndef MINIVMM_EXIT_STATS_H
#define MINIVMM_EXIT_STATS_H

#include <stdint.h>
#include <stdio.h>

#define EXIT_STATS_REASONS 64 /* KVM_EXIT_* numbers are below this */
#define EXIT_STATS_SLOTS   32 /* distinct ports / MMIO addresses per vCPU */

/* minivmm's set-up before the guest runs, in steps whose end times the
 * report shows (a reboot records only the steps it repeats). */
enum startup_step {
	STARTUP_HOST,	 /* images, TAPs, console, /dev/kvm checked and opened, jail */
	STARTUP_SANDBOX, /* seccomp filters built */
	STARTUP_VM,	 /* KVM VM, guest RAM, irqchip */
	STARTUP_DEVICES, /* every device model */
	STARTUP_BOOT,	 /* kernel, initrd and tables in RAM, vCPUs created */
	STARTUP_STEPS,
};

struct exit_count {
	uint64_t key; /* port or address + 1; 0: a free slot */
	uint64_t count;
};

/* One vCPU's counts: written by its thread only, read by any (relaxed). */
struct exit_stats {
	uint64_t reasons[EXIT_STATS_REASONS];
	struct exit_count io[EXIT_STATS_SLOTS];
	struct exit_count mmio[EXIT_STATS_SLOTS];
	uint64_t io_other, mmio_other; /* accesses past a full table */
};

/* Count one exit; addr is the port (KVM_EXIT_IO) or the guest-physical
 * address (KVM_EXIT_MMIO), ignored for other reasons. */
void exit_stats_count(struct exit_stats *s, uint32_t reason, uint64_t addr);
/* Add s's counts into total (a private copy, not shared with a vCPU). */
void exit_stats_add(struct exit_stats *total, const struct exit_stats *s);
/* The up to max entries of table with the highest counts, highest first.
 * Returns how many. */
unsigned exit_stats_top(const struct exit_count table[EXIT_STATS_SLOTS], struct exit_count *out,
			unsigned max);
/* "io", "mmio", "hlt", ... or NULL for a reason without a name. */
const char *exit_reason_name(uint32_t reason);

struct vm;
/* The --boot-time report at the guest's boot signal, a few lines starting
 * "minivmm: boot-": start-up (start_ns to the first KVM_RUN, wall and CPU),
 * exits so far by reason, the top I/O ports and MMIO addresses with the
 * device that owns them. */
void exit_stats_report(struct vm *vm, uint64_t start_ns, FILE *out);

#endif
