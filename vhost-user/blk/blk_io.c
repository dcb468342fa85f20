/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include <linux/virtio_blk.h>

#include "vhost-user/blk/blk_io.h"

void blk_engine_init(struct blk_engine *e, struct vu_uring *ring, const struct blk_disk *disk,
		     blk_io_done_cb done)
{
	memset(e, 0, sizeof(*e));
	e->ring = ring;
	e->disk = disk;
	e->done = done;
}

/* Record the first failure; OK never overwrites an error. */
static void blk_io_fail(struct blk_io *io, uint8_t status)
{
	if (io->status == BLK_S_OK)
		io->status = status;
}

static void blk_io_finish(struct blk_engine *e, struct blk_io *io)
{
	if (io->bounce) {
		if (io->req.type == VIRTIO_BLK_T_IN && io->status == BLK_S_OK)
			blk_iov_from_buf(io->req.iov, io->req.niov, io->bounce, io->req.len);
		free(io->bounce);
		io->bounce = NULL;
	}
	if (io->req.type == VIRTIO_BLK_T_IN && io->status == BLK_S_OK)
		io->req.used = (uint32_t)io->req.len;
	*io->req.status = io->status;
	e->inflight--;
	e->done(e, io);
}

static void blk_io_op_done(struct blk_engine *e, struct blk_io *io)
{
	if (--io->pending == 0)
		blk_io_finish(e, io);
}

static void blk_io_rw_cb(struct vu_uring_op *uop, int res);
static void blk_io_falloc_cb(struct vu_uring_op *uop, int res);
static void blk_io_flush_cb(struct vu_uring_op *uop, int res);

static struct blk_engine *blk_op_engine(struct blk_io_op *op)
{
	return op->io->engine;
}

static int blk_io_queue_rw(struct blk_engine *e, struct blk_io *io)
{
	struct io_uring_sqe *sqe = vu_uring_sqe(e->ring, &io->ops[0].op);

	if (!sqe)
		return -EAGAIN;
	if (io->req.type == VIRTIO_BLK_T_IN)
		io_uring_prep_readv(sqe, e->disk->fd, io->cur, io->ncur, io->offset);
	else
		io_uring_prep_writev(sqe, e->disk->fd, io->cur, io->ncur, io->offset);
	return 0;
}

static int blk_io_queue_falloc(struct blk_engine *e, struct blk_io *io, unsigned int i, int mode)
{
	struct io_uring_sqe *sqe = vu_uring_sqe(e->ring, &io->ops[i].op);

	if (!sqe)
		return -EAGAIN;
	io->ops[i].mode = mode;
	io_uring_prep_fallocate(sqe, e->disk->fd, mode,
				io->req.seg[i].sector << BLK_SECTOR_SHIFT,
				(uint64_t)io->req.seg[i].num_sectors << BLK_SECTOR_SHIFT);
	return 0;
}

static void blk_io_rw_cb(struct vu_uring_op *uop, int res)
{
	struct blk_io_op *op = container_of(uop, struct blk_io_op, op);
	struct blk_io *io = op->io;
	struct blk_engine *e = blk_op_engine(op);

	if (res == -EAGAIN || res == -EINTR) {
		res = 0;
		goto again;
	}
	if (res <= 0) {
		blk_io_fail(io, BLK_S_IOERR); /* error, or EOF inside the disk (file shrank) */
		goto done;
	}
	blk_iov_advance(&io->cur, &io->ncur, (size_t)res);
	io->offset += (uint64_t)res;
	if (io->ncur == 0)
		goto done;
again:
	if (blk_io_queue_rw(e, io) == 0)
		return;
	blk_io_fail(io, BLK_S_IOERR);
done:
	blk_io_op_done(e, io);
}

static void blk_io_falloc_cb(struct vu_uring_op *uop, int res)
{
	struct blk_io_op *op = container_of(uop, struct blk_io_op, op);
	struct blk_io *io = op->io;
	struct blk_engine *e = blk_op_engine(op);
	bool zero_range = op->mode & FALLOC_FL_ZERO_RANGE;

	if (res == -EOPNOTSUPP || res == -EINVAL) {
		if (io->req.type == VIRTIO_BLK_T_DISCARD) {
			res = 0; /* discard is a hint */
		} else if (zero_range && !e->disk->is_bdev) {
			/* Files read back zeroes from holes just the same. */
			if (blk_io_queue_falloc(e, io, op->idx,
						FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) == 0)
				return;
			res = -EIO;
		} else {
			blk_io_fail(io, BLK_S_UNSUPP);
			res = 0;
		}
	}
	if (res < 0)
		blk_io_fail(io, BLK_S_IOERR);
	blk_io_op_done(e, io);
}

