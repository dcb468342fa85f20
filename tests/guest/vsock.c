// SPDX-License-Identifier: Apache-2.0
/*
 * cnh test guest: the vsock scenario (virtio-vsock, 1af4:1053), polled.
 *
 *   cnh.vsock.cid=<n>       expected guest_cid in the device configuration
 *   cnh.vsock.hostport=<p>  (b) connect to host port p (cid 2), send a marker
 *                           line, expect "HOST:" + the marker back, close
 *   cnh.vsock.port=<p>      (a) listen on port p (default 1234): accept
 *                           cnh.vsock.conns=<n> streams (default 1, max 8),
 *                           echo each data packet as "ECHO:" + upper case,
 *                           after a chunk ending in '\n' shut the stream down
 *   cnh.vsock.wait=<s>      seconds to wait for the host (default 120)
 *
 * Prints "cnh-test-guest: vsock: listening on port <p>" before (a).
 * Credit: advertises buf_alloc 4096 per stream (data is consumed at once),
 * sends CREDIT_UPDATE on request, and never sends more than the host's
 * buf_alloc - (sent - fwd_cnt).
 */
#include "scenarios.h"

#define VIRTIO_ID_VSOCK 19
#define VS_NQ 3
#define VS_QSIZE 16
#define VS_RXBUF 1024
#define VS_BUF_ALLOC 4096
#define VS_HOST_CID 2
#define VS_MAX_STREAMS 8
#define VS_TSC_PER_MS 4000000ull

enum { OP_REQUEST = 1, OP_RESPONSE, OP_RST, OP_SHUTDOWN, OP_RW, OP_CREDIT_UPDATE, OP_CREDIT_REQUEST };

struct vs_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __packed;

struct vs_stream {
	bool used, done;
	uint32_t host_port, guest_port;
	uint32_t rx_cnt;                  /* our fwd_cnt: consumed at once */
	uint32_t tx_cnt, peer_buf_alloc, peer_fwd_cnt;
	uint32_t bytes_in;
};

struct vs {
	struct virtio_pci vp;
	uint64_t cid;
	struct vs_stream s[VS_MAX_STREAMS];
	uint32_t listen_port;
	char *detail;
	size_t size;
	unsigned int accepted, finished, rsts;
	unsigned int want;                /* streams to serve in (a) */
	/* (b) */
	struct vs_stream out;
	bool out_open, out_refused;
	char reply[128];
	uint32_t reply_len;
};

static uint8_t vs_rx[VS_QSIZE][VS_RXBUF] __attribute__((aligned(4096)));
static uint8_t vs_tx[2048] __attribute__((aligned(64)));
static uint8_t vs_ev[VS_QSIZE][8] __attribute__((aligned(64)));

static uint64_t vs_deadline(uint64_t ms)
{
	return rdtsc() + ms * VS_TSC_PER_MS;
}

static bool vs_expired(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) > 0;
}

static void vs_post(struct virtq *vq, uint16_t i, void *buf, uint32_t len)
{
	vq->desc[i].addr = (uint64_t)(uintptr_t)buf;
	vq->desc[i].len = len;
	vq->desc[i].flags = VIRTQ_DESC_F_WRITE;
	vq->desc[i].next = 0;
	virtq_submit(vq, i);
}

