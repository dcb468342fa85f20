/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One driver thread per virtqueue: keeps `depth` virtio-blk requests in
 * flight, each a fixed three-descriptor chain (header, data, status) at
 * slot*3, reaps completions after an interrupt (the call eventfd) or by
 * busy-polling the used ring, and records latency.
 */
#include "blk_bench.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BB_PAGE 4096u

struct bb_layout {
	uint64_t desc, avail, used, hdr, data, stride, total;
};

static void bb_layout_of(const struct bb_config *cfg, struct bb_layout *l)
{
	l->desc = 0;
	l->avail = ALIGN_UP(vq_desc_size(cfg->qsize), 64);
	l->used = ALIGN_UP(l->avail + vq_avail_size(cfg->qsize), BB_PAGE);
	l->hdr = ALIGN_UP(l->used + vq_used_size(cfg->qsize), BB_PAGE);
	l->data = ALIGN_UP(l->hdr + 32 * (uint64_t)cfg->depth, BB_PAGE);
	l->stride = ALIGN_UP(cfg->bs, BB_PAGE);
	l->total = ALIGN_UP(l->data + cfg->depth * l->stride, BB_PAGE);
}

uint64_t bb_queue_layout(const struct bb_config *cfg)
{
	struct bb_layout l;

	bb_layout_of(cfg, &l);
	return l.total;
}

static uint64_t bb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t bb_rand(struct bb_queue *q)
{
	/* xorshift64* */
	q->rng ^= q->rng >> 12;
	q->rng ^= q->rng << 25;
	q->rng ^= q->rng >> 27;
	return q->rng * 0x2545F4914F6CDD1Dull;
}

int bb_queue_init(struct bb_queue *q, struct bench *b, unsigned int idx, uint8_t *mem, uint64_t base)
{
	const struct bb_config *cfg = &b->cfg;
	unsigned int d = cfg->depth;
	struct bb_layout l;
	int rc;

	memset(q, 0, sizeof(*q));
	q->kick_fd = q->call_fd = -1;
	q->b = b;
	q->idx = idx;
	q->mem = mem;
	bb_layout_of(cfg, &l);
	rc = vq_drv_init(&q->vq, cfg->qsize, cfg->event_idx, mem + base + l.desc, mem + base + l.avail,
			 mem + base + l.used);
	if (rc < 0)
		return rc;
	q->hdr_gpa = base + l.hdr;
	q->data_gpa = base + l.data;
	q->data_stride = l.stride;
	q->slot_t0 = calloc(d, sizeof(*q->slot_t0));
	q->slot_off = calloc(d, sizeof(*q->slot_off));
	q->slot_write = calloc(d, sizeof(*q->slot_write));
	if (!q->slot_t0 || !q->slot_off || !q->slot_write)
		return -ENOMEM;
	q->rng = (cfg->seed + 0x1234567ull * (idx + 1)) | 1;
	q->seq_next = (cfg->size / cfg->queues) * idx / cfg->bs * cfg->bs;
	hist_init(&q->hist);
	/* Pre-built chains: desc 3i header -> 3i+1 data -> 3i+2 status. */
	for (unsigned int i = 0; i < d; i++) {
		struct vring_desc *dh = &q->vq.desc[3 * i];

		dh[0].addr = q->hdr_gpa + 32ull * i;
		dh[0].len = sizeof(struct virtio_blk_req_hdr);
		dh[0].flags = VRING_DESC_F_NEXT;
		dh[0].next = (uint16_t)(3 * i + 1);
		dh[1].addr = q->data_gpa + q->data_stride * i;
		dh[1].len = (uint32_t)cfg->bs;
		dh[1].flags = VRING_DESC_F_NEXT;
		dh[1].next = (uint16_t)(3 * i + 2);
		dh[2].addr = q->hdr_gpa + 32ull * i + 16;
		dh[2].len = 1;
		dh[2].flags = VRING_DESC_F_WRITE;
		dh[2].next = 0;
		/* Written data is not all zeros (no zero-detection shortcuts). */
		for (uint64_t o = 0; o < cfg->bs; o += 8) {
			uint64_t v = bb_rand(q);

			memcpy(mem + dh[1].addr + o, &v, 8);
		}
	}
	return 0;
}

