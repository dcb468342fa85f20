/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The back-end's view of guest memory: the regions the front-end sent with
 * SET_MEM_TABLE or ADD_MEM_REG, each mmap'd from its fd at mmap_offset.
 *
 * vu_mem_translate() is THE translation from a guest-physical address
 * (descriptors) or a front-end virtual address (ring addresses from
 * SET_VRING_ADDR) to a local pointer. It refuses ranges that are empty,
 * overflow, are unmapped or straddle two regions.
 *
 * Not locked: the table is read by whoever processes queues and changed only
 * by the control thread while every queue is stopped (vu_dev guarantees it).
 */
#ifndef CNH_VHOST_USER_LIB_VU_MEM_H
#define CNH_VHOST_USER_LIB_VU_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "ipc/vhost_user.h"

/* Slots reported by GET_MAX_MEM_SLOTS; the bound on ADD_MEM_REG. */
#define VU_MEM_MAX_SLOTS 32

struct vu_mem_region {
	uint64_t gpa;       /* guest-physical start */
	uint64_t size;      /* bytes */
	uint64_t uva;       /* front-end virtual start */
	uint64_t mmap_offset;
	void *host;         /* local address of gpa */
	void *map_base;     /* what mmap returned (page-aligned) */
	size_t map_len;
	unsigned int refs;  /* ADD_MEM_REG of this exact region so far (see vu_mem_add) */
};

struct vu_mem {
	unsigned int nregions;
	struct vu_mem_region regions[VU_MEM_MAX_SLOTS];
};

enum vu_addr_space {
	VU_ADDR_GPA, /* guest-physical: descriptor buffers, indirect tables */
	VU_ADDR_UVA, /* front-end virtual: vring addresses */
};

void vu_mem_init(struct vu_mem *mem);
/* Unmap every region. Accepts a zeroed or half-built table. */
void vu_mem_fini(struct vu_mem *mem);

/*
 * Map one region from fd (not taken: the caller closes it). Rejects empty,
 * overflowing or overlapping (in either address space) regions (-EINVAL),
 * a full table (-ENOSPC); mmap errors are returned as -errno. A region equal
 * to a mapped one (gpa, size, uva, mmap_offset) only takes a reference:
 * QEMU's multiqueue net front-end runs one vhost_dev per queue pair on one
 * connection, and each sends ADD_MEM_REG (and later REM_MEM_REG) for the
 * same regions.
 */
int vu_mem_add(struct vu_mem *mem, const struct vhost_user_mem_region *r, int fd) __must_check;
/* Drop a reference to the region matching gpa, size and uva; unmap it at zero. -ENOENT if none. */
int vu_mem_remove(struct vu_mem *mem, const struct vhost_user_mem_region *r) __must_check;
/*
 * Replace the whole table with n regions (fds[i] backs regions[i]; not
 * taken). All or nothing: on error the old table is untouched.
 */
int vu_mem_set_table(struct vu_mem *mem, const struct vhost_user_mem_region *regions, const int *fds,
		     unsigned int n) __must_check;

/*
 * Local pointer for [addr, addr + len) in the given address space, or NULL
 * when len is 0, the range overflows, is not mapped, or is not entirely
 * inside one region.
 */
void *vu_mem_translate(const struct vu_mem *mem, enum vu_addr_space space, uint64_t addr, uint64_t len);

#endif
