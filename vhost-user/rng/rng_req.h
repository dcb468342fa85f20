/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-rng's request handling, without the vhost-user connection: a token
 * bucket rate limiter and the queue walker that fills every
 * device-writable buffer with random bytes (virtio 1.2, 5.4).
 *
 *	rng_bucket_init(&q.bucket, rate, burst, now);  // rate 0: unlimited
 *	r = rng_queue_process(&q, now, &wait_ns);
 *	if (r == RNG_DEFERRED) ... arm a timer for wait_ns, call again ...
 */
#ifndef CNH_RNG_REQ_H
#define CNH_RNG_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vhost-user/lib/virtq.h"

#define RNG_REQ_MAX_BYTES (64u * 1024) /* bytes given to one request at most */
#define RNG_QUEUE_SIZE 256             /* largest queue size served */
#define RNG_RATE_MAX (1ULL << 40)      /* --rate bound (bytes per second) */
#define RNG_DEFERRED 1                 /* rng_queue_process: come back after wait_ns */
#define RNG_RETRY_NS 50000000ULL       /* wait after the source had nothing (EAGAIN) */

/*
 * Token bucket: rate bytes per second, at most burst tokens saved up.
 * rate 0 means unlimited. Starts full.
 */
struct rng_bucket {
	uint64_t rate;
	uint64_t burst;
	uint64_t tokens;
	uint64_t last_ns; /* time tokens was last brought up to date */
	uint64_t frac;    /* rate * elapsed_ns remainder below 1e9 (no drift) */
};

/* Default burst for a rate: one second's worth, at least one full request. */
uint64_t rng_bucket_default_burst(uint64_t rate);
void rng_bucket_init(struct rng_bucket *b, uint64_t rate, uint64_t burst, uint64_t now_ns);
bool rng_bucket_limited(const struct rng_bucket *b);
/* Refill up to now; the tokens available (UINT64_MAX when unlimited). */
uint64_t rng_bucket_refill(struct rng_bucket *b, uint64_t now_ns);
/* Take n tokens (n <= what rng_bucket_refill returned). */
void rng_bucket_take(struct rng_bucket *b, uint64_t n);
/* Nanoseconds until n tokens (n <= burst) are available; 0 if they are. */
uint64_t rng_bucket_wait_ns(const struct rng_bucket *b, uint64_t n);

/* Fill buf with len random bytes: len, or -errno (-EAGAIN: not ready yet, retry later). */
typedef ssize_t (*rng_source_fn)(void *opaque, void *buf, size_t len);
/* getrandom(2), non-blocking. */
ssize_t rng_source_getrandom(void *opaque, void *buf, size_t len);

/* Fill the iovecs with up to max random bytes; bytes written or -errno (nothing consumed on error). */
ssize_t rng_fill(const struct iovec *iov, unsigned int n, size_t max, rng_source_fn src,
		 void *opaque) __must_check;

struct rng_queue {
	struct vu_virtq *vq;     /* NULL while the queue is stopped */
	struct vu_elem *elem;    /* room for RNG_QUEUE_SIZE buffers */
	struct rng_bucket bucket;
	rng_source_fn src;
	void *src_opaque;
	uint64_t requests, bytes; /* served so far */
};

/*
 * Serve every available request: 0 when the ring is empty, RNG_DEFERRED
 * with *ret_wait_ns when the rate limit (or the source) holds the next
 * request back (it stays in the ring), -EPROTO when the ring is broken.
 * Signals the call fd once at the end if anything completed.
 */
int rng_queue_process(struct rng_queue *q, uint64_t now_ns, uint64_t *ret_wait_ns) __must_check;

#endif