void bb_queue_fini(struct bb_queue *q)
{
	free(q->slot_t0);
	free(q->slot_off);
	free(q->slot_write);
	q->slot_t0 = NULL;
	q->slot_off = NULL;
	q->slot_write = NULL;
	closep(&q->kick_fd);
	closep(&q->call_fd);
}

static int bb_phase(const struct bb_queue *q)
{
	return __atomic_load_n(&q->b->phase, __ATOMIC_RELAXED);
}

static void bb_fill_pattern(uint8_t *buf, uint64_t off, uint64_t len, uint64_t seed)
{
	for (uint64_t o = 0; o < len; o += 8) {
		uint64_t v = bb_pattern_word(off + o, seed);

		memcpy(buf + o, &v, 8);
	}
}

static bool bb_check_pattern(const uint8_t *buf, uint64_t off, uint64_t len, uint64_t seed)
{
	for (uint64_t o = 0; o < len; o += 8) {
		uint64_t v;

		memcpy(&v, buf + o, 8);
		if (v != bb_pattern_word(off + o, seed))
			return false;
	}
	return true;
}

/* Blocks of this queue in verify mode: idx, idx+queues, ... */
static uint64_t bb_verify_blocks(const struct bb_queue *q)
{
	const struct bb_config *cfg = &q->b->cfg;
	uint64_t n = cfg->size / cfg->bs;

	return n > q->idx ? (n - q->idx + cfg->queues - 1) / cfg->queues : 0;
}

/* Choose the next request; false when there is none to issue now. */
static bool bb_next_op(struct bb_queue *q, uint64_t *ret_off, bool *ret_write)
{
	const struct bb_config *cfg = &q->b->cfg;
	uint64_t nblocks = cfg->size / cfg->bs;

	switch (cfg->pattern) {
	case BB_RANDREAD:
	case BB_RANDWRITE:
		*ret_off = bb_rand(q) % nblocks * cfg->bs;
		*ret_write = cfg->pattern == BB_RANDWRITE;
		return bb_phase(q) < BB_STOP;
	case BB_READ:
	case BB_WRITE:
		*ret_off = q->seq_next;
		q->seq_next += cfg->bs;
		if (q->seq_next + cfg->bs > nblocks * cfg->bs)
			q->seq_next = 0;
		*ret_write = cfg->pattern == BB_WRITE;
		return bb_phase(q) < BB_STOP;
	case BB_VERIFY:
		if (bb_phase(q) == BB_ABORT)
			return false;
		if (q->vstage < 2) {
			if (q->vnext >= bb_verify_blocks(q))
				return false;
			*ret_off = (q->vnext++ * cfg->queues + q->idx) * cfg->bs;
			*ret_write = q->vstage == 0;
			return true;
		}
		*ret_off = (bb_rand(q) % bb_verify_blocks(q) * cfg->queues + q->idx) * cfg->bs;
		*ret_write = false;
		return bb_phase(q) < BB_STOP;
	}
	return false;
}

static void bb_submit(struct bb_queue *q, unsigned int slot, uint64_t off, bool write)
{
	const struct bb_config *cfg = &q->b->cfg;
	struct virtio_blk_req_hdr *h = (void *)(q->mem + q->hdr_gpa + 32ull * slot);
	struct vring_desc *dd = &q->vq.desc[3 * slot + 1];

	h->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	h->reserved = 0;
	h->sector = off >> 9;
	q->mem[q->hdr_gpa + 32ull * slot + 16] = 0xff; /* the device must overwrite it */
	dd->flags = VRING_DESC_F_NEXT | (write ? 0 : VRING_DESC_F_WRITE);
	if (cfg->pattern == BB_VERIFY && write)
		bb_fill_pattern(q->mem + dd->addr, off, cfg->bs, cfg->seed);
	q->slot_off[slot] = off;
	q->slot_write[slot] = write;
	q->slot_t0[slot] = bb_now_ns();
	q->inflight++;
	vq_drv_add(&q->vq, (uint16_t)(3 * slot));
}

static void bb_kick(struct bb_queue *q)
{
	uint64_t one = 1;

	if (vq_drv_publish(&q->vq) && write(q->kick_fd, &one, sizeof(one)) < 0 && !q->fatal)
		q->fatal = -errno;
}

