#include "vmm/api_json.h"

#include <jansson.h>

/* Take ownership of v (NULL when a builder failed): its compact text. */
static char *dump(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(v);
	return s;
}

static json_t *disk_json(const struct api_disk_info *d)
{
	return json_pack("{s:s, s:s, s:b, s:s, s:s?, s:I}", "id", d->id, "path", d->path,
			 "read_only", d->read_only, "cache", d->cache, "serial", d->serial,
			 "size_bytes", (json_int_t)d->size_bytes);
}

static json_t *nic_json(const struct api_nic_info *n)
{
	return json_pack("{s:s, s:s, s:s}", "id", n->id, "tap", n->tap, "mac", n->mac);
}

void api_json_init(void)
{
	/* jansson seeds its hash tables from /dev/urandom on first use: do it
	 * now, before the sandbox forbids opening files. */
	json_object_seed(0);
}

char *api_json_vm(const struct api_vm_info *vm)
{
	json_t *disks = json_array(), *nics = json_array();

	for (unsigned i = 0; disks && i < vm->ndisks && i < API_MAX_DISKS; i++)
		json_array_append_new(disks, disk_json(&vm->disks[i]));
	for (unsigned i = 0; nics && i < vm->nnics && i < API_MAX_NICS; i++)
		json_array_append_new(nics, nic_json(&vm->nics[i]));
	/* "o" steals the arrays, also when packing fails. */
	return dump(json_pack(
		"{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:o*, s:o*}", "state", vm->state, "uuid",
		vm->uuid, "vcpus", (json_int_t)vm->vcpus, "memory_mib", (json_int_t)vm->memory_mib,
		"uptime_ms", (json_int_t)vm->uptime_ms, "boots", (json_int_t)vm->boots, "kernel",
		vm->kernel, "kernel_kind", vm->kernel_kind, "disks", disks, "nics", nics));
}

static json_t *exits_json(const struct exit_stats *s)
{
	json_t *o = json_object();
	uint64_t total = 0;

	for (unsigned r = 0; o && s && r < EXIT_STATS_REASONS; r++) {
		const char *name = exit_reason_name(r);

		total += s->reasons[r];
		if (s->reasons[r] && name)
			json_object_set_new(o, name, json_integer((json_int_t)s->reasons[r]));
	}
	if (o)
		json_object_set_new(o, "total", json_integer((json_int_t)total));
	return o;
}

static json_t *disk_metrics_json(const struct api_dev_metrics *d)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "id", d->id, "requests",
			 (json_int_t)d->requests, "read_bytes", (json_int_t)d->read_bytes,
			 "write_bytes", (json_int_t)d->write_bytes, "errors",
			 (json_int_t)d->errors);
}

static json_t *nic_metrics_json(const struct api_dev_metrics *n)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "id", n->id, "tx_packets",
			 (json_int_t)n->tx_packets, "tx_bytes", (json_int_t)n->tx_bytes,
			 "tx_dropped", (json_int_t)n->tx_dropped, "rx_packets",
			 (json_int_t)n->rx_packets, "rx_bytes", (json_int_t)n->rx_bytes,
			 "rx_dropped", (json_int_t)n->rx_dropped);
}

char *api_json_metrics(const struct api_metrics *m)
{
	json_t *disks = json_array(), *nics = json_array();

	for (unsigned i = 0; disks && i < m->ndisks && i < API_MAX_DISKS; i++)
		json_array_append_new(disks, disk_metrics_json(&m->disks[i]));
	for (unsigned i = 0; nics && i < m->nnics && i < API_MAX_NICS; i++)
		json_array_append_new(nics, nic_metrics_json(&m->nics[i]));
	return dump(json_pack("{s:I, s:o*, s:{s:I}, s:o*, s:o*}", "uptime_ms",
			      (json_int_t)m->uptime_ms, "vm_exits", exits_json(m->exits), "console",
			      "dropped_bytes", (json_int_t)m->console_dropped_bytes, "disks", disks,
			      "nics", nics));
}

char *api_json_snapshot(const char *path, uint64_t memory_bytes, uint64_t state_bytes, uint64_t ms)
{
	return dump(json_pack("{s:s, s:I, s:I, s:I}", "path", path, "memory_bytes",
			      (json_int_t)memory_bytes, "state_bytes", (json_int_t)state_bytes,
			      "ms", (json_int_t)ms));
}

char *api_json_state(const char *state)
{
	return dump(json_pack("{s:s}", "state", state));
}

char *api_json_error(const char *message)
{
	return dump(json_pack("{s:s}", "error", message));
}
