/* SPDX-License-Identifier: Apache-2.0 */
/* Credit accounting, host-side buffering and the bounded stream table. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>

#include "vhost-user/vsock/vsock_conn.h"

static struct vsock_conn conn(void)
{
	struct vsock_conn c = { .fd = -1, .buf_alloc = 1000 };

	return c;
}

Test(vsock_credit, peer_credit_and_wrap)
{
	struct vsock_conn c = conn();

	vsock_conn_set_peer(&c, 100, 0);
	cr_assert_eq(vsock_conn_peer_credit(&c), 100);
	c.tx_cnt = 60;
	cr_assert_eq(vsock_conn_peer_credit(&c), 40);
	c.tx_cnt = 100;
	cr_assert_eq(vsock_conn_peer_credit(&c), 0);
	vsock_conn_set_peer(&c, 100, 50);
	cr_assert_eq(vsock_conn_peer_credit(&c), 50);
	/* Counters wrap at 2^32. */
	c.tx_cnt = 10;
	vsock_conn_set_peer(&c, 100, 0xfffffff0u);
	cr_assert_eq(vsock_conn_peer_credit(&c), 74);
	/* A guest shrinking buf_alloc below what is in flight: no credit, no underflow. */
	vsock_conn_set_peer(&c, 10, 0xfffffff0u);
	cr_assert_eq(vsock_conn_peer_credit(&c), 0);
}

Test(vsock_credit, guest_overrun_refused)
{
	struct vsock_conn c = conn();

	cr_assert_eq(vsock_conn_rx_space(&c), 1000);
	cr_assert_eq(vsock_conn_guest_rx(&c, 600), 0);
	cr_assert_eq(vsock_conn_rx_space(&c), 400);
	cr_assert_eq(vsock_conn_guest_rx(&c, 401), -ENOSPC);
	cr_assert_eq(c.rx_cnt, 600, "a refused packet is not counted");
	c.fwd_cnt = 600;
	cr_assert_eq(vsock_conn_guest_rx(&c, 1000), 0);
	cr_assert_eq(vsock_conn_guest_rx(&c, 1), -ENOSPC);
}

Test(vsock_credit, credit_update_when_guest_sees_half_full)
{
	struct vsock_conn c = conn();
	struct vsock_hdr h;

	cr_assert_not(vsock_conn_want_credit_update(&c));
	c.rx_cnt = 100;
	c.fwd_cnt = 100;
	cr_assert_not(vsock_conn_want_credit_update(&c), "the guest still sees 900 free");
	c.rx_cnt = 700;
	c.fwd_cnt = 700;
	cr_assert(vsock_conn_want_credit_update(&c));
	vsock_conn_hdr(&c, 3, VSOCK_OP_CREDIT_UPDATE, &h);
	cr_assert_eq(h.fwd_cnt, 700);
	cr_assert_eq(h.buf_alloc, 1000);
	cr_assert_eq(h.dst_cid, 3);
	cr_assert_eq(h.src_cid, VSOCK_HOST_CID);
	cr_assert_not(vsock_conn_want_credit_update(&c), "sent: the guest knows");
	c.rx_cnt = 1700;
	cr_assert_not(vsock_conn_want_credit_update(&c), "nothing freed since");
}

Test(vsock_credit, host_buffering_bounded_by_credit)
{
	struct vsock_conn c = conn();
	int sv[2];
	char big[1000], got[2000];
	int sndbuf = 1;
	ssize_t n, total = 0;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c.fd = sv[0];
	memset(big, 'x', sizeof(big));
	/* Fill the socket until it buffers in c. */
	for (int i = 0; i < 1000 && !c.buf_used; i++) {
		cr_assert_eq(vsock_conn_guest_rx(&c, 100), 0);
		cr_assert_eq(vsock_conn_send_host(&c, big, 100), 0);
		if (!c.buf_used)
			c.rx_cnt = c.fwd_cnt; /* all forwarded: keep the credit check quiet */
	}
	cr_assert(c.buf_used > 0, "socket full: bytes kept in the stream buffer");
	cr_assert(vsock_conn_has_output(&c));
	cr_assert_eq(c.rx_cnt - c.fwd_cnt, c.buf_used, "buffered bytes are exactly the unforwarded ones");
	cr_assert_eq(vsock_conn_send_host(&c, big, 1000), -ENOSPC, "never beyond buf_alloc");
	/* Drain the peer; flushing forwards everything. */
	while ((n = recv(sv[1], got, sizeof(got), 0)) > 0) {
		total += n;
		cr_assert_eq(vsock_conn_flush(&c), 0);
		if (!vsock_conn_has_output(&c))
			break;
	}
	cr_assert_not(vsock_conn_has_output(&c));
	cr_assert_eq(c.fwd_cnt, c.rx_cnt);
	close(sv[1]);
	cr_assert_lt(vsock_conn_send_host(&c, big, 10), 0, "peer gone: EPIPE");
	close(sv[0]);
	free(c.buf);
}

Test(vsock_table, limits_lookup_and_reuse)
{
	struct vsock_table t;
	struct vsock_conn *c[4], *x;

	cr_assert_eq(vsock_table_init(&t, 0), -EINVAL);
	cr_assert_eq(vsock_table_init(&t, VSOCK_MAX_CONNS_LIMIT + 1), -EINVAL);
	cr_assert_eq(vsock_table_init(&t, 3), 0);
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert_eq(vsock_table_add(&t, 80, 1000 + i, &c[i]), 0);
		c[i]->state = VSOCK_CONN_ESTABLISHED;
	}
	cr_assert_eq(vsock_table_add(&t, 80, 2000, &x), -ENOSPC);
	cr_assert_eq(t.count, 3);
	cr_assert_eq(vsock_table_lookup(&t, 80, 1001), c[1]);
	cr_assert_null(vsock_table_lookup(&t, 81, 1001));
	vsock_table_remove(&t, c[1]);
	cr_assert_null(vsock_table_lookup(&t, 80, 1001));
	cr_assert_eq(vsock_table_lookup(&t, 80, 1002), c[2], "other chain members survive");
	cr_assert_eq(vsock_table_add(&t, 80, 1000, &x), -EEXIST);
	cr_assert_eq(vsock_table_add(&t, 90, 1000, &c[3]), 0);
	cr_assert_eq(c[3]->buf_alloc, VSOCK_CONN_BUF_ALLOC);
	cr_assert_eq(c[3]->fd, -1);
	vsock_table_fini(&t);
}

Test(vsock_table, local_ports_skip_used)
{
	struct vsock_table t;
	struct vsock_conn *c;
	uint32_t p1, p2;

	cr_assert_eq(vsock_table_init(&t, 8), 0);
	p1 = vsock_table_local_port(&t, 52);
	cr_assert_geq(p1, VSOCK_LOCAL_PORT_MIN);
	cr_assert_eq(vsock_table_add(&t, p1 + 1, 52, &c), 0);
	p2 = vsock_table_local_port(&t, 52);
	cr_assert_eq(p2, p1 + 2, "the port in use with this guest port is skipped");
	t.next_local_port = UINT32_MAX - 1;
	cr_assert_eq(vsock_table_local_port(&t, 52), UINT32_MAX - 1);
	cr_assert_eq(vsock_table_local_port(&t, 52), VSOCK_LOCAL_PORT_MIN, "wraps into the local range");
	vsock_table_fini(&t);
}
