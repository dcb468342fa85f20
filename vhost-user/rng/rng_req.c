/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/rng/rng_req.h"

#include <errno.h>
#include <sys/random.h>

#include "common/util.h"

#define NS_PER_S 1000000000ULL

uint64_t rng_bucket_default_burst(uint64_t rate)
{
	return MAX(rate, (uint64_t)RNG_REQ_MAX_BYTES);
}

void rng_bucket_init(struct rng_bucket *b, uint64_t rate, uint64_t burst, uint64_t now_ns)
{
	b->rate = rate;
	b->burst = rate ? MAX(burst, 1) : 0;
	b->tokens = b->burst;
	b->last_ns = now_ns;
	b->frac = 0;
}

bool rng_bucket_limited(const struct rng_bucket *b)
{
	return b->rate != 0;
}

uint64_t rng_bucket_refill(struct rng_bucket *b, uint64_t now_ns)
{
	uint64_t dt, add;
	unsigned __int128 prod;

	if (!b->rate)
		return UINT64_MAX;
	if (now_ns <= b->last_ns)
		return b->tokens;
	dt = now_ns - b->last_ns;
	b->last_ns = now_ns;
	prod = (unsigned __int128)b->rate * dt + b->frac;
	add = prod / NS_PER_S > b->burst ? b->burst : (uint64_t)(prod / NS_PER_S);
	b->frac = (uint64_t)(prod % NS_PER_S);
	b->tokens = b->burst - b->tokens <= add ? b->burst : b->tokens + add;
	if (b->tokens == b->burst)
		b->frac = 0;
	return b->tokens;
}

void rng_bucket_take(struct rng_bucket *b, uint64_t n)
{
	if (b->rate)
		b->tokens = n > b->tokens ? 0 : b->tokens - n;
}

uint64_t rng_bucket_wait_ns(const struct rng_bucket *b, uint64_t n)
{
	unsigned __int128 need;

	if (!b->rate || b->tokens >= n)
		return 0;
	need = (unsigned __int128)(n - b->tokens) * NS_PER_S;
	need = need > b->frac ? need - b->frac : 0;
	return (uint64_t)((need + b->rate - 1) / b->rate);
}

ssize_t rng_source_getrandom(void *opaque, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, GRND_NONBLOCK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return (ssize_t)len;
}

ssize_t rng_fill(const struct iovec *iov, unsigned int n, size_t max, rng_source_fn src, void *opaque)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < max; i++) {
		size_t len = MIN(iov[i].iov_len, max - done);
		ssize_t r;

		if (!len)
			continue;
		r = src(opaque, iov[i].iov_base, len);
		if (r < 0)
			return done ? (ssize_t)done : r;
		done += len;
	}
	return (ssize_t)done;
}

int rng_queue_process(struct rng_queue *q, uint64_t now_ns, uint64_t *ret_wait_ns)
{
	uint64_t completed = 0;
	int ret = 0;

	if (!q->vq || !q->elem)
		return 0;
	for (;;) {
		uint64_t avail = rng_bucket_refill(&q->bucket, now_ns);
		uint64_t want;
		ssize_t n;

		ret = vu_virtq_pop(q->vq, q->elem);
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret < 0)
			break;
		want = MIN(q->elem->in_len, (uint64_t)RNG_REQ_MAX_BYTES);
		if (rng_bucket_limited(&q->bucket))
			want = MIN(want, q->bucket.burst);
		if (want > avail) {
			/* Whole requests only: the guest gets full buffers, at the rate. */
			vu_virtq_unpop(q->vq);
			*ret_wait_ns = MAX(rng_bucket_wait_ns(&q->bucket, want), 1ULL);
			ret = RNG_DEFERRED;
			break;
		}
		n = rng_fill(q->elem->in_sg, q->elem->in_num, want, q->src, q->src_opaque);
		if (n < 0) {
			vu_virtq_unpop(q->vq);
			*ret_wait_ns = RNG_RETRY_NS;
			ret = RNG_DEFERRED;
			break;
		}
		rng_bucket_take(&q->bucket, (uint64_t)n);
		vu_virtq_push(q->vq, q->elem, (uint32_t)n);
		q->requests++;
		q->bytes += (uint64_t)n;
		completed++;
	}
	if (completed)
		vu_virtq_notify(q->vq);
	return ret;
}
