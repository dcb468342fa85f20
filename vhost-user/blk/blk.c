/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fs.h>
#include <pthread.h>
#include <sys/ioctl.h>

#include "common/log.h"
#include "vhost-user/blk/blk.h"
#include "vhost-user/lib/vu_seccomp.h"

#define BLK_TAG "blk"
#define BLK_RING_MAX 4096u

static struct blk_dev *blk_from_vu(struct vu_dev *dev)
{
	return container_of(dev, struct blk_dev, vu);
}

static void blk_queue_notify(struct blk_queue *q)
{
	struct vu_virtq *vq = vu_dev_queue(&q->b->vu, q->idx);

	vu_virtq_notify(vq);
}

/* Pop everything available (while slots last), start it, submit once. Worker thread. */
static void blk_queue_process(struct blk_queue *q)
{
	struct vu_virtq *vq = vu_dev_queue(&q->b->vu, q->idx);
	struct blk_worker *w = q->w;

	q->in_process = true;
	q->starved = false;
	while (q->running) {
		struct blk_slot *s = q->free;
		int r;

		if (!s) {
			q->starved = true;
			break;
		}
		if (!s->elem) {
			s->elem = vu_elem_new(q->b->disk.queue_size);
			if (!s->elem) {
				q->starved = true;
				break;
			}
		}
		r = vu_virtq_pop(vq, s->elem);
		if (r < 0)
			break; /* empty, or broken (the library logged it) */
		q->free = s->next_free;
		q->inflight++;
		s->io.opaque = s;
		r = blk_io_handle(&w->eng, &s->io, s->elem->out_sg, s->elem->out_num,
				  s->elem->in_sg, s->elem->in_num);
		if (r < 0) {
			/* No status byte to report through: the driver broke the ring. */
			q->inflight--;
			s->next_free = q->free;
			q->free = s;
			vu_virtq_set_broken(vq, "request without a device-writable status byte");
			break;
		}
	}
	if (vu_uring_submit(&w->ring) < 0)
		log_debug(BLK_TAG, "queue %u: io_uring submit failed", q->idx);
	q->in_process = false;
	blk_queue_notify(q);
}

static const char *const blk_stats_names[BLK_ST_N] = {
	[BLK_ST_READ_OPS] = "read_ops",       [BLK_ST_WRITE_OPS] = "write_ops",
	[BLK_ST_FLUSH_OPS] = "flush_ops",     [BLK_ST_DISCARD_OPS] = "discard_ops",
	[BLK_ST_READ_BYTES] = "read_bytes",   [BLK_ST_WRITE_BYTES] = "write_bytes",
	[BLK_ST_ERRORS] = "errors",
};

/* Count a finished request: ops by type, bytes of successful transfers, failures. */
static void blk_count(struct vu_stats *st, const struct blk_io *io)
{
	bool ok = io->status == BLK_S_OK;

	switch (io->req.type) {
	case VIRTIO_BLK_T_IN:
		vu_stats_add(st, BLK_ST_READ_OPS, 1);
		if (ok)
			vu_stats_add(st, BLK_ST_READ_BYTES, io->req.len);
		break;
	case VIRTIO_BLK_T_OUT:
		vu_stats_add(st, BLK_ST_WRITE_OPS, 1);
		if (ok)
			vu_stats_add(st, BLK_ST_WRITE_BYTES, io->req.len);
		break;
	case VIRTIO_BLK_T_FLUSH:
		vu_stats_add(st, BLK_ST_FLUSH_OPS, 1);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		vu_stats_add(st, BLK_ST_DISCARD_OPS, 1);
		break;
	default:
		break;
	}
	if (!ok)
		vu_stats_add(st, BLK_ST_ERRORS, 1);
}

