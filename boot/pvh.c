/* PVH boot: the vmlinux's ELF headers and notes read with memcpy (the file
 * buffer has no alignment guarantees), every offset and size checked against
 * the file with overflow-safe arithmetic before use; then the start info
 * and the composition over guest RAM. */
#include "boot/pvh.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "boot/boot_place.h"

#define FOUR_GIB	 0x100000000ULL
#define NOTE_NAME_XEN	 "Xen"
#define NOTE_NAME_XEN_SZ 4 /* "Xen" and its NUL */

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info is 56 bytes");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap_paddr at 40");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry: 24 bytes");

bool pvh_is_elf(const uint8_t *img, size_t len)
{
	return len >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;
}

/* [off, off+size) lies within a file of len bytes. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~3ULL;
}

static int check_header(const uint8_t *img, size_t len, Elf64_Ehdr *eh, struct err *e)
{
	if (!pvh_is_elf(img, len))
		return err_set(e, EINVAL, "not an ELF file (no \\x7fELF magic)");
	if (len < EI_NIDENT)
		return err_set(e, EINVAL, "truncated ELF header (file is only %zu bytes)", len);
	if (img[EI_CLASS] != ELFCLASS64)
		return err_set(e, EINVAL,
			       "ELF class %u is not ELFCLASS64: a PVH kernel is a 64-bit "
			       "x86-64 vmlinux",
			       img[EI_CLASS]);
	if (img[EI_DATA] != ELFDATA2LSB)
		return err_set(e, EINVAL, "ELF data encoding %u is not little-endian (ELFDATA2LSB)",
			       img[EI_DATA]);
	if (len < sizeof(*eh))
		return err_set(e, EINVAL, "truncated ELF header (file is only %zu bytes, need %zu)",
			       len, sizeof(*eh));
	memcpy(eh, img, sizeof(*eh));
	if (eh->e_machine != EM_X86_64)
		return err_set(e, EINVAL, "ELF machine %u is not x86-64 (EM_X86_64, %u)",
			       eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return err_set(e, EINVAL, "ELF type %u is not an executable (ET_EXEC)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return err_set(e, EINVAL, "ELF program header size %u, want %zu", eh->e_phentsize,
			       sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return err_set(e, EINVAL, "ELF file has no program headers");
	if (eh->e_phnum > PVH_MAX_PHDRS)
		return err_set(e, EINVAL, "ELF file has %u program headers (at most %u)",
			       eh->e_phnum, PVH_MAX_PHDRS);
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return err_set(e, EINVAL,
			       "ELF program headers (%u at offset 0x%" PRIx64
			       ") are outside the file (%zu bytes)",
			       eh->e_phnum, (uint64_t)eh->e_phoff, len);
	return 0;
}

static int add_segment(const Elf64_Phdr *ph, unsigned index, size_t len, struct pvh_info *out,
		       struct err *e)
{
	struct pvh_segment *s;

	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return err_set(e, EINVAL,
			       "segment %u (0x%" PRIx64 " bytes at offset 0x%" PRIx64
			       ") is outside the file (%zu bytes)",
			       index, (uint64_t)ph->p_filesz, (uint64_t)ph->p_offset, len);
	if (ph->p_memsz < ph->p_filesz)
		return err_set(e, EINVAL,
			       "segment %u: memory size 0x%" PRIx64
			       " is below its file size 0x%" PRIx64,
			       index, (uint64_t)ph->p_memsz, (uint64_t)ph->p_filesz);
	if (ph->p_memsz == 0)
		return 0; /* nothing to load */
	if (ph->p_paddr >= FOUR_GIB || ph->p_memsz > FOUR_GIB - ph->p_paddr)
		return err_set(e, EINVAL,
			       "segment %u (0x%" PRIx64 " bytes at 0x%" PRIx64 ") ends above 4 GiB",
			       index, (uint64_t)ph->p_memsz, (uint64_t)ph->p_paddr);
	if (ph->p_paddr < LAYOUT_KERNEL_ADDR)
		return err_set(e, EINVAL,
			       "segment %u at 0x%" PRIx64 " starts below 1 MiB, where the boot "
			       "tables are",
			       index, (uint64_t)ph->p_paddr);
	if (out->nsegs == PVH_MAX_SEGMENTS)
		return err_set(e, EINVAL, "more than %u PT_LOAD segments", PVH_MAX_SEGMENTS);
	s = &out->segs[out->nsegs++];
	*s = (struct pvh_segment){ ph->p_paddr, ph->p_offset, ph->p_filesz, ph->p_memsz };
	if (out->nsegs == 1 || s->paddr < out->lowest)
		out->lowest = s->paddr;
	if (s->paddr + s->memsz > out->end)
		out->end = s->paddr + s->memsz;
	return 0;
}

