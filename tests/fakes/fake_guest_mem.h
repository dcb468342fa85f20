/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fake guest memory for vhost-user back-end tests: one memfd region mapped
 * through the real vu_mem (so translation is the code under test), a local
 * mapping for the test to lay out rings and buffers, and helpers to build
 * split virtqueues in it.
 *
 *	struct fake_guest_mem g;
 *	fake_guest_mem_init(&g, 0x100000, MiB(1), 0x7f0000000000);
 *	struct fake_vring r;
 *	fake_vring_init(&r, &g, &vq, 8, 0x100000);   // rings at gpa 0x100000
 *	fake_desc(&r, 0, 0x180000, 512, VIRTQ_DESC_F_NEXT, 1);
 *	fake_avail_add(&r, 0);
 */
#ifndef CNH_TESTS_FAKE_GUEST_MEM_H
#define CNH_TESTS_FAKE_GUEST_MEM_H

#include <stdint.h>

#include "vhost-user/lib/virtq.h"
#include "vhost-user/lib/vu_mem.h"

struct fake_guest_mem {
	int fd;
	uint64_t gpa, size, uva;
	void *local;        /* the test's own mapping of the memfd */
	struct vu_mem mem;  /* what the back-end sees */
};

/* 0 or -errno. */
int fake_guest_mem_init(struct fake_guest_mem *g, uint64_t gpa, uint64_t size, uint64_t uva);
void fake_guest_mem_fini(struct fake_guest_mem *g);
/* The back-end's pointer for a guest-physical address inside the region. */
void *fake_gpa(struct fake_guest_mem *g, uint64_t gpa);

struct fake_vring {
	struct fake_guest_mem *g;
	struct vu_virtq *vq;
	uint16_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
};

/* Lay out a split ring of num entries at gpa, configure vq and map it. 0 or -errno. */
int fake_vring_init(struct fake_vring *r, struct fake_guest_mem *g, struct vu_virtq *vq, uint16_t num,
		    uint64_t gpa);
void fake_desc(struct fake_vring *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
/* Write a descriptor in a table at gpa (indirect tables). */
void fake_desc_at(struct fake_guest_mem *g, uint64_t table_gpa, uint16_t i, uint64_t addr, uint32_t len,
		  uint16_t flags, uint16_t next);
/* Put head in the next avail slot and bump avail->idx. */
void fake_avail_add(struct fake_vring *r, uint16_t head);
/* Driver-side fields. */
void fake_set_used_event(struct fake_vring *r, uint16_t v);
uint16_t fake_get_avail_event(struct fake_vring *r);

#endif
