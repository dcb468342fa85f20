/* SPDX-License-Identifier: Apache-2.0 */
/* boot_load() end to end: synthetic kernels in temp files, memfd guest RAM. */
#include <criterion/criterion.h>

#include "synth.h"
#include "vmm/boot/boot.h"
#include "vmm/boot/bootparam.h"
#include "vmm/boot/e820.h"
#include "vmm/layout.h"

#define BT_RAM MiB(64)
#define BT_RSDP LAYOUT_ACPI_START

struct bt_files {
	char kernel[64];
	char initrd[64];
};

/* One boot_load() run: guest RAM, the temp files, what the loader is told and what it says. */
struct bt {
	struct guest_mem gm;
	struct bt_files f;
	struct boot_config cfg;
	struct boot_info info;
};

/* ram bytes of RAM; cfg names f.kernel, which the test writes. */
static void bt_init(struct bt *t, uint64_t ram)
{
	memset(t, 0, sizeof(*t));
	cr_assert_eq(gm_init(&t->gm, ram, false), 0);
	t->cfg.kernel_path = t->f.kernel;
}

static void bt_cleanup(struct bt *t)
{
	if (t->f.kernel[0])
		unlink(t->f.kernel);
	if (t->f.initrd[0])
		unlink(t->f.initrd);
	gm_fini(&t->gm);
}

static void bt_bz_file(const struct synth_bz *o, char *path)
{
	size_t len;
	uint8_t *b = synth_bzimage(o, &len);

	synth_tmpfile(b, len, path);
	free(b);
}

static void bt_elf_file(const struct synth_elf *o, char *path)
{
	size_t len;
	uint8_t *b = synth_elfimg(o, &len);

	synth_tmpfile(b, len, path);
	free(b);
}

static void bt_initrd_file(size_t size, char *path)
{
	uint8_t *b = malloc(size);

	for (size_t i = 0; i < size; i++)
		b[i] = synth_pattern(i, 0x99);
	synth_tmpfile(b, size, path);
	free(b);
}

/* With initrd_size, an initramfs of that many bytes first; boot_load() must succeed. */
static void bt_load(struct bt *t, size_t initrd_size)
{
	char err[256] = "";

	if (initrd_size) {
		bt_initrd_file(initrd_size, t->f.initrd);
		t->cfg.initramfs_path = t->f.initrd;
	}
	cr_assert_eq(boot_load(&t->gm, &t->cfg, &t->info, err, sizeof(err)), 0, "%s", err);
}

static void bt_check_initrd(const struct guest_mem *gm, uint64_t gpa, size_t size)
{
	const uint8_t *p = gm_ptr(gm, gpa, size);

	cr_assert_not_null(p);
	for (size_t i = 0; i < size; i++)
		cr_assert_eq(p[i], synth_pattern(i, 0x99), "initramfs byte %zu", i);
}

/* The zero page's e820 table must be exactly what e820_build() makes of gm. */
static void bt_check_zero_page_e820(const struct guest_mem *gm, const struct bp_boot_params *bp)
{
	struct e820_entry want[E820_MAX_ENTRIES];
	unsigned int n = 0;

	cr_assert_eq(e820_build(gm, want, E820_MAX_ENTRIES, &n), 0);
	cr_assert_eq(bp->e820_entries, n);
	for (unsigned int i = 0; i < n; i++) {
		cr_expect_eq(bp->e820_table[i].addr, want[i].addr, "e820[%u].addr", i);
		cr_expect_eq(bp->e820_table[i].size, want[i].size, "e820[%u].size", i);
		cr_expect_eq(bp->e820_table[i].type, want[i].type, "e820[%u].type", i);
	}
}

static void bt_expect_fail(const struct bt *t, const char *needle)
{
	struct boot_info info = { .entry = 0x1234 };
	char err[256] = "";
	int r = boot_load(&t->gm, &t->cfg, &info, err, sizeof(err));

	synth_expect_refused(r, err, needle);
	cr_expect_eq(info.entry, 0x1234, "boot_info written on failure");
}

