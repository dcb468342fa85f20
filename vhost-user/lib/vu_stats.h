/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A daemon's named counters and the side channel that reports them to the
 * VMM (vm.counters). A device registers its counters once, before any
 * worker runs (vu_stats_register); worker threads then bump them with
 * relaxed atomics (vu_stats_add). The VMM hands the daemon one end of a
 * connected socketpair (--stats-fd N); whenever bytes arrive on it the
 * daemon answers one line of JSON, {"name": value, ...}\n ({} with no
 * counters). Names are [a-z0-9_], so the line needs no escaping.
 *
 *	enum { BLK_ST_READ_OPS, BLK_ST_WRITE_OPS };
 *	static const char *const blk_st_names[] = { "read_ops", "write_ops" };
 *	r = vu_stats_register(&s, blk_st_names, ARRAY_SIZE(blk_st_names));
 *	...
 *	vu_stats_add(&s, BLK_ST_READ_OPS, 1);  // any thread
 */
#ifndef CNH_VHOST_USER_LIB_VU_STATS_H
#define CNH_VHOST_USER_LIB_VU_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

#define VU_STATS_MAX 32
#define VU_STATS_NAME_MAX 32 /* including the NUL */
/* "{" + per counter `"name": value, ` + "}\n" */
#define VU_STATS_LINE_MAX (4 + VU_STATS_MAX * (VU_STATS_NAME_MAX + 26))

struct vu_stats {
	unsigned int n; /* written only by vu_stats_register, before workers run */
	char names[VU_STATS_MAX][VU_STATS_NAME_MAX];
	atomic_uint_fast64_t values[VU_STATS_MAX];
};

/* No counters: the channel answers {}. */
void vu_stats_init(struct vu_stats *s);
/*
 * Append n counters (all zero) named names[0..n-1]; the first gets index
 * s->n before the call. -EINVAL: a name is empty, too long or not
 * [a-z0-9_]; -ENOSPC: more than VU_STATS_MAX in all. Nothing is added on
 * failure.
 */
int vu_stats_register(struct vu_stats *s, const char *const *names, unsigned int n) __must_check;

/* Add v to counter idx (relaxed; any thread). An out-of-range idx is ignored. */
static inline void vu_stats_add(struct vu_stats *s, unsigned int idx, uint64_t v)
{
	if (idx < VU_STATS_MAX)
		atomic_fetch_add_explicit(&s->values[idx], v, memory_order_relaxed);
}

static inline uint64_t vu_stats_get(const struct vu_stats *s, unsigned int idx)
{
	return idx < VU_STATS_MAX ? atomic_load_explicit(&s->values[idx], memory_order_relaxed) : 0;
}

/*
 * Format the line (with its '\n') into buf; s may be NULL ({}). Returns
 * its length, or -ENOSPC when len is too small (VU_STATS_LINE_MAX always
 * suffices).
 */
int vu_stats_format(const struct vu_stats *s, char *buf, size_t len) __must_check;

/*
 * Serve the channel fd once it is readable (s may be NULL): drain what the
 * peer sent (non-blocking) and answer with one line if anything came.
 * Returns 0 (answered, or nothing to read), -EPIPE when the peer closed
 * its end (stop watching fd), or another -errno.
 */
int vu_stats_serve(const struct vu_stats *s, int fd) __must_check;

#endif
