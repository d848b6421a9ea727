#include "vmm/kvm_state.h"

#include <cpuid.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/cleanup.h"

/* One fixed-size vCPU register block: its section and its KVM ioctls. */
struct vcpu_block {
	uint32_t tag;
	unsigned long get, set;
	size_t size;
	const char *what;
};

/* In the order restore applies them (after CPUID, set at creation): MP
 * state first, MSRs after the LAPIC and registers they depend on, pending
 * events last, as KVM's own users do. The MSRs go between LAPIC and events. */
static const struct vcpu_block blocks_before_msrs[] = {
	{ SNAP_VCPU_MP_STATE, KVM_GET_MP_STATE, KVM_SET_MP_STATE, sizeof(struct kvm_mp_state),
	  "MP state" },
	{ SNAP_VCPU_REGS, KVM_GET_REGS, KVM_SET_REGS, sizeof(struct kvm_regs), "registers" },
	{ SNAP_VCPU_SREGS, KVM_GET_SREGS, KVM_SET_SREGS, sizeof(struct kvm_sregs),
	  "special registers" },
	{ SNAP_VCPU_XSAVE, KVM_GET_XSAVE, KVM_SET_XSAVE, sizeof(struct kvm_xsave), "XSAVE area" },
	{ SNAP_VCPU_XCRS, KVM_GET_XCRS, KVM_SET_XCRS, sizeof(struct kvm_xcrs), "XCRs" },
	{ SNAP_VCPU_DEBUGREGS, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, sizeof(struct kvm_debugregs),
	  "debug registers" },
	{ SNAP_VCPU_LAPIC, KVM_GET_LAPIC, KVM_SET_LAPIC, sizeof(struct kvm_lapic_state),
	  "local APIC" },
};

static const struct vcpu_block events_block = { SNAP_VCPU_EVENTS, KVM_GET_VCPU_EVENTS,
						KVM_SET_VCPU_EVENTS, sizeof(struct kvm_vcpu_events),
						"pending events" };

/* The largest block above (the XSAVE area). */
#define MAX_BLOCK sizeof(struct kvm_xsave)

static int save_block(int vcpu_fd, uint32_t index, const struct vcpu_block *b,
		      struct snap_writer *w, struct err *e)
{
	_cleanup_free_ void *buf = calloc(1, MAX_BLOCK);
	int r;

	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	if (ioctl(vcpu_fd, b->get, buf) < 0)
		return err_sys(e, "vCPU %u: reading its %s", index, b->what);
	r = snap_put(w, b->tag, index, buf, b->size);
	return r < 0 ? err_set(e, r, "vCPU %u: storing its %s", index, b->what) : 0;
}

static int restore_block(int vcpu_fd, uint32_t index, const struct vcpu_block *b,
			 const struct snap_index *idx, struct err *e)
{
	_cleanup_free_ void *buf = calloc(1, MAX_BLOCK);
	int r;

	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	r = snap_get_exact(idx, b->tag, index, buf, b->size, e);
	if (r < 0)
		return r;
	if (ioctl(vcpu_fd, b->set, buf) < 0)
		return err_sys(e, "vCPU %u: KVM refused its %s", index, b->what);
	return 0;
}

/* The MSR indices KVM saves and restores for us. */
static struct kvm_msr_list *msr_index_list(int kvm_fd, struct err *e)
{
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + KVM_STATE_MAX_MSRS *
								      sizeof(list->indices[0]));

	if (!list) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	list->nmsrs = KVM_STATE_MAX_MSRS;
	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		err_sys(e, "KVM_GET_MSR_INDEX_LIST");
		free(list);
		return NULL;
	}
	return list;
}

static struct kvm_msrs *alloc_msrs(void)
{
	return calloc(1,
		      sizeof(struct kvm_msrs) + KVM_STATE_MAX_MSRS * sizeof(struct kvm_msr_entry));
}

/* Read every listed MSR KVM will give into out: KVM_GET_MSRS stops at the
 * first one it refuses, which is left out. Each round moves past at least
 * one index, so the loop ends. */
