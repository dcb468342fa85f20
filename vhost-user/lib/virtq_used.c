/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>

#include "vhost-user/lib/virtq_used.h"

void vu_virtq_fill(struct vu_virtq *vq, const struct vu_elem *elem, uint32_t written, uint16_t off)
{
	struct virtq_used_elem *u;

	if (!vu_virtq_mapped(vq))
		return;
	if (written > elem->in_len)
		written = (uint32_t)MIN(elem->in_len, (uint64_t)UINT32_MAX);
	u = &vq->used->ring[(uint16_t)(vq->used_idx + off) % vq->size];
	__atomic_store_n(&u->id, htole32(elem->head), __ATOMIC_RELAXED);
	__atomic_store_n(&u->len, htole32(written), __ATOMIC_RELAXED);
}

void vu_virtq_flush(struct vu_virtq *vq, uint16_t n)
{
	if (!vu_virtq_mapped(vq) || n == 0)
		return;
	vq->used_idx = (uint16_t)(vq->used_idx + n);
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
}
