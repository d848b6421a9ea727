#include "vmm/exit_stats.h"

#include <inttypes.h>
#include <linux/kvm.h>
#include <string.h>

#include "vmm/vm.h"

#define TOP_ENTRIES 8

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Single writer: a relaxed load and store is enough for readers elsewhere. */
static void bump(uint64_t *p, uint64_t by)
{
	__atomic_store_n(p, load(p) + by, __ATOMIC_RELAXED);
}

/* Find or claim addr's slot (linear probing over a small table); NULL when
 * the table is full. */
static struct exit_count *slot(struct exit_count *t, uint64_t addr)
{
	uint64_t key = addr + 1;
	unsigned h = (unsigned)((addr * 0x9e3779b97f4a7c15ull) >> 59) % EXIT_STATS_SLOTS;

	for (unsigned i = 0; i < EXIT_STATS_SLOTS; i++) {
		struct exit_count *c = &t[(h + i) % EXIT_STATS_SLOTS];
		uint64_t k = load(&c->key);

		if (k == key)
			return c;
		if (k == 0) {
			__atomic_store_n(&c->key, key, __ATOMIC_RELAXED);
			return c;
		}
	}
	return NULL;
}

static void count_in(struct exit_count *t, uint64_t *other, uint64_t addr, uint64_t by)
{
	struct exit_count *c = slot(t, addr);

	bump(c ? &c->count : other, by);
}

void exit_stats_count(struct exit_stats *s, uint32_t reason, uint64_t addr)
{
	bump(&s->reasons[reason < EXIT_STATS_REASONS ? reason : 0], 1);
	if (reason == KVM_EXIT_IO)
		count_in(s->io, &s->io_other, addr, 1);
	else if (reason == KVM_EXIT_MMIO)
		count_in(s->mmio, &s->mmio_other, addr, 1);
}

static void add_table(struct exit_count *total, uint64_t *total_other, const struct exit_count *t)
{
	for (unsigned i = 0; i < EXIT_STATS_SLOTS; i++) {
		uint64_t key = load(&t[i].key), n = load(&t[i].count);

		if (key && n)
			count_in(total, total_other, key - 1, n);
	}
}

void exit_stats_add(struct exit_stats *total, const struct exit_stats *s)
{
	for (unsigned i = 0; i < EXIT_STATS_REASONS; i++)
		total->reasons[i] += load(&s->reasons[i]);
	add_table(total->io, &total->io_other, s->io);
	add_table(total->mmio, &total->mmio_other, s->mmio);
	total->io_other += load(&s->io_other);
	total->mmio_other += load(&s->mmio_other);
}

/* Does a rank above b: more exits, or as many at a lower address. */
static int ranks_above(const struct exit_count *a, const struct exit_count *b)
{
	return a->count > b->count || (a->count == b->count && a->key < b->key);
}

unsigned exit_stats_top(const struct exit_count table[EXIT_STATS_SLOTS], struct exit_count *out,
			unsigned max)
{
	struct exit_count all[EXIT_STATS_SLOTS];
	unsigned n = 0;

	for (unsigned i = 0; i < EXIT_STATS_SLOTS; i++) {
		struct exit_count c = { load(&table[i].key), load(&table[i].count) };

		if (c.key && c.count)
			all[n++] = c;
	}
	/* Selection of the first max: the table is small. */
	for (unsigned i = 0; i < n && i < max; i++) {
		unsigned best = i;

		for (unsigned j = i + 1; j < n; j++)
			if (ranks_above(&all[j], &all[best]))
				best = j;
		out[i] = all[best];
		all[best] = all[i];
	}
	return n < max ? n : max;
}

const char *exit_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "unknown",
		[KVM_EXIT_IO] = "io",
		[KVM_EXIT_HLT] = "hlt",
		[KVM_EXIT_MMIO] = "mmio",
		[KVM_EXIT_SHUTDOWN] = "shutdown",
		[KVM_EXIT_FAIL_ENTRY] = "fail-entry",
		[KVM_EXIT_INTR] = "intr",
		[KVM_EXIT_INTERNAL_ERROR] = "internal-error",
		[KVM_EXIT_SYSTEM_EVENT] = "system-event",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : NULL;
}

static void print_top(struct bus *bus, const char *what, const struct exit_count *table,
		      uint64_t other, FILE *out)
{
	struct exit_count top[TOP_ENTRIES];
	unsigned n = exit_stats_top(table, top, TOP_ENTRIES);
	char line[1024];
	size_t used = 0;

	if (!n)
		return;
	for (unsigned i = 0; i < n && used < sizeof(line); i++) {
		char name[32];
		uint64_t addr = top[i].key - 1;

		bus_name_at(bus, addr, name, sizeof(name));
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s0x%" PRIx64 " %s %" PRIu64, i ? ", " : "", addr, name,
					 top[i].count);
	}
	if (other && used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, ", more %" PRIu64, other);
	fprintf(out, "minivmm: boot-exits-%s: %s\n", what, line);
}

static void print_startup(const struct vm *vm, uint64_t start_ns, uint64_t run_ns, FILE *out)
{
	static const char *const names[STARTUP_STEPS] = {
		[STARTUP_HOST] = "host side",  [STARTUP_SANDBOX] = "sandbox", [STARTUP_VM] = "vm",
		[STARTUP_DEVICES] = "devices", [STARTUP_BOOT] = "boot",
	};
	uint64_t from = start_ns;
	char line[512];
	size_t used = 0;

	for (unsigned i = 0; i < STARTUP_STEPS && used < sizeof(line); i++) {
		uint64_t at = vm->startup_ns[i];

		if (!at || at < from)
			continue;
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s %s %.2f",
					 used ? "," : "", names[i], (double)(at - from) / 1e6);
		from = at;
	}
	if (used < sizeof(line) && run_ns >= from)
		snprintf(line + used, sizeof(line) - used, "%s threads %.2f", used ? "," : "",
			 (double)(run_ns - from) / 1e6);
	fprintf(out,
		"minivmm: boot-startup: first KVM_RUN %.2f ms after start, %.2f ms CPU (ms:%s)\n",
		(double)(run_ns - start_ns) / 1e6, (double)vm->first_run_cpu_ns / 1e6, line);
}

void exit_stats_report(struct vm *vm, uint64_t start_ns, FILE *out)
{
	struct exit_stats total;
	uint64_t run_ns = __atomic_load_n(&vm->first_run_ns, __ATOMIC_ACQUIRE);
	uint64_t all = 0;
	char line[1024];
	size_t used = 0;

	if (run_ns >= start_ns && run_ns)
		print_startup(vm, start_ns, run_ns, out);
	if (!vm->exit_stats)
		return;
	memset(&total, 0, sizeof(total));
	for (unsigned i = 0; i < vm->ncpus; i++)
		exit_stats_add(&total, &vm->exit_stats[i]);
	for (unsigned r = 0; r < EXIT_STATS_REASONS; r++) {
		const char *name = exit_reason_name(r);

		all += total.reasons[r];
		if (!total.reasons[r] || used >= sizeof(line))
			continue;
		if (name)
			used += (size_t)snprintf(line + used, sizeof(line) - used, ", %s %" PRIu64,
						 name, total.reasons[r]);
		else
			used += (size_t)snprintf(line + used, sizeof(line) - used,
						 ", reason %u %" PRIu64, r, total.reasons[r]);
	}
	fprintf(out, "minivmm: boot-exits: %" PRIu64 " to minivmm%s\n", all, line);
	print_top(&vm->io_bus, "io", total.io, total.io_other, out);
	print_top(&vm->mmio_bus, "mmio", total.mmio, total.mmio_other, out);
}
