/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: what the loader handed over (PVH hvm_start_info or the
 * Linux zero page), copied into one structure early, before anything may
 * overwrite low memory.
 */
#ifndef GUEST_BOOT_H
#define GUEST_BOOT_H

#include "lib.h"

/* Values of the first argument entry.S passes to guest_main(). */
#define BOOT_MODE_PVH 1
#define BOOT_MODE_LINUX32 2
#define BOOT_MODE_LINUX64 3

#define BOOT_CMDLINE_MAX 4096
#define BOOT_E820_MAX 128
#define E820_RAM 1

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

struct boot_info {
	unsigned int mode;
	const char *mode_name;
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t rsdp; /* 0 when the loader gave none */
	unsigned int e820_count;
	struct e820_entry e820[BOOT_E820_MAX];
};

/*
 * Fill *bi from the loader's structure at info_paddr. Returns false with a
 * reason in err when the structure is unusable (bad PVH magic, ...).
 */
bool boot_parse(unsigned int mode, uint64_t info_paddr, struct boot_info *bi,
		char *err, size_t size);

/* Find "key=" in the command line; value and its length out. */
bool boot_cmdline_get(const struct boot_info *bi, const char *key,
		      const char **ret_val, size_t *ret_len);
bool boot_cmdline_u64(const struct boot_info *bi, const char *key, uint64_t *ret);

#endif
