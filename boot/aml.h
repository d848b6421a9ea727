/* A small AML (ACPI Machine Language, ACPI 6.4 chapter 20) encoder over a
 * caller-provided buffer, and the bounded byte writer the ACPI tables are
 * built with.
 *
 * Terms are written in prefix order, as AML is: aml_lequal() then its two
 * operands, aml_name() then the object it names. Objects with a PkgLength
 * (Scope, Device, Method, If, Else, Package, Buffer, ResourceTemplate) are
 * opened with their aml_*() call and closed with aml_end(): the body is
 * written first, then the PkgLength (1 to 4 bytes, depending on the body's
 * size) is inserted in front of it, so nesting needs no size estimates.
 *
 * Errors are sticky: the first failure is kept in a->err (-ENOSPC when the
 * buffer is full, -EINVAL for a bad name, value or unbalanced aml_end()),
 * every later call does nothing, and nothing is ever written at or past
 * buf + cap. aml_finish() reports the outcome once at the end. */
#ifndef MINIVMM_AML_H
#define MINIVMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH 16

struct aml {
	uint8_t *buf;
	size_t cap;
	size_t len;	/* bytes written so far */
	int err;	/* 0 or the first negative errno */
	unsigned depth; /* objects opened and not yet closed */
	size_t if_end;	/* len right after the last If closed (Else check) */
	struct {
		size_t start; /* where the PkgLength goes */
		uint8_t kind;
	} open[AML_MAX_DEPTH];
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
/* 0 when everything fit and every opened object was closed, else the first
 * error (-ENOSPC or -EINVAL). */
int aml_finish(const struct aml *a);

/* Record an error (the first one is kept). */
void aml_fail(struct aml *a, int err);

/* Raw bytes and little-endian integers, for the fixed-layout tables. */
void aml_put_bytes(struct aml *a, const void *p, size_t n);
void aml_put8(struct aml *a, uint8_t v);
void aml_put16(struct aml *a, uint16_t v);
void aml_put32(struct aml *a, uint32_t v);
void aml_put64(struct aml *a, uint64_t v);
/* Zero bytes up to the next multiple of align (a power of two). */
void aml_align(struct aml *a, size_t align);

/* PkgLength for a body of body_len bytes (the encoding counts its own
 * bytes): writes 1 to 4 bytes into out and returns how many, or -EINVAL
 * when the package would exceed 2^28 - 1 bytes. */
int aml_pkglength(uint8_t out[4], size_t body_len);

/* NameString: optional root prefix '\\' or parent prefixes '^', then
 * dot-separated NameSegs of 1 to 4 characters (A-Z, _ and, after the first,
 * 0-9) padded with '_': "\\_SB.PCI0", "COM1", "^PWRB". 0 segments encode as
 * NullName, 2 with DualNamePrefix, 3 or more with MultiNamePrefix. */
void aml_name_string(struct aml *a, const char *path);

/* Data objects. Integers take the shortest encoding: ZeroOp, OneOp, OnesOp
 * (all 64 bits set), then Byte/Word/DWord/QWord prefixes. */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* EISA ID: three upper-case letters and four hex digits, "PNP0A03" ->
 * 0x030AD041, encoded as a DWord integer. */
int aml_eisaid_value(const char *id, uint32_t *out);
void aml_eisaid(struct aml *a, const char *id);
void aml_arg(struct aml *a, unsigned n);   /* Arg0..Arg6 */
void aml_local(struct aml *a, unsigned n); /* Local0..Local7 */

/* Name (name, <object>): the object follows. */
void aml_name(struct aml *a, const char *name);

/* Objects closed by aml_end(). */
void aml_scope(struct aml *a, const char *path);
void aml_device(struct aml *a, const char *name);
void aml_method(struct aml *a, const char *name, unsigned nargs, bool serialized);
void aml_if(struct aml *a);   /* the predicate, then the body */
void aml_else(struct aml *a); /* right after an If's aml_end() */
void aml_package(struct aml *a, unsigned nelems);
void aml_buffer(struct aml *a); /* raw bytes follow; BufferSize is computed */
/* Buffer of resource descriptors; aml_end() appends the EndTag. */
void aml_resource_template(struct aml *a);
void aml_end(struct aml *a);

/* Operators: the operands follow. */
void aml_lequal(struct aml *a); /* LEqual (operand, operand) */
void aml_notify(struct aml *a); /* Notify (object, value) */
void aml_return(struct aml *a); /* Return (value) */

/* Resource descriptors (ACPI 6.4, 6.4.2 and 6.4.3; aml_resources.c),
 * inside a ResourceTemplate. */
/* IO (Decode16, min, max, align, len) */
void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
/* IRQNoFlags () {irq}: edge, active high, exclusive; irq < 16 */
void aml_res_irq_noflags(struct aml *a, unsigned irq);

#define AML_INT_CONSUMER   0x01
#define AML_INT_EDGE	   0x02
#define AML_INT_ACTIVE_LOW 0x04
#define AML_INT_SHARED	   0x08
#define AML_INT_WAKE	   0x10
/* Interrupt (flags) {gsi}: the extended interrupt descriptor. */
void aml_res_interrupt(struct aml *a, uint8_t flags, uint32_t gsi);

/* Address space descriptors as a host bridge declares its windows:
 * ResourceProducer, PosDecode, MinFixed, MaxFixed, granularity and
 * translation 0, length max - min + 1. */
void aml_res_word_bus_number(struct aml *a, uint16_t min, uint16_t max);
void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max); /* EntireRange */

#define AML_MEM_NONCACHEABLE (0u << 1)
#define AML_MEM_CACHEABLE    (1u << 1)
#define AML_MEM_WC	     (2u << 1)
#define AML_MEM_PREFETCHABLE (3u << 1)
#define AML_MEM_RW	     0x01
/* DWordMemory/QWordMemory; mem_flags: one AML_MEM_* cacheability, plus
 * AML_MEM_RW for ReadWrite (else ReadOnly). */
void aml_res_dword_memory(struct aml *a, uint8_t mem_flags, uint32_t min, uint32_t max);
void aml_res_qword_memory(struct aml *a, uint8_t mem_flags, uint64_t min, uint64_t max);

#endif
