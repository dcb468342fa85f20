/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/vsock/vsock_mux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/log.h"

#define VSOCK_TAG "vsock"
#define VSOCK_PKTS_PER_TURN 4 /* packets one stream may take per round-robin turn */

static void vsock_mux_process_rx(struct vsock_mux *m);
static void vsock_conn_update(struct vsock_mux *m, struct vsock_conn *c);

static void vsock_mux_bad(struct vsock_mux *m, const struct vsock_hdr *h, const char *why)
{
	char b[16];

	m->stat_bad_pkts++;
	if (ratelimit_ok(&m->rl))
		log_warn(VSOCK_TAG, "guest packet %s %u->%u rejected: %s (%u suppressed)",
			 vsock_op_name(h->op, b, sizeof(b)), h->src_port, h->dst_port, why,
			 ratelimit_missed(&m->rl));
}

/* Queue an RST from host_port to guest_port (no stream needed). */
static void vsock_mux_queue_rst(struct vsock_mux *m, uint32_t host_port, uint32_t guest_port)
{
	struct vsock_hdr *h;

	if (m->rst_count == VSOCK_MAX_RST)
		return; /* the guest times the stream out instead */
	h = &m->rst[(m->rst_head + m->rst_count++) % VSOCK_MAX_RST];
	vsock_hdr_init(h, m->guest_cid, host_port, guest_port, VSOCK_OP_RST);
}

static void vsock_conn_watch_stop(struct vsock_mux *m, struct vsock_conn *c)
{
	ev_io_stop(m->loop, &c->rio);
	ev_io_stop(m->loop, &c->wio);
}

/* Forget a stream; with rst the guest is told. */
static void vsock_conn_kill(struct vsock_mux *m, struct vsock_conn *c, bool rst)
{
	if (rst)
		vsock_mux_queue_rst(m, c->host_port, c->guest_port);
	vsock_conn_watch_stop(m, c);
	vsock_table_remove(&m->table, c);
}

static void vsock_conn_rio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vsock_conn *c = container_of(w, struct vsock_conn, rio);
	struct vsock_mux *m = w->data;

	ev_io_stop(loop, w);
	c->readable = true;
	vsock_mux_process_rx(m);
}

static void vsock_conn_wio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vsock_conn *c = container_of(w, struct vsock_conn, wio);
	struct vsock_mux *m = w->data;

	if (vsock_conn_flush(c) < 0) {
		vsock_conn_kill(m, c, true);
	} else {
		vsock_conn_update(m, c);
	}
	vsock_mux_process_rx(m);
}

/* Give c its fd (taken) and watchers. */
static void vsock_conn_attach(struct vsock_mux *m, struct vsock_conn *c, int fd)
{
	c->fd = fd;
	ev_io_init(&c->rio, vsock_conn_rio_cb, fd, EV_READ);
	ev_io_init(&c->wio, vsock_conn_wio_cb, fd, EV_WRITE);
	c->rio.data = m;
	c->wio.data = m;
}

/* Does c owe the guest a packet right now? */
static bool vsock_conn_has_rx(const struct vsock_conn *c)
{
	if (c->pending)
		return true;
	return c->state == VSOCK_CONN_ESTABLISHED && c->readable && !c->host_eof && !c->guest_shut_rcv &&
	       vsock_conn_peer_credit(c) > 0;
}

/* Bring watchers, host-side shutdown and owed packets in line with c's state. */
static void vsock_conn_update(struct vsock_mux *m, struct vsock_conn *c)
{
	bool want_read;

	if (c->state == VSOCK_CONN_FREE)
		return;
	if (vsock_conn_has_output(c)) {
		ev_io_start(m->loop, &c->wio);
	} else {
		ev_io_stop(m->loop, &c->wio);
		if (c->guest_shut_send && !c->host_shut_wr_done && c->fd >= 0) {
			shutdown(c->fd, SHUT_WR);
			c->host_shut_wr_done = true;
		}
		if (c->guest_shut_send && c->guest_shut_rcv) {
			/* The guest closed and everything reached the host: done. */
			vsock_conn_kill(m, c, true);
			return;
		}
	}
	want_read = c->state == VSOCK_CONN_ESTABLISHED && !c->readable && !c->host_eof &&
		    !c->guest_shut_rcv && vsock_conn_peer_credit(c) > 0;
	if (want_read)
		ev_io_start(m->loop, &c->rio);
	else
		ev_io_stop(m->loop, &c->rio);
	if (c->state == VSOCK_CONN_ESTABLISHED && vsock_conn_want_credit_update(c))
		c->pending |= VSOCK_PEND_CREDIT_UPDATE;
}

