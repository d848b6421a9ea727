#include "vmm/bus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	pthread_mutex_init(&b->lock, NULL);
}

void bus_destroy(struct bus *b)
{
	free(b->ranges);
	b->ranges = NULL;
	b->count = b->cap = 0;
	pthread_mutex_destroy(&b->lock);
}

/* Index of the first range whose base is > addr. */
static unsigned upper_bound(const struct bus *b, uint64_t addr)
{
	unsigned lo = 0, hi = b->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (b->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct bus_range *find_locked(const struct bus *b, uint64_t addr)
{
	unsigned i = upper_bound(b, addr);
	const struct bus_range *r;

	if (i == 0)
		return NULL;
	r = &b->ranges[i - 1];
	return addr - r->base < r->len ? r : NULL;
}

/* Would [base, base+len) overlap any range other than skip? Compares
 * inclusive last addresses: a range may end exactly at 2^64, where
 * base + len wraps to 0. Both ranges passed range_valid(). */
static bool overlaps_locked(const struct bus *b, uint64_t base, uint64_t len,
			    const struct bus_range *skip)
{
	uint64_t last = base + (len - 1);

	for (unsigned i = 0; i < b->count; i++) {
		const struct bus_range *r = &b->ranges[i];

		if (r == skip)
			continue;
		if (base <= r->base + (r->len - 1) && r->base <= last)
			return true;
	}
	return false;
}

static int insert_locked(struct bus *b, const struct bus_range *nr)
{
	unsigned at;

	if (b->count == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 16;
		struct bus_range *n = realloc(b->ranges, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->ranges = n;
		b->cap = cap;
	}
	at = upper_bound(b, nr->base);
	memmove(&b->ranges[at + 1], &b->ranges[at], (b->count - at) * sizeof(*nr));
	b->ranges[at] = *nr;
	b->count++;
	return 0;
}

static void remove_locked(struct bus *b, unsigned i)
{
	memmove(&b->ranges[i], &b->ranges[i + 1], (b->count - i - 1) * sizeof(b->ranges[0]));
	b->count--;
}

static int find_index_locked(const struct bus *b, uint64_t base, void *opaque)
{
	for (unsigned i = 0; i < b->count; i++)
		if (b->ranges[i].base == base && b->ranges[i].opaque == opaque)
			return (int)i;
	return -1;
}

static bool range_valid(uint64_t base, uint64_t len)
{
	uint64_t end;

	return len != 0 && !__builtin_add_overflow(base, len - 1, &end);
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_handler h, void *opaque,
		 const char *name, struct err *e)
{
	struct bus_range nr = { base, len, h, opaque, name };
	int r = 0;

	if (!range_valid(base, len) || !h)
		return err_set(e, EINVAL, "%s bus: invalid range for %s", b->name, name);
	pthread_mutex_lock(&b->lock);
	if (overlaps_locked(b, base, len, NULL))
		r = err_set(e, EBUSY,
			    "%s bus: %s at 0x%" PRIx64 "+0x%" PRIx64 " overlaps an existing device",
			    b->name, name, base, len);
	else if (insert_locked(b, &nr) < 0)
		r = err_set(e, ENOMEM, "%s bus: out of memory", b->name);
	pthread_mutex_unlock(&b->lock);
	return r;
}

int bus_unregister(struct bus *b, uint64_t base, void *opaque)
{
	int i;

	pthread_mutex_lock(&b->lock);
	i = find_index_locked(b, base, opaque);
	if (i >= 0)
		remove_locked(b, (unsigned)i);
	pthread_mutex_unlock(&b->lock);
	return i >= 0 ? 0 : -ENOENT;
}

int bus_move(struct bus *b, uint64_t old_base, uint64_t new_base, void *opaque, struct err *e)
{
	struct bus_range moved;
	int i, r = 0;

	pthread_mutex_lock(&b->lock);
	i = find_index_locked(b, old_base, opaque);
	if (i < 0) {
		r = err_set(e, ENOENT, "%s bus: no range at 0x%" PRIx64, b->name, old_base);
		goto out;
	}
	moved = b->ranges[i];
	if (!range_valid(new_base, moved.len) ||
	    overlaps_locked(b, new_base, moved.len, &b->ranges[i])) {
		r = err_set(e, EBUSY, "%s bus: cannot move %s to 0x%" PRIx64, b->name, moved.name,
			    new_base);
		goto out;
	}
	/* Removing frees a slot, so the insert cannot fail for lack of memory. */
	remove_locked(b, (unsigned)i);
	moved.base = new_base;
	insert_locked(b, &moved);
out:
	pthread_mutex_unlock(&b->lock);
	return r;
}

static void log_unclaimed(struct bus *b, uint64_t addr, bool is_write)
{
	for (unsigned i = 0; i < b->unclaimed_count; i++)
		if (b->unclaimed_logged[i] == addr)
			return;
	if (b->unclaimed_count < sizeof(b->unclaimed_logged) / sizeof(b->unclaimed_logged[0]))
		b->unclaimed_logged[b->unclaimed_count++] = addr;
	else
		return;
	fprintf(stderr, "minivmm: unclaimed %s %s at 0x%" PRIx64 "\n", b->name,
		is_write ? "write" : "read", addr);
}

bool bus_dispatch(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	const struct bus_range *r;
	struct bus_range copy;

	if (!is_write)
		memset(data, 0xff, len);
	pthread_mutex_lock(&b->lock);
	r = find_locked(b, addr);
	if (r)
		copy = *r;
	else if (b->verbose)
		log_unclaimed(b, addr, is_write);
	pthread_mutex_unlock(&b->lock);
	if (!r)
		return false;
	/* Called unlocked: a handler may move its own ranges (PCI BAR writes).
	 * Devices live as long as the VM, so the copied pointer stays valid. */
	copy.handler(copy.opaque, addr - copy.base, data, len, is_write);
	return true;
}

void bus_name_at(struct bus *b, uint64_t addr, char *buf, size_t len)
{
	const struct bus_range *r;

	pthread_mutex_lock(&b->lock);
	r = find_locked(b, addr);
	snprintf(buf, len, "%s", r && r->name ? r->name : "-");
	pthread_mutex_unlock(&b->lock);
}