/* Send one packet on the tx queue and wait for the device to take it. */
static bool vs_send(struct vs *v, struct vs_stream *s, uint16_t op, uint32_t flags, const void *data,
		    uint32_t len)
{
	struct virtq *vq = &v->vp.vq[1];
	struct vs_hdr h = {
		.src_cid = v->cid, .dst_cid = VS_HOST_CID, .src_port = s->guest_port,
		.dst_port = s->host_port, .len = len, .type = 1, .op = op, .flags = flags,
		.buf_alloc = VS_BUF_ALLOC, .fwd_cnt = s->rx_cnt,
	};
	uint32_t id, ulen;

	if (len > sizeof(vs_tx) - sizeof(h))
		return false;
	memcpy(vs_tx, &h, sizeof(h));
	memcpy(vs_tx + sizeof(h), data, len);
	vq->desc[0].addr = (uint64_t)(uintptr_t)vs_tx;
	vq->desc[0].len = (uint32_t)sizeof(h) + len;
	vq->desc[0].flags = 0;
	vq->desc[0].next = 0;
	virtq_submit(vq, 0);
	if (!virtq_wait(vq, 15000, &id, &ulen)) {
		snprintf(v->detail, v->size, "tx packet op %u not completed (status 0x%x)", op,
			 virtio_pci_status(&v->vp));
		return false;
	}
	if (op == OP_RW)
		s->tx_cnt += len;
	return true;
}

static uint32_t vs_credit(const struct vs_stream *s)
{
	uint32_t used = s->tx_cnt - s->peer_fwd_cnt;

	return used >= s->peer_buf_alloc ? 0 : s->peer_buf_alloc - used;
}

static struct vs_stream *vs_find(struct vs *v, const struct vs_hdr *h)
{
	if (v->out_open && h->src_port == v->out.host_port && h->dst_port == v->out.guest_port)
		return &v->out;
	for (unsigned int i = 0; i < VS_MAX_STREAMS; i++)
		if (v->s[i].used && v->s[i].host_port == h->src_port && v->s[i].guest_port == h->dst_port)
			return &v->s[i];
	return NULL;
}

/* Echo a chunk of a listening stream; shut down after a line end. */
static bool vs_echo(struct vs *v, struct vs_stream *s, const uint8_t *data, uint32_t len)
{
	uint8_t out[5 + VS_RXBUF];

	memcpy(out, "ECHO:", 5);
	for (uint32_t i = 0; i < len; i++)
		out[5 + i] = data[i] >= 'a' && data[i] <= 'z' ? (uint8_t)(data[i] - 32) : data[i];
	if (vs_credit(s) < len + 5) {
		snprintf(v->detail, v->size, "no host credit to echo %u bytes (buf_alloc %u fwd_cnt %u sent %u)",
			 len + 5, s->peer_buf_alloc, s->peer_fwd_cnt, s->tx_cnt);
		return false;
	}
	if (!vs_send(v, s, OP_RW, 0, out, len + 5))
		return false;
	if (len && data[len - 1] == '\n' && !s->done) {
		s->done = true;
		v->finished++;
		return vs_send(v, s, OP_SHUTDOWN, 3, NULL, 0);
	}
	return true;
}

