/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rate limiting for log lines a guest or a peer can trigger: at most `burst`
 * messages per `interval` (monotonic clock). Header-only, libc only. Not
 * thread-safe: keep one per thread or per object touched by one thread.
 *
 *	embedded in its owner:
 *	struct ratelimit rl = RATELIMIT_INIT(5000, 10);
 *	if (ratelimit_ok(&rl))
 *		log_warn("vq", "broken ring (%u suppressed)", ratelimit_missed(&rl));
 */
#ifndef CNH_COMMON_RATELIMIT_H
#define CNH_COMMON_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct ratelimit {
	uint64_t interval_ns;
	unsigned int burst;
	uint64_t begin_ns;   /* start of the current window, 0 = none yet */
	unsigned int done;   /* messages let through in this window */
	unsigned int missed; /* messages suppressed since the last one let through */
};

#define RATELIMIT_INIT(interval_ms, burst_) \
	{ .interval_ns = (uint64_t)(interval_ms) * 1000000u, .burst = (burst_) }

static inline void ratelimit_init(struct ratelimit *rl, unsigned int interval_ms, unsigned int burst)
{
	*rl = (struct ratelimit)RATELIMIT_INIT(interval_ms, burst);
}

static inline uint64_t ratelimit_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* True when a message may be emitted now; counts the suppressed ones. */
static inline bool ratelimit_ok(struct ratelimit *rl)
{
	uint64_t now = ratelimit_now_ns();

	if (rl->begin_ns == 0 || now - rl->begin_ns >= rl->interval_ns) {
		rl->begin_ns = now ? now : 1;
		rl->done = 0;
	}
	if (rl->done < rl->burst) {
		rl->done++;
		return true;
	}
	rl->missed++;
	return false;
}

/* Messages suppressed since the last call; resets the count. */
static inline unsigned int ratelimit_missed(struct ratelimit *rl)
{
	unsigned int m = rl->missed;

	rl->missed = 0;
	return m;
}

#endif
