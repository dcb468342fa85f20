/* SPDX-License-Identifier: Apache-2.0 */
/* Split virtqueue walker against well-formed and hostile rings in fake guest memory. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/eventfd.h>

#include "tests/fakes/fake_guest_mem.h"
#include "vhost-user/lib/virtq.h"

#define GPA 0x10000ULL
#define SIZE MiB(1)
#define UVA 0x7f0000000000ULL
#define NUM 8
#define BUF (GPA + 0x20000)
#define TBL (GPA + 0x40000) /* indirect tables */

static struct fake_guest_mem g;
static struct vu_virtq vq;
static struct fake_vring r;
static struct vu_elem *e;

static void setup(void)
{
	cr_assert_eq(fake_guest_mem_init(&g, GPA, SIZE, UVA), 0);
	cr_assert_eq(fake_vring_init(&r, &g, &vq, NUM, GPA), 0);
	vq.indirect = true;
	e = vu_elem_new(NUM);
	cr_assert_not_null(e);
}

static void teardown(void)
{
	vu_elem_free(e);
	vu_virtq_close_fds(&vq);
	fake_guest_mem_fini(&g);
}

TestSuite(virtq, .init = setup, .fini = teardown);

/* The ring is broken: -EPROTO now and on every later pop. */
static void assert_broken(void)
{
	cr_assert_eq(vu_virtq_pop(&vq, e), -EPROTO);
	cr_assert(vq.broken);
	cr_assert_eq(vu_virtq_pop(&vq, e), -EPROTO);
	cr_assert_eq(vq.last_avail_idx, 0, "a rejected chain is not consumed");
}

Test(virtq, empty_ring)
{
	cr_assert_eq(vu_virtq_pop(&vq, e), -ENOENT);
	cr_assert_not(vq.broken);
}

