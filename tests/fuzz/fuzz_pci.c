/* libFuzzer target: a random sequence of guest accesses (config cycles
 * through 0xCF8/0xCFC, MMIO anywhere in the device's BARs, any width)
 * against a PCI host with one virtio-blk disk whose I/O thread runs, over
 * fake RAM the input also fills. Any crash, sanitizer report or hang is a
 * bug: a guest can do all of this. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/pci.h"
#include "devices/virtio_blk.h"
#include "vmm/vm.h"

#define RAM_SIZE 0x20000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int no_line(struct vm *vm, unsigned gsi, int level)
{
	(void)vm; (void)gsi; (void)level;
	return 0;
}

static int no_msi(struct vm *vm, uint64_t addr, uint32_t d)
{
	(void)vm; (void)addr; (void)d;
	return 0;
}

static int no_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, int fd, bool mmio,
			bool assign)
{
	(void)vm; (void)addr; (void)len; (void)fd; (void)mmio; (void)assign;
	return -38; /* -ENOSYS: the notify handler kicks the eventfd itself */
}

static struct vm vm;
static struct pci_host *host;
static uint8_t *ram;
static uint32_t bars[6];

/* One VM for the whole run (a device and its I/O thread per input would
 * make the run slow): each input starts by putting the BARs back, turning
 * decoding on and MSI-X off, and resetting the device. */
static void init_once(void)
{
	struct disk_config cfg;
	char path[64];
	struct err e;
	int fd;

	if (ram)
		return;
	ram = aligned_alloc(4096, RAM_SIZE);
	fd = memfd_create("fuzz-pci-img", MFD_CLOEXEC);
	if (!ram || fd < 0 || ftruncate(fd, 64 * 512) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (vm_init_common(&vm, ram, RAM_SIZE, &e) < 0)
		abort();
	vm.irq = (struct vm_irq_ops){ no_line, no_msi, no_ioeventfd };
	if (pci_host_create(&vm, &host, &e) < 0 || disk_opts_parse(path, &cfg, &e) < 0 ||
	    disk_open(&cfg, &e) < 0 || virtio_blk_create(&vm, host, &cfg, 0, &e) < 0) {
		fprintf(stderr, "fuzz_pci: setup: %s\n", e.msg);
		abort();
	}
	for (unsigned b = 0; b < 6; b++)
		bars[b] = pci_cfg_read(host, 1, 0x10 + 4 * b, 4) & ~0xfu;
}

static void restore(void)
{
	uint8_t zero = 0;

	for (unsigned b = 0; b < 6; b++)
		if (bars[b])
			pci_cfg_write(host, 1, 0x10 + 4 * b, 4, bars[b]);
	pci_cfg_write(host, 1, 0x04, 2, 0x2);         /* memory decoding on */
	pci_cfg_write(host, 1, 0x40 + 2, 2, 0);       /* MSI-X (first capability) off */
	bus_dispatch(&vm.mmio_bus, bars[0] + 20, &zero, 1, true); /* device_status = 0 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	restore();
	/* The first part of the input is RAM (rings and buffers), the rest
	 * is the access sequence, 8 bytes per access. */
	size_t ram_part = size / 2 < RAM_SIZE ? size / 2 : RAM_SIZE;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data, ram_part);
	data += ram_part;
	size -= ram_part;
	for (; size >= 8; data += 8, size -= 8) {
		uint8_t buf[8];
		unsigned len = 1u << (data[0] & 3);        /* 1, 2, 4, 8 */
		bool is_write = data[0] & 4;
		uint32_t val;

		memcpy(&val, data + 4, 4);
		memcpy(buf, data + 4, 4);
		memcpy(buf + 4, data + 4, 4);
		switch ((data[0] >> 3) & 3) {
		case 0: /* config cycle on slot 0..3 */
			if (is_write)
				pci_cfg_write(host, data[1] & 3, data[2], len, val);
			else
				pci_cfg_read(host, data[1] & 3, data[2], len);
			break;
		case 1: { /* through the ports, as the guest does it */
			uint32_t addr = 0x80000000u | (uint32_t)(data[1] & 3) << 11 | (data[2] & 0xfc);

			bus_dispatch(&vm.io_bus, 0xCF8, (uint8_t *)&addr, 4, true);
			bus_dispatch(&vm.io_bus, 0xCFC + (data[2] & 3), buf, len, is_write);
			break;
		}
		default: { /* MMIO into a BAR (where it was placed at creation) */
			uint64_t off = (uint64_t)(data[2] | data[3] << 8) & 0x3fff;

			bus_dispatch(&vm.mmio_bus, bars[data[1] % 6] + off, buf, len, is_write);
			break;
		}
		}
	}
	return 0;
}