static void blk_io_flush_cb(struct vu_uring_op *uop, int res)
{
	struct blk_io_op *op = container_of(uop, struct blk_io_op, op);

	if (res < 0)
		blk_io_fail(op->io, BLK_S_IOERR);
	blk_io_op_done(blk_op_engine(op), op->io);
}

/* Whether O_DIRECT can use the guest buffers as they are. */
static bool blk_io_aligned(const struct blk_disk *d, const struct iovec *iov, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (d->mem_align - 1))
			return false;
	return true;
}

static int blk_io_start_rw(struct blk_engine *e, struct blk_io *io)
{
	io->cur = io->req.iov;
	io->ncur = io->req.niov;
	io->offset = io->req.sector << BLK_SECTOR_SHIFT;
	if (e->disk->direct && !blk_io_aligned(e->disk, io->req.iov, io->req.niov)) {
		if (io->req.len > BLK_BOUNCE_MAX ||
		    posix_memalign(&io->bounce, MAX(e->disk->mem_align, 4096u), io->req.len) != 0) {
			io->bounce = NULL;
			return -ENOMEM;
		}
		if (io->req.type == VIRTIO_BLK_T_OUT)
			blk_iov_to_buf(io->req.iov, io->req.niov, 0, io->bounce, io->req.len);
		io->bounce_iov = (struct iovec){ io->bounce, io->req.len };
		io->cur = &io->bounce_iov;
		io->ncur = 1;
	}
	io->ops[0].op.cb = blk_io_rw_cb;
	io->pending = 1;
	return blk_io_queue_rw(e, io);
}

static int blk_io_start_flush(struct blk_engine *e, struct blk_io *io)
{
	struct io_uring_sqe *sqe;

	io->ops[0].op.cb = blk_io_flush_cb;
	sqe = vu_uring_sqe(e->ring, &io->ops[0].op);
	if (!sqe)
		return -EAGAIN;
	io->pending = 1;
	io_uring_prep_fsync(sqe, e->disk->fd, IORING_FSYNC_DATASYNC);
	return 0;
}

static int blk_io_start_segs(struct blk_engine *e, struct blk_io *io)
{
	bool discard = io->req.type == VIRTIO_BLK_T_DISCARD;

	/* pending starts at 1 so that a completion inside the loop cannot finish early. */
	io->pending = 1;
	for (unsigned int i = 0; i < io->req.nseg; i++) {
		int mode;

		if (io->req.seg[i].num_sectors == 0)
			continue;
		if (discard || io->req.seg[i].unmap)
			mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		else
			mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		io->ops[i].op.cb = blk_io_falloc_cb;
		if (blk_io_queue_falloc(e, io, i, mode) < 0) {
			blk_io_fail(io, BLK_S_IOERR);
			break;
		}
		io->pending++;
	}
	blk_io_op_done(e, io);
	return 0;
}

int blk_io_handle(struct blk_engine *e, struct blk_io *io, struct iovec *out, unsigned int nout,
		  struct iovec *in, unsigned int nin)
{
	int r;

	io->pending = 0;
	io->status = BLK_S_OK;
	io->bounce = NULL;
	for (unsigned int i = 0; i < BLK_MAX_SEG; i++) {
		io->ops[i].io = io;
		io->ops[i].idx = i;
		io->ops[i].op.cb = NULL;
	}
	r = blk_req_parse(&e->disk->lim, out, nout, in, nin, &io->req);
	if (r < 0)
		return r;
	io->engine = e;
	e->inflight++;
	if (r == 1) {
		io->status = io->req.result;
		if (io->req.type == VIRTIO_BLK_T_GET_ID && io->status == BLK_S_OK)
			blk_req_fill_id(&io->req, e->disk->serial);
		blk_io_finish(e, io);
		return 0;
	}
	switch (io->req.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		r = blk_io_start_rw(e, io);
		break;
	case VIRTIO_BLK_T_FLUSH:
		r = blk_io_start_flush(e, io);
		break;
	default:
		r = blk_io_start_segs(e, io);
		break;
	}
	if (r < 0) {
		/* Nothing queued: finish now with an error. */
		blk_io_fail(io, BLK_S_IOERR);
		blk_io_finish(e, io);
	}
	return 0;
}
