/* libFuzzer target: the ACPI and MP table builders with random vCPU counts,
 * PCI routes, buffer sizes and addresses. Whatever the input, a builder
 * either refuses (-EINVAL, -ENOSPC) or writes tables that fit the buffer, and
 * never a byte past it (a canary region after the buffer must stay intact);
 * every ACPI table it builds sums to zero. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/boot.h"

#define BUF_MAX 65536u
#define CANARY	256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct cursor *c, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v = v << 8 | (c->n ? *c->p : 0);
		if (c->n) {
			c->p++;
			c->n--;
		}
	}
	return v;
}

static void check_canary(const uint8_t *buf, size_t len)
{
	for (size_t i = len; i < len + CANARY; i++)
		if (buf[i] != 0xa5)
			abort();
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Walk RSDP -> XSDT -> tables (-> DSDT from the FADT) inside buf and check
 * every checksum and that every table lies within what was written. */
static void check_acpi(const uint8_t *buf, size_t written, uint64_t gpa)
{
	uint64_t xsdt;
	uint32_t len;

	if (written < 36 || sum(buf, 20) != 0 || sum(buf, 36) != 0)
		abort();
	memcpy(&xsdt, buf + 24, 8);
	if (xsdt < gpa || xsdt - gpa > written - 36)
		abort();
	const uint8_t *x = buf + (xsdt - gpa);
	memcpy(&len, x + 4, 4);
	if (len < 36 || len > written - (xsdt - gpa) || sum(x, len) != 0)
		abort();
	for (uint32_t off = 36; off + 8 <= len; off += 8) {
		uint64_t t;
		uint32_t tlen;

		memcpy(&t, x + off, 8);
		if (t < gpa || t - gpa > written - 36)
			abort();
		memcpy(&tlen, buf + (t - gpa) + 4, 4);
		if (tlen < 36 || tlen > written - (t - gpa) || sum(buf + (t - gpa), tlen) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BUF_MAX + CANARY];
	struct mp_pci_irq routes[40];
	struct cursor c = { data, size };
	unsigned ncpus = take(&c, 2) % 300;
	unsigned nroutes = take(&c, 1) % 41;
	size_t len = take(&c, 3) % (BUF_MAX + 1);
	uint64_t gpa = (uint64_t)take(&c, 4) << (take(&c, 1) % 8);
	long n;

	for (unsigned i = 0; i < nroutes; i++) {
		routes[i].slot = (uint8_t)take(&c, 1);
		routes[i].ioapic_pin = (uint8_t)take(&c, 1);
	}
	struct acpi_config cfg = { .ncpus = ncpus, .pci_irqs = routes, .npci_irqs = nroutes };

	memset(buf, 0xa5, sizeof(buf));
	n = acpi_build(buf, len, gpa, &cfg);
	check_canary(buf, len);
	if (n >= 0) {
		if ((size_t)n > len)
			abort();
		check_acpi(buf, (size_t)n, gpa);
	} else if (n != -EINVAL && n != -ENOSPC) {
		abort();
	}

	memset(buf, 0xa5, sizeof(buf));
	n = mptable_build(buf, len, gpa, ncpus, routes, nroutes);
	check_canary(buf, len);
	if (n >= 0 && (size_t)n > len)
		abort();
	if (n < 0 && n != -EINVAL && n != -ENOSPC)
		abort();
	return 0;
}