/* A REQUEST from the guest to host port dst_port: connect to <uds>_<port>. */
static void vsock_mux_guest_connect(struct vsock_mux *m, const struct vsock_hdr *h)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct vsock_conn *c;
	int fd, r;

	if (!m->uds_path[0] ||
	    vsock_proto_listener_path(sun.sun_path, sizeof(sun.sun_path), m->uds_path, h->dst_port) < 0)
		goto rst;
	r = vsock_table_add(&m->table, h->dst_port, h->src_port, &c);
	if (r < 0) {
		vsock_mux_bad(m, h, r == -ENOSPC ? "too many streams" : "stream exists");
		goto rst;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		log_debug(VSOCK_TAG, "guest port %u -> %s: %s", h->src_port, sun.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		vsock_table_remove(&m->table, c);
		goto rst;
	}
	vsock_conn_attach(m, c, fd);
	c->state = VSOCK_CONN_ESTABLISHED;
	vsock_conn_set_peer(c, h->buf_alloc, h->fwd_cnt);
	c->pending |= VSOCK_PEND_RESPONSE;
	vsock_conn_update(m, c);
	return;
rst:
	vsock_mux_queue_rst(m, h->dst_port, h->src_port);
}

static void vsock_mux_guest_rw(struct vsock_mux *m, struct vsock_conn *c, const struct vu_elem *e,
			       const struct vsock_pkt *p)
{
	if (c->state != VSOCK_CONN_ESTABLISHED || c->guest_shut_send) {
		vsock_mux_bad(m, &p->hdr, "data on a stream not open for it");
		vsock_conn_kill(m, c, true);
		return;
	}
	if (vsock_conn_guest_rx(c, p->len) < 0) {
		vsock_mux_bad(m, &p->hdr, "data beyond the advertised credit");
		vsock_conn_kill(m, c, true);
		return;
	}
	if (!p->len)
		return;
	if (vsock_iov_to_buf(e->out_sg, e->out_num, p->payload_off, m->bounce, p->len) != p->len ||
	    vsock_conn_send_host(c, m->bounce, p->len) < 0)
		vsock_conn_kill(m, c, true); /* the host end is gone */
}

static void vsock_mux_guest_shutdown(struct vsock_mux *m, struct vsock_conn *c, uint32_t flags)
{
	if (flags & VSOCK_SHUTDOWN_RCV)
		c->guest_shut_rcv = true;
	if (flags & VSOCK_SHUTDOWN_SEND)
		c->guest_shut_send = true;
	if (c->guest_shut_rcv && c->guest_shut_send)
		c->deadline = ev_now(m->loop) + VSOCK_CLOSE_TIMEOUT;
}

