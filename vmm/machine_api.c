/* The control API's calls, answered on the main thread, which owns the VM
 * (vmm/api.h hands them over): state, metrics, pause and resume, shutdown
 * and stop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "vmm/api.h"
#include "vmm/api_json.h"
#include "vmm/console.h"
#include "vmm/exit_status.h"
#include "vmm/machine_state.h"
#include "vmm/vcpu.h"

/* How long every vCPU and I/O thread has to reach its pause point. */
#define PAUSE_TIMEOUT_NS (2000 * 1000000ull)

/* The power button was pressed, or the VM is being stopped. */
static bool shutting_down(struct machine *m)
{
	return m->shutdown_deadline_ns || vm_stopping(&m->vm);
}

static const char *vm_state(struct machine *m)
{
	if (shutting_down(m))
		return "shutting-down";
	return m->paused ? "paused" : "running";
}

static uint64_t uptime_ms(const struct machine *m)
{
	return (monotonic_ns() - m->start_ns) / 1000000;
}

static char *vm_json(struct machine *m, const struct vmm_options *o, const struct vm_inputs *in)
{
	struct api_vm_info info = {
		.state = vm_state(m),
		.vcpus = o->cpus,
		.memory_mib = o->mem >> 20,
		.uptime_ms = uptime_ms(m),
		.boots = m->boots,
		.kernel = o->kernel,
		.kernel_kind = in->kind == KERNEL_PVH ? "pvh" : "bzimage",
	};
	char uuid[37], ids[API_MAX_DISKS + API_MAX_NICS][8], macs[API_MAX_NICS][NET_MAC_STR_LEN];

	uuid_unparse(m->vm.uuid, uuid);
	info.uuid = uuid;
	for (unsigned i = 0; i < m->ndisks && i < API_MAX_DISKS; i++) {
		const struct disk_config *d = &m->disks[i];

		snprintf(ids[i], sizeof(ids[i]), "blk%u", i);
		info.disks[i] = (struct api_disk_info){
			.id = ids[i],
			.path = d->path,
			.read_only = d->readonly,
			.cache = d->cache == DISK_CACHE_UNSAFE ? "unsafe" : "writeback",
			.serial = d->has_serial ? d->serial : NULL,
			.size_bytes = d->size,
		};
		info.ndisks = i + 1;
	}
	for (unsigned i = 0; i < m->nnics && i < API_MAX_NICS; i++) {
		char *id = ids[API_MAX_DISKS + i];
		uint8_t mac[NET_MAC_LEN];

		snprintf(id, sizeof(ids[0]), "net%u", i);
		/* The NIC's address as the device has it (derived when not given). */
		if (m->nics[i].has_mac)
			memcpy(mac, m->nics[i].mac, sizeof(mac));
		else
			net_default_mac(m->vm.uuid, i, mac);
		net_format_mac(mac, macs[i]);
		info.nics[i] = (struct api_nic_info){ .id = id,
						      .tap = m->nics[i].ifname,
						      .mac = macs[i] };
		info.nnics = i + 1;
	}
	return api_json_vm(&info);
}

static void copy_metrics(struct api_dev_metrics *out, const struct dev_metrics *d)
{
	out->id = d->id;
	out->requests = metric_read(&d->requests);
	out->read_bytes = metric_read(&d->read_bytes);
	out->write_bytes = metric_read(&d->write_bytes);
	out->errors = metric_read(&d->errors);
	out->tx_packets = metric_read(&d->tx_packets);
	out->tx_bytes = metric_read(&d->tx_bytes);
	out->tx_dropped = metric_read(&d->tx_dropped);
	out->rx_packets = metric_read(&d->rx_packets);
	out->rx_bytes = metric_read(&d->rx_bytes);
	out->rx_dropped = metric_read(&d->rx_dropped);
}