Test(boot, bzimage_basic)
{
	struct synth_bz o = synth_bz_default();
	const struct bp_boot_params *bp;
	const uint8_t *k;
	struct bt t;

	bt_init(&t, BT_RAM);
	t.cfg.cmdline = "console=ttyS0 quiet";
	t.cfg.rsdp_gpa = BT_RSDP;
	bt_bz_file(&o, t.f.kernel);
	bt_load(&t, 0);
	cr_expect_eq(t.info.protocol, BOOT_LINUX64);
	cr_expect_eq(t.info.entry, 0x1000200);
	cr_expect_eq(t.info.params_gpa, LAYOUT_ZERO_PAGE);
	cr_expect_eq(t.info.kernel_start, 0x1000000);
	cr_expect_eq(t.info.kernel_end, 0x1300000);
	cr_expect_eq(t.info.initramfs_size, 0);

	k = gm_ptr(&t.gm, 0x1000000, o.kernel_size);
	for (size_t i = 0; i < o.kernel_size; i++)
		cr_assert_eq(k[i], synth_pattern(i, 0x11), "kernel byte %zu", i);

	bp = gm_ptr(&t.gm, LAYOUT_ZERO_PAGE, sizeof(*bp));
	cr_expect_eq(bp->hdr.header, BP_HDRS_MAGIC);
	cr_expect_eq(bp->hdr.boot_flag, BP_BOOT_FLAG);
	cr_expect_eq(bp->hdr.version, 0x020f);
	cr_expect_eq(bp->hdr.type_of_loader, 0xff);
	cr_expect(bp->hdr.loadflags & BP_CAN_USE_HEAP);
	cr_expect(bp->hdr.loadflags & BP_LOADED_HIGH, "file's loadflags kept");
	cr_expect_eq(bp->hdr.heap_end_ptr, 0xde00);
	cr_expect_eq(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
	cr_expect_eq(bp->hdr.ramdisk_image, 0);
	cr_expect_eq(bp->hdr.ramdisk_size, 0);
	cr_expect_eq(bp->acpi_rsdp_addr, BT_RSDP);
	cr_expect_str_eq((const char *)gm_ptr(&t.gm, LAYOUT_CMDLINE, 32), "console=ttyS0 quiet");
	bt_check_zero_page_e820(&t.gm, bp);
	cr_expect_eq(bp->e820_entries, 5);
	cr_expect_eq(bp->e820_table[3].addr, 0x100000);
	cr_expect_eq(bp->e820_table[3].addr + bp->e820_table[3].size, BT_RAM);
	bt_cleanup(&t);
}

Test(boot, bzimage_initramfs)
{
	struct synth_bz o = synth_bz_default();
	const struct bp_boot_params *bp;
	size_t isize = MiB(1) + 123;
	struct bt t;

	bt_init(&t, BT_RAM);
	bt_bz_file(&o, t.f.kernel);
	bt_load(&t, isize);
	cr_expect_eq(t.info.initramfs_size, isize);
	cr_expect(IS_ALIGNED(t.info.initramfs_gpa, 4096));
	cr_expect_leq(t.info.initramfs_gpa + isize, BT_RAM);
	cr_expect_gt(t.info.initramfs_gpa + isize + 4096, BT_RAM, "highest place");
	cr_expect(t.info.initramfs_gpa >= t.info.kernel_end ||
		  t.info.initramfs_gpa + isize <= t.info.kernel_start);
	bt_check_initrd(&t.gm, t.info.initramfs_gpa, isize);
	bp = gm_ptr(&t.gm, LAYOUT_ZERO_PAGE, sizeof(*bp));
	cr_expect_eq(bp->hdr.ramdisk_image, t.info.initramfs_gpa);
	cr_expect_eq(bp->hdr.ramdisk_size, isize);
	cr_expect_eq(bp->ext_ramdisk_image, 0);
	cr_expect_str_eq((const char *)gm_ptr(&t.gm, LAYOUT_CMDLINE, 1), "", "NULL cmdline is empty");
	bt_cleanup(&t);
}

/*
 * Where the initramfs goes: RAM, the kernel's header and the initramfs'
 * size decide its address (and the kernel's).
 */
struct bt_place_case {
	const char *name;
	uint64_t ram;
	uint64_t initrd_addr_max, pref_address, init_size; /* 0: synth_bz_default()'s */
	size_t initrd_size;
	uint64_t want_kernel, want_initrd;
};

static const struct bt_place_case bt_place_cases[] = {
	/* initrd_addr_max below the kernel: the initramfs goes under it, above 1 MiB. */
	{ "addr_max", BT_RAM, 0x1fffff, 0, 0, KiB(64), 0x1000000, MiB(2) - KiB(64) },
	/* A kernel filling the top of RAM pushes the initramfs below it. */
	{ "below_kernel", BT_RAM, 0, MiB(32), MiB(32), MiB(2), MiB(32), MiB(30) },
};

Test(boot, bzimage_initramfs_placement)
{
	for (size_t i = 0; i < ARRAY_SIZE(bt_place_cases); i++) {
		const struct bt_place_case *c = &bt_place_cases[i];
		struct synth_bz o = synth_bz_default();
		struct bt t;

		if (c->initrd_addr_max)
			o.initrd_addr_max = (uint32_t)c->initrd_addr_max;
		if (c->pref_address)
			o.pref_address = c->pref_address;
		if (c->init_size)
			o.init_size = (uint32_t)c->init_size;
		bt_init(&t, c->ram);
		bt_bz_file(&o, t.f.kernel);
		bt_load(&t, c->initrd_size);
		cr_expect_eq(t.info.kernel_start, c->want_kernel, "%s: kernel", c->name);
		cr_expect_eq(t.info.initramfs_gpa, c->want_initrd, "%s: initramfs", c->name);
		bt_check_initrd(&t.gm, t.info.initramfs_gpa, c->initrd_size);
		bt_cleanup(&t);
	}
}

Test(boot, bzimage_relocated)
{
	struct synth_bz o = synth_bz_default();
	const uint8_t *k;
	struct bt t;

	o.pref_address = MiB(256); /* beyond the 64 MiB of RAM */
	bt_init(&t, BT_RAM);
	bt_bz_file(&o, t.f.kernel);
	bt_load(&t, 0);
	cr_expect_eq(t.info.kernel_start, MiB(2), "first 2 MiB-aligned address above 1 MiB");
	cr_expect_eq(t.info.entry, MiB(2) + 0x200);
	k = gm_ptr(&t.gm, MiB(2), 16);
	cr_expect_eq(k[5], synth_pattern(5, 0x11));
	bt_cleanup(&t);
}

/* 5 GiB: RAM above 4 GiB in the e820 map; memfds are MAP_NORESERVE. */
Test(boot, bzimage_above_4g)
{
	struct synth_bz o = synth_bz_default();
	const struct bp_boot_params *bp;
	struct bt t;

	bt_init(&t, GiB(5));
	bt_bz_file(&o, t.f.kernel);
	bt_load(&t, KiB(8));
	bp = gm_ptr(&t.gm, LAYOUT_ZERO_PAGE, sizeof(*bp));
	bt_check_zero_page_e820(&t.gm, bp);
	cr_assert_eq(bp->e820_entries, 6);
	cr_expect_eq(bp->e820_table[3].addr + bp->e820_table[3].size, LAYOUT_PCI_HOLE_START);
	cr_expect_eq(bp->e820_table[4].addr, LAYOUT_PCI_ECAM_START);
	cr_expect_eq(bp->e820_table[4].type, E820_RESERVED);
	cr_expect_eq(bp->e820_table[5].addr, LAYOUT_RAM_64BIT_START);
	cr_expect_eq(bp->e820_table[5].size, GiB(2));
	cr_expect_eq(bp->e820_table[5].type, E820_RAM);
	/* initrd_addr_max 0x7fffffff: highest page below 2 GiB. */
	cr_expect_eq(t.info.initramfs_gpa, GiB(2) - KiB(8));
	bt_check_initrd(&t.gm, t.info.initramfs_gpa, KiB(8));
	bt_cleanup(&t);
}

Test(boot, bzimage_old_protocol_no_rsdp)
{
	struct synth_bz o = synth_bz_default();
	const struct bp_boot_params *bp;
	struct bt t;

	o.version = 0x020c;
	bt_init(&t, BT_RAM);
	t.cfg.rsdp_gpa = BT_RSDP;
	bt_bz_file(&o, t.f.kernel);
	bt_load(&t, 0);
	bp = gm_ptr(&t.gm, LAYOUT_ZERO_PAGE, sizeof(*bp));
	cr_expect_eq(bp->acpi_rsdp_addr, 0, "no acpi_rsdp_addr before 2.14");
	cr_expect_eq(bp->hdr.version, 0x020c);
	bt_cleanup(&t);
}

Test(boot, pvh_basic)
{
	struct synth_elf o = synth_elf_default();
	struct e820_entry want[E820_MAX_ENTRIES];
	const struct pvh_memmap_entry *mm;
	const struct pvh_modlist_entry *mod;
	const struct pvh_start_info *si;
	unsigned int n = 0;
	struct bt t;

	bt_init(&t, BT_RAM);
	t.cfg.cmdline = "root=/dev/vda";
	t.cfg.rsdp_gpa = BT_RSDP;
	memset(gm_ptr(&t.gm, 0x200000, 0x5000), 0xff, 0x5000); /* bss must be cleared */
	bt_elf_file(&o, t.f.kernel);
	bt_load(&t, KiB(100));
	cr_expect_eq(t.info.protocol, BOOT_PVH);
	cr_expect_eq(t.info.entry, 0x100040);
	cr_expect_eq(t.info.params_gpa, LAYOUT_PVH_INFO);
	cr_expect_eq(t.info.kernel_start, 0x100000);
	cr_expect_eq(t.info.kernel_end, 0x205000);
	cr_expect_eq(*(const uint8_t *)gm_ptr(&t.gm, 0x100007, 1), synth_pattern(7, 0x40));
	cr_expect_eq(*(const uint8_t *)gm_ptr(&t.gm, 0x204fff, 1), 0, "bss zeroed");

	si = gm_ptr(&t.gm, LAYOUT_PVH_INFO, sizeof(*si));
	cr_expect_eq(si->magic, 0x336ec578);
	cr_expect_eq(si->version, 1);
	cr_expect_eq(si->cmdline_paddr, LAYOUT_CMDLINE);
	cr_expect_str_eq((const char *)gm_ptr(&t.gm, si->cmdline_paddr, 14), "root=/dev/vda");
	cr_expect_eq(si->rsdp_paddr, BT_RSDP);

	cr_assert_eq(e820_build(&t.gm, want, E820_MAX_ENTRIES, &n), 0);
	cr_assert_eq(si->memmap_entries, n);
	cr_expect_eq(si->memmap_paddr, LAYOUT_PVH_INFO + sizeof(*si), "memmap right after");
	mm = gm_ptr(&t.gm, si->memmap_paddr, n * sizeof(*mm));
	cr_assert_not_null(mm);
	for (unsigned int i = 0; i < n; i++) {
		cr_expect_eq(mm[i].addr, want[i].addr);
		cr_expect_eq(mm[i].size, want[i].size);
		cr_expect_eq(mm[i].type, want[i].type);
		cr_expect_eq(mm[i].reserved, 0);
	}

	cr_assert_eq(si->nr_modules, 1);
	mod = gm_ptr(&t.gm, si->modlist_paddr, sizeof(*mod));
	cr_assert_not_null(mod);
	cr_expect_geq(si->modlist_paddr, si->memmap_paddr + n * sizeof(*mm), "no overlap");
	cr_expect_leq(si->modlist_paddr + sizeof(*mod), LAYOUT_ZERO_PAGE);
	cr_expect_eq(mod->paddr, t.info.initramfs_gpa);
	cr_expect_eq(mod->size, KiB(100));
	cr_expect(IS_ALIGNED(mod->paddr, 4096));
	cr_expect_geq(mod->paddr, t.info.kernel_end);
	bt_check_initrd(&t.gm, mod->paddr, KiB(100));
	bt_cleanup(&t);
}

Test(boot, pvh_no_initramfs)
{
	struct synth_elf o = synth_elf_default();
	const struct pvh_start_info *si;
	struct bt t;

	bt_init(&t, BT_RAM);
	bt_elf_file(&o, t.f.kernel);
	bt_load(&t, 0);
	si = gm_ptr(&t.gm, LAYOUT_PVH_INFO, sizeof(*si));
	cr_expect_eq(si->nr_modules, 0);
	cr_expect_eq(si->modlist_paddr, 0);
	cr_expect_eq(si->rsdp_paddr, 0);
	bt_cleanup(&t);
}

/* --- rejections: each gives a one-line message --- */

/* Kernel files that are not kernels at all: none (path), empty, junk, a directory. */
Test(boot, reject_not_a_kernel)
{
	uint8_t junk[8192];
	struct bt t;

	memset(junk, 0x90, sizeof(junk));
	bt_init(&t, BT_RAM);
	t.cfg.kernel_path = "/nonexistent/cnh-kernel";
	bt_expect_fail(&t, "/nonexistent/cnh-kernel: No such file");
	t.cfg.kernel_path = "/tmp";
	bt_expect_fail(&t, "not a regular file");
	t.cfg.kernel_path = t.f.kernel;
	synth_tmpfile(NULL, 0, t.f.kernel);
	bt_expect_fail(&t, "empty");
	unlink(t.f.kernel);
	synth_tmpfile(junk, sizeof(junk), t.f.kernel);
	bt_expect_fail(&t, "not a bzImage or PVH ELF (bad magic)");
	unlink(t.f.kernel);
	synth_sparse_tmpfile(MiB(65), t.f.kernel);
	bt_expect_fail(&t, "larger than the 64 MiB of guest RAM");
	bt_cleanup(&t);
}

/* The first len bytes of o's image (with byte 0x1f1, setup_sects, set unless 0) as the kernel. */
static void bt_bz_prefix_fail(const struct synth_bz *o, size_t len, uint8_t setup_sects, const char *needle)
{
	size_t full;
	uint8_t *b = synth_bzimage(o, &full);
	struct bt t;

	if (setup_sects)
		b[0x1f1] = setup_sects;
	bt_init(&t, BT_RAM);
	synth_tmpfile(b, len ? len : full, t.f.kernel);
	bt_expect_fail(&t, needle);
	free(b);
	bt_cleanup(&t);
}

Test(boot, reject_truncated_header)
{
	struct synth_bz o = synth_bz_default();

	bt_bz_prefix_fail(&o, 0x230, 0, "truncated setup header");
	bt_bz_prefix_fail(&o, 30, 0, "bad magic");
}

Test(boot, reject_setup_sects_past_end)
{
	struct synth_bz o = synth_bz_default();

	bt_bz_prefix_fail(&o, 0, 100, "past the end of the file");
}

static void bt_bz_fail(const struct synth_bz *o, const char *cmdline, const char *needle)
{
	struct bt t;

	bt_init(&t, BT_RAM);
	t.cfg.cmdline = cmdline;
	bt_bz_file(o, t.f.kernel);
	bt_expect_fail(&t, needle);
	bt_cleanup(&t);
}

Test(boot, reject_old_protocol)
{
	struct synth_bz o = synth_bz_default();

	o.version = 0x0206;
	bt_bz_fail(&o, NULL, "too old");
}

Test(boot, reject_no_64bit)
{
	struct synth_bz o = synth_bz_default();

	o.xloadflags = BP_XLF_CAN_BE_LOADED_ABOVE_4G;
	bt_bz_fail(&o, NULL, "XLF_KERNEL_64");
}

Test(boot, reject_kernel_does_not_fit)
{
	struct synth_bz o = synth_bz_default();

	o.init_size = (uint32_t)MiB(100);
	bt_bz_fail(&o, NULL, "init_size");
	o.relocatable = 0;
	o.init_size = (uint32_t)MiB(1);
	o.pref_address = MiB(128);
	bt_bz_fail(&o, NULL, "not relocatable");
}

Test(boot, reject_cmdline_too_long)
{
	struct synth_bz o = synth_bz_default();
	char *big = malloc(LAYOUT_CMDLINE_MAX + 1);

	/* Longer than the kernel's cmdline_size. */
	o.cmdline_size = 16;
	bt_bz_fail(&o, "0123456789abcdefX", "17 bytes, the limit is 16");
	/* Longer than our page, although the kernel would take it. */
	o.cmdline_size = 65535;
	memset(big, 'a', LAYOUT_CMDLINE_MAX);
	big[LAYOUT_CMDLINE_MAX] = '\0';
	bt_bz_fail(&o, big, "the limit is 4095");
	free(big);
}

Test(boot, cmdline_at_limit)
{
	struct synth_bz o = synth_bz_default();
	struct bt t;

	o.cmdline_size = 16;
	bt_init(&t, BT_RAM);
	t.cfg.cmdline = "0123456789abcdef";
	bt_bz_file(&o, t.f.kernel);
	bt_load(&t, 0);
	cr_expect_str_eq((const char *)gm_ptr(&t.gm, LAYOUT_CMDLINE, 17), "0123456789abcdef");
	bt_cleanup(&t);
}

Test(boot, reject_pvh_cmdline_too_long)
{
	struct synth_elf o = synth_elf_default();
	char *big = malloc(LAYOUT_CMDLINE_MAX + 1);
	struct bt t;

	memset(big, 'b', LAYOUT_CMDLINE_MAX);
	big[LAYOUT_CMDLINE_MAX] = '\0';
	bt_init(&t, BT_RAM);
	t.cfg.cmdline = big;
	bt_elf_file(&o, t.f.kernel);
	bt_expect_fail(&t, "command line");
	free(big);
	bt_cleanup(&t);
}

Test(boot, reject_initramfs_too_large)
{
	struct synth_bz o = synth_bz_default();
	struct bt t;

	bt_init(&t, BT_RAM);
	t.cfg.initramfs_path = t.f.initrd;
	bt_bz_file(&o, t.f.kernel);
	synth_sparse_tmpfile(MiB(300), t.f.initrd);
	bt_expect_fail(&t, "300 MiB does not fit below 0x3ffffff in 64 MiB of RAM");
	unlink(t.f.initrd);
	/* Smaller than RAM, but neither above nor below the kernel has room. */
	synth_sparse_tmpfile(MiB(50), t.f.initrd);
	bt_expect_fail(&t, "does not fit");
	bt_cleanup(&t);
}

Test(boot, reject_initramfs_missing_or_empty)
{
	struct synth_elf o = synth_elf_default();
	struct bt t;

	bt_init(&t, BT_RAM);
	t.cfg.initramfs_path = "/nonexistent/initrd";
	bt_elf_file(&o, t.f.kernel);
	bt_expect_fail(&t, "initramfs /nonexistent/initrd: No such file");
	synth_tmpfile(NULL, 0, t.f.initrd);
	t.cfg.initramfs_path = t.f.initrd;
	bt_expect_fail(&t, "empty");
	bt_cleanup(&t);
}

Test(boot, reject_pvh_bad_elf)
{
	struct synth_elf o = synth_elf_default();
	size_t len;
	uint8_t *b;
	struct bt t;

	bt_init(&t, BT_RAM);
	o.seg[1].paddr = MiB(80);
	o.entry = MiB(80);
	bt_elf_file(&o, t.f.kernel);
	bt_expect_fail(&t, "outside guest RAM");
	unlink(t.f.kernel);

	o = synth_elf_default();
	o.note = 0;
	bt_elf_file(&o, t.f.kernel);
	bt_expect_fail(&t, "PHYS32_ENTRY");
	unlink(t.f.kernel);

	o = synth_elf_default();
	b = synth_elfimg(&o, &len);
	synth_tmpfile(b, len - 0x100, t.f.kernel);
	bt_expect_fail(&t, "truncated");
	free(b);
	bt_cleanup(&t);
}
