/* An address bus (port I/O or MMIO): devices register address ranges and the
 * vCPU exit path dispatches each access to the range's owner by binary search
 * over a sorted interval table. Overlapping registrations are refused. */
#ifndef MINIVMM_BUS_H
#define MINIVMM_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* offset is relative to the range base. For reads the handler fills data
 * (pre-filled with 0xff); len is 1..8. Handlers may run on any vCPU thread. */
typedef void (*bus_handler)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			    bool is_write);

struct bus_range {
	uint64_t base;
	uint64_t len;
	bus_handler handler;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name; /* "io" or "mmio", for messages */
	pthread_mutex_t lock;
	struct bus_range *ranges; /* sorted by base, non-overlapping */
	unsigned count, cap;
	bool verbose; /* log unclaimed accesses (once per address) */
	uint64_t unclaimed_logged[32];
	unsigned unclaimed_count;
};

void bus_init(struct bus *b, const char *name);
void bus_destroy(struct bus *b);
int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_handler h, void *opaque,
		 const char *name, struct err *e);
/* Remove the range starting exactly at base owned by opaque. */
int bus_unregister(struct bus *b, uint64_t base, void *opaque);
/* Atomically move a range: either the range ends up at new_base, or (on
 * overlap / error) it stays where it was and an error is returned. */
int bus_move(struct bus *b, uint64_t old_base, uint64_t new_base, void *opaque, struct err *e);
/* The name of the range holding addr into buf ("-" when none). */
void bus_name_at(struct bus *b, uint64_t addr, char *buf, size_t len);
/* Returns true when a device claimed the access. Unclaimed reads return all
 * ones; unclaimed writes are ignored. */
bool bus_dispatch(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);

#endif
