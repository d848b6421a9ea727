/* The snapshot state file: a versioned, checksummed container of tagged
 * sections (vCPU registers, irqchip, devices, ...) written next to the guest
 * memory file by PUT /vm/snapshot and read by --restore. Pure code over
 * caller buffers: no I/O, no KVM, no global state. The reader refuses a
 * truncated, corrupted, wrong-version or foreign-host file with one line of
 * text before anything is restored. Fuzzed by tests/fuzz/fuzz_snapshot.c.
 *
 * Layout, format version 1. Every field is little-endian (minivmm is
 * x86-64 only; fields are read and written with memcpy, never through
 * casts, so no alignment is assumed):
 *
 *   offset size  header (SNAP_HDR_SIZE bytes)
 *        0    8  magic "MVMSNAP\0"
 *        8    4  format version, 1
 *       12    4  header size, 64
 *       16    4  flags, 0 (version 1 defines none)
 *       20    4  CRC32C (Castagnoli) of the whole file, this field as zeros
 *       24    8  file length in bytes, header included
 *       32    4  number of sections
 *       36    4  host: KVM API version (KVM_GET_API_VERSION)
 *       40   12  host: CPU vendor (CPUID leaf 0, EBX EDX ECX)
 *       52    4  host: CPU family   (CPUID leaf 1, as the caller computes it)
 *       56    4  host: CPU model
 *       60    4  host: CPU stepping
 *
 *   then the sections, back to back, each:
 *        0    4  tag (enum snap_tag)
 *        4    4  instance (vCPU index, device index, 0 for one of a kind)
 *        8    8  payload length L
 *       16    L  payload, then zeros up to a multiple of 8 bytes
 *
 * The file ends exactly after the last section. A (tag, instance) pair
 * appears at most once. Unknown tags are refused: a new kind of section
 * means a new format version, never a section an old reader skips. */
#ifndef MINIVMM_SNAPSHOT_FILE_H
#define MINIVMM_SNAPSHOT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SNAP_MAGIC	  "MVMSNAP" /* with its NUL, the 8 magic bytes */
#define SNAP_MAGIC_LEN	  8
#define SNAP_VERSION	  1
#define SNAP_HDR_SIZE	  64
#define SNAP_SEC_HDR_SIZE 16
#define SNAP_VENDOR_LEN	  12
#define SNAP_MAX_SECTIONS 512
#define SNAP_MAX_SECTION  (16u << 20)  /* payload bytes in one section */
#define SNAP_MAX_FILE	  (256u << 20) /* the whole state file */

/* Header field offsets (the table above), for tests and tools. */
#define SNAP_OFF_VERSION  8
#define SNAP_OFF_HDR_SIZE 12
#define SNAP_OFF_FLAGS	  16
#define SNAP_OFF_CRC	  20
#define SNAP_OFF_FILE_LEN 24
#define SNAP_OFF_COUNT	  32
#define SNAP_OFF_KVM_API  36
#define SNAP_OFF_VENDOR	  40
#define SNAP_OFF_FAMILY	  52
#define SNAP_OFF_MODEL	  56
#define SNAP_OFF_STEPPING 60

/* Section tags, grouped by what they belong to; each group has room to grow.
 * 0 is never a tag. */
enum snap_tag {
	SNAP_VCPU_REGS = 0x0101, /* per vCPU: instance = vCPU index */
	SNAP_VCPU_SREGS = 0x0102,
	SNAP_VCPU_XSAVE = 0x0103,
	SNAP_VCPU_XCRS = 0x0104,
	SNAP_VCPU_MSRS = 0x0105,
	SNAP_VCPU_LAPIC = 0x0106,
	SNAP_VCPU_EVENTS = 0x0107,
	SNAP_VCPU_MP_STATE = 0x0108,
	SNAP_VCPU_DEBUGREGS = 0x0109,

	SNAP_VM_IRQCHIP = 0x0201, /* per VM: instance = chip (PIC master/slave, IOAPIC) or 0 */
	SNAP_VM_PIT = 0x0202,
	SNAP_VM_CLOCK = 0x0203,
	SNAP_VM_CONFIG = 0x0204,
	SNAP_MEMORY_LAYOUT = 0x0205,