static int read_msrs(int vcpu_fd, const struct kvm_msr_list *list, struct kvm_msrs *out)
{
	_cleanup_free_ struct kvm_msrs *scratch = alloc_msrs();
	uint32_t total = list->nmsrs < KVM_STATE_MAX_MSRS ? list->nmsrs : KVM_STATE_MAX_MSRS;
	uint32_t next = 0;

	if (!scratch)
		return -ENOMEM;
	out->nmsrs = 0;
	while (next < total) {
		uint32_t want = total - next;
		int got;

		scratch->nmsrs = want;
		for (uint32_t i = 0; i < want; i++)
			scratch->entries[i] = (struct kvm_msr_entry){
				.index = list->indices[next + i]
			};
		got = ioctl(vcpu_fd, KVM_GET_MSRS, scratch);
		if (got < 0)
			return -errno;
		if ((uint32_t)got > want)
			got = (int)want;
		memcpy(&out->entries[out->nmsrs], scratch->entries,
		       (size_t)got * sizeof(scratch->entries[0]));
		out->nmsrs += (uint32_t)got;
		next += (uint32_t)got;
		if ((uint32_t)got < want)
			next++; /* refused: not part of this vCPU's state */
	}
	return 0;
}

static int save_msrs(int kvm_fd, int vcpu_fd, uint32_t index, struct snap_writer *w, struct err *e)
{
	_cleanup_free_ struct kvm_msr_list *list = msr_index_list(kvm_fd, e);
	_cleanup_free_ struct kvm_msrs *msrs = alloc_msrs();
	int r;

	if (!list)
		return -e->code;
	if (!msrs)
		return err_set(e, ENOMEM, "out of memory");
	r = read_msrs(vcpu_fd, list, msrs);
	if (r < 0)
		return err_set(e, r, "vCPU %u: KVM_GET_MSRS", index);
	r = snap_put(w, SNAP_VCPU_MSRS, index, msrs->entries,
		     msrs->nmsrs * sizeof(msrs->entries[0]));
	return r < 0 ? err_set(e, r, "vCPU %u: storing its MSRs", index) : 0;
}

/* Write the saved MSRs back: all of them, or the first KVM refuses is named. */
static int restore_msrs(int vcpu_fd, uint32_t index, const struct snap_index *idx, struct err *e)
{
	_cleanup_free_ struct kvm_msrs *msrs = alloc_msrs();
	const void *data;
	size_t len;
	uint32_t n;
	int set;

	if (!msrs)
		return err_set(e, ENOMEM, "out of memory");
	if (snap_find(idx, SNAP_VCPU_MSRS, index, &data, &len) < 0)
		return err_set(e, EINVAL, "no %s/%u section", snap_tag_name(SNAP_VCPU_MSRS), index);
	if (len % sizeof(msrs->entries[0]) || len / sizeof(msrs->entries[0]) > KVM_STATE_MAX_MSRS)
		return err_set(e, EINVAL,
			       "vCPU %u: MSR section of %zu bytes is not a list of at most %d",
			       index, len, KVM_STATE_MAX_MSRS);
	n = (uint32_t)(len / sizeof(msrs->entries[0]));
	msrs->nmsrs = n;
	memcpy(msrs->entries, data, len);
	set = ioctl(vcpu_fd, KVM_SET_MSRS, msrs);
	if (set < 0)
		return err_sys(e, "vCPU %u: KVM_SET_MSRS", index);
	if ((uint32_t)set < n)
		return err_set(e, EINVAL, "vCPU %u: KVM refused MSR 0x%x", index,
			       msrs->entries[set].index);
	return 0;
}

int kvm_state_save_vcpu(int kvm_fd, int vcpu_fd, uint32_t index, struct snap_writer *w,
			struct err *e)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(blocks_before_msrs) / sizeof(blocks_before_msrs[0]);
	     i++)
		r = save_block(vcpu_fd, index, &blocks_before_msrs[i], w, e);
	if (r == 0)
		r = save_msrs(kvm_fd, vcpu_fd, index, w, e);
	if (r == 0)
		r = save_block(vcpu_fd, index, &events_block, w, e);
	return r;
}

