/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-rng: token bucket and the request walker over rings in fake guest memory. */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/fakes/fake_guest_mem.h"
#include "vhost-user/rng/rng_req.h"

#define GPA 0x10000ULL
#define SIZE MiB(1)
#define UVA 0x7f0000000000ULL
#define NUM 8
#define BUF (GPA + 0x20000)
#define S 1000000000ULL

static struct fake_guest_mem g;
static struct vu_virtq vq;
static struct fake_vring r;
static struct rng_queue q;
static int src_calls;
static int src_fail; /* -errno to return, 0: work */

/* Deterministic source: counts up, so "not all equal" and "two reads differ" hold. */
static ssize_t t_src(void *opaque, void *buf, size_t len)
{
	static uint8_t next = 1;

	src_calls++;
	if (src_fail)
		return src_fail;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = next++;
	return (ssize_t)len;
}

static void setup(void)
{
	cr_assert_eq(fake_guest_mem_init(&g, GPA, SIZE, UVA), 0);
	cr_assert_eq(fake_vring_init(&r, &g, &vq, NUM, GPA), 0);
	memset(&q, 0, sizeof(q));
	q.vq = &vq;
	q.elem = vu_elem_new(NUM);
	q.src = t_src;
	cr_assert_not_null(q.elem);
	rng_bucket_init(&q.bucket, 0, 0, 0);
	src_calls = 0;
	src_fail = 0;
}

static void teardown(void)
{
	vu_elem_free(q.elem);
	vu_virtq_close_fds(&vq);
	fake_guest_mem_fini(&g);
}

TestSuite(rng_req, .init = setup, .fini = teardown);

Test(rng_bucket, unlimited)
{
	struct rng_bucket b;

	rng_bucket_init(&b, 0, 0, 0);
	cr_assert_not(rng_bucket_limited(&b));
	cr_assert_eq(rng_bucket_refill(&b, 5), UINT64_MAX);
	cr_assert_eq(rng_bucket_wait_ns(&b, 1 << 20), 0);
}

Test(rng_bucket, refill_take_and_wait)
{
	struct rng_bucket b;

	rng_bucket_init(&b, 1000, 500, 10 * S);
	cr_assert(rng_bucket_limited(&b));
	cr_assert_eq(rng_bucket_refill(&b, 10 * S), 500, "starts full");
	rng_bucket_take(&b, 500);
	cr_assert_eq(rng_bucket_refill(&b, 10 * S), 0);
	cr_assert_eq(rng_bucket_wait_ns(&b, 100), 100000000ULL, "100 bytes at 1000/s: 0.1 s");
	cr_assert_eq(rng_bucket_refill(&b, 10 * S + S / 10), 100);
	/* Fractions accumulate: ten steps of 0.5 ms at 1000/s give 5 tokens. */
	rng_bucket_take(&b, 100);
	for (int i = 1; i <= 10; i++)
		rng_bucket_refill(&b, 10 * S + S / 10 + (uint64_t)i * 500000);
	cr_assert_eq(b.tokens, 5);
	/* Capped at the burst, even after a long idle time or a huge gap. */
	cr_assert_eq(rng_bucket_refill(&b, 1000 * S), 500);
	cr_assert_eq(rng_bucket_refill(&b, UINT64_MAX), 500);
	/* Time going backwards changes nothing. */
	cr_assert_eq(rng_bucket_refill(&b, 1), 500);
}

Test(rng_bucket, default_burst)
{
	cr_assert_eq(rng_bucket_default_burst(10), RNG_REQ_MAX_BYTES);
	cr_assert_eq(rng_bucket_default_burst(1 << 20), 1 << 20);
}

