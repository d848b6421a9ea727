/* Little-endian stores and the byte checksum the firmware tables use (MP
 * and ACPI): fields are written byte by byte, so no packed structs or
 * unaligned stores are involved. */
#ifndef MINIVMM_BOOT_BYTES_H
#define MINIVMM_BOOT_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put16(uint8_t *p, uint16_t v)
{
	put_le(p, v, 2);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put_le(p, v, 4);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put_le(p, v, 8);
}

/* The value that makes the bytes of [p, p+len) sum to zero mod 256 when
 * stored in a byte of that range that is zero now. */
static inline uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

#endif
