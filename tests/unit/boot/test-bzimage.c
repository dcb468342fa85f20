/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>

#include "synth.h"
#include "vmm/boot/bzimage.h"
#include "vmm/layout.h"

static int bz_parse(const struct synth_bz *o, struct bzimage_info *bz, char *err, size_t errlen)
{
	size_t len;
	uint8_t *b = synth_bzimage(o, &len);
	int r = bzimage_parse(b, len, bz, err, errlen);

	free(b);
	return r;
}

/* The first len bytes of b are refused with a message mentioning needle; returns the error. */
static int bz_expect_reject_raw(const uint8_t *b, size_t len, const char *needle)
{
	struct bzimage_info bz;
	char err[256] = "";
	int r = bzimage_parse(b, len, &bz, err, sizeof(err));

	synth_expect_refused(r, err, needle);
	return r;
}

static void bz_expect_reject(const struct synth_bz *o, const char *needle)
{
	size_t len;
	uint8_t *b = synth_bzimage(o, &len);

	bz_expect_reject_raw(b, len, needle);
	free(b);
}

Test(bzimage, header_fields)
{
	struct synth_bz o = synth_bz_default();
	struct bzimage_info bz;
	char err[256] = "";

	o.setup_sects = 3;
	cr_assert_eq(bz_parse(&o, &bz, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(bz.version, 0x020f);
	cr_expect_eq(bz.setup_size, 4 * 512);
	cr_expect_eq(bz.kernel_size, 5000);
	cr_expect(bz.relocatable);
	cr_expect_eq(bz.kernel_alignment, 0x200000);
	cr_expect_eq(bz.pref_address, 0x1000000);
	cr_expect_eq(bz.init_size, 0x300000);
	cr_expect_eq(bz.initrd_addr_max, 0x7fffffff);
	cr_expect_eq(bz.cmdline_size, 2047);
	cr_expect_eq(bz.hdr_len, 0x26c - 0x1f1);
	cr_expect_eq(bz.hdr.header, BP_HDRS_MAGIC);
	cr_expect_eq(bz.hdr.loadflags, BP_LOADED_HIGH);
	cr_expect_eq(bz.hdr.vid_mode, 0xffff);
}

Test(bzimage, defaults_and_short_header)
{
	struct synth_bz o = synth_bz_default();
	struct bzimage_info bz;
	char err[256] = "";
	size_t len;
	uint8_t *b;

	o.setup_sects = 0; /* means 4 */
	o.pref_address = 0;
	o.init_size = 0;
	o.initrd_addr_max = 0;
	b = synth_bzimage(&o, &len);
	b[0x201] = 0x66; /* a 2.12-sized header: ends at 0x268 */
	b[0x268] = 0x77;
	cr_assert_eq(bzimage_parse(b, len, &bz, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(bz.setup_size, 5 * 512);
	cr_expect_eq(bz.pref_address, LAYOUT_HIGH_RAM_START);
	cr_expect_eq(bz.init_size, bz.kernel_size, "init_size never below the kernel");
	cr_expect_eq(bz.initrd_addr_max, 0x37ffffff);
	cr_expect_eq(bz.hdr_len, 0x268 - 0x1f1);
	cr_expect_eq(bz.hdr.kernel_info_offset, 0, "bytes past the header are not copied");
	free(b);
}

Test(bzimage, place)
{
	struct synth_bz o = synth_bz_default();
	struct bzimage_info bz;
	char err[256] = "";
	uint64_t load = 0;

	cr_assert_eq(bz_parse(&o, &bz, err, sizeof(err)), 0);
	cr_assert_eq(bzimage_place(&bz, MiB(64), &load, err, sizeof(err)), 0);
	cr_expect_eq(load, 0x1000000, "preferred address when it fits");
	/* 17 MiB of RAM: 16 MiB + 3 MiB does not fit, relocate to 2 MiB. */
	cr_assert_eq(bzimage_place(&bz, MiB(17), &load, err, sizeof(err)), 0);
	cr_expect_eq(load, MiB(2));
	cr_expect_eq(bzimage_place(&bz, MiB(4), &load, err, sizeof(err)), -ENOMEM);
	cr_expect(strstr(err, "init_size"), "%s", err);

	o.relocatable = 0;
	cr_assert_eq(bz_parse(&o, &bz, err, sizeof(err)), 0);
	err[0] = '\0';
	cr_expect_eq(bzimage_place(&bz, MiB(17), &load, err, sizeof(err)), -ENOMEM);
	cr_expect(strstr(err, "not relocatable"), "%s", err);
}

static uint16_t bz_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t bz_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t bz_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

Test(bzimage, build_params)
{
	struct synth_bz o = synth_bz_default();
	const struct e820_entry e820[] = {
		{ 0, 0x9fc00, E820_RAM }, { 0x100000, MiB(63), E820_RAM },
	};
	struct bzimage_params_in in = {
		.cmdline_gpa = LAYOUT_CMDLINE, .initrd_gpa = 0x1234000, .initrd_size = 0x5678,
		.rsdp_gpa = LAYOUT_ACPI_START, .e820 = e820, .e820_n = 2,
	};
	struct bp_boot_params *bp = malloc(sizeof(*bp));
	struct bzimage_info bz;
	uint8_t *raw = (uint8_t *)bp;

	cr_assert_eq(bz_parse(&o, &bz, NULL, 0), 0);
	memset(bp, 0xaa, sizeof(*bp));
	cr_assert_eq(bzimage_build_params(&bz, &in, bp), 0);
	/* Raw offsets from boot.rst / bootparam.h. */
	cr_expect_eq(memcmp(raw + 0x202, "HdrS", 4), 0);
	cr_expect_eq(raw[0x210], 0xff, "type_of_loader");
	cr_expect_eq(raw[0x211], BP_LOADED_HIGH | BP_CAN_USE_HEAP);
	cr_expect_eq(bz_get16(raw + 0x224), BZIMAGE_HEAP_END);
	cr_expect_eq(bz_get32(raw + 0x228), LAYOUT_CMDLINE);
	cr_expect_eq(bz_get32(raw + 0x218), 0x1234000);
	cr_expect_eq(bz_get32(raw + 0x21c), 0x5678);
	cr_expect_eq(bz_get64(raw + 0x70), LAYOUT_ACPI_START);
	cr_expect_eq(raw[0x1e8], 2, "e820_entries");
	cr_expect_eq(bz_get64(raw + 0x2d0 + 20), 0x100000);
	cr_expect_eq(bz_get64(raw + 0x2d0 + 28), MiB(63));
	cr_expect_eq(bz_get32(raw + 0x2d0 + 36), E820_RAM);
	cr_expect_eq(raw[0x1ef], 0, "sentinel");
	cr_expect_eq(raw[0x0], 0, "rest zeroed");

	/* Before 2.14 there is no acpi_rsdp_addr; high initrd bits go to ext_. */
	o.version = 0x020c;
	cr_assert_eq(bz_parse(&o, &bz, NULL, 0), 0);
	in.initrd_gpa = 0x123456000ULL;
	cr_assert_eq(bzimage_build_params(&bz, &in, bp), 0);
	cr_expect_eq(bp->acpi_rsdp_addr, 0);
	cr_expect_eq(bp->hdr.ramdisk_image, 0x23456000);
	cr_expect_eq(bp->ext_ramdisk_image, 1);

	in.e820_n = BP_E820_MAX_ZEROPAGE + 1;
	cr_expect_eq(bzimage_build_params(&bz, &in, bp), -E2BIG);
	free(bp);
}

Test(bzimage, reject_bad_magic)
{
	uint8_t b[4096];

	memset(b, 0x5a, sizeof(b));
	cr_expect_eq(bz_expect_reject_raw(b, sizeof(b), "magic"), -ENOEXEC);
}

Test(bzimage, reject_truncated)
{
	struct synth_bz o = synth_bz_default();
	size_t len;
	uint8_t *b = synth_bzimage(&o, &len);

	bz_expect_reject_raw(b, 0x220, "truncated");
	bz_expect_reject_raw(b, 0x100, "truncated");
	/* Setup sectors only, no protected-mode kernel. */
	bz_expect_reject_raw(b, 1024, "past the end");
	/* syssize promises more kernel than there is. */
	bz_expect_reject_raw(b, len - 100, "syssize");
	free(b);
}

Test(bzimage, reject_old_protocol)
{
	struct synth_bz o = synth_bz_default();

	o.version = 0x020b;
	bz_expect_reject(&o, "2.11 too old");
}

Test(bzimage, reject_no_64bit)
{
	struct synth_bz o = synth_bz_default();

	o.xloadflags = 0;
	bz_expect_reject(&o, "64-bit");
}

Test(bzimage, reject_setup_sects_past_end)
{
	struct synth_bz o = synth_bz_default();
	size_t len;
	uint8_t *b = synth_bzimage(&o, &len);

	b[0x1f1] = 200; /* 100 KiB of setup in a 6 KiB file */
	bz_expect_reject_raw(b, len, "setup_sects 200");
	free(b);
}

Test(bzimage, reject_bad_alignment)
{
	struct synth_bz o = synth_bz_default();

	o.kernel_alignment = 0x300000;
	bz_expect_reject(&o, "kernel_alignment");
}

Test(bzimage, reject_bad_boot_flag)
{
	struct synth_bz o = synth_bz_default();
	size_t len;
	uint8_t *b = synth_bzimage(&o, &len);

	b[0x1fe] = 0;
	bz_expect_reject_raw(b, len, "boot_flag");
	free(b);
}