Test(rng_req, fills_every_writable_buffer)
{
	uint64_t w = 0;
	uint8_t *a = fake_gpa(&g, BUF), *b = fake_gpa(&g, BUF + 0x1000);

	memset(a, 0, 0x2000);
	fake_desc(&r, 0, BUF, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fake_desc(&r, 1, BUF + 0x1000, 28, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 0);
	cr_assert_eq(rng_queue_process(&q, 0, &w), 0);
	cr_assert_eq(r.used->idx, 1);
	cr_assert_eq(r.used->ring[0].id, 0);
	cr_assert_eq(r.used->ring[0].len, 128);
	cr_assert_neq(a[0], a[1]);
	cr_assert_neq(b[27], 0);
	cr_assert_eq(b[28], 0, "nothing written past the buffer");
	cr_assert_eq(q.requests, 1);
	cr_assert_eq(q.bytes, 128);
}

Test(rng_req, chain_without_writable_buffer_completes_empty)
{
	uint64_t w = 0;

	fake_desc(&r, 2, BUF, 64, 0, 0);
	fake_avail_add(&r, 2);
	cr_assert_eq(rng_queue_process(&q, 0, &w), 0);
	cr_assert_eq(r.used->idx, 1);
	cr_assert_eq(r.used->ring[0].id, 2);
	cr_assert_eq(r.used->ring[0].len, 0);
	cr_assert_eq(src_calls, 0);
}

Test(rng_req, request_bounded_to_64k)
{
	uint64_t w = 0;

	fake_desc(&r, 0, BUF, 0x30000, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fake_desc(&r, 1, BUF + 0x30000, 0x30000, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 0);
	cr_assert_eq(rng_queue_process(&q, 0, &w), 0);
	cr_assert_eq(r.used->ring[0].len, RNG_REQ_MAX_BYTES);
}

Test(rng_req, rate_limit_defers_whole_requests)
{
	uint64_t w = 0;

	rng_bucket_init(&q.bucket, 1000, 1000, 0);
	fake_desc(&r, 0, BUF, 600, VIRTQ_DESC_F_WRITE, 0);
	fake_desc(&r, 1, BUF + 0x1000, 600, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 0);
	fake_avail_add(&r, 1);
	cr_assert_eq(rng_queue_process(&q, 0, &w), RNG_DEFERRED);
	cr_assert_eq(r.used->idx, 1, "the burst covers the first request only");
	cr_assert_eq(r.used->ring[0].len, 600);
	cr_assert_eq(w, 200000000ULL, "200 more tokens at 1000/s");
	cr_assert_eq(vq.last_avail_idx, 1, "the deferred request stays in the ring");
	cr_assert_eq(rng_queue_process(&q, S / 10, &w), RNG_DEFERRED, "too early");
	cr_assert_eq(r.used->idx, 1);
	cr_assert_eq(rng_queue_process(&q, S / 5, &w), 0);
	cr_assert_eq(r.used->idx, 2);
	cr_assert_eq(r.used->ring[1].id, 1);
	cr_assert_eq(r.used->ring[1].len, 600);
}

Test(rng_req, request_larger_than_burst_gets_the_burst)
{
	uint64_t w = 0;

	rng_bucket_init(&q.bucket, 100, 100, 0);
	fake_desc(&r, 0, BUF, 4096, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 0);
	cr_assert_eq(rng_queue_process(&q, 0, &w), 0);
	cr_assert_eq(r.used->ring[0].len, 100);
}

Test(rng_req, source_not_ready_retries_later)
{
	uint64_t w = 0;

	src_fail = -EAGAIN;
	fake_desc(&r, 0, BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 0);
	cr_assert_eq(rng_queue_process(&q, 0, &w), RNG_DEFERRED);
	cr_assert_eq(w, RNG_RETRY_NS);
	cr_assert_eq(r.used->idx, 0);
	src_fail = 0;
	cr_assert_eq(rng_queue_process(&q, 0, &w), 0);
	cr_assert_eq(r.used->ring[0].len, 64);
}

Test(rng_req, broken_ring)
{
	uint64_t w = 0;

	fake_desc(&r, 0, BUF, 64, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0); /* loop */
	fake_avail_add(&r, 0);
	cr_assert_eq(rng_queue_process(&q, 0, &w), -EPROTO);
	cr_assert_eq(r.used->idx, 0);
}

Test(rng_req, getrandom_source)
{
	uint8_t a[256] = { 0 }, b[256] = { 0 };

	cr_assert_eq(rng_source_getrandom(NULL, a, sizeof(a)), (ssize_t)sizeof(a));
	cr_assert_eq(rng_source_getrandom(NULL, b, sizeof(b)), (ssize_t)sizeof(b));
	cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
}
