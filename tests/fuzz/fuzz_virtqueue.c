/* libFuzzer target: a random split ring (descriptor table, indirect tables,
 * avail ring, buffers) in fake guest memory, walked with vq_pop and every
 * chain executed by the virtio-blk request engine against a memfd image.
 * Sanitizers turn any out-of-bounds access or UB into a crash; a write
 * outside the chain's device-writable buffers (and the used ring) aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/virtio_blk.h"
#include "devices/virtqueue.h"
#include "tests/mock/fake_ring.h"

#define RAM_SIZE  0x10000u
#define IMG_BYTES (64 * 512)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake_queue fq;
static struct blk_backend be;

static void init_once(void)
{
	if (fq.ram.base)
		return;
	be.fd = memfd_create("fuzz-img", MFD_CLOEXEC);
	if (fake_ram_alloc(&fq.ram, RAM_SIZE) < 0 || be.fd < 0 || ftruncate(be.fd, IMG_BYTES) < 0)
		abort();
	be.sectors = IMG_BYTES / 512;
	be.discard = be.write_zeroes = true;
	memcpy(be.serial, "fuzz", 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_chain chain;
	struct virtqueue *vq = &fq.vq;
	struct err e;
	uint16_t qsize;

	init_once();
	if (size < 4)
		return 0;
	/* Byte 0: queue size (power of two up to 256) and feature bits. */
	qsize = (uint16_t)(1u << (data[0] % 9));
	be.readonly = data[0] & 0x10;
	be.unsafe = true; /* no fdatasync per iteration */
	if (fake_queue_load(&fq, data + 4, size - 4, qsize, data[1] & 1, &e) < 0)
		return 0;
	vq->last_avail = (uint16_t)(data[2] | data[3] << 8);
	for (unsigned n = 0; n < 2u * qsize; n++) {
		uint32_t used = 0;
		int r;

		if (fake_queue_watch(&fq) < 0)
			abort();
		r = vq_pop(vq, &chain);
		if (r == 1)
			fake_queue_allow(&fq, &chain);
		if (r == 1 && blk_handle_request(&be, &chain, &used) == 0)
			vq_push(vq, chain.head, used);
		/* Not a byte outside the chain's writable buffers and the used
		 * ring, whatever the chain; a refused one writes nothing. */
		if (fake_queue_wrote_outside(&fq) || (r == 1 && used > chain.in_bytes))
			abort();
		if (r != 1 || vq->broken)
			break;
	}
	vq_want_interrupt(vq);
	return 0;
}