/* One chain from the tx queue. */
static void vsock_mux_tx_one(struct vsock_mux *m, const struct vu_elem *e)
{
	struct vsock_pkt p;
	const char *why = "";
	struct vsock_conn *c;
	enum vsock_verdict v = vsock_pkt_parse(e->out_sg, e->out_num, m->guest_cid, &p, &why);
	const struct vsock_hdr *h = &p.hdr;

	m->stat_tx_pkts++;
	if (v != VSOCK_PKT_OK) {
		vsock_mux_bad(m, h, why);
		if (v == VSOCK_PKT_RST)
			vsock_mux_queue_rst(m, h->dst_port, h->src_port);
		return;
	}
	c = vsock_table_lookup(&m->table, h->dst_port, h->src_port);
	if (h->op == VSOCK_OP_REQUEST) {
		if (c) {
			vsock_mux_bad(m, h, "REQUEST for an open stream");
			vsock_conn_kill(m, c, true);
			return;
		}
		vsock_mux_guest_connect(m, h);
		return;
	}
	if (!c) {
		if (h->op != VSOCK_OP_RST)
			vsock_mux_queue_rst(m, h->dst_port, h->src_port);
		return;
	}
	vsock_conn_set_peer(c, h->buf_alloc, h->fwd_cnt);
	switch (h->op) {
	case VSOCK_OP_RESPONSE:
		if (c->state != VSOCK_CONN_LOCAL_INIT) {
			vsock_mux_bad(m, h, "unexpected RESPONSE");
			vsock_conn_kill(m, c, true);
			return;
		}
		c->state = VSOCK_CONN_ESTABLISHED;
		c->ok_len = (uint8_t)vsock_proto_format_ok(c->ok_line, sizeof(c->ok_line), c->host_port);
		if (vsock_conn_flush(c) < 0) {
			vsock_conn_kill(m, c, true);
			return;
		}
		break;
	case VSOCK_OP_RST:
		vsock_conn_kill(m, c, false);
		return;
	case VSOCK_OP_SHUTDOWN:
		vsock_mux_guest_shutdown(m, c, h->flags);
		break;
	case VSOCK_OP_RW:
		vsock_mux_guest_rw(m, c, e, &p);
		if (c->state == VSOCK_CONN_FREE)
			return;
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		c->pending |= VSOCK_PEND_CREDIT_UPDATE;
		break;
	default: /* CREDIT_UPDATE: the peer fields are all it carries */
		break;
	}
	vsock_conn_update(m, c);
}

static void vsock_mux_process_tx(struct vsock_mux *m)
{
	struct vu_virtq *vq = m->vq[VSOCK_QUEUE_TX];
	bool pushed = false;

	if (!vq)
		return;
	while (vu_virtq_pop(vq, m->elem) == 0) {
		vsock_mux_tx_one(m, m->elem);
		vu_virtq_push(vq, m->elem, 0);
		pushed = true;
	}
	if (pushed)
		vu_virtq_notify(vq);
}

/* Write h (+ data) into the popped rx chain e; false when it cannot hold a header. */
static bool vsock_mux_rx_fill(const struct vu_elem *e, const struct vsock_hdr *h, const void *data, uint32_t len)
{
	if (vsock_iov_from_buf(e->in_sg, e->in_num, 0, h, sizeof(*h)) != sizeof(*h))
		return false;
	return vsock_iov_from_buf(e->in_sg, e->in_num, sizeof(*h), data, len) == len;
}

/*
 * Produce c's next packet into the popped chain e. Returns bytes written
 * (header included), 0 when c had nothing after all (e not used).
 */
