/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/boot/bzimage.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/layout.h"

#define BZIMAGE_DEFAULT_INITRD_MAX 0x37ffffffULL
#define BZIMAGE_HDR_MIN_END 0x268 /* through handover_offset (2.11) */

static void __printf(3, 4) bzimage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static uint16_t bzimage_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t bzimage_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int bzimage_parse(const void *buf, size_t len, struct bzimage_info *ret, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	struct bzimage_info bz;
	size_t hdr_end, setup_sects;
	uint16_t version;

	memset(&bz, 0, sizeof(bz));
	if (len < 0x206 + 2) {
		bzimage_err(err, errlen, "truncated setup header (%zu bytes)", len);
		return -ENOEXEC;
	}
	if (bzimage_le32(b + 0x202) != BP_HDRS_MAGIC) {
		bzimage_err(err, errlen, "not a bzImage (bad magic)");
		return -ENOEXEC;
	}
	version = bzimage_le16(b + 0x206);
	if (version < BZIMAGE_MIN_VERSION) {
		bzimage_err(err, errlen,
			    "boot protocol %u.%02u too old (2.12 or newer needed for the 64-bit entry)",
			    version >> 8, version & 0xff);
		return -ENOEXEC;
	}
	if (len < BP_SETUP_HEADER_OFFSET + sizeof(struct bp_setup_header)) {
		bzimage_err(err, errlen, "truncated setup header (%zu bytes)", len);
		return -EINVAL;
	}
	/* The header ends where the jump at 0x200 lands; never less than what we read. */
	hdr_end = 0x202 + (size_t)b[0x201];
	hdr_end = MAX(hdr_end, (size_t)BZIMAGE_HDR_MIN_END);
	hdr_end = MIN(hdr_end, BP_SETUP_HEADER_OFFSET + sizeof(struct bp_setup_header));
	bz.hdr_len = hdr_end - BP_SETUP_HEADER_OFFSET;
	memcpy(&bz.hdr, b + BP_SETUP_HEADER_OFFSET, bz.hdr_len);
	bz.version = version;

	if (bz.hdr.boot_flag != BP_BOOT_FLAG) {
		bzimage_err(err, errlen, "bad boot_flag 0x%04x (expected 0xaa55)", bz.hdr.boot_flag);
		return -EINVAL;
	}
	if (!(bz.hdr.xloadflags & BP_XLF_KERNEL_64)) {
		bzimage_err(err, errlen, "no 64-bit entry point (XLF_KERNEL_64 not set in xloadflags)");
		return -ENOEXEC;
	}
	setup_sects = bz.hdr.setup_sects ? bz.hdr.setup_sects : 4;
	bz.setup_size = (setup_sects + 1) * 512;
	if (bz.setup_size >= len) {
		bzimage_err(err, errlen,
			    "setup_sects %zu puts the kernel at 0x%zx, past the end of the file (%zu bytes)",
			    setup_sects, bz.setup_size, len);
		return -EINVAL;
	}
	bz.kernel_size = len - bz.setup_size;
	if ((uint64_t)bz.hdr.syssize * 16 > ALIGN_UP((uint64_t)bz.kernel_size, 16)) {
		bzimage_err(err, errlen, "syssize says %llu kernel bytes but the file has %zu (truncated?)",
			    (unsigned long long)bz.hdr.syssize * 16, bz.kernel_size);
		return -EINVAL;
	}
	bz.relocatable = bz.hdr.relocatable_kernel != 0;
	bz.kernel_alignment = bz.hdr.kernel_alignment;
	if (bz.relocatable && (bz.kernel_alignment == 0 ||
			       (bz.kernel_alignment & (bz.kernel_alignment - 1)) != 0)) {
		bzimage_err(err, errlen, "relocatable kernel with bad kernel_alignment 0x%llx",
			    (unsigned long long)bz.kernel_alignment);
		return -EINVAL;
	}
	bz.pref_address = bz.hdr.pref_address ? bz.hdr.pref_address : LAYOUT_HIGH_RAM_START;
	if (range_overflows(bz.pref_address, bz.kernel_size)) {
		bzimage_err(err, errlen, "bad pref_address 0x%llx",
			    (unsigned long long)bz.pref_address);
		return -EINVAL;
	}
	bz.init_size = MAX((uint64_t)bz.hdr.init_size, (uint64_t)bz.kernel_size);
	bz.initrd_addr_max = bz.hdr.initrd_addr_max ? bz.hdr.initrd_addr_max
						    : BZIMAGE_DEFAULT_INITRD_MAX;
	bz.cmdline_size = bz.hdr.cmdline_size;
	*ret = bz;
	return 0;
}

