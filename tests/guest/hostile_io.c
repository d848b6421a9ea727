/* hostile_io — raw port, PCI config and MMIO garbage for tests/guest/hostile.sh
 * (built static into the guest as /bin/hostile_io). busybox can only do byte
 * port I/O (/dev/port) and one MMIO access per process (devmem); this does
 * every width, fast.
 *
 *   hostile_io ports FIRST END STEP WIDTHS SEED [EXCLUDED...]
 *       every STEPth port p in [FIRST, END): a garbage OUT then an IN of each
 *       width in WIDTHS (a mask of byte counts: 1|2|4), skipping accesses
 *       whose span touches an excluded port; a byte of 0xfe to port 0x64
 *       (i8042 reset) becomes 0xfd. Prints PORT-WRITES= and PORT-READS=.
 *   hostile_io mmio ADDR LEN STEP SEED
 *       every STEP bytes of [ADDR, ADDR+LEN) (page aligned, via /dev/mem): a
 *       garbage write then a read, the width rotating 1/2/4/8 bytes
 *       (naturally aligned, else a byte). Prints MMIO-WRITES= and MMIO-READS=.
 *   hostile_io pci SEED
 *       configuration mechanism #1 by hand (0xcf8/0xcfc), bus 0: each present
 *       function gets its BARs set to all ones, 0, RAM, the IOAPIC, the LAPIC,
 *       the other BARs, misaligned addresses, then garbage at every offset
 *       with widths 1, 2 and 4 (each read back); absent slots and functions,
 *       other buses, disabled and random 0xcf8 values, byte and word accesses
 *       to 0xcf8-0xcfb. Then every BAR is parked in free space and moved
 *       home, and each saved header is written back. Prints CFG-WRITES=,
 *       CFG-READS=, and exits 1 if a BAR does not return home.
 *   hostile_io serve
 *       reads lines "ADDR BITS [VALUE]" (BITS 8/16/32/64) from stdin and does
 *       the access through /dev/mem: a write answers "ok", a read the value
 *       in decimal, anything else "error"; at end of input SERVED=N. A script
 *       drives many accesses through two FIFOs without a process each.
 * Seeds make a run repeatable. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>

#define CF8	     0xcf8
#define CFC	     0xcfc
#define MAX_EXCLUDED 64
#define MAX_DEVS     32
#define MAX_MAPS     32
#define PARK_BASE    0xf0000000u /* free space high in the PCI hole */

static uint64_t rng;
static unsigned long writes, reads;

static uint64_t next_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned long num(const char *s)
{
	return strtoul(s, NULL, 0);
}

/* ---- ports ---------------------------------------------------------- */

static int cmd_ports(int argc, char **argv)
{
	unsigned long first = num(argv[2]), end = num(argv[3]), step = num(argv[4]);
	unsigned long widths = num(argv[5]);
	unsigned excl[MAX_EXCLUDED], nexcl = 0;

	for (int i = 7; i < argc && nexcl < MAX_EXCLUDED; i++)
		excl[nexcl++] = (unsigned)num(argv[i]);
	if (end > 0x10000 || first >= end || !step)
		return fprintf(stderr, "hostile_io: bad port range\n"), 1;
	for (unsigned long p = first; p < end; p += step) {
		for (unsigned w = 1; w <= 4; w *= 2) {
			uint32_t v = (uint32_t)next_rand();
			int skip = p + w > 0x10000 || !(widths & w);

			for (unsigned i = 0; i < nexcl && !skip; i++)
				skip = excl[i] >= p && excl[i] < p + w;
			if (skip)
				continue;
			if (w == 1) {
				if (p == 0x64 && (uint8_t)v == 0xfe)
					v = 0xfd;
				outb((uint8_t)v, (uint16_t)p);
				(void)inb((uint16_t)p);
			} else if (w == 2) {
				outw((uint16_t)v, (uint16_t)p);
				(void)inw((uint16_t)p);
			} else {
				outl(v, (uint16_t)p);
				(void)inl((uint16_t)p);
			}
			writes++;
			reads++;
		}
	}
	printf("PORT-WRITES=%lu\nPORT-READS=%lu\n", writes, reads);
	return 0;
}