/* The PVH entry from one note's descriptor: 4 or 8 bytes, below 4 GiB. */
static int note_entry(const uint8_t *desc, uint32_t descsz, uint32_t *entry, struct err *e)
{
	uint64_t v = 0;

	if (descsz != 4 && descsz != 8)
		return err_set(e, EINVAL,
			       "PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) has a %" PRIu32
			       "-byte descriptor, want 4 or 8",
			       descsz);
	for (unsigned i = 0; i < descsz; i++)
		v |= (uint64_t)desc[i] << (8 * i);
	if (v >= FOUR_GIB)
		return err_set(e, EINVAL, "PVH entry 0x%" PRIx64 " is above 4 GiB", v);
	*entry = (uint32_t)v;
	return 0;
}

/* Walk the notes of one PT_NOTE segment (already known to be in the file);
 * the first PVH entry note found sets *entry and *found. Each step moves
 * past at least one note header, so the walk ends. */
static int walk_notes(const uint8_t *notes, uint64_t size, unsigned index, uint32_t *entry,
		      bool *found, struct err *e)
{
	uint64_t off = 0;

	while (size - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off = off + sizeof(nh), desc_off;
		int r;

		memcpy(&nh, notes + off, sizeof(nh));
		desc_off = name_off + align4(nh.n_namesz);
		if (desc_off > size || nh.n_descsz > size - desc_off)
			return err_set(e, EINVAL,
				       "malformed ELF note at offset 0x%" PRIx64
				       " of segment %u: name (%" PRIu32
				       " bytes) and descriptor (%" PRIu32
				       " bytes) overflow the segment's 0x%" PRIx64 " bytes",
				       off, index, nh.n_namesz, nh.n_descsz, size);
		if (!*found && nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
		    nh.n_namesz == NOTE_NAME_XEN_SZ &&
		    memcmp(notes + name_off, NOTE_NAME_XEN, NOTE_NAME_XEN_SZ) == 0) {
			r = note_entry(notes + desc_off, nh.n_descsz, entry, e);
			if (r < 0)
				return r;
			*found = true;
		}
		/* The last descriptor's padding may be missing: stop there. */
		if (align4(nh.n_descsz) > size - desc_off)
			break;
		off = desc_off + align4(nh.n_descsz);
	}
	return 0;
}

int pvh_parse(const uint8_t *img, size_t len, struct pvh_info *out, struct err *e)
{
	Elf64_Ehdr eh;
	bool found = false;
	int r;

	memset(out, 0, sizeof(*out));
	r = check_header(img, len, &eh, e);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD) {
			r = add_segment(&ph, i, len, out, e);
		} else if (ph.p_type == PT_NOTE) {
			if (!in_file(ph.p_offset, ph.p_filesz, len))
				return err_set(
					e, EINVAL,
					"note segment %u (0x%" PRIx64 " bytes at offset 0x%" PRIx64
					") is outside the file (%zu bytes)",
					i, (uint64_t)ph.p_filesz, (uint64_t)ph.p_offset, len);
			r = walk_notes(img + ph.p_offset, ph.p_filesz, i, &out->entry, &found, e);
		}
		if (r < 0)
			return r;
	}
	if (out->nsegs == 0)
		return err_set(e, EINVAL, "ELF file has no PT_LOAD segment to load");
	if (!found)
		return err_set(e, EINVAL,
			       "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): build the kernel "
			       "with CONFIG_PVH");
	for (unsigned i = 0; i < out->nsegs; i++)
		if (out->entry >= out->segs[i].paddr &&
		    out->entry - out->segs[i].paddr < out->segs[i].filesz)
			return 0;
	return err_set(e, EINVAL, "PVH entry 0x%" PRIx32 " is not inside a loaded segment",
		       out->entry);
}

int pvh_initrd_addr(const struct guest_mem *mem, const struct pvh_info *pvh, uint64_t initrd_len,
		    uint64_t *addr, struct err *e)
{
	return boot_initrd_fit(mem->low_size, pvh->end, initrd_len, addr, e);
}

