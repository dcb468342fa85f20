/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-bucket logarithmic latency histogram: each power of two of
 * nanoseconds is split into HIST_SUB linear sub-buckets, so any recorded
 * value is known to within 1/HIST_SUB (6.25%) of itself. No allocation;
 * histograms of several threads merge by adding counts.
 */
#ifndef CNH_BENCH_HIST_H
#define CNH_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 4
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (64u * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns, max_ns;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t ns);
/* dst += src */
void hist_merge(struct hist *dst, const struct hist *src);
/* Value (ns) at or below which pct percent of samples fall; 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double pct);
/* Bucket index of a value and the lowest value a bucket holds (for tests). */
unsigned int hist_bucket(uint64_t ns);
uint64_t hist_bucket_low(unsigned int idx);

#endif
