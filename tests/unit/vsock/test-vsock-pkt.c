/* SPDX-License-Identifier: Apache-2.0 */
/* Guest packet parsing and validation, and the CONNECT line parser. */
#include <criterion/criterion.h>
#include <string.h>

#include "vhost-user/vsock/vsock_pkt.h"
#include "vhost-user/vsock/vsock_proto.h"

#define CID 3

static uint8_t buf[sizeof(struct vsock_hdr) + 128];

static struct vsock_hdr *hdr_at(uint16_t op, uint32_t len)
{
	struct vsock_hdr h = {
		.src_cid = CID, .dst_cid = VSOCK_HOST_CID, .src_port = 1000, .dst_port = 80,
		.len = len, .type = VSOCK_TYPE_STREAM, .op = op, .buf_alloc = 4096,
	};

	memcpy(buf, &h, sizeof(h));
	return (struct vsock_hdr *)buf;
}

static enum vsock_verdict parse(size_t total, struct vsock_pkt *p)
{
	struct iovec iov = { buf, total };

	return vsock_pkt_parse(&iov, 1, CID, p, NULL);
}

Test(vsock_pkt, good_rw_with_payload)
{
	struct vsock_pkt p;

	hdr_at(VSOCK_OP_RW, 5);
	memcpy(buf + 44, "hello", 5);
	cr_assert_eq(parse(44 + 5, &p), VSOCK_PKT_OK);
	cr_assert_eq(p.len, 5);
	cr_assert_eq(p.payload_off, 44);
	cr_assert_eq(p.hdr.src_port, 1000);
	cr_assert_eq(p.hdr.buf_alloc, 4096);
}

Test(vsock_pkt, header_split_over_buffers)
{
	struct vsock_pkt p;
	uint8_t out[8];
	struct iovec iov[3];

	hdr_at(VSOCK_OP_RW, 4);
	memcpy(buf + 44, "abcd", 4);
	iov[0] = (struct iovec){ buf, 10 };
	iov[1] = (struct iovec){ buf + 10, 35 };
	iov[2] = (struct iovec){ buf + 45, 3 };
	cr_assert_eq(vsock_pkt_parse(iov, 3, CID, &p, NULL), VSOCK_PKT_OK);
	cr_assert_eq(p.hdr.op, VSOCK_OP_RW);
	cr_assert_eq(vsock_iov_to_buf(iov, 3, p.payload_off, out, p.len), 4);
	cr_assert_eq(memcmp(out, "abcd", 4), 0);
}

Test(vsock_pkt, short_header_dropped)
{
	struct vsock_pkt p;

	hdr_at(VSOCK_OP_REQUEST, 0);
	cr_assert_eq(parse(43, &p), VSOCK_PKT_DROP);
	cr_assert_eq(parse(0, &p), VSOCK_PKT_DROP);
}

Test(vsock_pkt, len_beyond_buffers_rst)
{
	struct vsock_pkt p;
	const char *why = NULL;
	struct iovec iov = { buf, 44 + 10 };

	hdr_at(VSOCK_OP_RW, 11);
	cr_assert_eq(vsock_pkt_parse(&iov, 1, CID, &p, &why), VSOCK_PKT_RST);
	cr_assert_not_null(why);
	hdr_at(VSOCK_OP_RW, 0xffffffffu);
	cr_assert_eq(parse(sizeof(buf), &p), VSOCK_PKT_RST);
	hdr_at(VSOCK_OP_RW, VSOCK_PKT_MAX_PAYLOAD + 1);
	cr_assert_eq(parse(sizeof(buf), &p), VSOCK_PKT_RST);
}

Test(vsock_pkt, wrong_cids)
{
	struct vsock_pkt p;

	hdr_at(VSOCK_OP_REQUEST, 0)->src_cid = 7; /* spoofed source: nobody to answer */
	cr_assert_eq(parse(44, &p), VSOCK_PKT_DROP);
	hdr_at(VSOCK_OP_REQUEST, 0)->dst_cid = 9; /* not the host */
	cr_assert_eq(parse(44, &p), VSOCK_PKT_RST);
	cr_assert_eq(p.hdr.src_port, 1000, "the header is kept to address the RST");
}

