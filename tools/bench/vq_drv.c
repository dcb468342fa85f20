/* SPDX-License-Identifier: Apache-2.0 */
#include "vq_drv.h"

static inline uint16_t *vq_used_event(struct vq_drv *vq)
{
	return &vq->avail->ring[vq->num];
}

static inline uint16_t *vq_avail_event(struct vq_drv *vq)
{
	return (uint16_t *)&vq->used->ring[vq->num];
}

/* Spec 2.7.10: notify if new_idx passed event_idx since old. */
static inline bool vq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

int vq_drv_init(struct vq_drv *vq, unsigned int num, bool event_idx, void *desc, void *avail,
		void *used)
{
	if (num == 0 || num > 32768 || (num & (num - 1)))
		return -EINVAL;
	vq->num = num;
	vq->event_idx = event_idx;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->avail_idx = 0;
	vq->kicked_idx = 0;
	vq->last_used = 0;
	vq->kicks = 0;
	vq->kicks_saved = 0;
	return 0;
}

void vq_drv_add(struct vq_drv *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = head;
	vq->avail_idx++;
}

bool vq_drv_publish(struct vq_drv *vq)
{
	uint16_t old = vq->kicked_idx, new_idx = vq->avail_idx;
	bool kick;

	/* Ring entries before the index (release), index before reading the event (full). */
	__atomic_store_n(&vq->avail->idx, new_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->kicked_idx = new_idx;
	if (old == new_idx)
		return false;
	if (vq->event_idx)
		kick = vq_need_event(__atomic_load_n(vq_avail_event(vq), __ATOMIC_RELAXED), new_idx, old);
	else
		kick = !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY);
	if (kick)
		vq->kicks++;
	else
		vq->kicks_saved++;
	return kick;
}

bool vq_drv_get_used(struct vq_drv *vq, uint32_t *ret_id, uint32_t *ret_len)
{
	const struct vring_used_elem *e;

	/* Acquire: the element and the buffers it names are read after the index. */
	if (__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) == vq->last_used)
		return false;
	e = &vq->used->ring[vq->last_used & (vq->num - 1)];
	*ret_id = e->id;
	*ret_len = e->len;
	vq->last_used++;
	return true;
}

bool vq_drv_enable_cb(struct vq_drv *vq, bool enable)
{
	if (vq->event_idx) {
		/* Interrupt when the device moves past last_used, or (polling) not for ~32k entries. */
		uint16_t ev = enable ? vq->last_used : (uint16_t)(vq->last_used + 0x7fff);

		__atomic_store_n(vq_used_event(vq), ev, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&vq->avail->flags, enable ? 0 : VRING_AVAIL_F_NO_INTERRUPT,
				 __ATOMIC_RELAXED);
	}
	/* Event write before re-reading the used index (pairs with the device's). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED) != vq->last_used;
}
