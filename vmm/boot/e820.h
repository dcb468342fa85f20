/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's e820 memory map, built from the guest RAM regions and the fixed
 * reserved ranges of vmm/layout.h. Both boot protocols hand it to the guest:
 * Linux in the zero page, PVH as the hvm_start_info memmap.
 */
#ifndef CNH_VMM_BOOT_E820_H
#define CNH_VMM_BOOT_E820_H

#include <stdint.h>

#include "common/util.h"
#include "vmm/memory.h"

#define E820_RAM 1
#define E820_RESERVED 2
/* Enough for GM_MAX_REGIONS regions split by every reserved range. */
#define E820_MAX_ENTRIES 32

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/*
 * Fill ret_entries (room for max) with the map sorted by address, adjacent
 * entries of one type merged: RAM is every gm region minus the legacy area
 * [EBDA, 1 MiB) and the 32-bit PCI hole; EBDA, the ACPI area and the PCI ECAM
 * window are reserved. -E2BIG if more than max entries are needed.
 */
int e820_build(const struct guest_mem *gm, struct e820_entry *ret_entries, unsigned int max,
	       unsigned int *ret_n) __must_check;

#endif