static char *metrics_json(const struct machine *m)
{
	struct api_metrics met = {
		.uptime_ms = uptime_ms(m),
		.console_dropped_bytes = console_dropped(m->console),
	};
	struct exit_stats exits;

	/* Each vCPU's counts are its own thread's; a relaxed snapshot. */
	memset(&exits, 0, sizeof(exits));
	for (unsigned i = 0; m->vm.exit_stats && i < m->vm.ncpus; i++)
		exit_stats_add(&exits, &m->vm.exit_stats[i]);
	met.exits = &exits;
	for (unsigned i = 0; i < m->vm.ndev_metrics; i++) {
		const struct dev_metrics *d = &m->vm.dev_metrics[i];

		if (!strncmp(d->id, "blk", 3) && met.ndisks < API_MAX_DISKS)
			copy_metrics(&met.disks[met.ndisks++], d);
		else if (!strncmp(d->id, "net", 3) && met.nnics < API_MAX_NICS)
			copy_metrics(&met.nics[met.nnics++], d);
	}
	return api_json_metrics(&met);
}

static void kick_vcpus(void *arg)
{
	struct machine *m = arg;

	vcpus_kick(m->vcpus, m->vm.ncpus);
}

void machine_resume(struct machine *m)
{
	if (!m->paused)
		return;
	vm_resume(&m->vm);
	m->paused = false;
}

/* PUT /vm/pause: 200 with the state, or why not. */
static int pause_vm(struct machine *m, char **body)
{
	int r;

	if (shutting_down(m)) {
		*body = api_json_error("the VM is shutting down");
		return 409;
	}
	if (m->paused) {
		*body = api_json_state("paused");
		return 200;
	}
	r = vm_pause(&m->vm, kick_vcpus, m, PAUSE_TIMEOUT_NS);
	if (r < 0) {
		vm_resume(&m->vm);
		*body = api_json_error(r == -ETIMEDOUT ?
					       "the VM's threads did not pause within 2 s" :
					       "the VM is stopping");
		return r == -ETIMEDOUT ? 500 : 409;
	}
	m->paused = true;
	*body = api_json_state("paused");
	return 200;
}

/* PUT /vm/snapshot: only a paused VM holds still. */
static int snapshot_vm(struct machine *m, const struct vmm_options *o, const char *dir, char **body)
{
	struct machine_snapshot_info info;
	struct err e = { 0 };

	if (!m->paused) {
		*body = api_json_error("pause the VM first (PUT /vm/pause)");
		return 409;
	}
	if (machine_snapshot(m, o, dir, &info, &e) < 0) {
		*body = api_json_error(e.msg);
		/* The directory or a file in it: the client's to fix. */
		return e.code == EEXIST || e.code == ENOENT || e.code == EACCES ||
				       e.code == EROFS || e.code == ENOTDIR ||
				       e.code == ENAMETOOLONG ?
			       400 :
			       500;
	}
	*body = api_json_snapshot(dir, info.memory_bytes, info.state_bytes, info.ms);
	return 200;
}

void machine_api_call(struct machine *m, const struct vmm_options *o, const struct vm_inputs *in)
{
	struct api_call *c = api_take_call(m->api);
	char *body = NULL;
	int status = 200;

	if (!c)
		return;
	switch (c->op) {
	case API_GET_VM: body = vm_json(m, o, in); break;
	case API_GET_METRICS: body = metrics_json(m); break;
	case API_PAUSE: status = pause_vm(m, &body); break;
	case API_RESUME:
		if (shutting_down(m)) {
			status = 409;
			body = api_json_error("the VM is shutting down");
			break;
		}
		machine_resume(m);
		body = api_json_state("running");
		break;
	case API_SHUTDOWN:
		machine_start_shutdown(m, o, "PUT /vm/shutdown");
		body = api_json_state("shutting-down");
		break;
	case API_SNAPSHOT: status = snapshot_vm(m, o, c->path, &body); break;
	case API_STOP:
		body = api_json_state("stopping");
		api_reply(m->api, c, 200, body);
		vm_request_stop(&m->vm, EXIT_API_STOP);
		return;
	}
	if (!body)
		status = 500; /* out of memory: an empty answer */
	api_reply(m->api, c, status, body);
}
