/* Synthetic PVH vmlinux files (ELF64) for test_pvh and fuzz_pvh. Fields are
 * written at the byte offsets of the ELF specification, not through
 * <elf.h>'s structs, so the tests also cross-check what the parser reads.
 * Layout: ELF header, program headers (the PT_LOADs, then the PT_NOTEs),
 * the note blobs, then each segment's file bytes, 16-byte aligned. */
#ifndef TESTS_PVH_FIXTURE_H
#define TESTS_PVH_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/boot_fixture.h"

#define FAKE_ELF_MAX_SEGS  20
#define FAKE_ELF_MAX_NOTES 4
#define FAKE_ELF_NOTES_MAX 256

/* ELF header offsets. */
#define EH_CLASS     4
#define EH_DATA	     5
#define EH_TYPE	     16
#define EH_MACHINE   18
#define EH_PHOFF     32
#define EH_PHENTSIZE 54
#define EH_PHNUM     56
#define EH_SIZE	     64
/* Program header offsets. */
#define PH_TYPE	     0
#define PH_OFFSET    8
#define PH_PADDR     24
#define PH_FILESZ    32
#define PH_MEMSZ     40
#define PH_SIZE	     56

struct fake_seg {
	uint32_t type; /* 0: PT_LOAD */
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};

struct fake_notes {
	uint8_t bytes[FAKE_ELF_NOTES_MAX];
	size_t len;
};

struct fake_elf {
	unsigned nsegs;
	struct fake_seg segs[FAKE_ELF_MAX_SEGS];
	unsigned nnotes; /* PT_NOTE segments */
	struct fake_notes notes[FAKE_ELF_MAX_NOTES];
	size_t seg_align; /* file offset alignment of the segments; 0: 16 */
};

/* Append a note (header, name padded to 4, descriptor padded to 4) to n. */
static inline void fake_note_add(struct fake_notes *n, const char *name, uint32_t namesz,
				 uint32_t type, const void *desc, uint32_t descsz)
{
	size_t name_pad = (namesz + 3u) & ~3u, desc_pad = (descsz + 3u) & ~3u;

	if (n->len + 12 + name_pad + desc_pad > sizeof(n->bytes))
		abort();
	fake_put(n->bytes, n->len, namesz, 4);
	fake_put(n->bytes, n->len + 4, descsz, 4);
	fake_put(n->bytes, n->len + 8, type, 4);
	memset(n->bytes + n->len + 12, 0, name_pad + desc_pad);
	memcpy(n->bytes + n->len + 12, name, namesz);
	memcpy(n->bytes + n->len + 12 + name_pad, desc, descsz);
	n->len += 12 + name_pad + desc_pad;
}

/* The PVH entry note with a descriptor of descsz (4 or 8) bytes. */
static inline void fake_note_entry(struct fake_notes *n, uint64_t entry, uint32_t descsz)
{
	uint8_t desc[8];

	fake_put(desc, 0, entry, 8);
	fake_note_add(n, "Xen", 4, 18, desc, descsz);
}

/* Segment i's file byte j, so tests can check where it was copied. */
static inline uint8_t fake_seg_byte(unsigned i, size_t j)
{
	return (uint8_t)(j * 13 + i * 31 + 1);
}

/* A kernel like Linux's, small: text at 16 MiB, data with bss above it,
 * unrelated Xen and GNU notes around the entry note (8 bytes, as Linux). */
#define FAKE_ELF_ENTRY 0x1000850ULL
static inline struct fake_elf fake_elf_default(void)
{
	struct fake_elf f = {
		.nsegs = 2,
		.segs = { { 0, 0x1000000, 0x2345, 0x2345 }, { 0, 0x1200000, 0x1800, 0x5000 } },
		.nnotes = 1,
	};

	fake_note_add(&f.notes[0], "Xen", 4, 6, "linux", 6); /* XEN_ELFNOTE_GUEST_OS */
	fake_note_add(&f.notes[0], "GNU", 4, 3, "0123456789abcdefghij", 20);
	fake_note_entry(&f.notes[0], FAKE_ELF_ENTRY, 8);
	fake_note_add(&f.notes[0], "Linux", 6, 1, "\0\0\0\0", 4);
	return f;
}

/* Offset of program header i in a fake_elf_build() image. */
static inline size_t fake_elf_phdr(unsigned i)
{
	return EH_SIZE + (size_t)i * PH_SIZE;
}

/* malloc'd image of exactly *len bytes. */
static inline uint8_t *fake_elf_build(const struct fake_elf *f, size_t *len)
{
	unsigned nph = f->nsegs + f->nnotes;
	size_t off = fake_elf_phdr(nph), note_off[FAKE_ELF_MAX_NOTES], seg_off[FAKE_ELF_MAX_SEGS];
	uint8_t *img;

	for (unsigned i = 0; i < f->nnotes; i++) {
		note_off[i] = off;
		off += f->notes[i].len;
	}
	size_t align = f->seg_align ? f->seg_align : 16;

	for (unsigned i = 0; i < f->nsegs; i++) {
		off = (off + align - 1) & ~(align - 1);
		seg_off[i] = off;
		off += f->segs[i].filesz;
	}
	*len = off;
	img = calloc(1, off);
	if (!img)
		abort();
	memcpy(img, "\177ELF", 4);
	img[EH_CLASS] = 2;		  /* ELFCLASS64 */
	img[EH_DATA] = 1;		  /* ELFDATA2LSB */
	img[6] = 1;			  /* EV_CURRENT */
	fake_put(img, EH_TYPE, 2, 2);	  /* ET_EXEC */
	fake_put(img, EH_MACHINE, 62, 2); /* EM_X86_64 */
	fake_put(img, 20, 1, 4);	  /* e_version */
	fake_put(img, 24, 0x1000000, 8);  /* e_entry: the 64-bit one, unused */
	fake_put(img, EH_PHOFF, EH_SIZE, 8);
	fake_put(img, 52, EH_SIZE, 2); /* e_ehsize */
	fake_put(img, EH_PHENTSIZE, PH_SIZE, 2);
	fake_put(img, EH_PHNUM, nph, 2);
	for (unsigned i = 0; i < f->nsegs; i++) {
		uint8_t *ph = img + fake_elf_phdr(i);

		fake_put(ph, PH_TYPE, f->segs[i].type ? f->segs[i].type : 1, 4); /* PT_LOAD */
		fake_put(ph, PH_OFFSET, seg_off[i], 8);
		fake_put(ph, 16, 0xffffffff80000000ULL + f->segs[i].paddr, 8); /* p_vaddr */
		fake_put(ph, PH_PADDR, f->segs[i].paddr, 8);
		fake_put(ph, PH_FILESZ, f->segs[i].filesz, 8);
		fake_put(ph, PH_MEMSZ, f->segs[i].memsz, 8);
		for (size_t j = 0; j < f->segs[i].filesz; j++)
			img[seg_off[i] + j] = fake_seg_byte(i, j);
	}
	for (unsigned i = 0; i < f->nnotes; i++) {
		uint8_t *ph = img + fake_elf_phdr(f->nsegs + i);

		fake_put(ph, PH_TYPE, 4, 4); /* PT_NOTE */
		fake_put(ph, PH_OFFSET, note_off[i], 8);
		fake_put(ph, PH_FILESZ, f->notes[i].len, 8);
		fake_put(ph, PH_MEMSZ, f->notes[i].len, 8);
		memcpy(img + note_off[i], f->notes[i].bytes, f->notes[i].len);
	}
	return img;
}

#endif
