/* Taking a snapshot of the paused machine (PUT /vm/snapshot) and applying
 * one to a freshly built machine (--restore), on the main thread. The files
 * and their checks are vmm/snapshot.c's; KVM's state is vmm/kvm_state.c's;
 * each device saves and restores its own. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "vmm/kvm_state.h"
#include "vmm/machine_state.h"
#include "vmm/snapshot.h"
#include "vmm/vcpu.h"

/* Guest RAM is written in chunks of this size; an all-zero chunk is left as
 * a hole (a guest uses little of a large --mem). */
#define MEMORY_CHUNK (64u << 10)

/* The RAM layout the memory file follows: total and below-the-hole sizes. */
struct memory_layout {
	uint64_t size, low_size;
};

static bool all_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zero[256];

	for (size_t off = 0; off < len; off += sizeof(zero))
		if (memcmp(p + off, zero, len - off < sizeof(zero) ? len - off : sizeof(zero)))
			return false;
	return true;
}

static int write_all_at(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file in dir (never an existing one: the sandbox allows only
 * O_CREAT | O_EXCL, write-only). */
static int create_in(const char *dir, const char *name, struct err *e)
{
	char path[SNAPSHOT_PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name), fd;

	if (n < 0 || n >= (int)sizeof(path))
		return err_set(e, ENAMETOOLONG, "%s: path too long", dir);
	fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	return fd < 0 ? err_sys(e, "%s", path) : fd;
}

static int write_memory(const struct guest_mem *mem, const char *dir, struct err *e)
{
	_cleanup_close_ int fd = create_in(dir, SNAPSHOT_MEMORY_FILE, e);
	int r = 0;

	if (fd < 0)
		return fd;
	for (uint64_t off = 0; r == 0 && off < mem->size; off += MEMORY_CHUNK) {
		size_t len = mem->size - off < MEMORY_CHUNK ? (size_t)(mem->size - off) :
							      MEMORY_CHUNK;

		if (!all_zero(mem->host + off, len))
			r = write_all_at(fd, mem->host + off, len, off);
	}
	/* The holes up to the end, then on disk before the state says done. */
	if (r == 0 && ftruncate(fd, (off_t)mem->size) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r < 0 ? err_set(e, r, "%s/%s: writing guest RAM", dir, SNAPSHOT_MEMORY_FILE) : 0;
}

static int save_devices(struct machine *m, struct snap_writer *w, struct err *e)
{
	int r = serial_snapshot(m->serial, w, 0);

	if (r == 0)
		r = i8042_snapshot(m->kbd, w, 0);
	if (r == 0)
		r = rtc_snapshot(m->rtc, w, 0);
	if (r == 0)
		r = acpi_pm_snapshot(m->pm, w, 0);
	if (r == 0)
		r = pci_host_snapshot(m->pci, w);
	return r < 0 ? err_set(e, r, "saving the devices' state") : 0;
}

static int build_state(struct machine *m, const struct vmm_options *o, struct snap_writer *w,
		       struct err *e)
{
	struct memory_layout layout = { m->vm.mem.size, m->vm.mem.low_size };
	_cleanup_free_ char *config = snapshot_config_json(o);
	int r;

	if (!config)
		return err_set(e, ENOMEM, "out of memory");
	r = snap_put(w, SNAP_VM_CONFIG, 0, config, strlen(config));
	if (r == 0)
		r = snap_put(w, SNAP_MEMORY_LAYOUT, 0, &layout, sizeof(layout));
	if (r < 0)
		return err_set(e, r, "storing the VM's configuration");
	r = kvm_state_save_vm(m->vm.vm_fd, w, e);
	if (r == 0)
		r = save_devices(m, w, e);
	for (unsigned i = 0; r == 0 && i < m->vm.ncpus; i++)
		r = kvm_state_save_vcpu(m->vm.kvm_fd, m->vcpus[i].fd, i, w, e);
	return r;
}

static int write_state(const uint8_t *buf, size_t len, const char *dir, struct err *e)
{
	_cleanup_close_ int fd = create_in(dir, SNAPSHOT_STATE_FILE, e);
	int r;

	if (fd < 0)
		return fd;
	r = write_all_at(fd, buf, len, 0);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r < 0 ? err_set(e, r, "%s/%s: writing the state", dir, SNAPSHOT_STATE_FILE) : 0;
}

int machine_snapshot(struct machine *m, const struct vmm_options *o, const char *dir,
		     struct machine_snapshot_info *info, struct err *e)
{
	struct snap_writer w;
	struct snap_host host;
	_cleanup_free_ uint8_t *state = NULL;
	uint64_t t0 = monotonic_ns();
	size_t len = 0;
	int r;

	if (mkdirat(AT_FDCWD, dir, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "%s", dir);
	kvm_state_this_host(&host);
	snap_writer_init(&w, &host);
	r = build_state(m, o, &w, e);
	if (r == 0 && snap_writer_finish(&w, &state, &len) < 0)
		r = err_set(e, ENOMEM, "out of memory");
	snap_writer_free(&w);
	/* Memory first: a directory without its state file is unfinished. */
	if (r == 0)
		r = write_memory(&m->vm.mem, dir, e);
	if (r == 0)
		r = write_state(state, len, dir, e);
	if (r < 0)
		return r;
	info->memory_bytes = m->vm.mem.size;
	info->state_bytes = len;
	info->ms = (monotonic_ns() - t0) / 1000000;
	return 0;
}

/* Guest RAM becomes the memory file, privately: the guest's writes stay in
 * this process, and pages are read only when touched, so restoring does
 * not grow with the size of RAM. */
static int map_memory(struct machine *m, const struct snapshot_restore *rs, struct err *e)
{
	struct guest_mem *mem = &m->vm.mem;
	struct memory_layout layout;
	int r = snap_get_exact(rs->idx, SNAP_MEMORY_LAYOUT, 0, &layout, sizeof(layout), e);

	if (r < 0)
		return r;
	if (layout.size != mem->size || layout.low_size != mem->low_size)
		return err_set(e, EINVAL,
			       "the snapshot's RAM layout (%llu bytes, %llu low) is not this VM's",
			       (unsigned long long)layout.size,
			       (unsigned long long)layout.low_size);
	if (mmap(mem->host, mem->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, rs->memory_fd, 0) == MAP_FAILED)
		return err_sys(e, "mapping the snapshot's memory");
	madvise(mem->host, mem->size, MADV_DONTDUMP);
	return 0;
}

static int restore_devices(struct machine *m, const struct snap_index *idx, struct err *e)
{
	int r = serial_restore(m->serial, idx, 0, e);

	if (r == 0)
		r = i8042_restore(m->kbd, idx, 0, e);
	if (r == 0)
		r = rtc_restore(m->rtc, idx, 0, e);
	if (r == 0)
		r = acpi_pm_restore(m->pm, idx, 0, e);
	if (r == 0)
		r = pci_host_restore(m->pci, idx, e);
	return r;
}

int machine_restore(struct machine *m, const struct snapshot_restore *rs, struct err *e)
{
	/* The vCPUs' boot state is overwritten by the snapshot's. */
	struct boot_entry entry;
	int r;

	memset(&entry, 0, sizeof(entry));
	r = map_memory(m, rs, e);
	if (r == 0)
		r = vcpus_create(&m->vm, &entry, &m->vcpus, e);
	if (r == 0)
		r = kvm_state_restore_vm(m->vm.vm_fd, rs->idx, e);
	for (unsigned i = 0; r == 0 && i < m->vm.ncpus; i++)
		r = kvm_state_restore_vcpu(m->vcpus[i].fd, i, rs->idx, e);
	/* Devices last: restoring kicks the live queues, and an interrupt a
	 * completion sends must land in the restored local APICs, not be
	 * overwritten by them. */
	if (r == 0)
		r = restore_devices(m, rs->idx, e);
	return r < 0 ? err_wrap(e, "--restore %s", rs->dir) : 0;
}