/* One packet from the rx queue. False on a fatal problem (detail set). */
static bool vs_handle(struct vs *v, const uint8_t *buf, uint32_t used_len)
{
	struct vs_hdr h;
	struct vs_stream *s;

	if (used_len < sizeof(h)) {
		snprintf(v->detail, v->size, "rx packet of %u bytes", used_len);
		return false;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.src_cid != VS_HOST_CID || h.dst_cid != v->cid || h.len > used_len - sizeof(h)) {
		snprintf(v->detail, v->size, "bad rx header: cid %lu->%lu len %u of %u", h.src_cid, h.dst_cid,
			 h.len, used_len);
		return false;
	}
	s = vs_find(v, &h);
	if (h.op == OP_REQUEST) {
		struct vs_stream tmp = { .host_port = h.src_port, .guest_port = h.dst_port };

		if (s || h.dst_port != v->listen_port || v->accepted >= VS_MAX_STREAMS)
			return vs_send(v, &tmp, OP_RST, 0, NULL, 0);
		s = &v->s[v->accepted++];
		*s = tmp;
		s->used = true;
		s->peer_buf_alloc = h.buf_alloc;
		s->peer_fwd_cnt = h.fwd_cnt;
		return vs_send(v, s, OP_RESPONSE, 0, NULL, 0);
	}
	if (!s) {
		if (h.op == OP_RST)
			return true;
		struct vs_stream tmp = { .host_port = h.src_port, .guest_port = h.dst_port };
		return vs_send(v, &tmp, OP_RST, 0, NULL, 0);
	}
	s->peer_buf_alloc = h.buf_alloc;
	s->peer_fwd_cnt = h.fwd_cnt;
	switch (h.op) {
	case OP_RESPONSE:
		return true; /* (b) waits for it in vs_connect */
	case OP_RW:
		s->rx_cnt += h.len;
		s->bytes_in += h.len;
		if (s == &v->out) {
			uint32_t n = h.len;

			if (n > sizeof(v->reply) - 1 - v->reply_len)
				n = (uint32_t)sizeof(v->reply) - 1 - v->reply_len;
			memcpy(v->reply + v->reply_len, buf + sizeof(h), n);
			v->reply_len += n;
			v->reply[v->reply_len] = 0;
			return true;
		}
		return vs_echo(v, s, buf + sizeof(h), h.len);
	case OP_CREDIT_REQUEST:
		return vs_send(v, s, OP_CREDIT_UPDATE, 0, NULL, 0);
	case OP_SHUTDOWN:
		if (s == &v->out)
			return true;
		if (!s->done) {
			s->done = true;
			v->finished++;
		}
		return vs_send(v, s, OP_RST, 0, NULL, 0);
	case OP_RST:
		v->rsts++;
		if (s == &v->out) {
			v->out_open = false;
			v->out_refused = true;
		} else {
			if (!s->done) {
				s->done = true;
				v->finished++;
			}
			s->used = false;
		}
		return true;
	default:
		return true; /* CREDIT_UPDATE: fields taken above */
	}
}

/* Handle rx packets until done() or the deadline; false on a fatal problem. */
static bool vs_poll(struct vs *v, uint64_t deadline, bool (*done)(struct vs *v))
{
	struct virtq *rx = &v->vp.vq[0];

	while (!done(v)) {
		uint32_t id, len;

		if (vs_expired(deadline))
			return true;
		if (!virtq_wait(rx, 1, &id, &len))
			continue;
		if (id >= VS_QSIZE) {
			snprintf(v->detail, v->size, "rx used id %u", id);
			return false;
		}
		if (!vs_handle(v, vs_rx[id], len))
			return false;
		vs_post(rx, (uint16_t)id, vs_rx[id], VS_RXBUF);
	}
	return true;
}

static bool vs_out_settled(struct vs *v)
{
	return v->out_refused || (v->reply_len && v->reply[v->reply_len - 1] == '\n');
}

static bool vs_out_connected(struct vs *v)
{
	return v->out_refused || v->out.peer_buf_alloc != 0;
}

static bool vs_listen_done(struct vs *v)
{
	return v->accepted >= v->want && v->finished >= v->accepted;
}

static bool vs_never(struct vs *v)
{
	(void)v;
	return false;
}

/* (b): guest -> host. */
static bool vs_connect(struct vs *v, uint32_t host_port, uint64_t wait_ms, char *res, size_t res_size)
{
	char marker[64];
	int n = snprintf(marker, sizeof(marker), "hello from guest %lu\n", v->cid);

	v->out = (struct vs_stream){ .host_port = host_port, .guest_port = 40000 };
	v->out_open = true;
	if (!vs_send(v, &v->out, OP_REQUEST, 0, NULL, 0) || !vs_poll(v, vs_deadline(wait_ms), vs_out_connected))
		return false;
	if (v->out_refused || !v->out.peer_buf_alloc) {
		snprintf(v->detail, v->size, "host port %u: %s", host_port, v->out_refused ? "refused (RST)" : "no RESPONSE");
		return false;
	}
	if (vs_credit(&v->out) < (uint32_t)n) {
		snprintf(v->detail, v->size, "host port %u: no credit for the marker", host_port);
		return false;
	}
	if (!vs_send(v, &v->out, OP_RW, 0, marker, (uint32_t)n) || !vs_poll(v, vs_deadline(wait_ms), vs_out_settled))
		return false;
	if (v->reply_len < 5 || memcmp(v->reply, "HOST:", 5) || memcmp(v->reply + 5, marker, (size_t)n)) {
		snprintf(v->detail, v->size, "host port %u: reply \"%s\" is not HOST:<marker>", host_port, v->reply);
		return false;
	}
	v->out_open = !v->out_refused;
	if (v->out_open && !vs_send(v, &v->out, OP_SHUTDOWN, 3, NULL, 0))
		return false;
	snprintf(res, res_size, "host port %u echoed %u bytes", host_port, v->reply_len);
	return true;
}

