/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/rng/rng.h"

#include <errno.h>

#include "common/log.h"
#include "common/ratelimit.h"

#define RNG_TAG "rng"

static struct rng_dev *rng_from_vu(struct vu_dev *dev)
{
	return container_of(dev, struct rng_dev, vu);
}

static void rng_process(struct rng_dev *r)
{
	uint64_t wait_ns = 0;
	int ret;

	if (ev_is_active(&r->timer))
		return; /* the timer serves the next request, in order */
	ret = rng_queue_process(&r->q, ratelimit_now_ns(), &wait_ns);
	if (ret == RNG_DEFERRED) {
		ev_timer_set(&r->timer, (double)wait_ns / 1e9, 0.);
		ev_timer_start(r->loop, &r->timer);
	}
}

static void rng_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rng_dev *r = container_of(w, struct rng_dev, timer);

	rng_process(r);
}

static uint64_t rng_get_features(struct vu_dev *dev)
{
	return 0; /* virtio-rng has no feature bits */
}

static int rng_queue_start(struct vu_dev *dev, unsigned int qidx)
{
	struct rng_dev *r = rng_from_vu(dev);
	struct vu_virtq *vq = vu_dev_queue(dev, qidx);

	if (qidx != 0 || !vq)
		return -EINVAL;
	r->q.vq = vq;
	return 0;
}

static void rng_queue_stop(struct vu_dev *dev, unsigned int qidx)
{
	struct rng_dev *r = rng_from_vu(dev);

	if (qidx != 0)
		return;
	ev_timer_stop(r->loop, &r->timer);
	r->q.vq = NULL;
}

static void rng_queue_kick(struct vu_dev *dev, unsigned int qidx)
{
	if (qidx == 0)
		rng_process(rng_from_vu(dev));
}

const struct vu_dev_ops rng_ops = {
	.get_features = rng_get_features,
	.queue_start = rng_queue_start,
	.queue_stop = rng_queue_stop,
	.queue_kick = rng_queue_kick,
};

int rng_dev_init(struct rng_dev *r, struct ev_loop *loop, uint64_t rate, uint64_t burst)
{
	r->loop = loop;
	r->q.vq = NULL;
	r->q.src = rng_source_getrandom;
	r->q.src_opaque = NULL;
	r->q.elem = vu_elem_new(RNG_QUEUE_SIZE);
	if (!r->q.elem)
		return -ENOMEM;
	ev_timer_init(&r->timer, rng_timer_cb, 0., 0.);
	/* The bucket outlives connections and resets: a reconnect does not refill it. */
	rng_bucket_init(&r->q.bucket, rate, burst ? burst : rng_bucket_default_burst(rate),
			ratelimit_now_ns());
	return 0;
}

void rng_dev_fini(struct rng_dev *r)
{
	if (r->loop)
		ev_timer_stop(r->loop, &r->timer);
	vu_elem_free(r->q.elem);
	r->q.elem = NULL;
}
