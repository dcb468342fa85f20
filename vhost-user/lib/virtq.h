/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueues (virtio 1.2, 2.7) walked in shared guest memory.
 *
 * A queue is driven by ONE thread at a time: the control thread's loop
 * (ops->queue_kick) or a device worker started in ops->queue_start and
 * stopped in ops->queue_stop. vu_dev changes ring addresses, fds and the
 * memory table only while the queue is stopped.
 *
 *	struct vu_elem *e = vu_elem_new(vu_virtq_size(vq));
 *	while ((r = vu_virtq_pop(vq, e)) == 0) {
 *		... read e->out_sg[0..e->out_num), write e->in_sg[0..e->in_num) ...
 *		vu_virtq_push(vq, e, written);
 *	}
 *	vu_virtq_notify(vq);
 *	if (r == -EPROTO) ... stop using the queue until the front-end resets it
 *
 * Everything read from the ring is checked: heads and next indices below the
 * queue size, chains no longer than the queue size (which also breaks loops),
 * buffers inside one mapped region, no zero-length buffers, indirect tables
 * one level deep, a non-empty multiple of 16 bytes, only as the head and
 * without NEXT, device-writable buffers after device-readable ones, the
 * avail index never more than the queue size ahead. A violation marks the
 * queue broken: pop returns -EPROTO from then on, the err eventfd (if any)
 * is signalled and one rate-limited warning is logged.
 */
#ifndef CNH_VHOST_USER_LIB_VIRTQ_H
#define CNH_VHOST_USER_LIB_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/ratelimit.h"
#include "common/util.h"
#include "vhost-user/lib/vu_mem.h"

/* Ring layout (little-endian in guest memory, virtio 1.2 2.7.5-2.7.8). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Feature bits the ring code implements. */
#define VIRTQ_F_INDIRECT_DESC 28
#define VIRTQ_F_EVENT_IDX 29
#define VIRTQ_F_VERSION_1 32
#define VIRTQ_F_RING_PACKED 34 /* not implemented, never offered */

#define VIRTQ_MAX_SIZE 32768 /* split queue size limit */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* then avail_event */
};

/* Bytes each part occupies for a queue of num entries (with the event fields). */
#define VIRTQ_DESC_BYTES(num) ((uint64_t)(num) * sizeof(struct virtq_desc))
#define VIRTQ_AVAIL_BYTES(num) (4 + 2 * (uint64_t)(num) + 2)
#define VIRTQ_USED_BYTES(num) (4 + 8 * (uint64_t)(num) + 2)

/*
 * One popped request: the head descriptor id and its buffers as iovecs,
 * device-readable (out) first, then device-writable (in). Allocated with
 * room for max_sg iovecs; give it the queue size (or the device's
 * max_queue_size) so that any valid chain fits.
 */
struct vu_elem {
	uint16_t head;         /* descriptor id returned by push */
	uint16_t avail_idx;    /* avail ring position it came from (for inflight tracking) */
	unsigned int out_num;  /* device-readable buffers in out_sg */
	unsigned int in_num;   /* device-writable buffers in in_sg */
	uint64_t out_len;      /* total bytes in out_sg */
	uint64_t in_len;       /* total bytes in in_sg */
	struct iovec *out_sg;  /* == sg */
	struct iovec *in_sg;   /* == sg + out_num */
	unsigned int max_sg;
	struct iovec sg[];
};

/* NULL on allocation failure or max_sg == 0 / > VIRTQ_MAX_SIZE. */
struct vu_elem *vu_elem_new(unsigned int max_sg);
void vu_elem_free(struct vu_elem *elem);

struct vu_virtq {
	/* Set by vu_dev from the front-end's requests (control thread). */
	unsigned int index;
	uint16_t size;              /* SET_VRING_NUM; 0 = not set */
	uint64_t desc_uva, avail_uva, used_uva; /* SET_VRING_ADDR */
	bool addr_set;
	int kick_fd;                /* -1 = none or NOFD (polling) */
	int call_fd;                /* -1 = no notifications */
	int err_fd;                 /* -1 = none */
	bool event_idx;             /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;              /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	const struct vu_mem *mem;

	/* Ring state: owned by the thread that runs the queue. */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t last_avail_idx;    /* next avail entry to pop; SET/GET_VRING_BASE */
	uint16_t used_idx;          /* next used entry to fill */
	uint16_t signalled_used;    /* used_idx at the last interrupt (EVENT_IDX) */
	bool signalled_used_valid;
	bool notify_off;            /* vu_virtq_set_notify(false): no kicks wanted */
	bool broken;
	struct ratelimit rl;
};

/* Reset to "nothing configured", all fds -1. Does not close anything. */
void vu_virtq_init(struct vu_virtq *vq, unsigned int index, const struct vu_mem *mem);
/* Close the kick/call/err fds. */
void vu_virtq_close_fds(struct vu_virtq *vq);

/*
 * Translate the ring addresses through vq->mem and take used_idx from the
 * ring; called before the queue starts running (and again after the memory
 * table changed). -EINVAL when size/addresses are unset, misaligned or not
 * mapped. Clears the broken state.
 */
int vu_virtq_map(struct vu_virtq *vq) __must_check;
/* Forget the ring pointers (the queue stopped). */
void vu_virtq_unmap(struct vu_virtq *vq);
/* True when vu_virtq_map() succeeded and the queue can be walked. */
bool vu_virtq_mapped(const struct vu_virtq *vq);

static inline uint16_t vu_virtq_size(const struct vu_virtq *vq)
{
	return vq->size;
}

/*
 * Take the next available chain: 0, -ENOENT when the ring is empty (with
 * EVENT_IDX the avail_event is published first, so a new buffer is kicked),
 * -EPROTO when the ring is broken (now or earlier), -EINVAL when not mapped.
 */
int vu_virtq_pop(struct vu_virtq *vq, struct vu_elem *elem) __must_check;
/* Put a popped chain back (it will be popped again): undo the last pop. */
void vu_virtq_unpop(struct vu_virtq *vq);
/* Return a chain to the driver with written bytes; publishes used->idx. */
void vu_virtq_push(struct vu_virtq *vq, const struct vu_elem *elem, uint32_t written);
/* Whether the driver wants an interrupt now (EVENT_IDX / NO_INTERRUPT). */
bool vu_virtq_should_notify(struct vu_virtq *vq);
/* Signal the call eventfd if vu_virtq_should_notify(). True if signalled. */
bool vu_virtq_notify(struct vu_virtq *vq);
/*
 * Driver kicks for this queue, for a device that drains it in batches: off
 * while draining (VRING_USED_F_NO_NOTIFY; with EVENT_IDX avail_event stays
 * where it was, and an empty pop no longer publishes it), on once the ring
 * is empty. Turning them on publishes the request, fences and looks again:
 * true means buffers arrived while kicks were off, for which no kick will
 * come, so pop again. Only the queue's thread; the flag is forgotten when the
 * queue is mapped again (kicks on).
 */
bool vu_virtq_set_notify(struct vu_virtq *vq, bool on);
/* Mark the queue broken (device-detected error): log, signal err fd. */
void vu_virtq_set_broken(struct vu_virtq *vq, const char *why);

#endif