/* ---- MMIO ----------------------------------------------------------- */

/* One access of w bytes at p, written then read back. */
static void mmio_access(uint8_t *p, unsigned w, uint64_t v)
{
	switch (w) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)v;
		(void)*(volatile uint8_t *)p;
		break;
	case 2:
		*(volatile uint16_t *)(void *)p = (uint16_t)v;
		(void)*(volatile uint16_t *)(void *)p;
		break;
	case 4:
		*(volatile uint32_t *)(void *)p = (uint32_t)v;
		(void)*(volatile uint32_t *)(void *)p;
		break;
	default:
		*(volatile uint64_t *)(void *)p = v;
		(void)*(volatile uint64_t *)(void *)p;
		break;
	}
}

static int cmd_mmio(char **argv)
{
	unsigned long addr = num(argv[2]), len = num(argv[3]), step = num(argv[4]);
	int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
	uint8_t *m;
	unsigned k = 0;

	if (fd < 0 || addr % 4096 || !len || !step)
		return perror("hostile_io: /dev/mem"), 1;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)addr);
	close(fd);
	if (m == MAP_FAILED)
		return perror("hostile_io: mmap /dev/mem"), 1;
	for (unsigned long o = 0; o < len; o += step, k++) {
		unsigned w = 1u << (k % 4);

		if (o % w || o + w > len)
			w = 1;
		mmio_access(m + o, w, next_rand());
		writes++;
		reads++;
	}
	munmap(m, len);
	printf("MMIO-WRITES=%lu\nMMIO-READS=%lu\n", writes, reads);
	return 0;
}

/* ---- serve: one MMIO access per input line ------------------------------ */

struct page_map {
	unsigned long page;
	uint8_t *p;
};

static uint8_t *page_of(int fd, struct page_map *maps, unsigned *n, unsigned long page)
{
	void *p;

	for (unsigned i = 0; i < *n; i++)
		if (maps[i].page == page)
			return maps[i].p;
	if (*n == MAX_MAPS)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)page);
	if (p == MAP_FAILED)
		return NULL;
	maps[*n] = (struct page_map){ page, p };
	return maps[(*n)++].p;
}

static uint64_t mmio_read(const uint8_t *p, unsigned w)
{
	switch (w) {
	case 1: return *(const volatile uint8_t *)p;
	case 2: return *(const volatile uint16_t *)(const void *)p;
	case 4: return *(const volatile uint32_t *)(const void *)p;
	default: return *(const volatile uint64_t *)(const void *)p;
	}
}

static void mmio_write(uint8_t *p, unsigned w, uint64_t v)
{
	switch (w) {
	case 1: *(volatile uint8_t *)p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)(void *)p = (uint16_t)v; break;
	case 4: *(volatile uint32_t *)(void *)p = (uint32_t)v; break;
	default: *(volatile uint64_t *)(void *)p = v; break;
	}
}

/* Lines "ADDR BITS [VALUE]" in: a write answers "ok", a read its value in
 * decimal, a bad line "error". Lets a shell script drive many accesses
 * through two FIFOs without a process per access (like devmem, faster). */
static int cmd_serve(void)
{
	struct page_map maps[MAX_MAPS];
	unsigned long served = 0;
	unsigned nmaps = 0;
	char line[256];
	int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);

	if (fd < 0)
		return perror("hostile_io: /dev/mem"), 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long f[3] = { 0 };
		unsigned long long addr, v;
		char *at = line, *end;
		unsigned w;
		int n = 0;
		uint8_t *page;

		/* strtoull: hex or decimal, and 64-bit values above LLONG_MAX. */
		for (; n < 3; n++, at = end) {
			f[n] = strtoull(at, &end, 0);
			if (end == at)
				break;
		}
		addr = f[0];
		w = (unsigned)(f[1] / 8);
		v = f[2];
		if (n < 2 || (w != 1 && w != 2 && w != 4 && w != 8) || addr % w ||
		    !(page = page_of(fd, maps, &nmaps, (unsigned long)(addr & ~4095ULL)))) {
			puts("error");
			continue;
		}
		if (n == 3) {
			mmio_write(page + (addr & 4095), w, v);
			puts("ok");
		} else {
			printf("%llu\n", (unsigned long long)mmio_read(page + (addr & 4095), w));
		}
		served++;
	}
	printf("SERVED=%lu\n", served);
	return 0;
}

