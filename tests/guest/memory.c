// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: e820 and CMOS memory size checks. */
#include "memory.h"
#include "rtc.h"

#define CMOS_MEM_ABOVE_16M_LO 0x34
#define CMOS_MEM_ABOVE_16M_HI 0x35
#define CMOS_MEM_ABOVE_4G_LO 0x5b
#define CMOS_MEM_ABOVE_4G_MID 0x5c
#define CMOS_MEM_ABOVE_4G_HI 0x5d
#define CMOS_UNIT (64 * 1024)

/* Bytes of e820 RAM inside [lo, hi). */
static uint64_t e820_ram_in(const struct boot_info *bi, uint64_t lo, uint64_t hi)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < bi->e820_count; i++) {
		const struct e820_entry *e = &bi->e820[i];
		uint64_t s = e->addr, end = e->addr + e->size;

		if (e->type != E820_RAM || end < s)
			continue;
		if (s < lo)
			s = lo;
		if (end > hi)
			end = hi;
		if (end > s)
			sum += end - s;
	}
	return sum;
}

bool memory_selftest(const struct boot_info *bi, bool have_mem, uint64_t mem,
		     char *detail, size_t size)
{
	uint64_t total = e820_ram_in(bi, 0, ~0ull);
	uint64_t above16 = e820_ram_in(bi, MiB(16), GiB(4)) / CMOS_UNIT;
	uint64_t above4g = e820_ram_in(bi, GiB(4), ~0ull) / CMOS_UNIT;
	uint64_t cmos16, cmos4g;

	if (!bi->e820_count) {
		snprintf(detail, size, "no e820 map from the loader");
		return false;
	}
	if (above16 > 0xffff)
		above16 = 0xffff;
	cmos16 = cmos_read(CMOS_MEM_ABOVE_16M_LO) |
		 ((uint64_t)cmos_read(CMOS_MEM_ABOVE_16M_HI) << 8);
	cmos4g = cmos_read(CMOS_MEM_ABOVE_4G_LO) |
		 ((uint64_t)cmos_read(CMOS_MEM_ABOVE_4G_MID) << 8) |
		 ((uint64_t)cmos_read(CMOS_MEM_ABOVE_4G_HI) << 16);

	if (have_mem && (total > mem || total + MiB(1) < mem)) {
		snprintf(detail, size, "e820 RAM %lu bytes in %u entries, expected %lu - 1MiB..%lu",
			 total, bi->e820_count, mem, mem);
		return false;
	}
	if (cmos16 != above16 || cmos4g != above4g) {
		snprintf(detail, size,
			 "CMOS 0x34/35=0x%lx 0x5b-5d=0x%lx, e820 says 0x%lx 0x%lx (64KiB units)",
			 cmos16, cmos4g, above16, above4g);
		return false;
	}
	snprintf(detail, size, "e820 RAM %lu bytes (%lu MiB) in %u entries%s, cmos ok",
		 total, total >> 20, bi->e820_count, have_mem ? "" : " (no cnh.mem)");
	return true;
}
