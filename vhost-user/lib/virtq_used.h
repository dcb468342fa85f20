/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Used-ring batches: several used entries made visible to the driver with
 * one used->idx store. A device that returns one logical result in several
 * chains (virtio-net mergeable receive buffers: the driver reads
 * num_buffers and expects all of them at once) fills them, then flushes.
 *
 *	for (i = 0; i < n; i++)
 *		vu_virtq_fill(vq, elems[i], lens[i], i);
 *	vu_virtq_flush(vq, n);
 *
 * Same threading rule as virtq.h: only the thread running the queue.
 */
#ifndef CNH_VHOST_USER_LIB_VIRTQ_USED_H
#define CNH_VHOST_USER_LIB_VIRTQ_USED_H

#include <stdint.h>

#include "vhost-user/lib/virtq.h"

/* Write elem (written bytes, clamped to its in_len) at used slot used_idx + off; not published. */
void vu_virtq_fill(struct vu_virtq *vq, const struct vu_elem *elem, uint32_t written, uint16_t off);
/* Publish n filled entries with one release store of used->idx. */
void vu_virtq_flush(struct vu_virtq *vq, uint16_t n);

#endif
