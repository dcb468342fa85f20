/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The multiplexer end to end with fake queues in fake guest memory and real
 * unix sockets: guest- and host-initiated streams, data both ways, credit,
 * shutdown, malformed packets, the stream limit and the reset event.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tests/fakes/fake_guest_mem.h"
#include "vhost-user/vsock/vsock_mux.h"

#define GPA 0x100000ULL
#define UVA 0x7f0000000000ULL
#define NUM 16
#define CID 3
#define RXBUF (GPA + 0x40000) /* NUM x 4 KiB */
#define TXBUF (GPA + 0x80000) /* NUM x 4 KiB */
#define EVBUF (GPA + 0xc0000)
#define MAXC 4

static struct fake_guest_mem g;
static struct vu_virtq vq[3];
static struct fake_vring r[3];
static struct vsock_mux m;
static struct ev_loop *loop;
static char dir[64], uds[80];
static uint16_t rx_seen, tx_desc;

static void setup(void)
{
	strcpy(dir, "/tmp/vsock-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(uds, sizeof(uds), "%s/v.sock", dir);
	cr_assert_eq(fake_guest_mem_init(&g, GPA, MiB(1), UVA), 0);
	for (unsigned int q = 0; q < 3; q++)
		cr_assert_eq(fake_vring_init(&r[q], &g, &vq[q], NUM, GPA + q * 0x4000), 0);
	loop = ev_loop_new(EVFLAG_AUTO);
	cr_assert_not_null(loop);
	cr_assert_eq(vsock_mux_init(&m, loop, CID, uds, MAXC, NUM), 0);
	rx_seen = 0;
	tx_desc = 0;
}

static void teardown(void)
{
	char cmd[128];

	vsock_mux_fini(&m);
	ev_loop_destroy(loop);
	for (unsigned int q = 0; q < 3; q++)
		vu_virtq_close_fds(&vq[q]);
	fake_guest_mem_fini(&g);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(vsock_mux, .init = setup, .fini = teardown);

static void start_queues(void)
{
	for (unsigned int q = 0; q < 3; q++)
		vsock_mux_set_queue(&m, q, &vq[q]);
}

/* Post n rx buffers of 4 KiB (descriptors 0..n-1 of the rx ring). */
static void rx_post(unsigned int n, uint32_t len)
{
	static uint16_t next;

	for (unsigned int i = 0; i < n; i++, next++) {
		uint16_t d = next % NUM;

		fake_desc(&r[0], d, RXBUF + d * 0x1000, len, VIRTQ_DESC_F_WRITE, 0);
		fake_avail_add(&r[0], d);
	}
}

/* The next packet the device put in the rx queue: header + payload into data. */
static bool rx_get(struct vsock_hdr *h, void *data, size_t size)
{
	struct virtq_used_elem *u;

	if (r[0].used->idx == rx_seen)
		return false;
	u = &r[0].used->ring[rx_seen++ % NUM];
	cr_assert_geq(u->len, sizeof(*h));
	memcpy(h, fake_gpa(&g, RXBUF + u->id * 0x1000), sizeof(*h));
	cr_assert_eq(u->len, sizeof(*h) + h->len, "used len covers header and payload");
	if (data) {
		cr_assert_leq(h->len, size);
		memcpy(data, fake_gpa(&g, RXBUF + u->id * 0x1000 + sizeof(*h)), h->len);
	}
	return true;
}

/* The guest sends a packet (header + payload in two descriptors). */
static void tx_raw(const struct vsock_hdr *h, const void *payload, uint32_t plen)
{
	uint16_t d = tx_desc;
	uint64_t at = TXBUF + (d % (NUM / 2)) * 0x2000;

	tx_desc = (uint16_t)((tx_desc + 2) % NUM);
	memcpy(fake_gpa(&g, at), h, sizeof(*h));
	if (plen) {
		memcpy(fake_gpa(&g, at + 0x100), payload, plen);
		fake_desc(&r[1], d, at, sizeof(*h), VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1));
		fake_desc(&r[1], (uint16_t)(d + 1), at + 0x100, plen, 0, 0);
	} else {
		fake_desc(&r[1], d, at, sizeof(*h), 0, 0);
	}
	fake_avail_add(&r[1], d);
	vsock_mux_kick(&m, VSOCK_QUEUE_TX);
}

static void tx(uint16_t op, uint32_t src_port, uint32_t dst_port, const void *payload, uint32_t plen,
	       uint32_t buf_alloc, uint32_t fwd_cnt, uint32_t flags)
{
	struct vsock_hdr h = {
		.src_cid = CID, .dst_cid = VSOCK_HOST_CID, .src_port = src_port, .dst_port = dst_port,
		.len = plen, .type = VSOCK_TYPE_STREAM, .op = op, .flags = flags,
		.buf_alloc = buf_alloc, .fwd_cnt = fwd_cnt,
	};

	tx_raw(&h, payload, plen);
}

static void spin(void)
{
	for (int i = 0; i < 20; i++) {
		ev_run(loop, EVRUN_NOWAIT);
		usleep(1000);
	}
}

static int listen_at(uint32_t port)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s_%u", uds, port);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(fd, 16), 0);
	return fd;
}

