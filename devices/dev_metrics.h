/* Counters a device publishes for the control API's GET /metrics: written
 * only by the device's I/O thread, read by the main thread at any time, so
 * both sides use relaxed atomics (no lock on the I/O path). Slots live in
 * struct vm (vm_dev_metrics()); unit tests and fuzzers pass none. */
#ifndef MINIVMM_DEV_METRICS_H
#define MINIVMM_DEV_METRICS_H

#include <stdint.h>

struct dev_metrics {
	char id[8]; /* "blk0", "net1": the device's name */
	/* Disks: requests done, bytes read by / written for the guest,
	 * requests that failed (an error status or a broken chain). */
	uint64_t requests, read_bytes, write_bytes, errors;
	/* NICs: frames to and from the TAP, and dropped ones. */
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t rx_packets, rx_bytes, rx_dropped;
};

/* The writer's add: only its own thread writes the counter. */
static inline void metric_add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline void metric_set(uint64_t *counter, uint64_t v)
{
	__atomic_store_n(counter, v, __ATOMIC_RELAXED);
}

static inline uint64_t metric_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

#endif
