/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: virtio-blk scenarios over the polled virtio-pci driver.
 *
 *   blk          init, capacity, pattern write / flush / read-back, GET_ID,
 *                multi-queue I/O, MSI-X delivery seen in the LAPIC IRR
 *   blk-hostile  malformed descriptor chains; the device must survive
 *
 * The pattern (recomputed by tests/guest/blk_pattern.py on the host):
 * byte i (0..511) of 512-byte sector s is (seed + 31*s + 7*i + (i >> 8)) & 0xff,
 * written to sectors 0..7 and capacity-8..capacity-1.
 */
#ifndef GUEST_BLK_H
#define GUEST_BLK_H

#include "virtio.h"

struct blk_opts {
	uint64_t seed;        /* cnh.blk.seed, default 0 */
	uint64_t queues;      /* cnh.blk.queues, default 1 */
	uint64_t index;       /* cnh.blk.index: which virtio-blk function, default 0 */
	bool have_sectors;
	uint64_t sectors;     /* cnh.blk.sectors: expected capacity */
	bool ro;              /* cnh.blk.ro=1: expect a read-only disk */
	bool lenient;         /* cnh.blk.strict=0: blk-hostile accepts status OK everywhere */
	uint64_t bar64;       /* cnh.blk.bar64=<addr>: first move 64-bit BARs there (paging test) */
	uint64_t ram_end;     /* end of the highest e820 RAM range below 4 GiB */
};

/* Byte i of sector s of the pattern. */
static inline uint8_t blk_pattern_byte(uint64_t seed, uint64_t sector, uint32_t i)
{
	return (uint8_t)(seed + 31 * sector + 7 * (uint64_t)i + (i >> 8));
}

bool blk_selftest(const struct pci_info *pi, struct virtio_vectors *vv,
		  const struct blk_opts *o, char *detail, size_t size);
bool blk_hostile_selftest(const struct pci_info *pi, struct virtio_vectors *vv,
			  const struct blk_opts *o, char *detail, size_t size);

#endif