/* One completion; false on a protocol violation. */
static bool bb_complete(struct bb_queue *q, uint32_t id, uint32_t len, uint64_t now, bool *ret_free)
{
	const struct bb_config *cfg = &q->b->cfg;
	unsigned int slot = id / 3;
	uint8_t status;

	if (id % 3 || slot >= cfg->depth || q->slot_t0[slot] == 0) {
		q->fatal = -EPROTO;
		return false;
	}
	status = q->mem[q->hdr_gpa + 32ull * slot + 16];
	q->inflight--;
	if (status != VIRTIO_BLK_S_OK) {
		q->io_errors++;
	} else if (cfg->pattern == BB_VERIFY && !q->slot_write[slot] &&
		   !bb_check_pattern(q->mem + q->vq.desc[3 * slot + 1].addr, q->slot_off[slot], cfg->bs,
				     cfg->seed)) {
		if (q->verify_errors++ == 0)
			q->first_bad_off = q->slot_off[slot];
	}
	(void)len;
	if (bb_phase(q) == BB_MEASURE || (cfg->pattern == BB_VERIFY && bb_phase(q) != BB_RAMP)) {
		hist_add(&q->hist, now - q->slot_t0[slot]);
		q->ios++;
		q->bytes += cfg->bs;
	}
	q->slot_t0[slot] = 0;
	*ret_free = true;
	return true;
}

/* Issue requests into every free slot. */
static void bb_fill(struct bb_queue *q)
{
	const struct bb_config *cfg = &q->b->cfg;
	uint64_t off;
	bool write;

	for (unsigned int s = 0; s < cfg->depth && q->inflight < cfg->depth; s++) {
		if (q->slot_t0[s])
			continue;
		if (!bb_next_op(q, &off, &write))
			break;
		bb_submit(q, s, off, write);
	}
	bb_kick(q);
}

/* Verify stages advance when a pass is issued (and, after writes, drained). */
static void bb_verify_advance(struct bb_queue *q)
{
	if (q->b->cfg.pattern != BB_VERIFY || q->vstage >= 2 || q->vnext < bb_verify_blocks(q))
		return;
	if (q->vstage == 0 && q->inflight)
		return;
	q->vstage++;
	q->vnext = 0;
}

static bool bb_done(struct bb_queue *q)
{
	int ph = bb_phase(q);

	if (q->fatal || ph == BB_ABORT)
		return true;
	if (q->inflight)
		return false;
	if (q->b->cfg.pattern == BB_VERIFY)
		return q->vstage == 2 && ph >= BB_STOP;
	return ph >= BB_STOP;
}

void *bb_queue_thread(void *arg)
{
	struct bb_queue *q = arg;
	const struct bb_config *cfg = &q->b->cfg;
	struct pollfd pfd = { .fd = q->call_fd, .events = POLLIN };
	uint32_t id, len;
	uint64_t cnt;

	vq_drv_enable_cb(&q->vq, !cfg->poll);
	bb_fill(q);
	while (!bb_done(q)) {
		bool reaped = false, freed = false;
		uint64_t now = 0;

		while (vq_drv_get_used(&q->vq, &id, &len)) {
			if (!reaped)
				now = bb_now_ns();
			reaped = true;
			if (!bb_complete(q, id, len, now, &freed))
				return NULL;
		}
		if (reaped) {
			vq_drv_enable_cb(&q->vq, !cfg->poll);
			bb_verify_advance(q);
			bb_fill(q);
			continue;
		}
		bb_verify_advance(q);
		if (q->inflight == 0) {
			/* verify stage switch or stop: nothing to wait for */
			bb_fill(q);
			if (q->inflight == 0 && bb_done(q))
				break;
			continue;
		}
		if (cfg->poll)
			continue;
		if (vq_drv_enable_cb(&q->vq, true))
			continue;
		/*
		 * The "interrupt"; the main thread also writes here to wake us
		 * on stop. The back-end may have made the shared file
		 * description non-blocking (QEMU does), so wait with poll().
		 */
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			q->fatal = -errno;
			break;
		}
		if (read(q->call_fd, &cnt, sizeof(cnt)) < 0 && errno != EINTR && errno != EAGAIN) {
			q->fatal = -errno;
			break;
		}
		q->wakeups++;
	}
	return NULL;
}
