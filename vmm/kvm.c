/* The KVM side of a VM: /dev/kvm, capabilities, memory slots, irqchip, and
 * the KVM implementations of the interrupt operations devices use. */
#include "vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "vmm/host_kvm.h"
#include "vmm/layout.h"

static int kvm_irq_line(struct vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

static int kvm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};

	/* Returns >0 when delivered, 0 when the guest blocked it. */
	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

static int kvm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, int fd, bool mmio, bool assign)
{
	struct kvm_ioeventfd ioe = {
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = (mmio ? 0 : KVM_IOEVENTFD_FLAG_PIO) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioe) < 0 ? -errno : 0;
}

int kvm_max_vcpus(struct vm *vm)
{
	int n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (n <= 0)
		n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	return n > 0 ? n : 4; /* the API documents 4 when neither cap exists */
}

static int open_dev_kvm(struct err *e)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return err_set(e, ENOENT, "%s", HOST_KVM_NO_DEV_MSG);
	return err_sys(e, "cannot open /dev/kvm (run inside tools/kvmbox if this host "
			  "cannot use KVM)");
}

static int check_caps(int kvm_fd, struct err *e)
{
	static const struct {
		int cap;
		const char *name;
	} needed[] = {
		{ KVM_CAP_IRQCHIP, "IRQCHIP" },
		{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
		{ KVM_CAP_PIT2, "PIT2" },
		{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
		{ KVM_CAP_SIGNAL_MSI, "SIGNAL_MSI" },
		{ KVM_CAP_IOEVENTFD, "IOEVENTFD" },
		{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	};
	int v = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);

	if (v != KVM_API_VERSION)
		return err_set(e, ENOTSUP, "/dev/kvm speaks API version %d, need %d", v,
			       KVM_API_VERSION);
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0)
			return err_set(e, ENOTSUP, "KVM lacks KVM_CAP_%s", needed[i].name);
	return 0;
}

static int set_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
		    struct err *e)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return err_sys(e, "KVM_SET_USER_MEMORY_REGION slot %u", slot);
	return 0;
}

static int map_ram(struct vm *vm, struct err *e)
{
	struct guest_mem *m = &vm->mem;
	/* MAP_NORESERVE: a large --mem costs only the pages the guest touches. */
	void *host = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int r;

	if (host == MAP_FAILED)
		return err_sys(e, "cannot map %llu MiB of guest RAM",
			       (unsigned long long)(m->size >> 20));
	/* Guest RAM never belongs in a core dump of the VMM. */
	madvise(host, m->size, MADV_DONTDUMP);
	guest_mem_layout(m, host, m->size);
	r = set_slot(vm, 0, 0, m->low_size, m->host, e);
	if (r == 0 && m->size > m->low_size)
		r = set_slot(vm, 1, LAYOUT_MEM_HOLE_END, m->size - m->low_size,
			     m->host + m->low_size, e);
	return r;
}

/* Both 8259s start with every line masked. A guest that uses them (acpi=off,
 * the MP table) programs them itself; a hardware-reduced ACPI guest never
 * does, and the reset state (unmasked, vector base 0) would turn an ISA
 * interrupt reaching the PIC into an exception vector. */
static int mask_pic(struct vm *vm)
{
	for (uint32_t chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_PIC_SLAVE; chip++) {
		struct kvm_irqchip ic = { .chip_id = chip };

		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &ic) < 0)
			return -1;
		ic.chip.pic.imr = 0xff;
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &ic) < 0)
			return -1;
	}
	return 0;
}

static int create_irqchip(struct vm *vm, struct err *e)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, LAYOUT_TSS_ADDR) < 0)
		return err_sys(e, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t addr = LAYOUT_IDENTITY_MAP_ADDR;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0)
			return err_sys(e, "KVM_SET_IDENTITY_MAP_ADDR");
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return err_sys(e, "KVM_CREATE_IRQCHIP");
	if (mask_pic(vm) < 0)
		return err_sys(e, "KVM_SET_IRQCHIP (PIC)");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_sys(e, "KVM_CREATE_PIT2");
	return 0;
}

int kvm_open(struct err *e)
{
	_cleanup_close_ int kvm_fd = open_dev_kvm(e);
	int r;

	if (kvm_fd < 0)
		return kvm_fd;
	r = check_caps(kvm_fd, e);
	if (r < 0)
		return r;
	return take_fd(&kvm_fd);
}

int kvm_vm_create(struct vm *vm, int kvm_fd, uint64_t mem_size, unsigned ncpus, struct err *e)
{
	int r, max;

	/* The VM owns a copy: the caller's stays open for the next boot. */
	vm->kvm_fd = fcntl(kvm_fd, F_DUPFD_CLOEXEC, 3);
	if (vm->kvm_fd < 0)
		return err_sys(e, "dup /dev/kvm");
	max = kvm_max_vcpus(vm);
	if (ncpus > (unsigned)max) {
		r = err_set(e, EINVAL, "--cpus %u exceeds this host's KVM limit of %d", ncpus, max);
		kvm_vm_destroy(vm);
		return r;
	}
	vm->ncpus = ncpus;
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vcpu_mmap_size <= 0 || vm->vm_fd < 0) {
		r = err_sys(e, "KVM_CREATE_VM");
		kvm_vm_destroy(vm);
		return r;
	}
	vm->mem.size = mem_size;
	r = map_ram(vm, e);
	if (r == 0)
		r = create_irqchip(vm, e);
	if (r < 0) {
		kvm_vm_destroy(vm);
		return r;
	}
	vm->irq.line = kvm_irq_line;
	vm->irq.msi = kvm_signal_msi;
	vm->irq.ioeventfd = kvm_ioeventfd;
	return 0;
}

void kvm_vm_destroy(struct vm *vm)
{
	if (vm->mem.host)
		munmap(vm->mem.host, vm->mem.size);
	vm->mem.host = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}