static uint32_t vsock_mux_rx_conn(struct vsock_mux *m, struct vsock_conn *c, const struct vu_elem *e)
{
	struct vsock_hdr h;
	uint32_t room, want;
	ssize_t n;

	static const struct {
		uint32_t bit;
		uint16_t op;
	} ctl[] = {
		{ VSOCK_PEND_REQUEST, VSOCK_OP_REQUEST },
		{ VSOCK_PEND_RESPONSE, VSOCK_OP_RESPONSE },
		{ VSOCK_PEND_CREDIT_UPDATE, VSOCK_OP_CREDIT_UPDATE },
		{ VSOCK_PEND_SHUTDOWN, VSOCK_OP_SHUTDOWN },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(ctl); i++) {
		if (!(c->pending & ctl[i].bit))
			continue;
		c->pending &= ~ctl[i].bit;
		vsock_conn_hdr(c, m->guest_cid, ctl[i].op, &h);
		if (ctl[i].op == VSOCK_OP_SHUTDOWN)
			h.flags = c->shutdown_flags;
		if (ctl[i].op != VSOCK_OP_REQUEST && ctl[i].op != VSOCK_OP_RESPONSE)
			c->pending &= ~VSOCK_PEND_CREDIT_UPDATE; /* every packet carries the credit */
		return vsock_mux_rx_fill(e, &h, NULL, 0) ? sizeof(h) : 0;
	}
	if (!vsock_conn_has_rx(c) || e->in_len <= sizeof(h))
		return 0;
	room = (uint32_t)MIN(e->in_len - sizeof(h), (uint64_t)VSOCK_PKT_MAX_PAYLOAD);
	want = MIN(room, vsock_conn_peer_credit(c));
	do
		n = recv(c->fd, m->bounce, want, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->readable = false;
		return 0;
	}
	if (n < 0) {
		vsock_conn_kill(m, c, true);
		return 0;
	}
	if (n == 0) {
		/* The host will send no more; the guest may still write (half close). */
		c->host_eof = true;
		c->readable = false;
		c->shutdown_flags = VSOCK_SHUTDOWN_SEND;
		c->pending |= VSOCK_PEND_SHUTDOWN;
		return 0;
	}
	vsock_conn_hdr(c, m->guest_cid, VSOCK_OP_RW, &h);
	h.len = (uint32_t)n;
	c->pending &= ~VSOCK_PEND_CREDIT_UPDATE;
	c->tx_cnt += (uint32_t)n;
	return vsock_mux_rx_fill(e, &h, m->bounce, (uint32_t)n) ? (uint32_t)(sizeof(h) + n) : 0;
}

/* Pop an rx chain that can hold a header; smaller ones are returned unused. 0 or -1. */
static int vsock_mux_rx_pop(struct vsock_mux *m, struct vu_virtq *vq)
{
	while (vu_virtq_pop(vq, m->elem) == 0) {
		if (m->elem->in_len >= sizeof(struct vsock_hdr))
			return 0;
		vu_virtq_push(vq, m->elem, 0);
		{
			static const struct vsock_hdr none;

			vsock_mux_bad(m, &none, "rx buffer smaller than a header");
		}
	}
	return -1;
}

/* Fill rx buffers: stand-alone RSTs first, then streams round-robin. */
static void vsock_mux_process_rx(struct vsock_mux *m)
{
	struct vu_virtq *vq = m->vq[VSOCK_QUEUE_RX];
	unsigned int max = m->table.max, scanned = 0;
	bool pushed = false, empty = false;

	if (!vq || m->in_rx)
		return;
	m->in_rx = true;
	while (m->rst_count && !empty) {
		if (vsock_mux_rx_pop(m, vq) < 0) {
			empty = true;
			break;
		}
		vu_virtq_push(vq, m->elem,
			      vsock_mux_rx_fill(m->elem, &m->rst[m->rst_head], NULL, 0) ? sizeof(struct vsock_hdr) : 0);
		m->rst_head = (m->rst_head + 1) % VSOCK_MAX_RST;
		m->rst_count--;
		m->stat_rst_sent++;
		pushed = true;
	}
	while (!empty && scanned < max) {
		struct vsock_conn *c = &m->table.conns[m->cursor];

		for (unsigned int k = 0; k < VSOCK_PKTS_PER_TURN && c->state != VSOCK_CONN_FREE && vsock_conn_has_rx(c); k++) {
			uint32_t len;

			if (vsock_mux_rx_pop(m, vq) < 0) {
				empty = true;
				break;
			}
			len = vsock_mux_rx_conn(m, c, m->elem);
			if (!len) {
				vu_virtq_unpop(vq);
				if (c->state != VSOCK_CONN_FREE)
					vsock_conn_update(m, c);
				continue;
			}
			vu_virtq_push(vq, m->elem, len);
			m->stat_rx_pkts++;
			pushed = true;
		}
		if (c->state != VSOCK_CONN_FREE)
			vsock_conn_update(m, c);
		if (empty)
			break;
		m->cursor = (m->cursor + 1) % max;
		scanned++;
	}
	/* RSTs queued by kills during the scan. */
	while (m->rst_count && vsock_mux_rx_pop(m, vq) == 0) {
		vu_virtq_push(vq, m->elem,
			      vsock_mux_rx_fill(m->elem, &m->rst[m->rst_head], NULL, 0) ? sizeof(struct vsock_hdr) : 0);
		m->rst_head = (m->rst_head + 1) % VSOCK_MAX_RST;
		m->rst_count--;
		m->stat_rst_sent++;
		pushed = true;
	}
	if (pushed)
		vu_virtq_notify(vq);
	m->in_rx = false;
}