Test(vsock_pkt, unknown_op_and_type)
{
	struct vsock_pkt p;

	cr_assert_eq((hdr_at(0, 0), parse(44, &p)), VSOCK_PKT_RST);
	cr_assert_eq((hdr_at(8, 0), parse(44, &p)), VSOCK_PKT_RST);
	cr_assert_eq((hdr_at(0xffff, 0), parse(44, &p)), VSOCK_PKT_RST);
	hdr_at(VSOCK_OP_REQUEST, 0)->type = 2; /* SEQPACKET not offered */
	cr_assert_eq(parse(44, &p), VSOCK_PKT_RST);
}

Test(vsock_pkt, never_rst_an_rst)
{
	struct vsock_pkt p;

	hdr_at(VSOCK_OP_RST, 0)->dst_cid = 9;
	cr_assert_eq(parse(44, &p), VSOCK_PKT_DROP);
	hdr_at(VSOCK_OP_RST, 0)->type = 5;
	cr_assert_eq(parse(44, &p), VSOCK_PKT_DROP);
	hdr_at(VSOCK_OP_RST, 0);
	cr_assert_eq(parse(44, &p), VSOCK_PKT_OK);
}

Test(vsock_pkt, control_packet_with_payload_rst)
{
	struct vsock_pkt p;

	hdr_at(VSOCK_OP_REQUEST, 4);
	cr_assert_eq(parse(48, &p), VSOCK_PKT_RST);
}

Test(vsock_pkt, iov_from_buf_scatters)
{
	uint8_t a[3], b[5];
	struct iovec iov[2] = { { a, 3 }, { b, 5 } };

	cr_assert_eq(vsock_iov_from_buf(iov, 2, 2, "wxyz", 4), 4);
	cr_assert_eq(a[2], 'w');
	cr_assert_eq(memcmp(b, "xyz", 3), 0);
	cr_assert_eq(vsock_iov_from_buf(iov, 2, 6, "12345", 5), 2, "clipped at the end");
}

Test(vsock_proto, connect_line)
{
	uint32_t port = 0;
	size_t used = 0;

	cr_assert_eq(vsock_proto_parse_connect("CONNECT 1234\n", 13, &port, &used), 0);
	cr_assert_eq(port, 1234);
	cr_assert_eq(used, 13);
	cr_assert_eq(vsock_proto_parse_connect("CONNECT 52\r\nDATA", 16, &port, &used), 0);
	cr_assert_eq(port, 52);
	cr_assert_eq(used, 12, "data after the line is left alone");
	cr_assert_eq(vsock_proto_parse_connect("CONNECT 4294967295\n", 19, &port, &used), 0);
	cr_assert_eq(port, 4294967295u);
}

Test(vsock_proto, connect_incomplete)
{
	uint32_t port;
	size_t used;

	cr_assert_eq(vsock_proto_parse_connect("", 0, &port, &used), -EAGAIN);
	cr_assert_eq(vsock_proto_parse_connect("CONN", 4, &port, &used), -EAGAIN);
	cr_assert_eq(vsock_proto_parse_connect("CONNECT ", 8, &port, &used), -EAGAIN);
	cr_assert_eq(vsock_proto_parse_connect("CONNECT 12", 10, &port, &used), -EAGAIN);
	cr_assert_eq(vsock_proto_parse_connect("CONNECT 12\r", 11, &port, &used), -EAGAIN);
}

Test(vsock_proto, connect_malformed)
{
	static const char *const bad[] = {
		"connect 1\n", "CONNECT\n", "CONNECT \n", "CONNECT x\n", "CONNECT -1\n",
		"CONNECT 4294967296\n", "CONNECT 12345678901\n", "CONNECT 1 \n", "CONNECT 1\r\r\n",
		"LISTEN 1\n", "CONNECT 00000000000000000001\n",
	};
	uint32_t port;
	size_t used;

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(vsock_proto_parse_connect(bad[i], strlen(bad[i]), &port, &used), -EINVAL, "%s", bad[i]);
	cr_assert_eq(vsock_proto_parse_connect("CONNECT 1\0\n", 11, &port, &used), -EINVAL);
}

Test(vsock_proto, ok_line_and_paths)
{
	char b[32];

	cr_assert_eq(vsock_proto_format_ok(b, sizeof(b), 1073741824u), 14);
	cr_assert_str_eq(b, "OK 1073741824\n");
	cr_assert_eq(vsock_proto_listener_path(b, sizeof(b), "/tmp/v.sock", 52), 0);
	cr_assert_str_eq(b, "/tmp/v.sock_52");
	cr_assert_eq(vsock_proto_listener_path(b, 10, "/tmp/v.sock", 52), -ENAMETOOLONG);
}
