/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cnh-blk I/O engine: turns parsed requests into io_uring operations on
 * the backing fd, zero copy from guest memory (readv/writev on the guest's
 * iovecs; O_DIRECT requests with misaligned buffers are bounced), and
 * completes them in any order. One engine per worker thread, on that
 * thread's ring.
 *
 *   IN/OUT        readv/writev, short transfers resubmitted for the rest
 *   FLUSH         fdatasync
 *   DISCARD       fallocate(PUNCH_HOLE|KEEP_SIZE) per segment; a backing
 *                 store that cannot punch holes ignores the hint (OK)
 *   WRITE_ZEROES  fallocate(ZERO_RANGE) (PUNCH_HOLE with the unmap flag);
 *                 a regular file without ZERO_RANGE falls back to
 *                 PUNCH_HOLE; otherwise EOPNOTSUPP -> UNSUPP, and the guest
 *                 writes zeroes itself
 *   GET_ID        the serial, copied at once
 */
#ifndef CNH_BLK_IO_H
#define CNH_BLK_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/util.h"
#include "vhost-user/blk/blk_disk.h"
#include "vhost-user/blk/blk_req.h"
#include "vhost-user/lib/vu_uring.h"

struct blk_io;
struct blk_engine;

/*
 * Called once per request that blk_io_handle() accepted, when its status
 * byte has been written: push the chain with io->req.used + 1 bytes.
 * May run inside blk_io_handle() (requests decided without I/O).
 */
typedef void (*blk_io_done_cb)(struct blk_engine *e, struct blk_io *io);

struct blk_io_op {
	struct vu_uring_op op;
	struct blk_io *io;
	unsigned int idx;    /* segment index */
	int mode;            /* fallocate mode submitted */
};

/* One in-flight request. The owner keeps one per queue slot. */
struct blk_io {
	struct blk_req req;
	void *opaque;                 /* the owner's (e.g. its vu_elem) */
	struct blk_engine *engine;
	unsigned int pending;         /* operations in flight */
	uint8_t status;
	uint64_t offset;              /* IN/OUT: next byte offset */
	struct iovec *cur;            /* IN/OUT: what is left to transfer */
	unsigned int ncur;
	void *bounce;                 /* O_DIRECT bounce buffer or NULL */
	struct iovec bounce_iov;
	struct blk_io_op ops[BLK_MAX_SEG];
};

struct blk_engine {
	struct vu_uring *ring;
	const struct blk_disk *disk;
	blk_io_done_cb done;
	unsigned int inflight;        /* requests accepted and not yet done */
};

void blk_engine_init(struct blk_engine *e, struct vu_uring *ring, const struct blk_disk *disk,
		     blk_io_done_cb done);

/*
 * Parse and start one chain (out/in arrays are modified, see
 * blk_req_parse). 0: accepted, done() runs exactly once (possibly before
 * this returns). -EPROTO: the chain has no status byte; done() never runs
 * and the queue must be stopped. SQEs are only queued: call
 * vu_uring_submit() once after a batch.
 */
int blk_io_handle(struct blk_engine *e, struct blk_io *io, struct iovec *out, unsigned int nout,
		  struct iovec *in, unsigned int nin) __must_check;

#endif