/* ---- PCI configuration mechanism #1 ---------------------------------- */

static uint32_t cf8_addr(unsigned bus, unsigned slot, unsigned fn, unsigned off)
{
	return 0x80000000u | bus << 16 | slot << 11 | fn << 8 | (off & 0xfc);
}

static uint32_t cfg_read(unsigned bus, unsigned slot, unsigned fn, unsigned off, unsigned w)
{
	outl(cf8_addr(bus, slot, fn, off), CF8);
	reads++;
	if (w == 1)
		return inb((uint16_t)(CFC + (off & 3)));
	if (w == 2)
		return inw((uint16_t)(CFC + (off & 2)));
	return inl(CFC);
}

static void cfg_write(unsigned bus, unsigned slot, unsigned fn, unsigned off, unsigned w,
		      uint32_t v)
{
	outl(cf8_addr(bus, slot, fn, off), CF8);
	writes++;
	if (w == 1)
		outb((uint8_t)v, (uint16_t)(CFC + (off & 3)));
	else if (w == 2)
		outw((uint16_t)v, (uint16_t)(CFC + (off & 2)));
	else
		outl(v, CFC);
}

struct dev {
	unsigned slot;
	uint32_t cfg[64];     /* the header as found */
	uint32_t bar_size[6]; /* 0: not implemented */
};

static void size_bars(struct dev *d)
{
	for (unsigned b = 0; b < 6; b++) {
		unsigned off = 0x10 + 4 * b;
		uint32_t mask;

		cfg_write(0, d->slot, 0, off, 4, 0xffffffff);
		mask = cfg_read(0, d->slot, 0, off, 4) & ~0xfu;
		cfg_write(0, d->slot, 0, off, 4, d->cfg[off / 4]);
		d->bar_size[b] = mask ? ~mask + 1 : 0;
	}
}

/* Move BAR b to addr; true when the register reads addr back. */
static int bar_set(const struct dev *d, unsigned b, uint32_t addr)
{
	unsigned off = 0x10 + 4 * b;

	cfg_write(0, d->slot, 0, off, 4, addr);
	return (cfg_read(0, d->slot, 0, off, 4) & ~0xfu) == addr;
}

static void bars_attack(const struct dev *d, const struct dev *devs, unsigned ndev)
{
	static const uint32_t bogus[] = {
		0xffffffff, 0,		0x1000,	    0x7ffff000, 0xbffff000, 0xc0000000,
		0xfebff000, 0xfec00000, 0xfee00000, 0xfffffff0, 0xfffff000,
	};

	for (unsigned b = 0; b < 6; b++) {
		uint32_t orig = d->cfg[4 + b];

		if (!d->bar_size[b])
			continue;
		for (unsigned i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++)
			bar_set(d, b, bogus[i]);
		bar_set(d, b, (orig & ~0xfu) + 16);
		for (unsigned j = 0; j < ndev; j++)
			for (unsigned c = 0; c < 6; c++)
				if (devs[j].bar_size[c])
					bar_set(d, b, devs[j].cfg[4 + c] & ~0xfu);
		bar_set(d, b, orig & ~0xfu);
	}
}

static void garbage_all_widths(unsigned bus, unsigned slot, unsigned fn)
{
	for (unsigned w = 1; w <= 4; w *= 2)
		for (unsigned off = 0; off < 256; off += w) {
			cfg_write(bus, slot, fn, off, w, (uint32_t)next_rand());
			(void)cfg_read(bus, slot, fn, off, w);
		}
}

/* Every BAR to a free parking slot, then home: garbage may have left one
 * device's BAR where another's belongs. */
