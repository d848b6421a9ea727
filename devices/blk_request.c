/* The virtio-blk request engine: one chain in, the image read or written
 * with preadv/pwritev, one status byte out. Independent of the transport so
 * unit tests and the fuzzer drive it directly. Every guest-supplied length
 * and sector is checked against the chain and the capacity with
 * overflow-safe arithmetic before any I/O. */
#include "devices/virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define SECTOR_SHIFT 9
#define MAX_RANGES   16 /* DISCARD / WRITE_ZEROES segments per request */

/* Move all of [off, off+len) between the image and iov, retrying short
 * transfers; iov is consumed. Returns 0 or a negative errno. */
static int full_io(int fd, struct iovec *iov, int n, uint64_t off, bool write)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, n, (off_t)off) :
				    preadv(fd, iov, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* image shrank under us */
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* Is [sector, sector + count) inside the disk? No overflow possible. */
static bool range_ok(const struct blk_backend *b, uint64_t sector, uint64_t count)
{
	return sector <= b->sectors && count <= b->sectors - sector;
}

static uint8_t do_rw(const struct blk_backend *b, const struct vq_chain *c, uint64_t sector,
		     bool write, uint64_t *written)
{
	struct iovec iov[VQ_MAX_SIZE];
	/* IN: data is all writable bytes but the status; OUT: all readable
	 * bytes after the 16-byte header. */
	uint64_t len = write ? c->out_bytes - sizeof(struct virtio_blk_outhdr) : c->in_bytes - 1;
	int n;

	/* Data on the wrong side (a read into device-readable buffers, or
	 * extra writable bytes on a write) is a malformed request. */
	if ((write ? c->in_bytes != 1 : c->out_bytes != sizeof(struct virtio_blk_outhdr)))
		return VIRTIO_BLK_S_IOERR;
	if (len % DISK_SECTOR_SIZE || !range_ok(b, sector, len >> SECTOR_SHIFT))
		return VIRTIO_BLK_S_IOERR;
	if (write && b->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (len == 0)
		return VIRTIO_BLK_S_OK;
	n = vq_chain_slice(c, !write, write ? sizeof(struct virtio_blk_outhdr) : 0, len, iov,
			   VQ_MAX_SIZE);
	if (n < 0 || full_io(b->fd, iov, n, sector << SECTOR_SHIFT, write) < 0)
		return VIRTIO_BLK_S_IOERR;
	if (!write)
		*written = len;
	return VIRTIO_BLK_S_OK;
}

static int write_zeroes_slow(int fd, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[64 * 1024];

	while (len) {
		size_t chunk = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		struct iovec iov = { (void *)(uintptr_t)zeros, chunk };
		int r = full_io(fd, &iov, 1, off, true);

		if (r < 0)
			return r;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

static uint8_t do_ranges(const struct blk_backend *b, const struct vq_chain *c, bool discard)
{
	uint64_t data = c->out_bytes - sizeof(struct virtio_blk_outhdr);
	struct virtio_blk_discard_write_zeroes seg[MAX_RANGES];
	uint64_t n = data / sizeof(seg[0]);

	if (discard ? !b->discard : !b->write_zeroes)
		return VIRTIO_BLK_S_UNSUPP;
	if (b->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (data % sizeof(seg[0]) || n == 0 || n > MAX_RANGES)
		return VIRTIO_BLK_S_IOERR;
	/* Copy all segments once, then check them all, then act. */
	if (vq_chain_read(c, sizeof(struct virtio_blk_outhdr), seg, n * sizeof(seg[0])) !=
	    n * sizeof(seg[0]))
		return VIRTIO_BLK_S_IOERR;
	for (uint64_t i = 0; i < n; i++) {
		if (seg[i].flags & ~(uint32_t)VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
			return VIRTIO_BLK_S_UNSUPP;
		if (discard && seg[i].flags)
			return VIRTIO_BLK_S_UNSUPP;
		if (!range_ok(b, seg[i].sector, seg[i].num_sectors) ||
		    seg[i].num_sectors > VIRTIO_BLK_MAX_RANGE_SECTORS)
			return VIRTIO_BLK_S_IOERR;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = seg[i].sector << SECTOR_SHIFT;
		uint64_t len = (uint64_t)seg[i].num_sectors << SECTOR_SHIFT;
		int mode = FALLOC_FL_KEEP_SIZE |
			   (discard ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);

		if (len == 0)
			continue;
		if (fallocate(b->fd, mode, (off_t)off, (off_t)len) == 0)
			continue;
		if (discard)
			return errno == EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP : VIRTIO_BLK_S_IOERR;
		/* No ZERO_RANGE here (tmpfs, block devices): write the zeros. */
		if (errno != EOPNOTSUPP || write_zeroes_slow(b->fd, off, len) < 0)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(const struct blk_backend *b, const struct vq_chain *c, uint64_t *written)
{
	uint64_t room = c->in_bytes - 1;
	size_t n = room < VIRTIO_BLK_ID_BYTES ? (size_t)room : VIRTIO_BLK_ID_BYTES;

	*written = vq_chain_write(c, 0, b->serial, n);
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_flush(const struct blk_backend *b)
{
	/* cache=unsafe drops flushes by design. Otherwise what the guest
	 * flushed is on stable storage before it sees the status. */
	if (b->unsafe || b->readonly)
		return VIRTIO_BLK_S_OK;
	while (fdatasync(b->fd) < 0)
		if (errno != EINTR)
			return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

static void count_request(struct dev_metrics *m, uint32_t type, uint8_t status,
			  const struct vq_chain *c, uint64_t written)
{
	if (!m)
		return;
	metric_add(&m->requests, 1);
	if (status != VIRTIO_BLK_S_OK)
		metric_add(&m->errors, 1);
	else if (type == VIRTIO_BLK_T_IN)
		metric_add(&m->read_bytes, written);
	else if (type == VIRTIO_BLK_T_OUT)
		metric_add(&m->write_bytes, c->out_bytes - sizeof(struct virtio_blk_outhdr));
}

int blk_handle_request(const struct blk_backend *b, const struct vq_chain *c, uint32_t *used)
{
	struct virtio_blk_outhdr hdr;
	uint64_t written = 0, n;
	uint8_t status;

	/* The header is the first 16 device-readable bytes, the status the
	 * last device-writable byte (5.2.6). Without either the driver broke
	 * the request's framing: a device error, nothing is written. */
	if (c->out_bytes < sizeof(hdr) || c->in_bytes == 0 ||
	    vq_chain_read(c, 0, &hdr, sizeof(hdr)) != sizeof(hdr))
		return -EINVAL;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN: status = do_rw(b, c, hdr.sector, false, &written); break;
	case VIRTIO_BLK_T_OUT: status = do_rw(b, c, hdr.sector, true, &written); break;
	case VIRTIO_BLK_T_FLUSH: status = do_flush(b); break;
	case VIRTIO_BLK_T_GET_ID: status = do_get_id(b, c, &written); break;
	case VIRTIO_BLK_T_DISCARD: status = do_ranges(b, c, true); break;
	case VIRTIO_BLK_T_WRITE_ZEROES: status = do_ranges(b, c, false); break;
	default: status = VIRTIO_BLK_S_UNSUPP; break;
	}
	vq_chain_write(c, c->in_bytes - 1, &status, 1);
	count_request(b->metrics, hdr.type, status, c, written);
	n = written + 1;
	*used = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	return 0;
}
