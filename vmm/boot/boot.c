/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/boot/boot.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmm/boot/bootparam.h"
#include "vmm/boot/bzimage.h"
#include "vmm/boot/e820.h"
#include "vmm/boot/elf64.h"
#include "vmm/layout.h"

#define BOOT_PAGE 4096ULL
/* PVH: hvm_start_info, then the memmap, then the one-entry modlist. */
#define BOOT_PVH_MEMMAP (LAYOUT_PVH_INFO + sizeof(struct pvh_start_info))
#define BOOT_PVH_MODLIST (BOOT_PVH_MEMMAP + E820_MAX_ENTRIES * sizeof(struct pvh_memmap_entry))
_Static_assert(BOOT_PVH_MODLIST + sizeof(struct pvh_modlist_entry) <= LAYOUT_ZERO_PAGE,
	       "PVH start info overlaps the zero page");
_Static_assert(LAYOUT_CMDLINE + LAYOUT_CMDLINE_MAX <= LAYOUT_EBDA_START, "cmdline");

struct boot_ctx {
	const struct guest_mem *gm;
	const struct boot_config *cfg;
	const char *cmdline;
	char *err;
	size_t errlen;
	struct e820_entry e820[E820_MAX_ENTRIES];
	unsigned int e820_n;
	uint64_t initrd_gpa;
	uint64_t initrd_size;
};

static void __printf(2, 3) boot_err(struct boot_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err || !c->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
}

/* "300 MiB", "1.5 MiB", "4000 bytes". */
static const char *boot_fmt_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= MiB(1) && IS_ALIGNED(bytes, MiB(1)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= MiB(1))
		snprintf(buf, len, "%.1f MiB", (double)bytes / (double)MiB(1));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

/*
 * Highest page-aligned [addr, addr+size) below top and at or above 1 MiB (the
 * boot structures live below) that does not overlap [kstart, kend).
 */
static int boot_place_initrd(uint64_t size, uint64_t top, uint64_t kstart, uint64_t kend,
			     uint64_t *ret_addr)
{
	for (int tries = 0; tries < 2; tries++) {
		uint64_t addr;

		if (size > top)
			return -ENOMEM;
		addr = ALIGN_DOWN(top - size, BOOT_PAGE);
		if (addr < LAYOUT_HIGH_RAM_START)
			return -ENOMEM;
		if (addr >= kend || addr + size <= kstart) {
			*ret_addr = addr;
			return 0;
		}
		top = kstart; /* try below the kernel */
	}
	return -ENOMEM;
}