int kvm_state_restore_vcpu(int vcpu_fd, uint32_t index, const struct snap_index *idx, struct err *e)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(blocks_before_msrs) / sizeof(blocks_before_msrs[0]);
	     i++)
		r = restore_block(vcpu_fd, index, &blocks_before_msrs[i], idx, e);
	if (r == 0)
		r = restore_msrs(vcpu_fd, index, idx, e);
	if (r == 0)
		r = restore_block(vcpu_fd, index, &events_block, idx, e);
	return r;
}

/* The in-kernel irqchip: both 8259s and the IOAPIC, by KVM's chip ids. */
static const uint32_t irqchips[] = { KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE,
				     KVM_IRQCHIP_IOAPIC };

int kvm_state_save_vm(int vm_fd, struct snap_writer *w, struct err *e)
{
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(irqchips) / sizeof(irqchips[0]); i++) {
		struct kvm_irqchip chip = { .chip_id = irqchips[i] };

		if (ioctl(vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
			return err_sys(e, "KVM_GET_IRQCHIP %u", irqchips[i]);
		r = snap_put(w, SNAP_VM_IRQCHIP, irqchips[i], &chip, sizeof(chip));
	}
	if (r == 0 && ioctl(vm_fd, KVM_GET_PIT2, &pit) < 0)
		return err_sys(e, "KVM_GET_PIT2");
	if (r == 0)
		r = snap_put(w, SNAP_VM_PIT, 0, &pit, sizeof(pit));
	memset(&clock, 0, sizeof(clock));
	if (r == 0 && ioctl(vm_fd, KVM_GET_CLOCK, &clock) < 0)
		return err_sys(e, "KVM_GET_CLOCK");
	if (r == 0)
		r = snap_put(w, SNAP_VM_CLOCK, 0, &clock, sizeof(clock));
	return r < 0 ? err_set(e, r, "storing the VM's irqchip, PIT and clock") : 0;
}

int kvm_state_restore_vm(int vm_fd, const struct snap_index *idx, struct err *e)
{
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	int r;

	r = snap_get_exact(idx, SNAP_VM_PIT, 0, &pit, sizeof(pit), e);
	if (r < 0)
		return r;
	if (ioctl(vm_fd, KVM_SET_PIT2, &pit) < 0)
		return err_sys(e, "KVM refused the PIT's state");
	r = snap_get_exact(idx, SNAP_VM_CLOCK, 0, &clock, sizeof(clock), e);
	if (r < 0)
		return r;
	/* The guest's clock goes on from the moment of the snapshot. */
	clock.flags = 0;
	if (ioctl(vm_fd, KVM_SET_CLOCK, &clock) < 0)
		return err_sys(e, "KVM refused the guest's clock");
	for (size_t i = 0; i < sizeof(irqchips) / sizeof(irqchips[0]); i++) {
		struct kvm_irqchip chip;

		r = snap_get_exact(idx, SNAP_VM_IRQCHIP, irqchips[i], &chip, sizeof(chip), e);
		if (r < 0)
			return r;
		if (chip.chip_id != irqchips[i])
			return err_set(e, EINVAL, "irqchip section %u holds chip %u", irqchips[i],
				       chip.chip_id);
		if (ioctl(vm_fd, KVM_SET_IRQCHIP, &chip) < 0)
			return err_sys(e, "KVM refused the state of irqchip %u", irqchips[i]);
	}
	return 0;
}

void kvm_state_this_host(struct snap_host *h)
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	unsigned family, model;

	memset(h, 0, sizeof(*h));
	h->kvm_api_version = KVM_API_VERSION;
	__cpuid(0, a, b, c, d);
	memcpy(h->cpu_vendor, &b, 4);
	memcpy(h->cpu_vendor + 4, &d, 4);
	memcpy(h->cpu_vendor + 8, &c, 4);
	__cpuid(1, a, b, c, d);
	family = (a >> 8) & 0xf;
	model = (a >> 4) & 0xf;
	/* The extended fields count for family 0xf (and model for 6 too). */
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family >= 6)
		model |= ((a >> 16) & 0xf) << 4;
	h->cpu_family = family;
	h->cpu_model = model;
	h->cpu_stepping = a & 0xf;
}
