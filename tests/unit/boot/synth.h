/* SPDX-License-Identifier: Apache-2.0 */
/* Synthetic kernels for the boot tests: tiny bzImages and PVH ELF files. */
#ifndef CNH_TESTS_UNIT_BOOT_SYNTH_H
#define CNH_TESTS_UNIT_BOOT_SYNTH_H

#include <criterion/criterion.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

struct synth_bz {
	uint16_t version;
	uint8_t setup_sects;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	size_t kernel_size;
};

/* The test guest's shape: 2.15, XLF_KERNEL_64, relocatable, 2 MiB aligned. */
static inline struct synth_bz synth_bz_default(void)
{
	return (struct synth_bz){
		.version = 0x020f,
		.setup_sects = 1,
		.xloadflags = 0x3,
		.relocatable = 1,
		.kernel_alignment = 0x200000,
		.pref_address = 0x1000000,
		.init_size = 0x300000,
		.initrd_addr_max = 0x7fffffff,
		.cmdline_size = 2047,
		.kernel_size = 5000,
	};
}

/* A loader's refusal (r from it, err its message): an error, one line, naming needle. */
static inline void synth_expect_refused(int r, const char *err, const char *needle)
{
	cr_expect_lt(r, 0, "accepted, expected an error mentioning '%s'", needle);
	cr_expect_neq(err[0], '\0', "empty error message");
	cr_expect_null(strchr(err, '\n'), "one line");
	cr_expect(strstr(err, needle), "'%s' does not mention '%s'", err, needle);
}

static inline uint8_t synth_pattern(size_t i, uint8_t seed)
{
	return (uint8_t)(i * 7 + seed + (i >> 8));
}

static inline void synth_put16(uint8_t *b, size_t off, uint16_t v)
{
	memcpy(b + off, &v, 2);
}

static inline void synth_put32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static inline void synth_put64(uint8_t *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static inline size_t synth_bz_setup_size(const struct synth_bz *o)
{
	return ((size_t)(o->setup_sects ? o->setup_sects : 4) + 1) * 512;
}

/* Build the bzImage into a malloc'd buffer; *ret_len is its size. */
static inline uint8_t *synth_bzimage(const struct synth_bz *o, size_t *ret_len)
{
	size_t setup = synth_bz_setup_size(o);
	size_t len = setup + o->kernel_size;
	uint8_t *b = calloc(1, len);

	if (!b)
		abort();
	for (size_t i = 0x26c; i < setup; i++)
		b[i] = 0xcc; /* setup code after the header */
	b[0x1f1] = o->setup_sects;
	synth_put32(b, 0x1f4, (uint32_t)((o->kernel_size + 15) / 16));
	synth_put16(b, 0x1fa, 0xffff);
	synth_put16(b, 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	synth_put16(b, 0x206, o->version);
	b[0x211] = 0x01; /* LOADED_HIGH */
	synth_put32(b, 0x214, 0x100000);
	synth_put32(b, 0x22c, o->initrd_addr_max);
	synth_put32(b, 0x230, o->kernel_alignment);
	b[0x234] = o->relocatable;
	b[0x235] = 21;
	synth_put16(b, 0x236, o->xloadflags);
	synth_put32(b, 0x238, o->cmdline_size);
	synth_put64(b, 0x258, o->pref_address);
	synth_put32(b, 0x260, o->init_size);
	for (size_t i = 0; i < o->kernel_size; i++)
		b[setup + i] = synth_pattern(i, 0x11);
	*ret_len = len;
	return b;
}

struct synth_seg {
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};

struct synth_elf {
	unsigned int nseg;
	struct synth_seg seg[4];
	int note;          /* 0: none, 4 or 8: PHYS32_ENTRY desc size */
	uint64_t entry;
	uint16_t machine;
	unsigned char class;
};

static inline struct synth_elf synth_elf_default(void)
{
	return (struct synth_elf){
		.nseg = 2,
		.seg = { { 0x100000, 0x3000, 0x3000 }, { 0x200000, 0x1800, 0x5000 } },
		.note = 8,
		.entry = 0x100040,
		.machine = EM_X86_64,
		.class = ELFCLASS64,
	};
}

/* Segment i's file data starts at synth_elf_seg_off(o, i). */
static inline size_t synth_elf_seg_off(const struct synth_elf *o, unsigned int i)
{
	size_t off = 0x1000;

	for (unsigned int j = 0; j < i; j++)
		off += ALIGN_UP(o->seg[j].filesz, 16);
	return off;
}

static inline uint8_t *synth_elfimg(const struct synth_elf *o, size_t *ret_len)
{
	size_t len = synth_elf_seg_off(o, o->nseg);
	unsigned int nph = o->nseg + 2; /* + PT_NOTE + PT_GNU_STACK */
	uint8_t *b = calloc(1, len);
	Elf64_Ehdr eh = {
		.e_type = ET_EXEC,
		.e_machine = o->machine,
		.e_version = EV_CURRENT,
		.e_entry = 0xffffffff81000000ULL,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (uint16_t)nph,
	};
	size_t note_off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr), p = note_off;
	Elf64_Phdr ph;

	if (!b)
		abort();
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = o->class;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(b, &eh, sizeof(eh));

	/* Notes: an unrelated GNU note first, then the Xen one. */
	synth_put32(b, p, 4), synth_put32(b, p + 4, 4), synth_put32(b, p + 8, 3);
	memcpy(b + p + 12, "GNU", 4), p += 20;
	if (o->note) {
		synth_put32(b, p, 4), synth_put32(b, p + 4, (uint32_t)o->note);
		synth_put32(b, p + 8, 18);
		memcpy(b + p + 12, "Xen", 4);
		if (o->note == 4)
			synth_put32(b, p + 16, (uint32_t)o->entry);
		else
			synth_put64(b, p + 16, o->entry);
		p += 16 + (size_t)o->note;
	}
	for (unsigned int i = 0; i < o->nseg; i++) {
		size_t off = synth_elf_seg_off(o, i);

		ph = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = off,
			.p_vaddr = 0xffffffff80000000ULL + o->seg[i].paddr,
			.p_paddr = o->seg[i].paddr, .p_filesz = o->seg[i].filesz,
			.p_memsz = o->seg[i].memsz, .p_align = 0x1000,
		};
		memcpy(b + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		for (size_t k = 0; k < o->seg[i].filesz; k++)
			b[off + k] = synth_pattern(k, (uint8_t)(0x40 + i));
	}
	ph = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = note_off, .p_filesz = p - note_off,
			   .p_align = 4 };
	memcpy(b + sizeof(eh) + o->nseg * sizeof(ph), &ph, sizeof(ph));
	ph = (Elf64_Phdr){ .p_type = PT_GNU_STACK };
	memcpy(b + sizeof(eh) + (o->nseg + 1) * sizeof(ph), &ph, sizeof(ph));
	*ret_len = len;
	return b;
}

/* Write buf to a new temp file; path receives its name (>= 32 bytes). */
static inline void synth_tmpfile(const void *buf, size_t len, char *path)
{
	int fd;

	strcpy(path, "/tmp/cnh-boot-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	if (len && write_full(fd, buf, len) < 0)
		abort();
	close(fd);
}

/* A sparse temp file of size bytes (costs nothing on disk). */
static inline void synth_sparse_tmpfile(uint64_t size, char *path)
{
	int fd;

	strcpy(path, "/tmp/cnh-boot-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		abort();
	close(fd);
}

#endif
