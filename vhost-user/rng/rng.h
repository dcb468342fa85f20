/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-rng's device: virtio-rng (device id 4), one request queue run on the
 * control loop (queue_kick); a rate-limited request waits on an ev_timer,
 * the loop never blocks.
 */
#ifndef CNH_RNG_H
#define CNH_RNG_H

#include <ev.h>

#include "vhost-user/lib/vu.h"
#include "vhost-user/rng/rng_req.h"

struct rng_dev {
	struct vu_dev vu;
	struct ev_loop *loop;
	ev_timer timer;          /* a deferred request's retry */
	struct rng_queue q;
};

extern const struct vu_dev_ops rng_ops;

/* Set up with a rate in bytes per second (0: unlimited) and a burst (0: default). 0 or -errno. */
int rng_dev_init(struct rng_dev *r, struct ev_loop *loop, uint64_t rate, uint64_t burst) __must_check;
void rng_dev_fini(struct rng_dev *r);

#endif
