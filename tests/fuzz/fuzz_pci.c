/* libFuzzer target: a random sequence of guest accesses (config cycles
 * through 0xCF8/0xCFC, MMIO anywhere in the devices' BARs, any width)
 * against a PCI host with every device kind: the host bridge (slot 0), a
 * virtio-blk disk (slot 1) and a virtio-net NIC (slot 2, a socketpair standing
 * in for its TAP), their I/O threads running, over fake RAM the input also
 * fills. Any crash, sanitizer report or hang is a bug: a guest can do all of
 * this. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/pci.h"
#include "devices/tap.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_net.h"
#include "tests/mock/fake_vm.h"

#define RAM_SIZE 0x20000u
#define SLOTS	 3 /* host bridge, virtio-blk, virtio-net */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake_vm fv;
static struct vm *vm;
static struct pci_host *host;
static uint8_t *ram;
static uint32_t bars[SLOTS][6];
static int tap_peer = -1; /* the "host" end of the NIC's stand-in TAP */

/* One VM for the whole run (a device and its I/O thread per input would
 * make the run slow): each input starts by putting the BARs back, turning
 * decoding on and MSI-X off, and resetting the device. */
static void init_once(void)
{
	struct disk_config cfg;
	struct net_config ncfg = { .ifname = "fuzz0" };
	struct tap tap = { .name = "fuzz0" };
	char path[64];
	struct err e;
	int fd, sv[2];

	if (ram)
		return;
	fd = memfd_create("fuzz-pci-img", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 64 * 512) < 0 || fake_vm_init(&fv, RAM_SIZE, &e) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	vm = &fv.vm;
	host = fv.host;
	ram = fv.ram.base;
	/* No ioeventfd: the notify handler kicks the eventfd itself. */
	fake_irq_ioeventfd_enosys(true);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	tap.fd = sv[0];
	tap_peer = sv[1];
	if (disk_opts_parse(path, &cfg, &e) < 0 || disk_open(&cfg, &e) < 0 ||
	    virtio_blk_create(vm, host, &cfg, 0, &e) < 0 ||
	    virtio_net_create(vm, host, &ncfg, &tap, 0, &e) < 0) {
		fprintf(stderr, "fuzz_pci: setup: %s\n", e.msg);
		abort();
	}
	for (unsigned s = 1; s < SLOTS; s++)
		for (unsigned b = 0; b < 6; b++)
			bars[s][b] = pci_cfg_read(host, s, 0x10 + 4 * b, 4) & ~0xfu;
}

static void restore(void)
{
	char frame[2048];

	for (unsigned s = 1; s < SLOTS; s++) {
		for (unsigned b = 0; b < 6; b++)
			if (bars[s][b])
				pci_cfg_write(host, s, 0x10 + 4 * b, 4, bars[s][b]);
		pci_cfg_write(host, s, 0x04, 2, 0x2);	  /* memory decoding on */
		pci_cfg_write(host, s, 0x40 + 2, 2, 0);	  /* MSI-X (first capability) off */
		guest_mmio_wr(vm, bars[s][0] + 20, 1, 0); /* device_status = 0 */
	}
	/* What the NIC sent last time; and one frame for it to receive. */
	while (recv(tap_peer, frame, sizeof(frame), MSG_DONTWAIT) > 0)
		;
	memset(frame, 0xff, 60);
	(void)!send(tap_peer, frame, 60, MSG_DONTWAIT);
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
		unsigned len = 1u << (data[0] & 3); /* 1, 2, 4, 8 */
		bool is_write = data[0] & 4;
		uint32_t val;

		memcpy(&val, data + 4, 4);
		memcpy(buf, data + 4, 4);
		memcpy(buf + 4, data + 4, 4);
		switch ((data[0] >> 3) & 3) {
		case 0: /* config cycle on slot 0..3 (3: empty) */
			if (is_write)
				pci_cfg_write(host, data[1] & 3, data[2], len, val);
			else
				pci_cfg_read(host, data[1] & 3, data[2], len);
			break;
		case 1: /* through the ports, as the guest does it */
			if (is_write)
				guest_cfg_wr(vm, data[1] & 3, data[2], len, val);
			else
				guest_cfg_rd(vm, data[1] & 3, data[2], len);
			break;
		default: { /* MMIO into a BAR (where it was placed at creation) */
			uint64_t off = (uint64_t)(data[2] | data[3] << 8) & 0x3fff;

			const uint32_t *dev = bars[1 + (data[1] >> 3) % (SLOTS - 1)];

			bus_dispatch(&vm->mmio_bus, dev[data[1] % 6] + off, buf, len, is_write);
			break;
		}
		}
	}
	return 0;
}