static int host_connect(const char *line)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sun.sun_path, uds);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	return fd;
}

static void expect(uint16_t op, uint32_t host_port, uint32_t guest_port, struct vsock_hdr *ret)
{
	struct vsock_hdr h;

	cr_assert(rx_get(&h, NULL, 0), "expected op %u, rx queue empty", op);
	cr_assert_eq(h.op, op, "op %u, expected %u", h.op, op);
	cr_assert_eq(h.src_cid, VSOCK_HOST_CID);
	cr_assert_eq(h.dst_cid, CID);
	cr_assert_eq(h.type, VSOCK_TYPE_STREAM);
	if (host_port)
		cr_assert_eq(h.src_port, host_port);
	cr_assert_eq(h.dst_port, guest_port);
	if (ret)
		*ret = h;
}

Test(vsock_mux, guest_connects_sends_receives_closes)
{
	int l = listen_at(5000), s;
	struct vsock_hdr h;
	char data[64];

	start_queues();
	rx_post(8, 4096);
	tx(VSOCK_OP_REQUEST, 1234, 5000, NULL, 0, 4096, 0, 0);
	expect(VSOCK_OP_RESPONSE, 5000, 1234, &h);
	cr_assert_eq(h.buf_alloc, VSOCK_CONN_BUF_ALLOC);
	s = accept(l, NULL, NULL);
	cr_assert_geq(s, 0, "the mux connected to <uds>_5000");

	tx(VSOCK_OP_RW, 1234, 5000, "hello", 5, 4096, 0, 0);
	cr_assert_eq(read(s, data, sizeof(data)), 5);
	cr_assert_eq(memcmp(data, "hello", 5), 0);

	cr_assert_eq(write(s, "world!", 6), 6);
	spin();
	cr_assert(rx_get(&h, data, sizeof(data)));
	cr_assert_eq(h.op, VSOCK_OP_RW);
	cr_assert_eq(h.len, 6);
	cr_assert_eq(memcmp(data, "world!", 6), 0);
	cr_assert_eq(h.fwd_cnt, 5, "our fwd_cnt counts what reached the host");

	tx(VSOCK_OP_SHUTDOWN, 1234, 5000, NULL, 0, 4096, 6, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
	expect(VSOCK_OP_RST, 5000, 1234, NULL);
	cr_assert_eq(read(s, data, sizeof(data)), 0, "host sees EOF");
	cr_assert_eq(m.table.count, 0);
	close(s);
	close(l);
}

Test(vsock_mux, guest_connect_without_listener_rst)
{
	start_queues();
	rx_post(2, 4096);
	tx(VSOCK_OP_REQUEST, 77, 6000, NULL, 0, 4096, 0, 0);
	expect(VSOCK_OP_RST, 6000, 77, NULL);
	cr_assert_eq(m.table.count, 0);
}

Test(vsock_mux, host_connect_ok_and_data)
{
	int h = host_connect("CONNECT 52\nearly");
	struct vsock_hdr p;
	char buf[64] = "";
	uint32_t hp;
	ssize_t n;

	start_queues();
	rx_post(8, 4096);
	spin();
	expect(VSOCK_OP_REQUEST, 0, 52, &p);
	hp = p.src_port;
	cr_assert_geq(hp, VSOCK_LOCAL_PORT_MIN);
	cr_assert_eq(p.buf_alloc, VSOCK_CONN_BUF_ALLOC);
	tx(VSOCK_OP_RESPONSE, 52, hp, NULL, 0, 4096, 0, 0);
	n = read(h, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = 0;
	cr_assert_str_eq(buf, (snprintf(buf + 32, 32, "OK %u\n", hp), buf + 32));
	spin();
	cr_assert(rx_get(&p, buf, sizeof(buf)));
	cr_assert_eq(p.op, VSOCK_OP_RW);
	cr_assert_eq(p.len, 5);
	cr_assert_eq(memcmp(buf, "early", 5), 0, "bytes after the CONNECT line reach the guest");

	/* Host closes its write side: SHUTDOWN(SEND) to the guest. */
	shutdown(h, SHUT_WR);
	spin();
	expect(VSOCK_OP_SHUTDOWN, hp, 52, &p);
	cr_assert_eq(p.flags, VSOCK_SHUTDOWN_SEND);
	/* The guest can still send; then it resets. */
	tx(VSOCK_OP_RW, 52, hp, "bye", 3, 4096, 5, 0);
	cr_assert_eq(read(h, buf, sizeof(buf)), 3);
	tx(VSOCK_OP_RST, 52, hp, NULL, 0, 4096, 5, 0);
	cr_assert_eq(read(h, buf, sizeof(buf)), 0);
	cr_assert_eq(m.table.count, 0);
	close(h);
}

Test(vsock_mux, host_connect_refused_by_guest)
{
	int h = host_connect("CONNECT 99\n");
	struct vsock_hdr p;
	char c;

	start_queues();
	rx_post(4, 4096);
	spin();
	expect(VSOCK_OP_REQUEST, 0, 99, &p);
	tx(VSOCK_OP_RST, 99, p.src_port, NULL, 0, 0, 0, 0);
	cr_assert_eq(read(h, &c, 1), 0, "host socket closed without OK");
	close(h);
}

Test(vsock_mux, bad_connect_line_closes)
{
	int h = host_connect("HELLO 52\n");
	char c;

	start_queues();
	rx_post(4, 4096);
	spin();
	cr_assert_leq(read(h, &c, 1), 0, "closed (EOF, or ECONNRESET with unread bytes)");
	cr_assert_eq(r[0].used->idx, 0, "nothing reached the guest");
	close(h);
}

Test(vsock_mux, host_credit_respected)
{
	int l = listen_at(7000), s;
	struct vsock_hdr h;
	char data[64];

	start_queues();
	rx_post(8, 4096);
	tx(VSOCK_OP_REQUEST, 1, 7000, NULL, 0, 8, 0, 0); /* the guest buffers only 8 bytes */
	expect(VSOCK_OP_RESPONSE, 7000, 1, NULL);
	s = accept(l, NULL, NULL);
	cr_assert_eq(write(s, "0123456789abcdefghij", 20), 20);
	spin();
	cr_assert(rx_get(&h, data, sizeof(data)));
	cr_assert_eq(h.len, 8);
	cr_assert_not(rx_get(&h, NULL, 0), "no credit left: nothing more");
	tx(VSOCK_OP_CREDIT_UPDATE, 1, 7000, NULL, 0, 8, 8, 0);
	spin();
	cr_assert(rx_get(&h, data, sizeof(data)));
	cr_assert_eq(h.len, 8);
	cr_assert_eq(memcmp(data, "89abcdef", 8), 0);
	tx(VSOCK_OP_CREDIT_REQUEST, 1, 7000, NULL, 0, 8, 8, 0);
	expect(VSOCK_OP_CREDIT_UPDATE, 7000, 1, &h);
	cr_assert_eq(h.buf_alloc, VSOCK_CONN_BUF_ALLOC);
	close(s);
	close(l);
}

Test(vsock_mux, malformed_packets)
{
	struct vsock_hdr h = {
		.src_cid = CID, .dst_cid = VSOCK_HOST_CID, .src_port = 5, .dst_port = 6,
		.type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_RW,
	};

	start_queues();
	rx_post(8, 4096);
	h.src_cid = 9;
	tx_raw(&h, NULL, 0);
	cr_assert_eq(r[0].used->idx, 0, "spoofed source dropped");
	h.src_cid = CID;
	h.dst_cid = 42;
	tx_raw(&h, NULL, 0);
	expect(VSOCK_OP_RST, 6, 5, NULL);
	h.dst_cid = VSOCK_HOST_CID;
	h.op = 99;
	tx_raw(&h, NULL, 0);
	expect(VSOCK_OP_RST, 6, 5, NULL);
	h.op = VSOCK_OP_RW;
	h.len = 5000; /* more than the chain holds */
	tx_raw(&h, "x", 1);
	expect(VSOCK_OP_RST, 6, 5, NULL);
	h.len = 0;
	tx_raw(&h, NULL, 0); /* data on no stream */
	expect(VSOCK_OP_RST, 6, 5, NULL);
	h.op = VSOCK_OP_RST;
	tx_raw(&h, NULL, 0);
	cr_assert_not(rx_get(&h, NULL, 0), "an RST is never answered");
	cr_assert_eq(r[1].used->idx, 6, "every tx chain was returned");
	cr_assert_geq(m.stat_bad_pkts, 4);
}

Test(vsock_mux, tiny_rx_buffers_skipped)
{
	start_queues();
	rx_post(1, 20); /* cannot hold a header */
	rx_post(1, 4096);
	tx(VSOCK_OP_REQUEST, 77, 6001, NULL, 0, 4096, 0, 0);
	cr_assert_eq(r[0].used->ring[0].len, 0);
	rx_seen = 1;
	expect(VSOCK_OP_RST, 6001, 77, NULL);
}

Test(vsock_mux, stream_limit)
{
	int l = listen_at(8000), s[MAXC];

	start_queues();
	rx_post(NUM, 4096);
	for (uint32_t i = 0; i < MAXC; i++) {
		tx(VSOCK_OP_REQUEST, 100 + i, 8000, NULL, 0, 4096, 0, 0);
		expect(VSOCK_OP_RESPONSE, 8000, 100 + i, NULL);
		s[i] = accept(l, NULL, NULL);
	}
	tx(VSOCK_OP_REQUEST, 200, 8000, NULL, 0, 4096, 0, 0);
	expect(VSOCK_OP_RST, 8000, 200, NULL);
	cr_assert_eq(m.table.count, MAXC);
	/* One goes away: room again. */
	tx(VSOCK_OP_RST, 100, 8000, NULL, 0, 4096, 0, 0);
	tx(VSOCK_OP_REQUEST, 200, 8000, NULL, 0, 4096, 0, 0);
	expect(VSOCK_OP_RESPONSE, 8000, 200, NULL);
	for (uint32_t i = 0; i < MAXC; i++)
		close(s[i]);
	close(l);
}

Test(vsock_mux, rx_waits_for_buffers)
{
	start_queues();
	tx(VSOCK_OP_REQUEST, 77, 6002, NULL, 0, 4096, 0, 0);
	cr_assert_eq(r[0].used->idx, 0);
	rx_post(1, 4096);
	vsock_mux_kick(&m, VSOCK_QUEUE_RX);
	expect(VSOCK_OP_RST, 6002, 77, NULL);
}

Test(vsock_mux, transport_reset_event)
{
	int l = listen_at(9000), s;
	uint32_t id = 0xdead;
	char c;

	start_queues();
	rx_post(4, 4096);
	tx(VSOCK_OP_REQUEST, 1, 9000, NULL, 0, 4096, 0, 0);
	expect(VSOCK_OP_RESPONSE, 9000, 1, NULL);
	s = accept(l, NULL, NULL);
	fake_desc(&r[2], 0, EVBUF, 4, VIRTQ_DESC_F_WRITE, 0);
	memcpy(fake_gpa(&g, EVBUF), &id, 4);
	fake_avail_add(&r[2], 0);
	vsock_mux_transport_reset(&m);
	cr_assert_eq(r[2].used->idx, 1);
	cr_assert_eq(r[2].used->ring[0].len, 4);
	memcpy(&id, fake_gpa(&g, EVBUF), 4);
	cr_assert_eq(id, VSOCK_EVENT_TRANSPORT_RESET);
	cr_assert_eq(m.table.count, 0);
	cr_assert_eq(read(s, &c, 1), 0, "host streams closed");
	close(s);
	close(l);
}

/* --uds-path may be 96 bytes: <path>_<port> still fits the 108-byte sun_path. */
Test(vsock_mux, uds_path_of_96_bytes_fits_97_does_not)
{
	char path[128];
	struct vsock_mux m2;
	size_t n = (size_t)snprintf(path, sizeof(path), "%s/", dir);

	memset(path + n, 'p', 96 - n);
	path[96] = '\0';
	cr_assert_eq(vsock_mux_init(&m2, loop, CID, path, MAXC, NUM), 0, "96 bytes refused");
	vsock_mux_fini(&m2);
	unlink(path);
	path[96] = 'p';
	path[97] = '\0';
	cr_assert_eq(vsock_mux_init(&m2, loop, CID, path, MAXC, NUM), -ENAMETOOLONG);
}
