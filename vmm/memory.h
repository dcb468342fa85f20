/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest memory: memfd-backed regions mapped MAP_SHARED so that vhost-user
 * back-ends can map the same pages. gm_ptr() is the one bounds-checked
 * guest-physical to host translation; nothing else turns a guest address
 * into a pointer.
 */
#ifndef CNH_VMM_MEMORY_H
#define CNH_VMM_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

#define GM_MAX_REGIONS 8

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
	int fd;             /* memfd, -1 for anonymous (unit tests) */
	uint64_t fd_offset; /* offset of this region in fd */
};

struct guest_mem {
	unsigned int n;
	struct gm_region regions[GM_MAX_REGIONS]; /* sorted by gpa, disjoint */
	uint64_t ram_size;                        /* sum of region sizes */
	bool hugepages;
};

/*
 * Allocate size bytes of RAM laid out around the 32-bit PCI hole: the first
 * region from 0 up to min(size, LAYOUT_PCI_HOLE_START), the rest from 4 GiB.
 * hugepages: back with MAP_HUGETLB memfds (size must be 2 MiB aligned).
 */
int gm_init(struct guest_mem *gm, uint64_t size, bool hugepages) __must_check;
/* Unit tests: wrap caller-owned host buffers as regions (no fds). */
int gm_init_from_buffers(struct guest_mem *gm, const uint64_t *gpas, void *const *bufs,
			 const uint64_t *sizes, unsigned int n) __must_check;
void gm_fini(struct guest_mem *gm);

/* Host pointer for [gpa, gpa+len) if it lies inside one region, else NULL. */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
/* Copy to/from guest memory; -EFAULT when the range is not RAM. */
int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len) __must_check;
int gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len) __must_check;
/* End of the RAM below the PCI hole (exclusive), and end of all RAM. */
uint64_t gm_low_end(const struct guest_mem *gm);
uint64_t gm_high_end(const struct guest_mem *gm);

#endif
