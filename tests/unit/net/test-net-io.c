// SPDX-License-Identifier: Apache-2.0
/* The pair data path over fake guest rings, a SOCK_DGRAM socketpair as the tap. */
#include <criterion/criterion.h>
#include <endian.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fakes/fake_guest_mem.h"
#include "vhost-user/net/net_io.h"

#define GPA 0x100000ull
#define SIZE MiB(2)
#define UVA 0x7f0000000000ull
#define NUM 16
#define RING_GPA GPA
#define BUF_GPA (GPA + 0x10000)
#define B(n) (1ULL << (n))
#define FEAT (B(VIRTQ_F_VERSION_1) | B(VIRTIO_NET_F_MRG_RXBUF) | B(VIRTIO_NET_F_CSUM))

static struct fake_guest_mem g;
static struct vu_virtq vq;
static struct fake_vring r;
static struct net_io io;
static int sp[2]; /* sp[0]: the daemon's "tap", sp[1]: the host side */

static void setup(void)
{
	cr_assert_eq(fake_guest_mem_init(&g, GPA, SIZE, UVA), 0);
	cr_assert_eq(fake_vring_init(&r, &g, &vq, NUM, RING_GPA), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp), 0);
	cr_assert_eq(net_io_init(&io, NUM, "test"), 0);
	io.tap_fd = sp[0];
	io.tap_vnet_hdr = true;
	net_io_configure(&io, FEAT);
}

static void teardown(void)
{
	net_io_fini(&io);
	close(sp[0]);
	close(sp[1]);
	vu_virtq_close_fds(&vq);
	fake_guest_mem_fini(&g);
}

TestSuite(net_io, .init = setup, .fini = teardown);

static uint8_t *gbuf(uint64_t gpa)
{
	return fake_gpa(&g, gpa);
}

static uint16_t used_idx(void)
{
	return le16toh(r.used->idx);
}

/* A tx chain at descriptor d: header (12) + frame of len bytes filled with fill. */
static void tx_frame(uint16_t d, uint64_t at, uint32_t len, uint8_t fill, const struct virtio_net_hdr_v1 *h)
{
	struct virtio_net_hdr_v1 zero = { 0 };

	memcpy(gbuf(at), h ? h : &zero, NET_HDR_LEN);
	memset(gbuf(at + NET_HDR_LEN), fill, len);
	fake_desc(&r, d, at, NET_HDR_LEN, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1));
	fake_desc(&r, (uint16_t)(d + 1), at + NET_HDR_LEN, len, 0, 0);
	fake_avail_add(&r, d);
}

Test(net_io, tx_passes_header_and_frame)
{
	uint8_t got[200];
	ssize_t n;

	tx_frame(0, BUF_GPA, 60, 0xab, NULL);
	tx_frame(2, BUF_GPA + 0x1000, 100, 0xcd, NULL);
	cr_assert_eq(net_tx_run(&io, &vq, NET_BATCH), 2);
	cr_assert_eq(used_idx(), 2);
	n = read(sp[1], got, sizeof(got));
	cr_assert_eq(n, NET_HDR_LEN + 60, "header + frame in one datagram");
	cr_assert_eq(got[NET_HDR_LEN], 0xab);
	n = read(sp[1], got, sizeof(got));
	cr_assert_eq(n, NET_HDR_LEN + 100);
	cr_assert_eq(io.st.tx_frames, 2);
}

Test(net_io, tx_strips_header_without_vnet_hdr)
{
	uint8_t got[200];

	io.tap_vnet_hdr = false;
	tx_frame(0, BUF_GPA, 60, 0x11, NULL);
	cr_assert_eq(net_tx_run(&io, &vq, NET_BATCH), 1);
	cr_assert_eq(read(sp[1], got, sizeof(got)), 60);
	cr_assert_eq(got[0], 0x11);
}