static int bars_home(const struct dev *devs, unsigned ndev)
{
	uint32_t park = PARK_BASE;
	int bad = 0;

	for (unsigned j = 0; j < ndev; j++)
		for (unsigned b = 0; b < 6; b++) {
			int tries = 0;

			if (!devs[j].bar_size[b])
				continue;
			while (!bar_set(&devs[j], b, park) && ++tries < 16)
				park += 0x100000;
			park += 0x100000;
		}
	for (unsigned j = 0; j < ndev; j++)
		for (unsigned b = 0; b < 6; b++) {
			uint32_t want = devs[j].cfg[4 + b] & ~0xfu;

			if (devs[j].bar_size[b] && !bar_set(&devs[j], b, want)) {
				fprintf(stderr,
					"hostile_io: slot %u BAR %u stays at 0x%x, not 0x%x\n",
					devs[j].slot, b,
					cfg_read(0, devs[j].slot, 0, 0x10 + 4 * b, 4), want);
				bad = 1;
			}
		}
	return bad;
}

static int cmd_pci(void)
{
	static struct dev devs[MAX_DEVS];
	unsigned ndev = 0;
	int bad;

	for (unsigned slot = 0; slot < 32; slot++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = cfg_read(0, slot, fn, 0, 4);

			if (id == 0xffffffff) {
				/* Absent: a few writes, they must go nowhere. */
				for (unsigned off = 0; off < 64; off += 12)
					cfg_write(0, slot, fn, off, 4, (uint32_t)next_rand());
				continue;
			}
			if (fn != 0 || ndev == MAX_DEVS)
				continue;
			devs[ndev].slot = slot;
			for (unsigned i = 0; i < 64; i++)
				devs[ndev].cfg[i] = cfg_read(0, slot, 0, 4 * i, 4);
			size_bars(&devs[ndev]);
			ndev++;
		}
	}
	for (unsigned j = 0; j < ndev; j++) {
		bars_attack(&devs[j], devs, ndev);
		garbage_all_widths(0, devs[j].slot, 0);
	}
	/* Other buses, and 0xcf8 values of every kind. */
	for (unsigned bus = 1; bus < 256; bus += 127)
		for (unsigned slot = 0; slot < 32; slot += 3) {
			cfg_write(bus, slot, 0, 0x10, 4, (uint32_t)next_rand());
			(void)cfg_read(bus, slot, 0, 0, 4);
		}
	for (unsigned i = 0; i < 512; i++) {
		uint64_t r = next_rand();

		outl((uint32_t)r, CF8);
		outb((uint8_t)(r >> 32), (uint16_t)(CFC + (r >> 40) % 4));
		(void)inw((uint16_t)(CFC + (r >> 42) % 3));
		outw((uint16_t)(r >> 48), (uint16_t)(CF8 + (r >> 44) % 4));
		(void)inb((uint16_t)(CF8 + (r >> 46) % 4));
		writes += 3;
		reads += 2;
	}
	bad = bars_home(devs, ndev);
	for (unsigned j = 0; j < ndev; j++) {
		/* Decoding off while the header goes back, command last. */
		cfg_write(0, devs[j].slot, 0, 4, 2, 0);
		for (unsigned i = 2; i < 64; i++)
			cfg_write(0, devs[j].slot, 0, 4 * i, 4, devs[j].cfg[i]);
		cfg_write(0, devs[j].slot, 0, 4, 2, devs[j].cfg[1] & 0xffff);
	}
	printf("CFG-FUNCTIONS=%u\nCFG-WRITES=%lu\nCFG-READS=%lu\n", ndev, writes, reads);
	return bad;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int seed_at = !strcmp(cmd, "ports") ? 6 : !strcmp(cmd, "mmio") ? 5 : 2;

	if (!strcmp(cmd, "serve"))
		return cmd_serve();
	if (argc <= seed_at ||
	    (strcmp(cmd, "ports") && strcmp(cmd, "mmio") && strcmp(cmd, "pci"))) {
		fprintf(stderr,
			"usage: hostile_io ports FIRST END STEP WIDTHS SEED [EXCLUDED...] | "
			"mmio ADDR LEN STEP SEED | pci SEED | serve\n");
		return 2;
	}
	rng = num(argv[seed_at]) | 1;
	if (strcmp(cmd, "mmio") && iopl(3) < 0) {
		perror("hostile_io: iopl");
		return 1;
	}
	if (!strcmp(cmd, "ports"))
		return cmd_ports(argc, argv);
	if (!strcmp(cmd, "mmio"))
		return cmd_mmio(argv);
	return cmd_pci();
}
