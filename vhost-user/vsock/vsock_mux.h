/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vsock multiplexer: guest packets on the tx queue <-> host unix-socket
 * streams, on one libev loop (the daemon's control loop).
 *
 *   host-initiated: a program connects to uds_path and writes
 *     "CONNECT <port>\n"; the mux picks a host port (>= 2^30), sends the
 *     guest a REQUEST, and on RESPONSE writes "OK <host port>\n" to the
 *     program; on RST it closes the program's socket.
 *   guest-initiated: a REQUEST to host port P connects to "<uds_path>_<P>";
 *     RESPONSE if that works, RST otherwise.
 *
 * Packets owed to the guest wait as per-stream pending bits (and a bounded
 * ring of RSTs for packets without a stream) until the rx queue has
 * buffers; streams are served round-robin. A host stream is read only
 * while the guest has credit for it, and at most the advertised buf_alloc
 * is buffered towards the host, so memory per stream is bounded.
 *
 *	vsock_mux_init(&m, loop, cid, "/run/vm.vsock", 1024, 256);
 *	vsock_mux_set_queue(&m, VSOCK_QUEUE_RX, vq);   // queue_start
 *	vsock_mux_kick(&m, VSOCK_QUEUE_TX);            // queue_kick
 */
#ifndef CNH_VSOCK_MUX_H
#define CNH_VSOCK_MUX_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/ratelimit.h"
#include "vhost-user/lib/virtq.h"
#include "vhost-user/vsock/vsock_conn.h"
#include "vhost-user/vsock/vsock_proto.h"

enum {
	VSOCK_QUEUE_RX = 0,
	VSOCK_QUEUE_TX = 1,
	VSOCK_QUEUE_EVENT = 2,
	VSOCK_NUM_QUEUES = 3,
};

#define VSOCK_DEF_MAX_CONNS 1024
#define VSOCK_MAX_PENDING_HOST 64  /* accepted, CONNECT line not read yet */
#define VSOCK_MAX_RST 256          /* RSTs for packets without a stream */
#define VSOCK_PENDING_HOST_TIMEOUT 10.0
#define VSOCK_CONNECT_TIMEOUT 30.0  /* REQUEST sent, no RESPONSE: RST the guest, drop */
#define VSOCK_CLOSE_TIMEOUT 5.0     /* guest shut down, host not drained: RST */

struct vsock_mux;

struct vsock_pending_host {
	struct vsock_mux *m;
	ev_io io;             /* io.fd < 0: free */
	ev_tstamp deadline;
	char line[VSOCK_PROTO_MAX_LINE];
	size_t len;
};

struct vsock_mux {
	struct ev_loop *loop;
	uint64_t guest_cid;
	char uds_path[108];
	int listen_fd;
	ev_io listen_io;
	ev_timer sweep;
	struct vsock_table table;
	struct vsock_pending_host pend[VSOCK_MAX_PENDING_HOST];
	struct vu_virtq *vq[VSOCK_NUM_QUEUES]; /* NULL when not running */
	struct vu_elem *elem;
	uint8_t *bounce;                   /* VSOCK_PKT_MAX_PAYLOAD */
	struct vsock_hdr rst[VSOCK_MAX_RST];
	unsigned int rst_head, rst_count;
	unsigned int cursor;               /* round-robin position in the table */
	bool reset_event_pending;
	bool in_rx;
	struct ratelimit rl;
	/* Statistics (tests, logs). */
	uint64_t stat_rx_pkts, stat_tx_pkts, stat_bad_pkts, stat_rst_sent;
};

/*
 * Set up for a guest with guest_cid; listen on uds_path (NULL: no
 * host-initiated streams; guest REQUESTs then get RST), a stale socket
 * there is replaced. max_conns bounds the streams (1..65536), max_queue_size
 * the chains popped. 0 or -errno.
 */
int vsock_mux_init(struct vsock_mux *m, struct ev_loop *loop, uint64_t guest_cid, const char *uds_path,
		   unsigned int max_conns, uint16_t max_queue_size) __must_check;
/* Close everything, unlink the listening socket. Accepts a zeroed mux. */
void vsock_mux_fini(struct vsock_mux *m);
/* A queue started (vq) or stopped (NULL); a started queue is processed at once. */
void vsock_mux_set_queue(struct vsock_mux *m, unsigned int qidx, struct vu_virtq *vq);
/* The driver kicked queue qidx. */
void vsock_mux_kick(struct vsock_mux *m, unsigned int qidx);
/* Drop every stream (device reset): host sockets closed, nothing sent. */
void vsock_mux_reset(struct vsock_mux *m);
/* Drop every stream and tell the guest (VIRTIO_VSOCK_EVENT_TRANSPORT_RESET). */
void vsock_mux_transport_reset(struct vsock_mux *m);

#endif
