/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-blk request parsing against well-formed and hostile chains. */
#include <criterion/criterion.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/virtio_blk.h>

#include "vhost-user/blk/blk_req.h"

static const struct blk_limits lim = {
	.capacity = 1024, /* 512 KiB */
	.align = 512,
	.max_discard_sectors = 256,
	.max_discard_seg = 4,
	.max_wz_sectors = 256,
	.max_wz_seg = 4,
	.wz_may_unmap = true,
};

static uint8_t hdrbuf[64];
static uint8_t data[8192];
static uint8_t status;

static struct iovec hdr_iov(uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = htole32(type), .sector = htole64(sector) };

	memcpy(hdrbuf, &h, sizeof(h));
	return (struct iovec){ hdrbuf, sizeof(h) };
}

Test(blk_req, read_ok)
{
	struct iovec out[1] = { hdr_iov(VIRTIO_BLK_T_IN, 8) };
	struct iovec in[2] = { { data, 4096 }, { &status, 1 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 2, &r), 0);
	cr_assert_eq(r.type, VIRTIO_BLK_T_IN);
	cr_assert_eq(r.sector, 8);
	cr_assert_eq(r.len, 4096);
	cr_assert_eq(r.niov, 1);
	cr_assert_eq(r.status, &status);
}

Test(blk_req, status_shares_the_data_buffer)
{
	struct iovec out[1] = { hdr_iov(VIRTIO_BLK_T_IN, 0) };
	struct iovec in[1] = { { data, 513 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 1, &r), 0);
	cr_assert_eq(r.len, 512);
	cr_assert_eq(r.status, &data[512]);
}

Test(blk_req, write_header_split_across_buffers)
{
	struct iovec h = hdr_iov(VIRTIO_BLK_T_OUT, 2);
	struct iovec out[3] = { { h.iov_base, 5 }, { (uint8_t *)h.iov_base + 5, 11 }, { data, 1024 } };
	struct iovec in[1] = { { &status, 1 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 3, in, 1, &r), 0);
	cr_assert_eq(r.type, VIRTIO_BLK_T_OUT);
	cr_assert_eq(r.sector, 2);
	cr_assert_eq(r.len, 1024);
	cr_assert_eq(r.iov[0].iov_base, data);
}

Test(blk_req, header_and_data_in_one_buffer)
{
	struct virtio_blk_outhdr h = { .type = htole32(VIRTIO_BLK_T_OUT), .sector = 0 };
	struct iovec out[1] = { { data, 16 + 512 } };
	struct iovec in[1] = { { &status, 1 } };
	struct blk_req r;

	memcpy(data, &h, sizeof(h));
	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 1, &r), 0);
	cr_assert_eq(r.len, 512);
	cr_assert_eq(r.iov[0].iov_base, data + 16);
}

