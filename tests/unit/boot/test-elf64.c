/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>

#include "synth.h"
#include "vmm/boot/elf64.h"
#include "vmm/layout.h"

#define ELF_TEST_RAM MiB(8)

static int elf_parse(const struct synth_elf *o, struct elf64_image *img, char *err, size_t errlen)
{
	size_t len;
	uint8_t *b = synth_elfimg(o, &len);
	int r = elf64_parse(b, len, img, err, errlen);

	free(b);
	return r;
}

static void elf_expect_reject(const void *b, size_t len, const char *needle)
{
	struct elf64_image img;
	char err[256] = "";

	synth_expect_refused(elf64_parse(b, len, &img, err, sizeof(err)), err, needle);
}

/* o's image is refused with a message mentioning needle. */
static void elf_expect_reject_synth(const struct synth_elf *o, const char *needle)
{
	size_t len;
	uint8_t *b = synth_elfimg(o, &len);

	elf_expect_reject(b, len, needle);
	free(b);
}

Test(elf64, parse_segments_and_note)
{
	struct synth_elf o = synth_elf_default();
	struct elf64_image img;
	char err[256] = "";

	cr_assert_eq(elf_parse(&o, &img, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(img.n_loads, 2);
	cr_expect_eq(img.loads[0].paddr, 0x100000);
	cr_expect_eq(img.loads[0].offset, 0x1000);
	cr_expect_eq(img.loads[1].filesz, 0x1800);
	cr_expect_eq(img.loads[1].memsz, 0x5000);
	cr_expect_eq(img.pvh_entry, 0x100040);
	cr_expect_eq(img.start, 0x100000);
	cr_expect_eq(img.end, 0x205000);

	o.note = 4;
	o.entry = 0x200010;
	cr_assert_eq(elf_parse(&o, &img, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(img.pvh_entry, 0x200010, "4-byte note");
}

Test(elf64, load_copies_and_zeroes_bss)
{
	struct synth_elf o = synth_elf_default();
	struct elf64_image img;
	struct guest_mem gm;
	char err[256] = "";
	uint64_t gpa = 0, size = ELF_TEST_RAM;
	uint8_t *ram = malloc(ELF_TEST_RAM);
	size_t len;
	uint8_t *b = synth_elfimg(&o, &len);

	memset(ram, 0xee, ELF_TEST_RAM);
	cr_assert_eq(gm_init_from_buffers(&gm, &gpa, (void *const *)&ram, &size, 1), 0);
	cr_assert_eq(elf64_parse(b, len, &img, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(elf64_load(&gm, b, len, &img, err, sizeof(err)), 0, "%s", err);
	for (size_t k = 0; k < 0x3000; k++)
		cr_assert_eq(ram[0x100000 + k], synth_pattern(k, 0x40), "seg0 byte %zu", k);
	for (size_t k = 0; k < 0x1800; k++)
		cr_assert_eq(ram[0x200000 + k], synth_pattern(k, 0x41), "seg1 byte %zu", k);
	for (size_t k = 0x1800; k < 0x5000; k++)
		cr_assert_eq(ram[0x200000 + k], 0, "bss byte 0x%zx not zeroed", k);
	cr_expect_eq(ram[0x205000], 0xee, "nothing written past memsz");
	cr_expect_eq(ram[0xfffff], 0xee);
	free(b);
	free(ram);
}

static void elf_expect_load_reject(const struct synth_elf *o, const char *needle)
{
	struct elf64_image img;
	struct guest_mem gm;
	char err[256] = "";
	uint64_t gpa = 0, size = ELF_TEST_RAM;
	uint8_t *ram = calloc(1, ELF_TEST_RAM);
	size_t len;
	uint8_t *b = synth_elfimg(o, &len);

	cr_assert_eq(gm_init_from_buffers(&gm, &gpa, (void *const *)&ram, &size, 1), 0);
	cr_assert_eq(elf64_parse(b, len, &img, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(elf64_load(&gm, b, len, &img, err, sizeof(err)), -EFAULT);
	cr_expect(strstr(err, needle), "'%s' does not mention '%s'", err, needle);
	for (size_t k = 0; k < ELF_TEST_RAM; k++)
		cr_assert_eq(ram[k], 0, "guest RAM written at 0x%zx despite the error", k);
	free(b);
	free(ram);
}

Test(elf64, reject_segment_outside_ram)
{
	struct synth_elf o = synth_elf_default();

	o.seg[1].paddr = ELF_TEST_RAM - 0x1000; /* bss runs past the end */
	o.entry = o.seg[1].paddr;
	elf_expect_load_reject(&o, "outside guest RAM");
	o.seg[1].paddr = GiB(1);
	o.entry = o.seg[1].paddr;
	elf_expect_load_reject(&o, "outside guest RAM");
}

Test(elf64, reject_segment_below_1m)
{
	struct synth_elf o = synth_elf_default();

	o.seg[0].paddr = 0x7000; /* over the zero page */
	o.entry = 0x7000;
	elf_expect_load_reject(&o, "below 1 MiB");
}

Test(elf64, reject_truncated)
{
	struct synth_elf o = synth_elf_default();
	size_t len;
	uint8_t *b = synth_elfimg(&o, &len);

	elf_expect_reject(b, len - 1, "truncated");
	elf_expect_reject(b, 40, "truncated ELF header");
	elf_expect_reject(b, sizeof(Elf64_Ehdr) + 10, "program headers");
	free(b);
}

Test(elf64, reject_no_pvh_note)
{
	struct synth_elf o = synth_elf_default();

	o.note = 0;
	elf_expect_reject_synth(&o, "PVH");
}

Test(elf64, reject_wrong_arch)
{
	struct synth_elf o = synth_elf_default();

	o.machine = EM_386;
	elf_expect_reject_synth(&o, "x86_64");
	o = synth_elf_default();
	o.class = ELFCLASS32;
	elf_expect_reject_synth(&o, "x86_64");
}

Test(elf64, reject_entry_outside_segments)
{
	struct synth_elf o = synth_elf_default();

	o.entry = 0x400000;
	elf_expect_reject_synth(&o, "outside the loaded segments");
}

Test(elf64, reject_bad_sizes_and_note)
{
	struct synth_elf o = synth_elf_default();
	Elf64_Phdr ph;
	size_t len;
	uint8_t *b = synth_elfimg(&o, &len);
	size_t ph1 = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	size_t note_ph = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);

	memcpy(&ph, b + ph1, sizeof(ph));
	ph.p_memsz = ph.p_filesz - 1;
	memcpy(b + ph1, &ph, sizeof(ph));
	elf_expect_reject(b, len, "bad sizes");
	free(b);

	/* A note whose descsz runs past its segment. */
	b = synth_elfimg(&o, &len);
	memcpy(&ph, b + note_ph, sizeof(ph));
	synth_put32(b, ph.p_offset + 4, 0x10000);
	elf_expect_reject(b, len, "malformed note");
	free(b);
}

Test(elf64, reject_bad_magic)
{
	uint8_t b[128] = { 0x7f, 'E', 'L', 'G' };

	elf_expect_reject(b, sizeof(b), "magic");
}