static int boot_load_initramfs(struct boot_ctx *c, uint64_t limit, uint64_t kstart, uint64_t kend)
{
	const char *path = c->cfg->initramfs_path;
	char sz[32];
	struct stat st;
	uint64_t top, addr, size;
	void *dst;
	int fd, r;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		boot_err(c, "initramfs %s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		boot_err(c, "initramfs %s: %s", path, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		boot_err(c, "initramfs %s: not a regular file", path);
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (size == 0) {
		r = -EINVAL;
		boot_err(c, "initramfs %s: empty file", path);
		goto out;
	}
	top = MIN(limit, gm_low_end(c->gm));
	r = boot_place_initrd(size, top, kstart, kend, &addr);
	if (r < 0) {
		boot_err(c, "initramfs %s: %s does not fit below 0x%llx in %llu MiB of RAM", path,
			 boot_fmt_size(sz, sizeof(sz), size), (unsigned long long)(top - 1),
			 (unsigned long long)(c->gm->ram_size >> 20));
		goto out;
	}
	dst = gm_ptr(c->gm, addr, size);
	if (!dst) {
		r = -EFAULT;
		boot_err(c, "initramfs %s: no guest RAM at [0x%llx, 0x%llx)", path,
			 (unsigned long long)addr, (unsigned long long)(addr + size));
		goto out;
	}
	r = read_full(fd, dst, size);
	if (r < 0) {
		boot_err(c, "initramfs %s: read: %s", path,
			 r == -EPIPE ? "file shrank while reading" : strerror(-r));
		goto out;
	}
	c->initrd_gpa = addr;
	c->initrd_size = size;
out:
	close(fd);
	return r;
}

static int boot_write_cmdline(struct boot_ctx *c, uint64_t max)
{
	size_t len = strlen(c->cmdline);
	int r;

	if (len > max) {
		boot_err(c, "kernel command line is %zu bytes, the limit is %llu", len,
			 (unsigned long long)max);
		return -E2BIG;
	}
	r = gm_write(c->gm, LAYOUT_CMDLINE, c->cmdline, len + 1);
	if (r < 0)
		boot_err(c, "no guest RAM for the command line at 0x%llx",
			 (unsigned long long)LAYOUT_CMDLINE);
	return r;
}

static int boot_linux(struct boot_ctx *c, const uint8_t *k, size_t klen, struct boot_info *ret)
{
	const char *path = c->cfg->kernel_path;
	struct bp_boot_params *bp = NULL;
	struct bzimage_info bz;
	struct bzimage_params_in in;
	uint64_t load;
	char msg[200];
	int r;

	r = bzimage_parse(k, klen, &bz, msg, sizeof(msg));
	if (r < 0) {
		boot_err(c, "kernel %s: %s", path, msg);
		return r;
	}
	r = bzimage_place(&bz, gm_low_end(c->gm), &load, msg, sizeof(msg));
	if (r < 0) {
		boot_err(c, "kernel %s: %s", path, msg);
		return r;
	}
	r = boot_write_cmdline(c, MIN((uint64_t)bz.cmdline_size, LAYOUT_CMDLINE_MAX - 1));
	if (r < 0)
		return r;
	r = boot_load_initramfs(c, bz.initrd_addr_max + 1, load, load + bz.init_size);
	if (r < 0)
		return r;
	r = gm_write(c->gm, load, k + bz.setup_size, bz.kernel_size);
	if (r < 0) {
		boot_err(c, "kernel %s: no guest RAM at 0x%llx", path, (unsigned long long)load);
		return r;
	}
	bp = malloc(sizeof(*bp));
	if (!bp) {
		boot_err(c, "out of memory");
		return -ENOMEM;
	}
	in = (struct bzimage_params_in){
		.cmdline_gpa = LAYOUT_CMDLINE,
		.initrd_gpa = c->initrd_gpa,
		.initrd_size = c->initrd_size,
		.rsdp_gpa = c->cfg->rsdp_gpa,
		.e820 = c->e820,
		.e820_n = c->e820_n,
	};
	r = bzimage_build_params(&bz, &in, bp);
	if (r < 0) {
		boot_err(c, "kernel %s: cannot build the zero page: %s", path, strerror(-r));
		goto out;
	}
	r = gm_write(c->gm, LAYOUT_ZERO_PAGE, bp, sizeof(*bp));
	if (r < 0) {
		boot_err(c, "no guest RAM for the zero page at 0x%llx",
			 (unsigned long long)LAYOUT_ZERO_PAGE);
		goto out;
	}
	*ret = (struct boot_info){
		.protocol = BOOT_LINUX64,
		.entry = load + BZIMAGE_ENTRY64_OFFSET,
		.params_gpa = LAYOUT_ZERO_PAGE,
		.kernel_start = load,
		.kernel_end = load + bz.init_size,
		.initramfs_gpa = c->initrd_gpa,
		.initramfs_size = c->initrd_size,
	};
out:
	free(bp);
	return r;
}

static int boot_pvh(struct boot_ctx *c, const uint8_t *k, size_t klen, struct boot_info *ret)
{
	const char *path = c->cfg->kernel_path;
	struct pvh_memmap_entry mm[E820_MAX_ENTRIES];
	struct pvh_modlist_entry mod;
	struct pvh_start_info si;
	struct elf64_image img;
	char msg[200];
	int r;

	r = elf64_parse(k, klen, &img, msg, sizeof(msg));
	if (r < 0) {
		boot_err(c, "kernel %s: %s", path, msg);
		return r;
	}
	r = elf64_load(c->gm, k, klen, &img, msg, sizeof(msg));
	if (r < 0) {
		boot_err(c, "kernel %s: %s", path, msg);
		return r;
	}
	r = boot_write_cmdline(c, LAYOUT_CMDLINE_MAX - 1);
	if (r < 0)
		return r;
	r = boot_load_initramfs(c, LAYOUT_PCI_HOLE_START, img.start, img.end);
	if (r < 0)
		return r;

	memset(mm, 0, sizeof(mm));
	for (unsigned int i = 0; i < c->e820_n; i++)
		mm[i] = (struct pvh_memmap_entry){
			.addr = c->e820[i].addr, .size = c->e820[i].size, .type = c->e820[i].type,
		};
	mod = (struct pvh_modlist_entry){ .paddr = c->initrd_gpa, .size = c->initrd_size };
	si = (struct pvh_start_info){
		.magic = PVH_START_MAGIC,
		.version = PVH_START_VERSION,
		.nr_modules = c->initrd_size ? 1 : 0,
		.modlist_paddr = c->initrd_size ? BOOT_PVH_MODLIST : 0,
		.cmdline_paddr = LAYOUT_CMDLINE,
		.rsdp_paddr = c->cfg->rsdp_gpa,
		.memmap_paddr = BOOT_PVH_MEMMAP,
		.memmap_entries = c->e820_n,
	};
	if (gm_write(c->gm, BOOT_PVH_MEMMAP, mm, c->e820_n * sizeof(mm[0])) < 0 ||
	    gm_write(c->gm, BOOT_PVH_MODLIST, &mod, sizeof(mod)) < 0 ||
	    gm_write(c->gm, LAYOUT_PVH_INFO, &si, sizeof(si)) < 0) {
		boot_err(c, "no guest RAM for the PVH start info at 0x%llx",
			 (unsigned long long)LAYOUT_PVH_INFO);
		return -EFAULT;
	}
	*ret = (struct boot_info){
		.protocol = BOOT_PVH,
		.entry = img.pvh_entry,
		.params_gpa = LAYOUT_PVH_INFO,
		.kernel_start = img.start,
		.kernel_end = img.end,
		.initramfs_gpa = c->initrd_gpa,
		.initramfs_size = c->initrd_size,
	};
	return 0;
}

static bool boot_is_bzimage(const uint8_t *k, size_t klen)
{
	return klen >= 0x206 && k[0x202] == 'H' && k[0x203] == 'd' && k[0x204] == 'r' &&
	       k[0x205] == 'S';
}

int boot_load(const struct guest_mem *gm, const struct boot_config *cfg, struct boot_info *ret,
	      char *err, size_t errlen)
{
	struct boot_ctx c = { .gm = gm, .cfg = cfg, .err = err, .errlen = errlen };
	struct boot_info info;
	char sz[32];
	void *kbuf = NULL;
	size_t klen = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!cfg || !cfg->kernel_path) {
		boot_err(&c, "no kernel given");
		return -EINVAL;
	}
	c.cmdline = cfg->cmdline ? cfg->cmdline : "";
	r = read_file(cfg->kernel_path, (size_t)MIN(gm->ram_size, (uint64_t)SIZE_MAX), &kbuf, &klen);
	if (r == -EFBIG) {
		boot_err(&c, "kernel %s: larger than the %s of guest RAM", cfg->kernel_path,
			 boot_fmt_size(sz, sizeof(sz), gm->ram_size));
		return r;
	} else if (r == -EINVAL) {
		boot_err(&c, "kernel %s: not a regular file", cfg->kernel_path);
		return r;
	} else if (r < 0) {
		boot_err(&c, "kernel %s: %s", cfg->kernel_path, strerror(-r));
		return r;
	}
	if (klen == 0) {
		boot_err(&c, "kernel %s: empty file", cfg->kernel_path);
		r = -ENOEXEC;
		goto out;
	}
	r = e820_build(gm, c.e820, E820_MAX_ENTRIES, &c.e820_n);
	if (r < 0) {
		boot_err(&c, "guest memory map needs more than %d e820 entries", E820_MAX_ENTRIES);
		goto out;
	}
	if (elf64_is_elf(kbuf, klen)) {
		r = boot_pvh(&c, kbuf, klen, &info);
	} else if (boot_is_bzimage(kbuf, klen)) {
		r = boot_linux(&c, kbuf, klen, &info);
	} else {
		boot_err(&c, "kernel %s: not a bzImage or PVH ELF (bad magic)", cfg->kernel_path);
		r = -ENOEXEC;
	}
	if (r == 0)
		*ret = info;
out:
	free(kbuf);
	return r;
}
