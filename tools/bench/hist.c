/* SPDX-License-Identifier: Apache-2.0 */
#include "hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

/*
 * Values below HIST_SUB map to themselves; above, the bucket is
 * (exponent, top HIST_SUB_BITS bits below the leading one).
 */
unsigned int hist_bucket(uint64_t ns)
{
	unsigned int msb, shift;

	if (ns < HIST_SUB)
		return (unsigned int)ns;
	msb = 63u - (unsigned int)__builtin_clzll(ns);
	shift = msb - HIST_SUB_BITS;
	return (msb - HIST_SUB_BITS + 1) * HIST_SUB + (unsigned int)((ns >> shift) & (HIST_SUB - 1));
}

uint64_t hist_bucket_low(unsigned int idx)
{
	unsigned int grp = idx / HIST_SUB, sub = idx % HIST_SUB;

	if (grp == 0)
		return sub;
	return ((uint64_t)(HIST_SUB + sub)) << (grp - 1);
}

void hist_add(struct hist *h, uint64_t ns)
{
	unsigned int b = hist_bucket(ns);

	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	h->buckets[b]++;
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned int i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t hist_percentile(const struct hist *h, double pct)
{
	uint64_t want, seen = 0;

	if (h->count == 0)
		return 0;
	want = (uint64_t)((double)h->count * pct / 100.0 + 0.5);
	if (want < 1)
		want = 1;
	if (want > h->count)
		want = h->count;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= want) {
			/* middle of the bucket, clamped to what was really seen */
			uint64_t lo = hist_bucket_low(i);
			uint64_t hi = i + 1 < HIST_BUCKETS ? hist_bucket_low(i + 1) : lo;
			uint64_t v = lo + (hi - lo) / 2;

			if (v < h->min_ns)
				v = h->min_ns;
			if (v > h->max_ns)
				v = h->max_ns;
			return v;
		}
	}
	return h->max_ns;
}
