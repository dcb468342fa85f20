/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/virtio_blk.h>

#include "vhost-user/blk/blk_req.h"

/* Internal verdict of the checks below: valid, go on to the I/O. */
#define BLK_NEED_IO 0x100

size_t blk_iov_size(const struct iovec *iov, unsigned int n)
{
	size_t total = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (iov[i].iov_len > SIZE_MAX - total)
			return SIZE_MAX;
		total += iov[i].iov_len;
	}
	return total;
}

size_t blk_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t chunk = MIN(iov[i].iov_len - off, len - done);
		memcpy((char *)buf + done, (const char *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t blk_iov_from_buf(const struct iovec *iov, unsigned int n, const void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t chunk = MIN(iov[i].iov_len, len - done);
		memcpy(iov[i].iov_base, (const char *)buf + done, chunk);
		done += chunk;
	}
	return done;
}

void blk_iov_advance(struct iovec **iov, unsigned int *n, size_t bytes)
{
	while (*n > 0 && bytes >= (*iov)->iov_len) {
		bytes -= (*iov)->iov_len;
		(*iov)++;
		(*n)--;
	}
	if (*n > 0 && bytes > 0) {
		(*iov)->iov_base = (char *)(*iov)->iov_base + bytes;
		(*iov)->iov_len -= bytes;
	}
}

/* True if [sector, sector + count) lies within the disk; overflow-safe. */
static bool blk_req_range_ok(const struct blk_limits *lim, uint64_t sector, uint64_t count)
{
	return sector <= lim->capacity && count <= lim->capacity - sector;
}

/* Cut the status byte off the end of the device-writable iovecs. */
static int blk_req_take_status(struct iovec *in, unsigned int *nin, uint8_t **ret_status)
{
	while (*nin > 0 && in[*nin - 1].iov_len == 0)
		(*nin)--;
	if (*nin == 0)
		return -EPROTO;
	struct iovec *last = &in[*nin - 1];
	*ret_status = (uint8_t *)last->iov_base + last->iov_len - 1;
	if (--last->iov_len == 0)
		(*nin)--;
	return 0;
}

static int blk_req_parse_segs(const struct blk_limits *lim, struct blk_req *req)
{
	bool discard = req->type == VIRTIO_BLK_T_DISCARD;
	uint32_t max_seg = discard ? lim->max_discard_seg : lim->max_wz_seg;
	uint32_t max_sectors = discard ? lim->max_discard_sectors : lim->max_wz_sectors;

	if (lim->readonly)
		return BLK_S_IOERR;
	max_seg = MIN(max_seg, BLK_MAX_SEG);
	if (req->len == 0 || req->len % BLK_SEG_SIZE != 0 || req->len / BLK_SEG_SIZE > max_seg)
		return BLK_S_IOERR;
	req->nseg = req->len / BLK_SEG_SIZE;
	for (uint32_t i = 0; i < req->nseg; i++) {
		struct virtio_blk_discard_write_zeroes raw;
		uint32_t flags;

		/* Copied once: the guest cannot change a segment after the check. */
		blk_iov_to_buf(req->iov, req->niov, (size_t)i * BLK_SEG_SIZE, &raw, sizeof(raw));
		req->seg[i].sector = le64toh(raw.sector);
		req->seg[i].num_sectors = le32toh(raw.num_sectors);
		flags = le32toh(raw.flags);
		if (flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
			return BLK_S_UNSUPP;
		if (discard && (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
			return BLK_S_UNSUPP;
		req->seg[i].unmap = !discard && lim->wz_may_unmap &&
				    (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
		if (req->seg[i].num_sectors > max_sectors)
			return BLK_S_IOERR;
		if (!blk_req_range_ok(lim, req->seg[i].sector, req->seg[i].num_sectors))
			return BLK_S_IOERR;
		if (lim->align > BLK_SECTOR_SIZE &&
		    (((req->seg[i].sector << BLK_SECTOR_SHIFT) | ((uint64_t)req->seg[i].num_sectors << BLK_SECTOR_SHIFT)) &
		     (lim->align - 1)))
			return BLK_S_IOERR;
	}
	return BLK_NEED_IO;
}

static int blk_req_parse_rw(const struct blk_limits *lim, struct blk_req *req)
{
	if (req->type == VIRTIO_BLK_T_OUT && lim->readonly)
		return BLK_S_IOERR;
	if (req->len == SIZE_MAX || req->len % BLK_SECTOR_SIZE != 0)
		return BLK_S_IOERR;
	if (!blk_req_range_ok(lim, req->sector, req->len >> BLK_SECTOR_SHIFT))
		return BLK_S_IOERR;
	if (lim->align > BLK_SECTOR_SIZE &&
	    (((req->sector << BLK_SECTOR_SHIFT) | req->len) & (lim->align - 1)))
		return BLK_S_IOERR;
	if (req->len == 0)
		return BLK_S_OK;
	if (req->len > UINT32_MAX - 1)
		return BLK_S_IOERR; /* used length is 32 bits */
	return BLK_NEED_IO;
}

static int blk_req_verdict(const struct blk_limits *lim, struct blk_req *req)
{
	if (blk_iov_size(req->iov, req->niov) == SIZE_MAX)
		return BLK_S_IOERR;
	req->len = blk_iov_size(req->iov, req->niov);

	switch (req->type) {
	case VIRTIO_BLK_T_GET_ID:
		return BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return blk_req_parse_segs(lim, req);
	case VIRTIO_BLK_T_FLUSH:
		return BLK_NEED_IO;
	default:
		return blk_req_parse_rw(lim, req);
	}
}

int blk_req_parse(const struct blk_limits *lim, struct iovec *out, unsigned int nout,
		  struct iovec *in, unsigned int nin, struct blk_req *req)
{
	struct virtio_blk_outhdr hdr;
	int r;

	memset(req, 0, offsetof(struct blk_req, seg));
	r = blk_req_take_status(in, &nin, &req->status);
	if (r < 0)
		return r;
	if (blk_iov_to_buf(out, nout, 0, &hdr, sizeof(hdr)) < sizeof(hdr)) {
		r = BLK_S_IOERR;
		goto decided;
	}
	req->type = le32toh(hdr.type);
	req->sector = le64toh(hdr.sector);

	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		req->iov = in;
		req->niov = nin;
		break;
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		req->iov = out;
		req->niov = nout;
		blk_iov_advance(&req->iov, &req->niov, BLK_HDR_SIZE);
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	default:
		r = BLK_S_UNSUPP;
		goto decided;
	}
	r = blk_req_verdict(lim, req);
	if (r == BLK_NEED_IO)
		return 0;
decided:
	req->result = (uint8_t)r;
	return 1;
}

void blk_req_fill_id(struct blk_req *req, const char id[BLK_ID_BYTES])
{
	size_t n = MIN(req->len, (size_t)BLK_ID_BYTES);

	req->used = (uint32_t)blk_iov_from_buf(req->iov, req->niov, id, n);
}
