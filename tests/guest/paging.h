/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: on-demand identity mappings for MMIO outside the boot
 * page tables' first 4 GiB (64-bit PCI BARs), and uncached attributes for
 * MMIO below 4 GiB that the boot tables map write-back (QEMU's ECAM), and
 * write-back identity mappings for memory windows (virtio-pmem).
 */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H

#include "lib.h"

/* Highest physical address the guest will map (64 TiB). */
#define PAGING_MAX_ADDR (1ull << 46)

/*
 * Identity-map [addr, addr + size) uncached with 2 MiB pages, on top of the
 * tables CR3 points at. False when the range is out of reach or the small
 * static pool of table pages is exhausted.
 */
bool paging_map_uncached(uint64_t addr, uint64_t size);
/* The same with write-back caching: guest-visible memory such as a pmem window. */
bool paging_map_cached(uint64_t addr, uint64_t size);

#endif
