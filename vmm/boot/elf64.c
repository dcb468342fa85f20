/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/boot/elf64.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/boot/bootparam.h"
#include "vmm/layout.h"

static void __printf(3, 4) elf64_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool elf64_is_elf(const void *buf, size_t len)
{
	return len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

/* True if [off, off+size) lies within a file of len bytes. */
static bool elf64_in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* Scan one PT_NOTE segment for the Xen PHYS32_ENTRY note. */
static int elf64_scan_notes(const uint8_t *p, uint64_t size, uint64_t *ret_entry, bool *found)
{
	uint64_t off = 0;

	while (size - off >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t name_off, desc_off, next;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		name_off = off + 12;
		desc_off = name_off + ALIGN_UP((uint64_t)namesz, 4);
		next = desc_off + ALIGN_UP((uint64_t)descsz, 4);
		if (desc_off > size || next > size)
			return -EINVAL;
		if (type == PVH_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    memcmp(p + name_off, "Xen", 4) == 0) {
			uint64_t entry = 0;

			if (descsz == 4) {
				uint32_t e32;

				memcpy(&e32, p + desc_off, 4);
				entry = e32;
			} else if (descsz == 8) {
				memcpy(&entry, p + desc_off, 8);
			} else {
				return -EINVAL;
			}
			*ret_entry = entry;
			*found = true;
			return 0;
		}
		off = next;
	}
	return 0;
}

int elf64_parse(const void *buf, size_t len, struct elf64_image *ret, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	struct elf64_image img;
	Elf64_Ehdr eh;
	bool found = false;

	memset(&img, 0, sizeof(img));
	if (!elf64_is_elf(buf, len)) {
		elf64_err(err, errlen, "not an ELF file (bad magic)");
		return -ENOEXEC;
	}
	if (len < sizeof(eh)) {
		elf64_err(err, errlen, "truncated ELF header (%zu bytes)", len);
		return -ENOEXEC;
	}
	memcpy(&eh, b, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64) {
		elf64_err(err, errlen, "not a little-endian x86_64 ELF64 file");
		return -ENOEXEC;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		elf64_err(err, errlen, "ELF type %u is not an executable", eh.e_type);
		return -ENOEXEC;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > ELF64_MAX_PHDRS) {
		elf64_err(err, errlen, "bad program header table (%u entries of %u bytes)",
			  eh.e_phnum, eh.e_phentsize);
		return -EINVAL;
	}
	if (!elf64_in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), len)) {
		elf64_err(err, errlen, "program headers at 0x%llx run past the end of the file (%zu bytes)",
			  (unsigned long long)eh.e_phoff, len);
		return -EINVAL;
	}
	img.start = UINT64_MAX;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, b + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (!elf64_in_file(ph.p_offset, ph.p_filesz, len)) {
			elf64_err(err, errlen,
				  "segment %u (offset 0x%llx, %llu bytes) is truncated: the file has %zu bytes",
				  i, (unsigned long long)ph.p_offset,
				  (unsigned long long)ph.p_filesz, len);
			return -EINVAL;
		}
		if (ph.p_type == PT_NOTE) {
			if (!found && elf64_scan_notes(b + ph.p_offset, ph.p_filesz, &img.pvh_entry,
						       &found) < 0) {
				elf64_err(err, errlen, "malformed note in segment %u", i);
				return -EINVAL;
			}
			continue;
		}
		if (ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || range_overflows(ph.p_paddr, ph.p_memsz)) {
			elf64_err(err, errlen, "segment %u has bad sizes (filesz 0x%llx, memsz 0x%llx)",
				  i, (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
			return -EINVAL;
		}
		if (img.n_loads == ELF64_MAX_LOADS) {
			elf64_err(err, errlen, "more than %d PT_LOAD segments", ELF64_MAX_LOADS);
			return -EINVAL;
		}
		img.loads[img.n_loads++] = (struct elf64_segment){
			.offset = ph.p_offset, .filesz = ph.p_filesz,
			.paddr = ph.p_paddr, .memsz = ph.p_memsz,
		};
		img.start = MIN(img.start, ph.p_paddr);
		img.end = MAX(img.end, ph.p_paddr + ph.p_memsz);
	}
	if (img.n_loads == 0) {
		elf64_err(err, errlen, "no PT_LOAD segment");
		return -EINVAL;
	}
	if (!found) {
		elf64_err(err, errlen,
			  "ELF without a PVH entry (no Xen note XEN_ELFNOTE_PHYS32_ENTRY in a PT_NOTE segment)");
		return -ENOEXEC;
	}
	if (img.pvh_entry < img.start || img.pvh_entry >= img.end || img.pvh_entry > UINT32_MAX) {
		elf64_err(err, errlen, "PVH entry 0x%llx is outside the loaded segments [0x%llx, 0x%llx)",
			  (unsigned long long)img.pvh_entry, (unsigned long long)img.start,
			  (unsigned long long)img.end);
		return -EINVAL;
	}
	*ret = img;
	return 0;
}

int elf64_load(const struct guest_mem *gm, const void *buf, size_t len,
	       const struct elf64_image *img, char *err, size_t errlen)
{
	const uint8_t *b = buf;

	/* Check everything first so that a bad file leaves guest RAM untouched. */
	for (unsigned int i = 0; i < img->n_loads; i++) {
		const struct elf64_segment *s = &img->loads[i];

		if (!elf64_in_file(s->offset, s->filesz, len) || s->filesz > s->memsz)
			return -EINVAL;
		if (s->paddr < LAYOUT_HIGH_RAM_START) {
			elf64_err(err, errlen,
				  "segment at 0x%llx overlaps the boot structures below 1 MiB",
				  (unsigned long long)s->paddr);
			return -EFAULT;
		}
		if (!gm_ptr(gm, s->paddr, s->memsz)) {
			elf64_err(err, errlen,
				  "segment [0x%llx, 0x%llx) is outside guest RAM (%llu MiB)",
				  (unsigned long long)s->paddr,
				  (unsigned long long)(s->paddr + s->memsz),
				  (unsigned long long)(gm->ram_size >> 20));
			return -EFAULT;
		}
	}
	for (unsigned int i = 0; i < img->n_loads; i++) {
		const struct elf64_segment *s = &img->loads[i];
		uint8_t *dst = gm_ptr(gm, s->paddr, s->memsz);

		memcpy(dst, b + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