Test(virtq, readable_then_writable_chain)
{
	memcpy(fake_gpa(&g, BUF), "hello", 5);
	fake_desc(&r, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	fake_desc(&r, 5, BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	fake_desc(&r, 1, BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 3);

	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	cr_assert_eq(e->head, 3);
	cr_assert_eq(e->out_num, 1);
	cr_assert_eq(e->in_num, 2);
	cr_assert_eq(e->out_len, 16);
	cr_assert_eq(e->in_len, 513);
	cr_assert_eq(e->out_sg[0].iov_base, fake_gpa(&g, BUF));
	cr_assert_eq(memcmp(e->out_sg[0].iov_base, "hello", 5), 0);
	cr_assert_eq(e->in_sg[0].iov_base, fake_gpa(&g, BUF + 0x100));
	cr_assert_eq(e->in_sg[0].iov_len, 512);
	cr_assert_eq(e->in_sg[1].iov_len, 1);
	cr_assert_eq(vq.last_avail_idx, 1);
	cr_assert_eq(vu_virtq_pop(&vq, e), -ENOENT);
}

Test(virtq, push_writes_used_ring)
{
	fake_desc(&r, 2, BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	fake_desc(&r, 6, BUF + 64, 64, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 2);
	fake_avail_add(&r, 6);

	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	vu_virtq_push(&vq, e, 10);
	cr_assert_eq(r.used->idx, 1);
	cr_assert_eq(r.used->ring[0].id, 2);
	cr_assert_eq(r.used->ring[0].len, 10);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	vu_virtq_push(&vq, e, 1000); /* more than the buffer: clamped */
	cr_assert_eq(r.used->idx, 2);
	cr_assert_eq(r.used->ring[1].id, 6);
	cr_assert_eq(r.used->ring[1].len, 64);
}

Test(virtq, used_ring_wraps)
{
	fake_desc(&r, 0, BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	for (unsigned int i = 0; i < 3 * NUM + 1; i++) {
		fake_avail_add(&r, 0);
		cr_assert_eq(vu_virtq_pop(&vq, e), 0);
		vu_virtq_push(&vq, e, i);
	}
	cr_assert_eq(r.used->idx, 3 * NUM + 1);
	cr_assert_eq(r.used->ring[0].len, 3 * NUM, "slot 0 holds the last push after wrapping");
}

Test(virtq, base_index_from_front_end_and_wrap_at_65535)
{
	struct vu_virtq vq2;

	/* SET_VRING_BASE-like start near the 16-bit wrap. */
	cr_assert_eq(fake_vring_init(&r, &g, &vq2, NUM, GPA + 0x8000), 0);
	vq2.last_avail_idx = 65534;
	r.avail->idx = 65534;
	r.used->idx = 65534;
	vq2.used_idx = 65534;
	fake_desc(&r, 1, BUF, 8, 0, 0);
	fake_avail_add(&r, 1);
	fake_avail_add(&r, 1);
	fake_avail_add(&r, 1);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(vu_virtq_pop(&vq2, e), 0);
		vu_virtq_push(&vq2, e, 0);
	}
	cr_assert_eq(vq2.last_avail_idx, 1);
	cr_assert_eq(r.used->idx, 1);
	cr_assert_eq(vu_virtq_pop(&vq2, e), -ENOENT);
}

Test(virtq, loop_rejected)
{
	fake_desc(&r, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	fake_desc(&r, 1, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, self_loop_rejected)
{
	fake_desc(&r, 4, BUF, 8, VIRTQ_DESC_F_NEXT, 4);
	fake_avail_add(&r, 4);
	assert_broken();
}

Test(virtq, chain_longer_than_elem_rejected)
{
	struct vu_elem *small = vu_elem_new(2);

	for (uint16_t i = 0; i < 3; i++)
		fake_desc(&r, i, BUF, 8, i < 2 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	fake_avail_add(&r, 0);
	cr_assert_eq(vu_virtq_pop(&vq, small), -EPROTO);
	cr_assert(vq.broken);
	vu_elem_free(small);
}

Test(virtq, whole_table_chain_accepted)
{
	for (uint16_t i = 0; i < NUM; i++)
		fake_desc(&r, i, BUF + i * 8, 8, i < NUM - 1 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	fake_avail_add(&r, 0);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	cr_assert_eq(e->out_num, NUM);
}

Test(virtq, next_out_of_range_rejected)
{
	fake_desc(&r, 0, BUF, 8, VIRTQ_DESC_F_NEXT, NUM);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, head_out_of_range_rejected)
{
	fake_avail_add(&r, NUM);
	assert_broken();
}

Test(virtq, head_0xffff_rejected)
{
	fake_avail_add(&r, 0xffff);
	assert_broken();
}

Test(virtq, avail_idx_jump_rejected)
{
	fake_desc(&r, 0, BUF, 8, 0, 0);
	r.avail->idx = NUM + 1;
	assert_broken();
}

Test(virtq, avail_idx_backwards_rejected)
{
	r.avail->idx = 0xffff; /* 65535 entries "available": the driver went backwards */
	assert_broken();
}

Test(virtq, buffer_outside_memory_rejected)
{
	fake_desc(&r, 0, GPA + SIZE, 8, 0, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, buffer_straddling_end_rejected)
{
	fake_desc(&r, 0, GPA + SIZE - 4, 8, 0, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, buffer_below_memory_rejected)
{
	fake_desc(&r, 0, 0, 8, 0, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, buffer_address_overflow_rejected)
{
	fake_desc(&r, 0, UINT64_MAX - 2, 8, 0, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, zero_length_rejected)
{
	fake_desc(&r, 0, BUF, 0, 0, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, readable_after_writable_rejected)
{
	fake_desc(&r, 0, BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fake_desc(&r, 1, BUF, 8, 0, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_table)
{
	fake_desc_at(&g, TBL, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	fake_desc_at(&g, TBL, 2, BUF + 0x100, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fake_desc_at(&g, TBL, 1, BUF + 0x200, 1, VIRTQ_DESC_F_WRITE, 0);
	fake_desc(&r, 7, TBL, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 7);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	cr_assert_eq(e->head, 7);
	cr_assert_eq(e->out_num, 1);
	cr_assert_eq(e->in_num, 2);
	cr_assert_eq(e->in_sg[0].iov_base, fake_gpa(&g, BUF + 0x100));
	cr_assert_eq(e->in_len, 101);
}

Test(virtq, indirect_without_feature_rejected)
{
	vq.indirect = false;
	fake_desc_at(&g, TBL, 0, BUF, 16, 0, 0);
	fake_desc(&r, 0, TBL, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_size_not_multiple_of_16_rejected)
{
	fake_desc_at(&g, TBL, 0, BUF, 16, 0, 0);
	fake_desc(&r, 0, TBL, 24, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_empty_rejected)
{
	fake_desc(&r, 0, TBL, 0, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_nested_rejected)
{
	fake_desc_at(&g, TBL, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fake_desc_at(&g, TBL, 1, TBL + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fake_desc_at(&g, TBL + 0x100, 0, BUF, 16, 0, 0);
	fake_desc(&r, 0, TBL, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_with_next_rejected)
{
	fake_desc_at(&g, TBL, 0, BUF, 16, 0, 0);
	fake_desc(&r, 0, TBL, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	fake_desc(&r, 1, BUF, 16, 0, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_inside_chain_rejected)
{
	fake_desc_at(&g, TBL, 0, BUF, 16, 0, 0);
	fake_desc(&r, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fake_desc(&r, 1, TBL, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_table_out_of_range_rejected)
{
	fake_desc(&r, 0, GPA + SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_loop_rejected)
{
	fake_desc_at(&g, TBL, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fake_desc_at(&g, TBL, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	fake_desc(&r, 0, TBL, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, indirect_next_out_of_table_rejected)
{
	fake_desc_at(&g, TBL, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	fake_desc(&r, 0, TBL, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fake_avail_add(&r, 0);
	assert_broken();
}

Test(virtq, broken_signals_err_fd)
{
	uint64_t v = 0;

	vq.err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fake_avail_add(&r, NUM);
	assert_broken();
	cr_assert_eq(eventfd_read(vq.err_fd, &v), 0);
	cr_assert_eq(v, 1, "err fd signalled exactly once");
}

Test(virtq, remap_clears_broken)
{
	fake_avail_add(&r, NUM);
	assert_broken();
	r.avail->ring[0] = 0;
	fake_desc(&r, 0, BUF, 8, 0, 0);
	cr_assert_eq(vu_virtq_map(&vq), 0);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
}

Test(virtq, unmapped_queue)
{
	vu_virtq_unmap(&vq);
	cr_assert_eq(vu_virtq_pop(&vq, e), -EINVAL);
	cr_assert_not(vu_virtq_should_notify(&vq));
}

Test(virtq, map_rejects_bad_rings)
{
	struct vu_virtq v2;

	vu_virtq_init(&v2, 1, &g.mem);
	cr_assert_eq(vu_virtq_map(&v2), -EINVAL, "no size/addresses");
	v2 = vq;
	v2.desc_uva = UVA + 8; /* misaligned */
	cr_assert_eq(vu_virtq_map(&v2), -EINVAL);
	v2 = vq;
	v2.used_uva = UVA + SIZE - 8; /* runs off the region */
	cr_assert_eq(vu_virtq_map(&v2), -EINVAL);
	v2 = vq;
	v2.avail_uva = GPA; /* a guest-physical address is not a front-end address */
	cr_assert_eq(vu_virtq_map(&v2), -EINVAL);
}

Test(virtq, notify_without_event_idx)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t v;

	vq.call_fd = fd;
	cr_assert(vu_virtq_notify(&vq));
	cr_assert_eq(eventfd_read(fd, &v), 0);
	cr_assert_eq(v, 1);
	r.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	cr_assert_not(vu_virtq_notify(&vq));
	cr_assert_eq(eventfd_read(fd, &v), -1, "suppressed by NO_INTERRUPT");
}

static void push_one(void)
{
	fake_desc(&r, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 0);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	vu_virtq_push(&vq, e, 1);
}

Test(virtq, event_idx_notify_decisions)
{
	vq.event_idx = true;
	r.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT; /* ignored with EVENT_IDX */

	push_one(); /* used 1 */
	cr_assert(vu_virtq_should_notify(&vq), "first notification always goes out");
	fake_set_used_event(&r, 2); /* interrupt when used idx passes 2, i.e. reaches 3 */
	push_one(); /* used 2 */
	cr_assert_not(vu_virtq_should_notify(&vq));
	push_one(); /* used 3: crossed used_event */
	cr_assert(vu_virtq_should_notify(&vq));
	cr_assert_not(vu_virtq_should_notify(&vq), "nothing new since the last interrupt");
	push_one(); /* used 4 */
	cr_assert_not(vu_virtq_should_notify(&vq), "used_event 2 already passed");
	fake_set_used_event(&r, 3); /* the driver lags: event behind the last signalled index */
	push_one(); /* used 5 */
	cr_assert_not(vu_virtq_should_notify(&vq));
	fake_set_used_event(&r, 5);
	push_one();
	push_one(); /* used 7, crossing 5 with a batch */
	cr_assert(vu_virtq_should_notify(&vq));
}

Test(virtq, event_idx_avail_event_published)
{
	vq.event_idx = true;
	cr_assert_eq(vu_virtq_pop(&vq, e), -ENOENT);
	cr_assert_eq(fake_get_avail_event(&r), 0);
	push_one();
	cr_assert_eq(fake_get_avail_event(&r), 1, "kick me when entry 1 is made available");
	cr_assert_eq(vu_virtq_pop(&vq, e), -ENOENT);
	cr_assert_eq(fake_get_avail_event(&r), 1);
}

Test(virtq, event_idx_avail_event_set_on_map)
{
	vq.event_idx = true;
	vq.last_avail_idx = 300; /* SET_VRING_BASE after a reconnect */
	cr_assert_eq(vu_virtq_map(&vq), 0);
	cr_assert_eq(fake_get_avail_event(&r), 300);
}

/* Kicks off while draining: NO_NOTIFY set, cleared on resume, and a chain added in between is reported. */
Test(virtq, notify_off_without_event_idx)
{
	cr_assert_not(vu_virtq_set_notify(&vq, false));
	cr_assert_eq(r.used->flags & VIRTQ_USED_F_NO_NOTIFY, VIRTQ_USED_F_NO_NOTIFY);
	push_one();
	cr_assert_eq(r.used->flags & VIRTQ_USED_F_NO_NOTIFY, VIRTQ_USED_F_NO_NOTIFY, "pop leaves kicks off");
	cr_assert_eq(vu_virtq_pop(&vq, e), -ENOENT);
	fake_avail_add(&r, 0); /* the driver saw NO_NOTIFY and did not kick */
	cr_assert(vu_virtq_set_notify(&vq, true), "the chain added while kicks were off is seen");
	cr_assert_eq(r.used->flags & VIRTQ_USED_F_NO_NOTIFY, 0);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	cr_assert_not(vu_virtq_set_notify(&vq, true), "already on: nothing to report");
	cr_assert_not(vu_virtq_set_notify(&vq, false));
	cr_assert_not(vu_virtq_set_notify(&vq, true), "empty ring");
}

/* With EVENT_IDX, kicks off means avail_event stays behind until they are back on. */
Test(virtq, notify_off_with_event_idx)
{
	vq.event_idx = true;
	cr_assert_not(vu_virtq_set_notify(&vq, false));
	push_one();
	push_one();
	cr_assert_eq(vu_virtq_pop(&vq, e), -ENOENT);
	cr_assert_eq(fake_get_avail_event(&r), 0, "no avail_event while kicks are off");
	cr_assert_eq(r.used->flags & VIRTQ_USED_F_NO_NOTIFY, 0, "EVENT_IDX does not use the flag");
	cr_assert_not(vu_virtq_set_notify(&vq, true));
	cr_assert_eq(fake_get_avail_event(&r), 2, "kick me when entry 2 is made available");
	cr_assert_not(vu_virtq_set_notify(&vq, false));
	fake_desc(&r, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 0);
	cr_assert(vu_virtq_set_notify(&vq, true));
}

Test(virtq, map_turns_kicks_back_on)
{
	cr_assert_not(vu_virtq_set_notify(&vq, false));
	cr_assert_eq(vu_virtq_map(&vq), 0); /* a restart after a stop mid-drain */
	cr_assert_eq(r.used->flags & VIRTQ_USED_F_NO_NOTIFY, 0);
}

Test(virtq, unpop_returns_the_chain)
{
	fake_desc(&r, 5, BUF, 8, 0, 0);
	fake_avail_add(&r, 5);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	vu_virtq_unpop(&vq);
	cr_assert_eq(vu_virtq_pop(&vq, e), 0);
	cr_assert_eq(e->head, 5);
}

Test(virtq, elem_limits)
{
	cr_assert_null(vu_elem_new(0));
	cr_assert_null(vu_elem_new(VIRTQ_MAX_SIZE + 1));
}

/* Random rings: every pop either fails cleanly or yields buffers inside guest memory. */
Test(virtq, random_rings_never_escape_memory)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char *lo = fake_gpa(&g, GPA), *hi = lo + SIZE;
	int ok = 0, bad = 0;

	for (int round = 0; round < 2000; round++) {
		uint8_t *d = (uint8_t *)r.desc;

		for (size_t i = 0; i < VIRTQ_DESC_BYTES(NUM); i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			d[i] = (uint8_t)(seed >> 56);
		}
		for (uint16_t i = 0; i < NUM; i++) {
			/* Bias addresses into (and just around) guest memory, lengths small. */
			r.desc[i].addr = GPA - 0x100 + (r.desc[i].addr % (SIZE + 0x200));
			r.desc[i].len %= 0x2000;
			r.desc[i].next %= NUM + 2;
			if (round & 1)
				r.desc[i].flags &= VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE;
		}
		r.avail->ring[r.avail->idx % NUM] = (uint16_t)(seed >> 20) % (NUM + 1);
		r.avail->idx++;
		cr_assert_eq(vu_virtq_map(&vq), 0);
		vq.last_avail_idx = (uint16_t)(r.avail->idx - 1);
		if (vu_virtq_pop(&vq, e) != 0) {
			bad++;
		} else {
			ok++;
			cr_assert_leq(e->out_num + e->in_num, NUM);
			for (unsigned int i = 0; i < e->out_num + e->in_num; i++) {
				char *b = e->sg[i].iov_base;

				cr_assert(b >= lo && b + e->sg[i].iov_len <= hi);
			}
		}
	}
	cr_assert(ok > 0 && bad > 0, "both outcomes exercised (%d ok, %d rejected)", ok, bad);
}