Test(blk_req, short_header_is_ioerr)
{
	struct iovec h = hdr_iov(VIRTIO_BLK_T_IN, 0);
	struct iovec out[1] = { { h.iov_base, 15 } };
	struct iovec in[2] = { { data, 512 }, { &status, 1 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 2, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	cr_assert_eq(r.status, &status);
}

Test(blk_req, no_writable_byte_is_a_broken_chain)
{
	struct iovec h = hdr_iov(VIRTIO_BLK_T_OUT, 0);
	/* The "status byte" sits in a device-readable buffer. */
	struct iovec out[2] = { h, { &status, 1 } };
	struct iovec in[1] = { { data, 0 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 2, NULL, 0, &r), -EPROTO);
	cr_assert_eq(blk_req_parse(&lim, out, 2, in, 1, &r), -EPROTO);
}

Test(blk_req, sector_past_capacity)
{
	struct iovec out[1] = { hdr_iov(VIRTIO_BLK_T_IN, 1023) };
	struct iovec in[2] = { { data, 1024 }, { &status, 1 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 2, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	/* Exactly at the end is fine. */
	out[0] = hdr_iov(VIRTIO_BLK_T_IN, 1022);
	in[0].iov_len = 1024;
	in[1].iov_len = 1;
	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 2, &r), 0);
}

Test(blk_req, sector_overflow)
{
	struct iovec out[1] = { hdr_iov(VIRTIO_BLK_T_IN, UINT64_MAX - 1) };
	struct iovec in[2] = { { data, 1024 }, { &status, 1 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 2, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	out[0] = hdr_iov(VIRTIO_BLK_T_IN, (UINT64_MAX >> 9) + 1);
	in[0].iov_len = 1024;
	in[1].iov_len = 1;
	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 2, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
}

Test(blk_req, length_not_multiple_of_512)
{
	struct iovec out[2] = { hdr_iov(VIRTIO_BLK_T_OUT, 0), { data, 700 } };
	struct iovec in[1] = { { &status, 1 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 2, in, 1, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
}

Test(blk_req, readonly_rejects_writes)
{
	struct blk_limits ro = lim;
	struct iovec out[2] = { hdr_iov(VIRTIO_BLK_T_OUT, 0), { data, 512 } };
	struct iovec in[1] = { { &status, 1 } };
	struct blk_req r;

	ro.readonly = true;
	cr_assert_eq(blk_req_parse(&ro, out, 2, in, 1, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);

	struct virtio_blk_discard_write_zeroes seg = { .sector = 0, .num_sectors = htole32(1) };
	memcpy(data, &seg, sizeof(seg));
	out[0] = hdr_iov(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	out[1] = (struct iovec){ data, 16 };
	in[0] = (struct iovec){ &status, 1 };
	cr_assert_eq(blk_req_parse(&ro, out, 2, in, 1, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);

	/* Reads still work. */
	out[0] = hdr_iov(VIRTIO_BLK_T_IN, 0);
	struct iovec rin[2] = { { data, 512 }, { &status, 1 } };
	cr_assert_eq(blk_req_parse(&ro, out, 1, rin, 2, &r), 0);
}

Test(blk_req, unknown_type_is_unsupp)
{
	struct iovec out[1] = { hdr_iov(0x1234, 0) };
	struct iovec in[1] = { { &status, 1 } };
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 1, &r), 1);
	cr_assert_eq(r.result, BLK_S_UNSUPP);
}

static int parse_segs(uint32_t type, const struct virtio_blk_discard_write_zeroes *segs,
		      size_t bytes, struct blk_req *r)
{
	struct iovec out[2] = { hdr_iov(type, 0), { data, bytes } };
	struct iovec in[1] = { { &status, 1 } };

	memcpy(data, segs, bytes);
	return blk_req_parse(&lim, out, 2, in, 1, r);
}

Test(blk_req, discard_segments)
{
	struct virtio_blk_discard_write_zeroes s[8];
	struct blk_req r;

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 8; i++) {
		s[i].sector = htole64(i * 16);
		s[i].num_sectors = htole32(8);
	}
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 2 * 16, &r), 0);
	cr_assert_eq(r.nseg, 2);
	cr_assert_eq(r.seg[1].sector, 16);
	cr_assert_eq(r.seg[1].num_sectors, 8);

	/* More segments than max_discard_seg. */
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 5 * 16, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	/* A length that is not a whole number of segments. */
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 20, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	/* No segment at all. */
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 0, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	/* Too many sectors in one segment. */
	s[0].num_sectors = htole32(257);
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 16, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	/* Out of range / overflowing. */
	s[0].num_sectors = htole32(8);
	s[0].sector = htole64(1020);
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 16, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	s[0].sector = htole64(UINT64_MAX - 2);
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 16, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	/* Unmap on discard and unknown flags are UNSUPP. */
	s[0].sector = 0;
	s[0].flags = htole32(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_DISCARD, s, 16, &r), 1);
	cr_assert_eq(r.result, BLK_S_UNSUPP);
	s[0].flags = htole32(4);
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_WRITE_ZEROES, s, 16, &r), 1);
	cr_assert_eq(r.result, BLK_S_UNSUPP);
	/* Unmap on write-zeroes is accepted. */
	s[0].flags = htole32(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	cr_assert_eq(parse_segs(VIRTIO_BLK_T_WRITE_ZEROES, s, 16, &r), 0);
	cr_assert(r.seg[0].unmap);
}

Test(blk_req, direct_alignment)
{
	struct blk_limits d = lim;
	struct iovec out[2] = { hdr_iov(VIRTIO_BLK_T_OUT, 1), { data, 4096 } };
	struct iovec in[1] = { { &status, 1 } };
	struct blk_req r;

	d.align = 4096;
	cr_assert_eq(blk_req_parse(&d, out, 2, in, 1, &r), 1);
	cr_assert_eq(r.result, BLK_S_IOERR);
	/* The parser trimmed the arrays in place: lay the chain out again. */
	out[0] = hdr_iov(VIRTIO_BLK_T_OUT, 8);
	out[1] = (struct iovec){ data, 4096 };
	in[0] = (struct iovec){ &status, 1 };
	cr_assert_eq(blk_req_parse(&d, out, 2, in, 1, &r), 0);
}

Test(blk_req, get_id)
{
	struct iovec out[1] = { hdr_iov(VIRTIO_BLK_T_GET_ID, 0) };
	struct iovec in[2] = { { data, 20 }, { &status, 1 } };
	char id[BLK_ID_BYTES] = "serial-123";
	struct blk_req r;

	memset(data, 0xff, 32);
	cr_assert_eq(blk_req_parse(&lim, out, 1, in, 2, &r), 1);
	cr_assert_eq(r.result, BLK_S_OK);
	blk_req_fill_id(&r, id);
	cr_assert_eq(r.used, 20);
	cr_assert_arr_eq(data, id, 20);
	cr_assert_eq(data[20], 0xff);
}

Test(blk_req, iov_helpers)
{
	uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 }, buf[8];
	struct iovec v[2] = { { a, 4 }, { b, 4 } };
	struct iovec *p = v;
	unsigned int n = 2;

	cr_assert_eq(blk_iov_size(v, 2), 8);
	cr_assert_eq(blk_iov_to_buf(v, 2, 3, buf, 8), 5);
	cr_assert_eq(buf[0], 4);
	cr_assert_eq(buf[1], 5);
	blk_iov_advance(&p, &n, 5);
	cr_assert_eq(n, 1);
	cr_assert_eq(p->iov_base, b + 1);
	cr_assert_eq(p->iov_len, 3);
	struct iovec huge[2] = { { a, SIZE_MAX }, { b, 2 } };
	cr_assert_eq(blk_iov_size(huge, 2), SIZE_MAX);
}
