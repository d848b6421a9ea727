/* --disk: the pure option parser and the image opening that follows it. */
#include "devices/disk_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

/* One comma-separated option ("ro", "cache=...", "serial=..."). */
static int parse_option(const char *opt, size_t len, struct disk_config *out, unsigned *seen,
			struct err *e)
{
	const char *eq = memchr(opt, '=', len);
	size_t klen = eq ? (size_t)(eq - opt) : len;
	const char *val = eq ? eq + 1 : NULL;
	size_t vlen = eq ? len - klen - 1 : 0;
	unsigned bit;

	if (klen == 2 && !memcmp(opt, "ro", 2) && !eq) {
		bit = 1;
		out->readonly = true;
	} else if (klen == 5 && !memcmp(opt, "cache", 5) && eq) {
		bit = 2;
		if (vlen == 9 && !memcmp(val, "writeback", 9))
			out->cache = DISK_CACHE_WRITEBACK;
		else if (vlen == 6 && !memcmp(val, "unsafe", 6))
			out->cache = DISK_CACHE_UNSAFE;
		else
			return err_set(e, EINVAL,
				       "--disk: cache=%.*s: expected writeback or unsafe",
				       (int)vlen, val);
	} else if (klen == 6 && !memcmp(opt, "serial", 6) && eq) {
		bit = 4;
		if (vlen == 0 || vlen > VIRTIO_BLK_ID_BYTES)
			return err_set(e, EINVAL, "--disk: serial must be 1 to %d bytes",
				       VIRTIO_BLK_ID_BYTES);
		memcpy(out->serial, val, vlen);
		out->serial[vlen] = '\0';
		out->has_serial = true;
	} else {
		return err_set(e, EINVAL, "--disk: unknown option '%.*s'", (int)len, opt);
	}
	if (*seen & bit)
		return err_set(e, EINVAL, "--disk: option '%.*s' given twice", (int)klen, opt);
	*seen |= bit;
	return 0;
}

int disk_opts_parse(const char *arg, struct disk_config *out, struct err *e)
{
	const char *comma = strchr(arg, ',');
	size_t plen = comma ? (size_t)(comma - arg) : strlen(arg);
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (plen == 0)
		return err_set(e, EINVAL, "--disk: empty image path");
	if (plen >= sizeof(out->path))
		return err_set(e, ENAMETOOLONG, "--disk: image path too long");
	memcpy(out->path, arg, plen);
	out->path[plen] = '\0';
	while (comma) {
		const char *opt = comma + 1;
		size_t len;
		int r;

		comma = strchr(opt, ',');
		len = comma ? (size_t)(comma - opt) : strlen(opt);
		if (len == 0)
			return err_set(e, EINVAL, "--disk %s: empty option", out->path);
		r = parse_option(opt, len, out, &seen, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int image_size(int fd, const struct stat *st, struct disk_config *cfg, struct err *e)
{
	if (S_ISDIR(st->st_mode))
		return err_set(e, EISDIR, "disk %s: is a directory", cfg->path);
	if (S_ISBLK(st->st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &cfg->size) < 0)
			return err_sys(e, "disk %s: BLKGETSIZE64", cfg->path);
		cfg->is_blockdev = true;
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return err_set(e, EINVAL, "disk %s: not a regular file or block device", cfg->path);
	cfg->size = (uint64_t)st->st_size;
	return 0;
}

int disk_open(struct disk_config *cfg, struct err *e)
{
	_cleanup_close_ int fd = -1;
	struct flock lk = { .l_whence = SEEK_SET };
	struct stat st;
	int r;

	fd = open(cfg->path, (cfg->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "disk %s", cfg->path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, "disk %s: fstat", cfg->path);
	r = image_size(fd, &st, cfg, e);
	if (r < 0)
		return r;
	if (cfg->size % DISK_SECTOR_SIZE)
		return err_set(e, EINVAL,
			       "disk %s: size %" PRIu64 " is not a multiple of 512 bytes",
			       cfg->path, cfg->size);
	/* A writer excludes everyone; readers exclude writers. OFD locks belong
	 * to the open file, so they go away with the fd (or the process). */
	lk.l_type = cfg->readonly ? F_RDLCK : F_WRLCK;
	if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			return err_set(e, EBUSY, "%s is in use by another process", cfg->path);
		return err_sys(e, "disk %s: lock", cfg->path);
	}
	/* Punching a hole past the end changes nothing but tells us whether
	 * the file system can discard. */
	cfg->can_punch_hole = !cfg->readonly && !cfg->is_blockdev &&
			      fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					(off_t)cfg->size, DISK_SECTOR_SIZE) == 0;
	/* WRITE_ZEROES works everywhere: ZERO_RANGE, else written zeros. */
	cfg->can_zero_range = !cfg->readonly;
	cfg->fd = take_fd(&fd);
	return 0;
}

void disk_close(struct disk_config *cfg)
{
	if (cfg->fd >= 0)
		close(cfg->fd);
	cfg->fd = -1;
}