Test(net_io, tx_short_chain_dropped)
{
	uint8_t got[256];

	fake_desc(&r, 0, BUF_GPA, 6, 0, 0); /* shorter than the header */
	fake_avail_add(&r, 0);
	tx_frame(1, BUF_GPA + 0x1000, 60, 0x22, NULL);
	cr_assert_eq(net_tx_run(&io, &vq, NET_BATCH), 2, "both chains are returned");
	cr_assert_eq(used_idx(), 2);
	cr_assert_eq(io.st.tx_dropped, 1);
	cr_assert_eq(read(sp[1], got, sizeof(got)), NET_HDR_LEN + 60, "only the good frame went out (%lu sent)", (unsigned long)io.st.tx_frames);
	cr_assert_eq(read(sp[1], got, sizeof(got)), -1);
}

Test(net_io, tx_oversize_and_bad_header_dropped)
{
	struct virtio_net_hdr_v1 h = { .gso_type = 0x55 };
	uint8_t got[256];

	/* 70 KiB in one descriptor: above NET_FRAME_MAX. */
	fake_desc(&r, 0, BUF_GPA, 70 * 1024, 0, 0);
	fake_avail_add(&r, 0);
	tx_frame(1, BUF_GPA + 0x20000, 60, 0x33, &h);
	cr_assert_eq(net_tx_run(&io, &vq, NET_BATCH), 2);
	cr_assert_eq(io.st.tx_dropped, 2);
	cr_assert_eq(read(sp[1], got, sizeof(got)), -1, "nothing reached the tap");
}

Test(net_io, tx_tap_gone_keeps_serving)
{
	close(sp[1]); /* the peer vanishes: writes fail */
	sp[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	tx_frame(0, BUF_GPA, 60, 0x44, NULL);
	cr_assert_eq(net_tx_run(&io, &vq, NET_BATCH), 1);
	cr_assert(io.tap_gone || io.st.tx_dropped == 1);
	tx_frame(2, BUF_GPA + 0x1000, 60, 0x44, NULL);
	cr_assert_eq(net_tx_run(&io, &vq, NET_BATCH), 1, "still serving after the tap went away");
	cr_assert_eq(used_idx(), 2);
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), io.tap_gone ? NET_RX_STOP : NET_RX_EMPTY);
}

/* Host writes a frame of len bytes (with a 12-byte zero header) into the "tap". */
static void host_send(uint32_t len, uint8_t fill)
{
	static uint8_t f[NET_HDR_LEN + NET_FRAME_MAX];

	memset(f, 0, NET_HDR_LEN);
	memset(f + NET_HDR_LEN, fill, len);
	cr_assert_eq(write(sp[1], f, NET_HDR_LEN + len), (ssize_t)(NET_HDR_LEN + len));
}

static void rx_buffers(unsigned int n, uint32_t len)
{
	for (unsigned int i = 0; i < n; i++) {
		fake_desc(&r, (uint16_t)i, BUF_GPA + i * 0x1000ull, len, VIRTQ_DESC_F_WRITE, 0);
		fake_avail_add(&r, (uint16_t)i);
	}
}

Test(net_io, rx_mergeable_accounting)
{
	struct virtio_net_hdr_v1 h;

	rx_buffers(4, 1024);
	host_send(2500, 0x5a); /* 2512 bytes: three buffers */
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_EMPTY);
	cr_assert_eq(used_idx(), 3, "one frame merged into three buffers");
	memcpy(&h, gbuf(BUF_GPA), sizeof(h));
	cr_assert_eq(le16toh(h.num_buffers), 3);
	cr_assert_eq(le32toh(r.used->ring[0].len), 1024);
	cr_assert_eq(le32toh(r.used->ring[1].len), 1024);
	cr_assert_eq(le32toh(r.used->ring[2].len), 2512 - 2048);
	cr_assert_eq(gbuf(BUF_GPA + 0x2000)[0], 0x5a);
	cr_assert_eq(io.st.rx_frames, 1);
}

Test(net_io, rx_no_buffers_keeps_the_frame)
{
	struct virtio_net_hdr_v1 h;

	host_send(100, 0x66);
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_NOBUFS);
	cr_assert_eq(used_idx(), 0);
	cr_assert_neq(io.rx_pending, 0);
	rx_buffers(1, 2048); /* the driver adds buffers and kicks */
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_EMPTY);
	cr_assert_eq(used_idx(), 1);
	memcpy(&h, gbuf(BUF_GPA), sizeof(h));
	cr_assert_eq(le16toh(h.num_buffers), 1);
	cr_assert_eq(le32toh(r.used->ring[0].len), NET_HDR_LEN + 100);
}