static int bzimage_fits(uint64_t load, uint64_t size, uint64_t low_end)
{
	return load >= LAYOUT_HIGH_RAM_START && !range_overflows(load, size) &&
	       load + size <= low_end;
}

int bzimage_place(const struct bzimage_info *bz, uint64_t low_end, uint64_t *ret_load, char *err,
		  size_t errlen)
{
	uint64_t load;

	if (bzimage_fits(bz->pref_address, bz->init_size, low_end)) {
		*ret_load = bz->pref_address;
		return 0;
	}
	if (!bz->relocatable) {
		bzimage_err(err, errlen,
			    "not relocatable and %llu KiB at its address 0x%llx do not fit in RAM below 0x%llx",
			    (unsigned long long)(bz->init_size >> 10),
			    (unsigned long long)bz->pref_address, (unsigned long long)low_end);
		return -ENOMEM;
	}
	load = ALIGN_UP(LAYOUT_HIGH_RAM_START, bz->kernel_alignment);
	if (load < LAYOUT_HIGH_RAM_START || !bzimage_fits(load, bz->init_size, low_end)) {
		bzimage_err(err, errlen,
			    "needs %llu KiB (init_size) at a 0x%llx-aligned address, RAM below 0x%llx is too small",
			    (unsigned long long)(bz->init_size >> 10),
			    (unsigned long long)bz->kernel_alignment, (unsigned long long)low_end);
		return -ENOMEM;
	}
	*ret_load = load;
	return 0;
}

int bzimage_build_params(const struct bzimage_info *bz, const struct bzimage_params_in *in,
			 struct bp_boot_params *ret_bp)
{
	struct bp_boot_params *bp = ret_bp;
	struct bp_setup_header *h = &bp->hdr;

	if (in->e820_n > BP_E820_MAX_ZEROPAGE)
		return -E2BIG;
	if (in->cmdline_gpa > UINT32_MAX)
		return -EINVAL;
	memset(bp, 0, sizeof(*bp));
	memcpy(h, &bz->hdr, bz->hdr_len);
	h->type_of_loader = BP_LOADER_UNDEFINED;
	h->loadflags |= BP_CAN_USE_HEAP;
	h->heap_end_ptr = BZIMAGE_HEAP_END;
	h->cmd_line_ptr = (uint32_t)in->cmdline_gpa;
	bp->ext_cmd_line_ptr = 0;
	h->ramdisk_image = (uint32_t)in->initrd_gpa;
	h->ramdisk_size = (uint32_t)in->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(in->initrd_gpa >> 32);
	bp->ext_ramdisk_size = (uint32_t)(in->initrd_size >> 32);
	if (bz->version >= 0x020e)
		bp->acpi_rsdp_addr = in->rsdp_gpa;
	for (unsigned int i = 0; i < in->e820_n; i++) {
		bp->e820_table[i] = (struct bp_e820_entry){
			.addr = in->e820[i].addr,
			.size = in->e820[i].size,
			.type = in->e820[i].type,
		};
	}
	bp->e820_entries = (uint8_t)in->e820_n;
	return 0;
}
