/* User namespace id maps: which host ids the container's ids stand for. */
#ifndef MINICTR_IDMAP_H
#define MINICTR_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define IDMAP_MAX 5 /* the kernel accepts at most 340 lines; we need one */

struct idmap_range {
	uint32_t inside, outside, count;
};

struct idmap {
	struct idmap_range r[IDMAP_MAX];
	size_t n;
};

/* Default when none is given: root maps to 100000..165535 when we are root
 * (an unprivileged range no real user owns), else to the caller's own id. */
void idmap_default(struct idmap *m, uint32_t caller_id);
/* One range "0 HOSTID COUNT". */
void idmap_single(struct idmap *m, uint32_t host_id, uint32_t count);
/* Text as /proc/PID/uid_map wants it: "inside outside count\n" per range. */
int idmap_format(const struct idmap *m, char *buf, size_t len, struct err *e);
/* Parse the same text (as read back from /proc/PID/uid_map, whose columns are
 * padded with spaces). Rejects garbage, overflow, zero counts, overlaps. */
int idmap_parse(const char *text, struct idmap *m, struct err *e);
/* Host id for an id inside the container, or -1 when it is not mapped. */
int64_t idmap_to_host(const struct idmap *m, uint32_t inside);

#endif