Test(net_io, rx_partial_buffers_are_put_back)
{
	rx_buffers(1, 1024);
	host_send(2000, 0x77); /* needs two buffers, only one there */
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_NOBUFS);
	cr_assert_eq(used_idx(), 0, "nothing published for a half-delivered frame");
	fake_desc(&r, 1, BUF_GPA + 0x1000, 1024, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&r, 1);
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_EMPTY);
	cr_assert_eq(used_idx(), 2);
}

Test(net_io, rx_without_mergeable_drops_too_large)
{
	net_io_configure(&io, B(VIRTQ_F_VERSION_1));
	rx_buffers(2, 1024);
	host_send(2000, 0x12); /* does not fit one buffer: dropped */
	host_send(500, 0x34);
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_EMPTY);
	cr_assert_eq(io.st.rx_dropped, 1);
	cr_assert_eq(used_idx(), 1);
	cr_assert_eq(gbuf(BUF_GPA)[NET_HDR_LEN], 0x34);
}

Test(net_io, rx_buffer_smaller_than_header_breaks_ring)
{
	rx_buffers(1, 4);
	host_send(100, 0x01);
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_STOP);
	cr_assert_eq(used_idx(), 0);
}

Test(net_io, rx_batch_and_runts)
{
	uint8_t runt[5] = { 0 };

	rx_buffers(8, 2048);
	cr_assert_eq(write(sp[1], runt, sizeof(runt)), 5);
	for (int i = 0; i < 5; i++)
		host_send(60, (uint8_t)i);
	cr_assert_eq(net_rx_run(&io, &vq, 3), NET_RX_BUDGET, "budget bounds a batch");
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_EMPTY);
	cr_assert_eq(used_idx(), 5);
	cr_assert_eq(io.st.rx_dropped, 1, "the runt was dropped");
}

/* The device-wide counters cnh-net reports on --stats-fd. */
Test(net_io, device_counters)
{
	static struct vu_stats s;
	uint8_t got[256];

	vu_stats_init(&s);
	cr_assert_eq(vu_stats_register(&s, net_stats_names, NET_ST_N), 0);
	io.stats = &s;
	fake_desc(&r, 0, BUF_GPA, 6, 0, 0); /* shorter than the header: dropped */
	fake_avail_add(&r, 0);
	tx_frame(1, BUF_GPA + 0x1000, 60, 0x22, NULL);
	tx_frame(3, BUF_GPA + 0x2000, 100, 0x33, NULL);
	cr_assert_eq(net_tx_run(&io, &vq, NET_BATCH), 3);
	cr_assert_eq(read(sp[1], got, sizeof(got)), NET_HDR_LEN + 60);
	cr_assert_eq(vu_stats_get(&s, NET_ST_TX_FRAMES), 2);
	cr_assert_eq(vu_stats_get(&s, NET_ST_TX_BYTES), 160, "frames without the virtio-net header");
	cr_assert_eq(vu_stats_get(&s, NET_ST_TX_DROPPED), 1);
	cr_assert_eq(vu_stats_get(&s, NET_ST_RX_FRAMES), 0);
}

Test(net_io, device_counters_rx)
{
	static struct vu_stats s;

	vu_stats_init(&s);
	cr_assert_eq(vu_stats_register(&s, net_stats_names, NET_ST_N), 0);
	io.stats = &s;
	rx_buffers(4, 1024);
	host_send(2500, 0x5a);
	cr_assert_eq(net_rx_run(&io, &vq, NET_BATCH), NET_RX_EMPTY);
	cr_assert_eq(vu_stats_get(&s, NET_ST_RX_FRAMES), 1);
	cr_assert_eq(vu_stats_get(&s, NET_ST_RX_BYTES), 2500);
	cr_assert_eq(vu_stats_get(&s, NET_ST_RX_DROPPED), 0);
}