bool vsock_scenario(struct scenario_ctx *ctx, char *detail, size_t size);

bool vsock_scenario(struct scenario_ctx *ctx, char *detail, size_t size)
{
	static struct vs v;
	struct pci_fn fn;
	uint64_t want_cid = 0, host_port = 0, port = 1234, conns = 1, wait_s = 120;
	char out_res[96] = "no guest->host test";

	memset(&v, 0, sizeof(v));
	v.detail = detail;
	v.size = size;
	boot_cmdline_u64(ctx->bi, "cnh.vsock.cid", &want_cid);
	boot_cmdline_u64(ctx->bi, "cnh.vsock.hostport", &host_port);
	boot_cmdline_u64(ctx->bi, "cnh.vsock.port", &port);
	boot_cmdline_u64(ctx->bi, "cnh.vsock.conns", &conns);
	boot_cmdline_u64(ctx->bi, "cnh.vsock.wait", &wait_s);
	if (conns > VS_MAX_STREAMS)
		conns = VS_MAX_STREAMS;
	if (!virtio_pci_find(ctx->pci, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_VSOCK, 0, &fn)) {
		snprintf(detail, size, "no virtio-vsock function (1af4:%04x) on bus 0",
			 VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_VSOCK);
		return false;
	}
	if (!virtio_pci_probe(&v.vp, &fn, detail, size))
		return false;
	if (!v.vp.device) {
		snprintf(detail, size, "no device configuration capability");
		return false;
	}
	if (!virtio_pci_init(&v.vp, ctx->vv, 0, VS_NQ, VS_QSIZE, detail, size))
		return false;
	v.cid = virtio_cfg_read64(&v.vp, 0);
	if (v.cid < 3 || (want_cid && v.cid != want_cid)) {
		snprintf(detail, size, "guest_cid %lu, expected %lu", v.cid, want_cid);
		return false;
	}
	for (uint16_t i = 0; i < v.vp.vq[0].size; i++)
		vs_post(&v.vp.vq[0], i, vs_rx[i], VS_RXBUF);
	for (uint16_t i = 0; i < v.vp.vq[2].size; i++)
		vs_post(&v.vp.vq[2], i, vs_ev[i], sizeof(vs_ev[i]));

	if (host_port && !vs_connect(&v, (uint32_t)host_port, wait_s * 1000, out_res, sizeof(out_res)))
		return false;

	v.listen_port = (uint32_t)port;
	v.want = (unsigned int)conns;
	printf("cnh-test-guest: vsock: listening on port %lu\n", port);
	if (!vs_poll(&v, vs_deadline(wait_s * 1000), vs_listen_done))
		return false;
	if (!vs_listen_done(&v)) {
		snprintf(detail, size, "port %lu: %u of %lu streams finished in %lu s", port, v.finished, conns,
			 wait_s);
		return false;
	}
	/* Let the device's RSTs for our shutdowns arrive, then reset the device. */
	if (!vs_poll(&v, vs_deadline(200), vs_never))
		return false;
	virtio_pci_reset(&v.vp);
	snprintf(detail, size, "cid %lu; %s; port %lu: %u streams echoed", v.cid, out_res, port, v.accepted);
	return true;
}