	SNAP_DEV_SERIAL = 0x0301, /* per device: instance = device index */
	SNAP_DEV_I8042 = 0x0302,
	SNAP_DEV_RTC = 0x0303,
	SNAP_DEV_ACPI_PM = 0x0304,
	SNAP_DEV_PCI = 0x0305,
	SNAP_DEV_VIRTIO_PCI = 0x0306,
	SNAP_DEV_VIRTIO_BLK = 0x0307,
	SNAP_DEV_VIRTIO_NET = 0x0308,
};

/* The host a snapshot belongs to. The caller fills it (KVM_GET_API_VERSION,
 * CPUID leaves 0 and 1); this file only stores and compares it. A snapshot
 * restores only where every field is equal. */
struct snap_host {
	uint32_t kvm_api_version;
	char cpu_vendor[SNAP_VENDOR_LEN]; /* "GenuineIntel", not NUL-terminated */
	uint32_t cpu_family;
	uint32_t cpu_model;
	uint32_t cpu_stepping;
};

/* The section's name for messages ("VCPU_REGS"), "unknown" for none. */
const char *snap_tag_name(uint32_t tag);

/* CRC32C (Castagnoli, reflected 0x82F63B78) of len bytes; "123456789"
 * gives 0xE3069283. */
uint32_t snap_crc32c(const void *data, size_t len);

/* ---- writing ---- */

/* A state file being built in a growable malloc'd buffer. */
struct snap_writer {
	uint8_t *buf;
	size_t len, cap;
	uint32_t count;
	struct snap_host host;
};

void snap_writer_init(struct snap_writer *w, const struct snap_host *host);

/* Append a section with a copy of len bytes of data (data may be NULL when
 * len is 0). Returns 0, or leaves the writer as it was and returns
 * -EOVERFLOW (len above SNAP_MAX_SECTION, the file would pass SNAP_MAX_FILE,
 * or SNAP_MAX_SECTIONS already written), -ENOMEM, -EINVAL (unknown tag) or
 * -EEXIST ((tag, instance) already written): the writer never produces a
 * file the reader refuses. */
int snap_put(struct snap_writer *w, uint32_t tag, uint32_t instance, const void *data, size_t len);

/* Fill in the header (count, length, host, CRC) and hand the file to the
 * caller: *out (free() it) and *len. The writer is left empty, as after
 * snap_writer_init. Returns 0 or -ENOMEM. */
int snap_writer_finish(struct snap_writer *w, uint8_t **out, size_t *len);

/* Release an unfinished file (harmless after finish). */
void snap_writer_free(struct snap_writer *w);

/* ---- reading ---- */

struct snap_section {
	uint32_t tag;
	uint32_t instance;
	size_t offset; /* of the payload, from the start of the file */
	size_t len;
};

/* Where each section of a parsed file lies. It points into the parsed
 * buffer, which must outlive it. About 12 KiB: not for small stacks. */
struct snap_index {
	const uint8_t *base;
	uint32_t count;
	struct snap_section sec[SNAP_MAX_SECTIONS];
};

/* Check a whole state file and index its sections. Everything is checked
 * before 0 is returned: magic, version (exactly SNAP_VERSION), header size,
 * length (truncated or trailing bytes), CRC, flags, host (equal to *expect),
 * then every section (inside the file, known tag, length within
 * SNAP_MAX_SECTION, zero padding, no duplicate (tag, instance), as many as
 * the header says, at most SNAP_MAX_SECTIONS). Returns 0, or -EINVAL with
 * one line in e and out->count 0. */
int snap_parse(const uint8_t *buf, size_t len, const struct snap_host *expect,
	       struct snap_index *out, struct err *e);

/* The payload of (tag, instance): 0 with *data and *len set, or -ENOENT. */
int snap_find(const struct snap_index *idx, uint32_t tag, uint32_t instance, const void **data,
	      size_t *len);

/* Copy the payload of (tag, instance) into dst, which it must fill exactly:
 * 0, -ENOENT ("no TAG/N section") or -EINVAL ("section TAG/N has L bytes,
 * want M"). */
int snap_get_exact(const struct snap_index *idx, uint32_t tag, uint32_t instance, void *dst,
		   size_t len, struct err *e);

#endif