static void vsock_mux_process_event(struct vsock_mux *m)
{
	struct vu_virtq *vq = m->vq[VSOCK_QUEUE_EVENT];
	uint32_t id = VSOCK_EVENT_TRANSPORT_RESET;

	if (!vq || !m->reset_event_pending)
		return;
	if (vu_virtq_pop(vq, m->elem) < 0)
		return;
	vu_virtq_push(vq, m->elem, (uint32_t)vsock_iov_from_buf(m->elem->in_sg, m->elem->in_num, 0, &id, sizeof(id)));
	vu_virtq_notify(vq);
	m->reset_event_pending = false;
}

void vsock_mux_kick(struct vsock_mux *m, unsigned int qidx)
{
	switch (qidx) {
	case VSOCK_QUEUE_TX:
		vsock_mux_process_tx(m);
		vsock_mux_process_rx(m);
		break;
	case VSOCK_QUEUE_RX:
		vsock_mux_process_rx(m);
		break;
	case VSOCK_QUEUE_EVENT:
		vsock_mux_process_event(m);
		break;
	default:
		break;
	}
}

void vsock_mux_set_queue(struct vsock_mux *m, unsigned int qidx, struct vu_virtq *vq)
{
	if (qidx >= VSOCK_NUM_QUEUES)
		return;
	m->vq[qidx] = vq;
	if (vq)
		vsock_mux_kick(m, qidx);
}

/* Host side: a program connected to uds_path; read its CONNECT line. */
static void vsock_pend_close(struct vsock_mux *m, struct vsock_pending_host *p)
{
	ev_io_stop(m->loop, &p->io);
	close(p->io.fd);
	p->io.fd = -1;
}

static void vsock_pend_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vsock_pending_host *p = container_of(w, struct vsock_pending_host, io);
	struct vsock_mux *m = p->m;
	struct vsock_conn *c;
	uint32_t port;
	size_t used;
	ssize_t n;
	int r = -EAGAIN, fd;

	/* Byte by byte: whatever follows the line is stream data for the guest. */
	while (r == -EAGAIN) {
		if (p->len >= sizeof(p->line))
			goto drop;
		n = recv(w->fd, p->line + p->len, 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			goto drop;
		p->len++;
		r = vsock_proto_parse_connect(p->line, p->len, &port, &used);
	}
	if (r < 0)
		goto drop;
	r = vsock_table_add(&m->table, vsock_table_local_port(&m->table, port), port, &c);
	if (r < 0) {
		log_warn(VSOCK_TAG, "host CONNECT %u refused: %s", port, strerror(-r));
		goto drop;
	}
	fd = w->fd;
	ev_io_stop(loop, w);
	w->fd = -1;
	vsock_conn_attach(m, c, fd);
	c->host_init = true;
	c->state = VSOCK_CONN_LOCAL_INIT;
	c->pending = VSOCK_PEND_REQUEST;
	c->deadline = ev_now(loop) + VSOCK_CONNECT_TIMEOUT;
	vsock_mux_process_rx(m);
	return;
drop:
	vsock_pend_close(m, p);
}

static void vsock_mux_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vsock_mux *m = container_of(w, struct vsock_mux, listen_io);
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (unsigned int i = 0; i < VSOCK_MAX_PENDING_HOST; i++) {
		struct vsock_pending_host *p = &m->pend[i];

		if (p->io.fd >= 0)
			continue;
		ev_io_init(&p->io, vsock_pend_cb, fd, EV_READ);
		p->len = 0;
		p->deadline = ev_now(loop) + VSOCK_PENDING_HOST_TIMEOUT;
		ev_io_start(loop, &p->io);
		return;
	}
	close(fd); /* too many handshakes in progress */
}

