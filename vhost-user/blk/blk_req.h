/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk request parsing. Pure functions over the iovecs of one popped
 * descriptor chain (out = device-readable, in = device-writable): every
 * length, sector and segment count the guest wrote is checked here before
 * the I/O engine sees the request.
 */
#ifndef CNH_BLK_REQ_H
#define CNH_BLK_REQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/util.h"

#define BLK_SECTOR_SHIFT 9
#define BLK_SECTOR_SIZE 512u
#define BLK_HDR_SIZE 16u
#define BLK_SEG_SIZE 16u
#define BLK_ID_BYTES 20u
/* Upper bound on discard / write-zeroes segments per request we accept. */
#define BLK_MAX_SEG 16u

/* The virtio status byte values. */
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define BLK_S_UNSUPP 2

/* Device properties the parser checks requests against. */
struct blk_limits {
	uint64_t capacity;        /* in 512-byte sectors */
	uint32_t align;           /* offset/length alignment in bytes (512, or blk_size with O_DIRECT) */
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;  /* <= BLK_MAX_SEG */
	uint32_t max_wz_sectors;
	uint32_t max_wz_seg;       /* <= BLK_MAX_SEG */
	bool readonly;
	bool wz_may_unmap;
};

struct blk_seg {
	uint64_t sector;
	uint32_t num_sectors;
	bool unmap;
};

struct blk_req {
	uint32_t type;       /* VIRTIO_BLK_T_* */
	uint64_t sector;
	struct iovec *iov;   /* data buffers: points into the caller's arrays, trimmed */
	unsigned int niov;
	size_t len;          /* bytes in iov */
	uint8_t *status;     /* the last device-writable byte of the chain */
	uint32_t used;       /* bytes written into the chain so far, status excluded */
	uint8_t result;      /* BLK_S_* when blk_req_parse() returned 1 */
	uint32_t nseg;
	struct blk_seg seg[BLK_MAX_SEG];
};

/*
 * Parse one chain. The arrays are modified in place (the header is skipped,
 * the status byte cut off) and req->iov points into them afterwards.
 * Returns:
 *   0            the request is valid and needs I/O (IN, OUT, FLUSH,
 *                DISCARD, WRITE_ZEROES with at least one byte/segment)
 *   1            the request is already decided: req->result holds the
 *                status (OK for empty transfers and for GET_ID, whose ID
 *                the caller copies with blk_req_fill_id)
 *   -EPROTO      there is no device-writable status byte: the chain cannot
 *                be completed, the queue must be stopped
 * req->status is valid whenever the return value is >= 0.
 */
int blk_req_parse(const struct blk_limits *lim, struct iovec *out, unsigned int nout,
		  struct iovec *in, unsigned int nin, struct blk_req *req) __must_check;

/* Fill the GET_ID data buffer with id (at most BLK_ID_BYTES, NUL padded). */
void blk_req_fill_id(struct blk_req *req, const char id[BLK_ID_BYTES]);

/* Sum of the iovec lengths; SIZE_MAX if it overflows. */
size_t blk_iov_size(const struct iovec *iov, unsigned int n);
/* Copy up to len bytes from the iovecs starting at byte off; returns bytes copied. */
size_t blk_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len);
/* Copy up to len bytes into the iovecs; returns bytes copied. */
size_t blk_iov_from_buf(const struct iovec *iov, unsigned int n, const void *buf, size_t len);
/*
 * Drop the first bytes of an iovec array in place: *iov and *n are moved
 * past fully consumed entries and the first remaining entry is shortened.
 */
void blk_iov_advance(struct iovec **iov, unsigned int *n, size_t bytes);

#endif
