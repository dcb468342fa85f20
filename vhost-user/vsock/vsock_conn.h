/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One host<->guest stream and the table holding them.
 *
 * Credit (virtio 1.2, 5.10.6.3): each side advertises buf_alloc (bytes it
 * can buffer) and fwd_cnt (bytes it has consumed so far); a sender keeps
 * what it sent minus the peer's fwd_cnt below the peer's buf_alloc. Here:
 *   guest -> host: bytes the guest sent (rx_cnt) minus bytes written to the
 *     host socket (fwd_cnt) never exceed buf_alloc; what the socket does not
 *     take at once waits in a buffer of buf_alloc bytes, allocated on demand.
 *     A guest that overruns it gets RST.
 *   host -> guest: at most peer_buf_alloc - (tx_cnt - peer_fwd_cnt) bytes
 *     are read from the host socket and sent on.
 * Counters are u32 and wrap, as on the wire.
 *
 * The table is a fixed array of max connections (no allocation after
 * init) hashed by (host port, guest port).
 */
#ifndef CNH_VSOCK_CONN_H
#define CNH_VSOCK_CONN_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"
#include "vhost-user/vsock/vsock_pkt.h"

#define VSOCK_CONN_BUF_ALLOC (64u * 1024)  /* bytes we buffer per stream */
#define VSOCK_MAX_CONNS_LIMIT 65536
#define VSOCK_LOCAL_PORT_MIN (1u << 30)   /* host ports of host-initiated streams */

enum vsock_conn_state {
	VSOCK_CONN_FREE,
	VSOCK_CONN_LOCAL_INIT,   /* host connected: REQUEST sent/queued, waiting for RESPONSE */
	VSOCK_CONN_ESTABLISHED,
	VSOCK_CONN_CLOSING,      /* SHUTDOWN sent to the guest, waiting for its RST */
};

/* Packets a stream owes the guest (bits of pending). */
#define VSOCK_PEND_REQUEST (1u << 0)
#define VSOCK_PEND_RESPONSE (1u << 1)
#define VSOCK_PEND_CREDIT_UPDATE (1u << 2)
#define VSOCK_PEND_SHUTDOWN (1u << 3)
#define VSOCK_PEND_RST (1u << 4)

struct vsock_conn {
	enum vsock_conn_state state;
	uint32_t host_port, guest_port;
	int fd;                   /* host stream socket, -1 if none */
	bool host_init;           /* host-initiated (CONNECT) */
	bool guest_shut_send;     /* guest will send no more: SHUT_WR once drained */
	bool guest_shut_rcv;      /* guest will receive no more: stop reading */
	bool host_shut_wr_done;
	bool host_eof;            /* host socket read side ended */
	bool readable;            /* host socket had data last time (read watcher off) */
	bool queued;              /* in the mux's rx FIFO */
	uint32_t pending;         /* VSOCK_PEND_* */
	uint32_t shutdown_flags;  /* for the pending SHUTDOWN */

	/* guest -> host */
	uint32_t buf_alloc, rx_cnt, fwd_cnt, last_fwd_sent;
	uint8_t *buf;             /* buf_alloc bytes once needed */
	uint32_t buf_head, buf_used;
	char ok_line[24];         /* "OK <port>\n" still to write to the host */
	uint8_t ok_len, ok_off;

	/* host -> guest */
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;

	ev_io rio, wio;
	ev_tstamp deadline;       /* CLOSING: forced RST and free after this */
	int32_t next;             /* hash chain / free list */
	uint32_t fifo_next;       /* rx FIFO link (index + 1, 0 = end) */
};

/* Bytes we may still send to the guest on this stream. */
uint32_t vsock_conn_peer_credit(const struct vsock_conn *c);
/* Bytes the guest may still send us. */
uint32_t vsock_conn_rx_space(const struct vsock_conn *c);
/* Record the guest's credit fields from any packet of this stream. */
void vsock_conn_set_peer(struct vsock_conn *c, uint32_t buf_alloc, uint32_t fwd_cnt);
/* The guest sent len payload bytes: 0, or -ENOSPC when that exceeds its credit. */
int vsock_conn_guest_rx(struct vsock_conn *c, uint32_t len) __must_check;
/* True when the guest should hear about freed space (CREDIT_UPDATE). */
bool vsock_conn_want_credit_update(const struct vsock_conn *c);
/* Header of a packet we send on this stream (carries buf_alloc/fwd_cnt). */
void vsock_conn_hdr(struct vsock_conn *c, uint64_t guest_cid, uint16_t op, struct vsock_hdr *h);

/*
 * Pass guest payload towards the host: written straight to fd when nothing
 * is buffered, the rest buffered. fwd_cnt grows by what the socket took.
 * 0, or -errno of the socket (not EAGAIN), or -ENOMEM.
 */
int vsock_conn_send_host(struct vsock_conn *c, const void *data, uint32_t len) __must_check;
/* Write the OK line and buffered bytes to fd. 0 (maybe partial) or -errno. */
int vsock_conn_flush(struct vsock_conn *c) __must_check;
/* Something is still waiting to be written to the host. */
static inline bool vsock_conn_has_output(const struct vsock_conn *c)
{
	return c->buf_used || c->ok_off < c->ok_len;
}

struct vsock_table {
	unsigned int max, count;
	struct vsock_conn *conns;   /* max */
	int32_t *buckets;           /* nbuckets */
	unsigned int nbuckets;
	int32_t free_head;
	uint32_t next_local_port;
};

/* max connections (1..VSOCK_MAX_CONNS_LIMIT). 0 or -EINVAL/-ENOMEM. */
int vsock_table_init(struct vsock_table *t, unsigned int max) __must_check;
/* Free the table; closes every fd (watchers must be stopped). Accepts zeroed. */
void vsock_table_fini(struct vsock_table *t);
struct vsock_conn *vsock_table_lookup(const struct vsock_table *t, uint32_t host_port, uint32_t guest_port);
/* A fresh ESTABLISHED-less (state FREE -> caller sets it) conn, fd -1. -EEXIST, -ENOSPC. */
int vsock_table_add(struct vsock_table *t, uint32_t host_port, uint32_t guest_port,
		    struct vsock_conn **ret) __must_check;
/* Close c's fd, free its buffer, put it back. */
void vsock_table_remove(struct vsock_table *t, struct vsock_conn *c);
/* A host port >= VSOCK_LOCAL_PORT_MIN not used with guest_port. */
uint32_t vsock_table_local_port(struct vsock_table *t, uint32_t guest_port);
static inline uint32_t vsock_table_index(const struct vsock_table *t, const struct vsock_conn *c)
{
	return (uint32_t)(c - t->conns);
}

#endif
