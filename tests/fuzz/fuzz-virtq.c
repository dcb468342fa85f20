/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A guest that writes anything into its split virtqueue: the descriptor
 * table, the avail ring and an indirect-table area come from the input; the
 * back-end library pops and pushes until the ring is empty or broken. Every
 * buffer it hands out must lie inside guest memory.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/fakes/fake_guest_mem.h"
#include "tests/fuzz/fuzz.h"
#include "vhost-user/lib/virtq.h"

#define GPA 0x10000ULL
#define SIZE (256 * 1024ULL)
#define UVA 0x7f0000000000ULL
#define NUM 16
#define TBL (GPA + 0x20000) /* indirect tables / data, filled from the input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_guest_mem g;
	static bool ready;
	struct fake_vring r;
	struct vu_virtq vq;
	struct vu_elem *e;
	size_t off = 0, n;

	if (size < 4)
		return 0;
	if (!ready) {
		if (fake_guest_mem_init(&g, GPA, SIZE, UVA) < 0)
			abort();
		ready = true;
	}
	memset(g.local, 0, SIZE);
	if (fake_vring_init(&r, &g, &vq, NUM, GPA) < 0)
		abort();
	vq.indirect = data[0] & 1;
	vq.event_idx = data[0] & 2;
	off = 1;
	/* Descriptor table, then avail flags/idx/ring, then the table area. */
	n = MIN(size - off, (size_t)NUM * 16);
	memcpy(r.desc, data + off, n);
	off += n;
	n = MIN(size - off, (size_t)4 + NUM * 2);
	memcpy(r.avail, data + off, n);
	off += n;
	n = MIN(size - off, (size_t)0x8000);
	memcpy(fake_gpa(&g, TBL), data + off, n);

	e = vu_elem_new(NUM);
	if (!e)
		abort();
	for (int i = 0; i < 4 * NUM; i++) {
		int rc = vu_virtq_pop(&vq, e);

		if (rc < 0)
			break;
		const uint8_t *lo = vu_mem_translate(&g.mem, VU_ADDR_GPA, GPA, 1);

		for (unsigned int k = 0; k < e->out_num + e->in_num; k++) {
			const uint8_t *p = e->sg[k].iov_base;

			/* Every buffer handed out lies inside the one memory region. */
			if (!lo || p < lo || e->sg[k].iov_len > SIZE ||
			    p + e->sg[k].iov_len > lo + SIZE)
				abort();
		}
		vu_virtq_push(&vq, e, 0);
	}
	vu_elem_free(e);
	vu_virtq_close_fds(&vq);
	return 0;
}