long pvh_start_info_build(uint8_t *buf, size_t len, uint64_t gpa, const struct pvh_start_params *p)
{
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = HVM_START_INFO_VERSION,
		.cmdline_paddr = p->cmdline_paddr,
		.rsdp_paddr = p->rsdp_paddr,
	};
	struct hvm_modlist_entry mod = { .paddr = p->initrd_paddr, .size = p->initrd_size };
	unsigned n = e820_build(e820, E820_MAX_ENTRIES_ZEROPAGE, p->mem);
	size_t off = sizeof(si);
	size_t need = off + (p->initrd_size ? sizeof(mod) : 0) +
		      n * sizeof(struct hvm_memmap_table_entry);

	if (need > len)
		return -ENOSPC;
	if (p->initrd_size) {
		si.nr_modules = 1;
		si.modlist_paddr = gpa + off;
		memcpy(buf + off, &mod, sizeof(mod));
		off += sizeof(mod);
	}
	si.memmap_paddr = n ? gpa + off : 0;
	si.memmap_entries = n;
	for (unsigned i = 0; i < n; i++) {
		struct hvm_memmap_table_entry m = {
			.addr = e820[i].addr,
			.size = e820[i].size,
			.type = e820[i].type,
		};

		memcpy(buf + off, &m, sizeof(m));
		off += sizeof(m);
	}
	memcpy(buf, &si, sizeof(si));
	return (long)off;
}

/* Every segment in guest RAM: the file bytes (mapped where they can be),
 * then zeroes (already there in fresh RAM). */
static int place_segments(const struct guest_mem *mem, const struct boot_config *cfg,
			  const struct pvh_info *pvh, struct err *e)
{
	for (unsigned i = 0; i < pvh->nsegs; i++) {
		const struct pvh_segment *s = &pvh->segs[i];
		uint8_t *dst = guest_buf(mem, s->paddr, s->memsz);

		if (!dst)
			return err_set(e, ENOSPC,
				       "kernel segment of 0x%" PRIx64 " bytes at 0x%" PRIx64
				       " ends at 0x%" PRIx64
				       ", beyond the guest's RAM below the PCI "
				       "hole (0x%" PRIx64 ", %.1f MiB)",
				       s->memsz, s->paddr, s->paddr + s->memsz, mem->low_size,
				       (double)mem->low_size / BOOT_MIB);
		if (boot_place_file(mem, cfg, BOOT_FILE_KERNEL, s->paddr, cfg->kernel, s->offset,
				    s->filesz, "kernel segment", e) < 0)
			return -e->code;
		if (!cfg->ram_zeroed)
			memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

int boot_pvh(const struct guest_mem *mem, const struct boot_config *cfg, struct boot_entry *entry,
	     struct err *e)
{
	struct pvh_info pvh;
	struct pvh_start_params sp = {
		.cmdline_paddr = LAYOUT_CMDLINE_ADDR,
		.rsdp_paddr = LAYOUT_ACPI_ADDR,
		.mem = mem,
	};
	uint8_t *si = guest_buf(mem, LAYOUT_ZERO_PAGE_ADDR, LAYOUT_ZERO_PAGE_SIZE);
	uint32_t cmdline_len;
	long n;
	int r;

	r = pvh_parse(cfg->kernel, cfg->kernel_len, &pvh, e);
	if (r == 0)
		r = place_segments(mem, cfg, &pvh, e);
	if (r == 0)
		r = boot_place_cmdline(mem, cfg->cmdline, LAYOUT_CMDLINE_MAX - 1, &cmdline_len, e);
	if (r == 0)
		r = boot_place_initrd(mem, cfg, mem->low_size, pvh.end, &sp.initrd_paddr, e);
	if (r == 0)
		r = boot_place_tables(mem, cfg, e);
	if (r < 0)
		return r;
	if (sp.initrd_paddr)
		sp.initrd_size = cfg->initrd_len;
	n = si ? pvh_start_info_build(si, LAYOUT_ZERO_PAGE_SIZE, LAYOUT_ZERO_PAGE_ADDR, &sp) :
		 -ENOSPC;
	if (n < 0)
		return err_set(e, ENOSPC,
			       "the PVH start info does not fit in its %llu bytes at 0x%llx",
			       LAYOUT_ZERO_PAGE_SIZE, LAYOUT_ZERO_PAGE_ADDR);

	memset(entry, 0, sizeof(*entry));
	entry->mode = BOOT_MODE_PROT32;
	entry->rip = pvh.entry;
	entry->rbx = LAYOUT_ZERO_PAGE_ADDR;
	entry->rsp = LAYOUT_BOOT_STACK_TOP;
	entry->gdt_addr = LAYOUT_GDT_ADDR;
	entry->gdt_limit = (uint16_t)(BOOT_GDT_ENTRIES * 8 - 1);
	return 0;
}
