/* SPDX-License-Identifier: Apache-2.0 */
/* cnh test guest: RAM size as seen through e820 and CMOS. */
#ifndef GUEST_MEMORY_H
#define GUEST_MEMORY_H

#include "boot.h"

/*
 * Scenario "memory": the e820 RAM total must satisfy
 * mem - 1 MiB <= total <= mem, and CMOS 0x34/0x35 (RAM in [16 MiB, 4 GiB))
 * and 0x5b-0x5d (RAM above 4 GiB), in 64 KiB units, must match e820.
 */
bool memory_selftest(const struct boot_info *bi, bool have_mem, uint64_t mem,
		     char *detail, size_t size);

#endif
