// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: decode the PVH start info or the Linux zero page. */
#include "boot.h"

/* struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h). */
#define PVH_MAGIC 0x336ec578
#define PVH_OFF_MAGIC 0
#define PVH_OFF_VERSION 4
#define PVH_OFF_CMDLINE 24
#define PVH_OFF_RSDP 32
#define PVH_OFF_MEMMAP 40
#define PVH_OFF_MEMMAP_ENTRIES 48
#define PVH_MEMMAP_ENTRY_SIZE 24

/* struct boot_params (Documentation/arch/x86/zero-page.rst). */
#define ZP_ACPI_RSDP 0x070
#define ZP_EXT_CMD_LINE_PTR 0x0c8
#define ZP_E820_ENTRIES 0x1e8
#define ZP_CMD_LINE_PTR 0x228
#define ZP_E820_TABLE 0x2d0
#define ZP_E820_ENTRY_SIZE 20

static void boot_copy_cmdline(struct boot_info *bi, uint64_t paddr)
{
	const char *src = phys(paddr);
	size_t n;

	bi->cmdline[0] = '\0';
	if (!paddr || paddr >= GiB(4))
		return;
	n = strnlen(src, BOOT_CMDLINE_MAX - 1);
	memcpy(bi->cmdline, src, n);
	bi->cmdline[n] = '\0';
}

static void boot_add_e820(struct boot_info *bi, const uint8_t *e)
{
	struct e820_entry *out;

	if (bi->e820_count >= BOOT_E820_MAX)
		return;
	out = &bi->e820[bi->e820_count++];
	out->addr = get_le64(e);
	out->size = get_le64(e + 8);
	out->type = get_le32(e + 16);
}

static bool boot_parse_pvh(uint64_t info, struct boot_info *bi, char *err, size_t size)
{
	const uint8_t *si = phys(info);
	uint32_t version, entries;
	uint64_t memmap;

	if (get_le32(si + PVH_OFF_MAGIC) != PVH_MAGIC) {
		snprintf(err, size, "hvm_start_info at 0x%lx: bad magic 0x%x", info,
			 get_le32(si + PVH_OFF_MAGIC));
		return false;
	}
	version = get_le32(si + PVH_OFF_VERSION);
	boot_copy_cmdline(bi, get_le64(si + PVH_OFF_CMDLINE));
	bi->rsdp = get_le64(si + PVH_OFF_RSDP);
	if (version < 1)
		return true; /* no memory map before version 1 */
	memmap = get_le64(si + PVH_OFF_MEMMAP);
	entries = get_le32(si + PVH_OFF_MEMMAP_ENTRIES);
	if (memmap && memmap < GiB(4)) {
		for (uint32_t i = 0; i < entries && i < BOOT_E820_MAX; i++)
			boot_add_e820(bi, (const uint8_t *)phys(memmap) +
						  i * PVH_MEMMAP_ENTRY_SIZE);
	}
	return true;
}

static bool boot_parse_linux(uint64_t info, struct boot_info *bi)
{
	const uint8_t *zp = phys(info);
	uint64_t cmdline = get_le32(zp + ZP_CMD_LINE_PTR) |
			   ((uint64_t)get_le32(zp + ZP_EXT_CMD_LINE_PTR) << 32);
	unsigned int n = zp[ZP_E820_ENTRIES];

	boot_copy_cmdline(bi, cmdline);
	bi->rsdp = get_le64(zp + ZP_ACPI_RSDP);
	for (unsigned int i = 0; i < n && i < BOOT_E820_MAX; i++)
		boot_add_e820(bi, zp + ZP_E820_TABLE + i * ZP_E820_ENTRY_SIZE);
	return true;
}

bool boot_parse(unsigned int mode, uint64_t info_paddr, struct boot_info *bi,
		char *err, size_t size)
{
	memset(bi, 0, sizeof(*bi));
	bi->mode = mode;
	if (!info_paddr || info_paddr >= GiB(4)) {
		snprintf(err, size, "boot info pointer 0x%lx unusable", info_paddr);
		return false;
	}
	switch (mode) {
	case BOOT_MODE_PVH:
		bi->mode_name = "pvh";
		return boot_parse_pvh(info_paddr, bi, err, size);
	case BOOT_MODE_LINUX32:
		bi->mode_name = "linux32";
		return boot_parse_linux(info_paddr, bi);
	case BOOT_MODE_LINUX64:
		bi->mode_name = "linux64";
		return boot_parse_linux(info_paddr, bi);
	default:
		bi->mode_name = "unknown";
		snprintf(err, size, "unknown boot mode %u", mode);
		return false;
	}
}

bool boot_cmdline_get(const struct boot_info *bi, const char *key,
		      const char **ret_val, size_t *ret_len)
{
	size_t klen = strlen(key);
	const char *p = bi->cmdline;

	while (*p) {
		const char *start, *end;

		while (*p == ' ')
			p++;
		start = p;
		while (*p && *p != ' ')
			p++;
		end = p;
		if ((size_t)(end - start) > klen && !memcmp(start, key, klen) &&
		    start[klen] == '=') {
			*ret_val = start + klen + 1;
			*ret_len = (size_t)(end - start) - klen - 1;
			return true;
		}
	}
	return false;
}

bool boot_cmdline_u64(const struct boot_info *bi, const char *key, uint64_t *ret)
{
	const char *v;
	size_t len;

	return boot_cmdline_get(bi, key, &v, &len) && str_to_u64(v, len, ret);
}