/* A request finished (status written): return the chain. Worker thread. */
static void blk_queue_done(struct blk_engine *e, struct blk_io *io)
{
	struct blk_slot *s = io->opaque;
	struct blk_queue *q = s->q;
	struct vu_virtq *vq = vu_dev_queue(&q->b->vu, q->idx);

	blk_count(&q->b->stats, io);
	vu_virtq_push(vq, s->elem, io->req.used + 1);
	s->next_free = q->free;
	q->free = s;
	q->inflight--;
	if (q->in_process)
		return;
	blk_queue_notify(q);
	if (q->stop_call && q->inflight == 0) {
		struct vu_worker_call *c = q->stop_call;

		q->stop_call = NULL;
		vu_worker_call_done(&q->w->w, c, 0);
	} else if (q->starved && q->running) {
		blk_queue_process(q);
	}
}

static void blk_kick_cb(struct ev_loop *loop, ev_io *watcher, int revents)
{
	struct blk_queue *q = container_of(watcher, struct blk_queue, kick);
	uint64_t cnt;

	if (read(watcher->fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return;
	blk_queue_process(q);
}

static void blk_queue_start_fn(struct vu_worker *vw, struct vu_worker_call *c)
{
	struct blk_queue *q = c->arg;
	struct vu_virtq *vq = vu_dev_queue(&q->b->vu, q->idx);

	q->running = true;
	if (vq->kick_fd >= 0) {
		ev_io_init(&q->kick, blk_kick_cb, vq->kick_fd, EV_READ);
		ev_io_start(vw->loop, &q->kick);
	}
	blk_queue_process(q);
	vu_worker_call_done(vw, c, 0);
}

static void blk_queue_stop_fn(struct vu_worker *vw, struct vu_worker_call *c)
{
	struct blk_queue *q = c->arg;

	if (ev_is_active(&q->kick))
		ev_io_stop(vw->loop, &q->kick);
	q->running = false;
	if (q->inflight == 0)
		vu_worker_call_done(vw, c, 0);
	else
		q->stop_call = c; /* finished by blk_queue_done */
}

static int blk_queue_start(struct vu_dev *dev, unsigned int qidx)
{
	struct blk_dev *b = blk_from_vu(dev);
	struct vu_worker_call c = { .fn = blk_queue_start_fn };

	if (qidx >= b->disk.num_queues)
		return -EINVAL;
	if (vu_dev_queue(dev, qidx)->size > b->disk.queue_size)
		return -EINVAL;
	c.arg = &b->queues[qidx];
	return vu_worker_call(&b->queues[qidx].w->w, &c);
}

static void blk_queue_stop(struct vu_dev *dev, unsigned int qidx)
{
	struct blk_dev *b = blk_from_vu(dev);
	struct vu_worker_call c = { .fn = blk_queue_stop_fn };

	if (qidx >= b->disk.num_queues)
		return;
	c.arg = &b->queues[qidx];
	(void)!vu_worker_call(&b->queues[qidx].w->w, &c);
}

static uint64_t blk_get_features(struct vu_dev *dev)
{
	return blk_disk_features(&blk_from_vu(dev)->disk);
}

static int blk_get_config(struct vu_dev *dev, uint8_t *buf, uint32_t offset, uint32_t len)
{
	struct virtio_blk_config cfg;

	if (offset > VHOST_USER_MAX_CONFIG_SIZE || len > VHOST_USER_MAX_CONFIG_SIZE - offset)
		return -EINVAL;
	blk_disk_config(&blk_from_vu(dev)->disk, &cfg);
	memset(buf, 0, len);
	if (offset < sizeof(cfg))
		memcpy(buf, (const uint8_t *)&cfg + offset, MIN(len, (uint32_t)sizeof(cfg) - offset));
	return 0;
}

static int blk_set_config(struct vu_dev *dev, const uint8_t *buf, uint32_t offset, uint32_t len,
			  uint32_t flags)
{
	return 0; /* nothing is writable (no CONFIG_WCE): ignore */
}

const struct vu_dev_ops blk_ops = {
	.get_features = blk_get_features,
	.get_config = blk_get_config,
	.set_config = blk_set_config,
	.queue_start = blk_queue_start,
	.queue_stop = blk_queue_stop,
};

/*
 * The I/O worker role (blk-worker): the library's every-thread table (loop,
 * kick and call eventfds, locks, memory; not the vhost-user socket) plus
 * what the block engine does on a queue (io_uring submissions, synchronous
 * fallbacks, flush, discard). The ring and its eventfd exist before the
 * filter is loaded.
 */
const struct sc_rule blk_worker_seccomp[] = {
	SC_ALLOW(io_uring_enter),    /* submit reads/writes/fsync, reap completions */
	SC_ALLOW(io_uring_register), /* registered eventfd / files */
	SC_ALLOW(preadv),            /* synchronous fallback */
	SC_ALLOW(pwritev),
	SC_ALLOW(pread64),
	SC_ALLOW(pwrite64),
	SC_ALLOW(fsync),             /* VIRTIO_BLK_T_FLUSH */
	SC_ALLOW(fdatasync),
	SC_ALLOW(fallocate),         /* DISCARD / WRITE_ZEROES on files */
	SC_ALLOW_ARG(ioctl, 1, BLKDISCARD),  /* ... and on block devices */
	SC_ALLOW_ARG(ioctl, 1, BLKZEROOUT),
};
const size_t blk_worker_seccomp_n = ARRAY_SIZE(blk_worker_seccomp);

static int blk_worker_setup(struct vu_worker *vw, void *arg)
{
	struct blk_worker *w = arg;
	char err[128];
	int r;

	pthread_setname_np(pthread_self(), "cnh-blk-io");
	/* The ring lives on the thread that submits to it. */
	r = vu_uring_init(&w->ring, vw->loop, w->ring_entries);
	if (r < 0)
		return r;
	blk_engine_init(&w->eng, &w->ring, &w->b->disk, blk_queue_done);
	/* The worker role's filter, after the ring exists, before the loop. */
	r = vu_seccomp_load_worker("blk-worker", blk_worker_seccomp, blk_worker_seccomp_n,
				   w->b->seccomp, err, sizeof(err));
	if (r < 0) {
		log_error("blk", "%s", err);
		vu_uring_fini(&w->ring);
	}
	return r;
}

static void blk_worker_teardown(struct vu_worker *vw, void *arg)
{
	struct blk_worker *w = arg;

	vu_uring_fini(&w->ring);
}

static int blk_queue_alloc(struct blk_queue *q)
{
	unsigned int n = q->b->disk.queue_size;

	q->slots = calloc(n, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		q->slots[i].q = q;
		q->slots[i].next_free = i + 1 < n ? &q->slots[i + 1] : NULL;
	}
	q->free = &q->slots[0];
	return 0;
}

int blk_dev_start(struct blk_dev *b)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int nq = b->disk.num_queues;
	int r;

	vu_stats_init(&b->stats);
	r = vu_stats_register(&b->stats, blk_stats_names, BLK_ST_N);
	if (r < 0)
		return r;
	b->nworkers = MIN(nq, ncpu > 0 ? (unsigned int)ncpu : 1u);
	for (unsigned int i = 0; i < nq; i++) {
		struct blk_queue *q = &b->queues[i];

		q->b = b;
		q->idx = i;
		q->w = &b->workers[i % b->nworkers];
		r = blk_queue_alloc(q);
		if (r < 0)
			goto fail;
	}
	for (unsigned int i = 0; i < b->nworkers; i++) {
		struct blk_worker *w = &b->workers[i];
		unsigned int queues = (nq - i + b->nworkers - 1) / b->nworkers;

		w->b = b;
		w->ring_entries = MIN(BLK_RING_MAX, queues * b->disk.queue_size);
		r = vu_worker_start(&w->w, blk_worker_setup, blk_worker_teardown, w);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	blk_dev_stop(b);
	return r;
}

void blk_dev_stop(struct blk_dev *b)
{
	for (unsigned int i = 0; i < BLK_MAX_QUEUES; i++)
		vu_worker_stop(&b->workers[i].w);
	for (unsigned int i = 0; i < BLK_MAX_QUEUES; i++) {
		struct blk_queue *q = &b->queues[i];

		if (q->slots)
			for (unsigned int j = 0; j < b->disk.queue_size; j++)
				vu_elem_free(q->slots[j].elem);
		free(q->slots);
		q->slots = NULL;
	}
}
