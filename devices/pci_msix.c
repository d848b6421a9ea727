/* MSI-X (PCI 3.0 6.8.2): the capability, the vector table and the pending
 * bit array in a 4 KiB BAR, and delivery through vm->irq.msi that honours
 * per-vector masks and the function mask (masked vectors become pending and
 * fire when unmasked). */
#include "devices/pci.h"

#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "vmm/vm.h"

#define MSIX_BAR_SIZE 0x1000
#define MSIX_PBA_OFF  0x800

/* Deliver pending MSI-X vectors that are no longer masked. msix_lock held. */
static void msix_flush_pending_locked(struct pci_device *d)
{
	if (!d->msix_enabled || d->msix_fmask)
		return;
	for (unsigned v = 0; v < d->msix_vectors; v++) {
		const struct pci_msix_entry *m = &d->msix_table[v];

		if (!(d->msix_pba & (1ULL << v)) || (m->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT))
			continue;
		d->msix_pba &= ~(1ULL << v);
		d->vm->irq.msi(d->vm, (uint64_t)m->addr_hi << 32 | m->addr_lo, m->data);
	}
}

void pci_msix_control_written(struct pci_device *d)
{
	uint16_t ctl;

	memcpy(&ctl, &d->cfg[d->msix_cap + PCI_MSIX_FLAGS], 2);
	pthread_mutex_lock(&d->msix_lock);
	d->msix_enabled = ctl & PCI_MSIX_FLAGS_ENABLE;
	d->msix_fmask = ctl & PCI_MSIX_FLAGS_MASKALL;
	msix_flush_pending_locked(d);
	pthread_mutex_unlock(&d->msix_lock);
}

bool pci_msix_enabled(struct pci_device *d)
{
	bool on;

	pthread_mutex_lock(&d->msix_lock);
	on = d->msix_cap && d->msix_enabled;
	pthread_mutex_unlock(&d->msix_lock);
	return on;
}

int pci_msix_notify(struct pci_device *d, unsigned v)
{
	int r = 0;

	pthread_mutex_lock(&d->msix_lock);
	if (!d->msix_cap || !d->msix_enabled) {
		r = -ENODEV;
	} else if (v >= d->msix_vectors) {
		r = -EINVAL;
	} else {
		d->msix_pba |= 1ULL << v;
		msix_flush_pending_locked(d);
	}
	pthread_mutex_unlock(&d->msix_lock);
	return r;
}

/* Guest access to the table or the PBA: any offset and width. */
static void msix_bar_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct pci_device *d = opaque;
	uint8_t *table = (uint8_t *)d->msix_table;
	uint64_t table_len = (uint64_t)d->msix_vectors * PCI_MSIX_ENTRY_SIZE;

	pthread_mutex_lock(&d->msix_lock);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o < table_len) {
			if (is_write)
				table[o] = data[i];
			else
				data[i] = table[o];
		} else if (o >= MSIX_PBA_OFF && o < MSIX_PBA_OFF + 8) {
			if (!is_write)
				data[i] = (uint8_t)(d->msix_pba >> (8 * (o - MSIX_PBA_OFF)));
		} else if (!is_write) {
			data[i] = 0;
		}
	}
	/* An unmasked vector with its pending bit set fires now. */
	if (is_write)
		msix_flush_pending_locked(d);
	pthread_mutex_unlock(&d->msix_lock);
}

int pci_device_add_msix(struct pci_device *d, unsigned bar, unsigned n, struct err *e)
{
	uint8_t cap[PCI_CAP_MSIX_SIZEOF] = { PCI_CAP_ID_MSIX };
	uint16_t ctl = (uint16_t)(n - 1);
	uint32_t table = bar, pba = MSIX_PBA_OFF | bar;
	int at, r;

	if (n == 0 || n > PCI_MSIX_MAX)
		return err_set(e, EINVAL, "%s: %u MSI-X vectors", d->name, n);
	for (unsigned v = 0; v < n; v++)
		d->msix_table[v].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	d->msix_vectors = n;
	r = pci_device_add_bar(d, bar, MSIX_BAR_SIZE, msix_bar_access, d, e);
	if (r < 0)
		return r;
	memcpy(&cap[PCI_MSIX_FLAGS], &ctl, 2);
	memcpy(&cap[PCI_MSIX_TABLE], &table, 4);
	memcpy(&cap[PCI_MSIX_PBA], &pba, 4);
	at = pci_device_add_cap(d, cap, sizeof(cap), e);
	if (at < 0)
		return at;
	d->msix_cap = (uint8_t)at;
	/* Enable and function mask are the writable bits. */
	d->wmask[at + PCI_MSIX_FLAGS + 1] = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	return 0;
}