static void vsock_mux_sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vsock_mux *m = container_of(w, struct vsock_mux, sweep);
	ev_tstamp now = ev_now(loop);
	bool killed = false;

	for (unsigned int i = 0; i < VSOCK_MAX_PENDING_HOST; i++)
		if (m->pend[i].io.fd >= 0 && now > m->pend[i].deadline)
			vsock_pend_close(m, &m->pend[i]);
	for (unsigned int i = 0; i < m->table.max; i++) {
		struct vsock_conn *c = &m->table.conns[i];
		bool late = c->state == VSOCK_CONN_LOCAL_INIT ||
			    (c->state == VSOCK_CONN_ESTABLISHED && c->guest_shut_send && c->guest_shut_rcv);

		if (c->state != VSOCK_CONN_FREE && late && now > c->deadline) {
			vsock_conn_kill(m, c, true);
			killed = true;
		}
	}
	if (killed)
		vsock_mux_process_rx(m);
}

static int vsock_mux_listen(struct vsock_mux *m, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	/* Room for "_<port>" (at most 11 bytes) and the NUL after the name. */
	if (strlen(path) >= sizeof(sun.sun_path) || strlen(path) > sizeof(m->uds_path) - 12)
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	strcpy(m->uds_path, path);
	m->listen_fd = fd;
	ev_io_init(&m->listen_io, vsock_mux_accept_cb, fd, EV_READ);
	ev_io_start(m->loop, &m->listen_io);
	return 0;
}

int vsock_mux_init(struct vsock_mux *m, struct ev_loop *loop, uint64_t guest_cid, const char *uds_path,
		   unsigned int max_conns, uint16_t max_queue_size)
{
	int r;

	memset(m, 0, sizeof(*m));
	m->loop = loop;
	m->guest_cid = guest_cid;
	m->listen_fd = -1;
	ratelimit_init(&m->rl, 5000, 10);
	for (unsigned int i = 0; i < VSOCK_MAX_PENDING_HOST; i++) {
		m->pend[i].m = m;
		m->pend[i].io.fd = -1;
	}
	r = vsock_table_init(&m->table, max_conns);
	if (r < 0)
		goto fail;
	m->elem = vu_elem_new(max_queue_size);
	m->bounce = malloc(VSOCK_PKT_MAX_PAYLOAD);
	if (!m->elem || !m->bounce) {
		r = -ENOMEM;
		goto fail;
	}
	if (uds_path) {
		r = vsock_mux_listen(m, uds_path);
		if (r < 0)
			goto fail;
	}
	ev_timer_init(&m->sweep, vsock_mux_sweep_cb, 1.0, 1.0);
	ev_timer_start(loop, &m->sweep);
	return 0;
fail:
	vsock_mux_fini(m);
	return r;
}

void vsock_mux_reset(struct vsock_mux *m)
{
	for (unsigned int i = 0; i < m->table.max; i++)
		if (m->table.conns[i].state != VSOCK_CONN_FREE)
			vsock_conn_kill(m, &m->table.conns[i], false);
	m->rst_count = 0;
	m->rst_head = 0;
}

void vsock_mux_transport_reset(struct vsock_mux *m)
{
	vsock_mux_reset(m);
	m->reset_event_pending = true;
	vsock_mux_process_event(m);
}

void vsock_mux_fini(struct vsock_mux *m)
{
	if (m->loop) {
		vsock_mux_reset(m);
		for (unsigned int i = 0; i < VSOCK_MAX_PENDING_HOST; i++)
			if (m->pend[i].io.fd >= 0)
				vsock_pend_close(m, &m->pend[i]);
		ev_timer_stop(m->loop, &m->sweep);
		if (m->listen_fd >= 0) {
			ev_io_stop(m->loop, &m->listen_io);
			closep(&m->listen_fd);
			unlink(m->uds_path);
		}
	}
	vsock_table_fini(&m->table);
	vu_elem_free(m->elem);
	free(m->bounce);
	memset(m, 0, sizeof(*m));
	m->listen_fd = -1;
}
