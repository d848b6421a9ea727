/* blkbench — direct-I/O block device benchmark for the guest (built static
 * into the initramfs as /bin/blkbench by guest/build-guest.sh).
 *   blkbench seqread  DEV MIB     1 MiB O_DIRECT reads from offset 0: MBPS=
 *   blkbench seqwrite DEV MIB     1 MiB O_DIRECT writes, then fdatasync: MBPS=
 *   blkbench randread DEV COUNT   4 KiB O_DIRECT reads at random aligned
 *                                 offsets, queue depth 1: IOPS=
 * Exit status 0 on success, 1 on any I/O error (with a message). */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BIG   (1u << 20)
#define SMALL 4096u

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t size, n, state = 0x9e3779b97f4a7c15ULL;
	void *buf;
	double t0, t;
	int fd, writing;

	if (argc != 4)
		return fprintf(stderr, "usage: blkbench seqread|seqwrite|randread DEV N\n"), 2;
	n = strtoull(argv[3], NULL, 10);
	writing = !strcmp(argv[1], "seqwrite");
	fd = open(argv[2], (writing ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		return fail(argv[2]);
	if (ioctl(fd, BLKGETSIZE64, &size) < 0)
		return fail("BLKGETSIZE64");
	if (posix_memalign(&buf, 4096, BIG))
		return fail("posix_memalign");
	memset(buf, 0x5a, BIG);
	t0 = now();
	if (!strcmp(argv[1], "randread")) {
		uint64_t blocks = size / SMALL;

		for (uint64_t i = 0; i < n; i++) {
			state ^= state << 13, state ^= state >> 7, state ^= state << 17;
			if (pread(fd, buf, SMALL, (off_t)((state % blocks) * SMALL)) != SMALL)
				return fail("pread");
		}
		t = now() - t0;
		printf("IOPS=%.0f\n", (double)n / t);
		return 0;
	}
	if (n * BIG > size)
		return fprintf(stderr, "blkbench: device smaller than %llu MiB\n",
			       (unsigned long long)n),
		       1;
	for (uint64_t i = 0; i < n; i++) {
		ssize_t r = writing ? pwrite(fd, buf, BIG, (off_t)(i * BIG)) :
				      pread(fd, buf, BIG, (off_t)(i * BIG));

		if (r != BIG)
			return fail(writing ? "pwrite" : "pread");
	}
	if (writing && fdatasync(fd) < 0)
		return fail("fdatasync");
	t = now() - t0;
	printf("MBPS=%.1f\n", (double)n / t);
	return 0;
}
