/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver ("guest") side of a virtio 1.2 split virtqueue (spec 2.7),
 * laid out in memory the harness shares with a vhost-user back-end. Only
 * what a block driver with fixed, pre-built descriptor chains needs: the
 * caller owns the descriptor table and chains; this publishes heads in the
 * available ring, decides whether to kick (VIRTIO_F_EVENT_IDX or the
 * VRING_USED_F_NO_NOTIFY flag) and reaps the used ring.
 * Single-threaded per queue; barriers pair with the device's.
 */
#ifndef CNH_BENCH_VQ_DRV_H
#define CNH_BENCH_VQ_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* num entries, then used_event */
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* num entries, then avail_event */
};

/* Bytes each part takes for a queue of num entries (spec 2.7). */
static inline uint64_t vq_desc_size(unsigned int num) { return 16ull * num; }
static inline uint64_t vq_avail_size(unsigned int num) { return 6ull + 2ull * num; }
static inline uint64_t vq_used_size(unsigned int num) { return 6ull + 8ull * num; }

struct vq_drv {
	unsigned int num;            /* power of two, <= 32768 */
	bool event_idx;              /* VIRTIO_F_EVENT_IDX negotiated */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;          /* next free avail slot (shadow of avail->idx) */
	uint16_t kicked_idx;         /* avail_idx at the last kick decision */
	uint16_t last_used;          /* next used entry to reap */
	uint64_t kicks, kicks_saved; /* statistics */
};

/* Point the driver at zeroed rings. num must be a power of two. */
int vq_drv_init(struct vq_drv *vq, unsigned int num, bool event_idx, void *desc, void *avail,
		void *used) __must_check;
/* Put a chain head in the available ring (not yet visible to the device). */
void vq_drv_add(struct vq_drv *vq, uint16_t head);
/* Publish added heads; true if the device asked to be kicked. */
bool vq_drv_publish(struct vq_drv *vq);
/*
 * Take the next used entry: true with ret_id and ret_len set, or false when
 * the device has published nothing more.
 */
bool vq_drv_get_used(struct vq_drv *vq, uint32_t *ret_id, uint32_t *ret_len);
/*
 * Ask for an interrupt on the next completion (enable=true) or for none
 * (busy polling). Returns true if completions arrived meanwhile, so the
 * caller must reap before sleeping (the classic enable_cb race).
 */
bool vq_drv_enable_cb(struct vq_drv *vq, bool enable);

#endif
