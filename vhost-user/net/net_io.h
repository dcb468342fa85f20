/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One queue pair's data path between a tap queue fd and the guest rings,
 * run by the one thread that owns the pair (or a test):
 *
 *	net_io_configure(&io, features);          // after SET_FEATURES
 *	n = net_tx_run(&io, txq, NET_BATCH);      // tx kick: ring -> tap
 *	s = net_rx_run(&io, rxq, NET_BATCH);      // tap readable or rx kick
 *	if (s == NET_RX_NOBUFS) stop watching the tap until the rx queue is kicked
 *
 * Both notify the driver once per batch. Frames the guest sends are checked
 * (chain shorter than the header, larger than NET_FRAME_MAX + header,
 * malformed header): dropped with a rate-limited warning, the chain is
 * returned. A tap that fails with EBADFD/EIO/ENODEV is "gone": one warning,
 * transmitted frames are dropped from then on, nothing is received.
 */
#ifndef CNH_NET_IO_H
#define CNH_NET_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ratelimit.h"
#include "vhost-user/lib/virtq.h"
#include "vhost-user/lib/vu_stats.h"
#include "vhost-user/net/net_hdr.h"

#define NET_BATCH 256u
/* Most receive buffers one frame may be merged into. */
#define NET_RX_MAX_BUFS 64u

struct net_stats {
	uint64_t tx_frames, tx_dropped, rx_frames, rx_dropped;
};

/* The device-wide counters cnh-net reports on --stats-fd (net_stats_names), summed over pairs. */
enum net_stat {
	NET_ST_TX_FRAMES,
	NET_ST_TX_BYTES,
	NET_ST_RX_FRAMES,
	NET_ST_RX_BYTES,
	NET_ST_TX_DROPPED,
	NET_ST_RX_DROPPED,
	NET_ST_N,
};
extern const char *const net_stats_names[NET_ST_N];

enum net_rx_status {
	NET_RX_EMPTY,  /* the tap has nothing more */
	NET_RX_NOBUFS, /* a frame waits for guest buffers */
	NET_RX_BUDGET, /* budget used up, more may be pending */
	NET_RX_STOP,   /* tap gone or ring broken: stop receiving */
};

struct net_io {
	int tap_fd;             /* not owned; -1 = none */
	bool tap_vnet_hdr;      /* tap frames carry hdr_len header bytes (IFF_VNET_HDR) */
	bool tap_gone;
	unsigned int hdr_len;   /* 10 or 12 */
	uint64_t features;      /* negotiated */
	unsigned int max_sg;
	struct vu_elem *tx_elem;
	struct iovec *tx_iov;   /* max_sg: the frame without its header */
	struct vu_elem *rx_elems[NET_RX_MAX_BUFS];
	uint32_t rx_lens[NET_RX_MAX_BUFS];
	uint8_t *rx_buf;        /* NET_HDR_LEN + NET_FRAME_MAX */
	size_t rx_pending;      /* bytes (header included) of a frame not yet delivered */
	uint64_t rx_batch_bytes; /* frame bytes delivered in this net_rx_run, counted at its end */
	struct net_stats st;
	struct vu_stats *stats; /* device-wide NET_ST_* (not owned), or NULL */
	struct ratelimit rl;
	const char *name;       /* for log lines ("pair 0") */
};

/* Allocate for chains of up to max_sg buffers; tap_fd -1. 0 or -ENOMEM. */
int net_io_init(struct net_io *io, unsigned int max_sg, const char *name) __must_check;
/* Accepts a zeroed or half-built io. */
void net_io_fini(struct net_io *io);
/* Header length and checks follow the negotiated features; drops a pending frame. */
void net_io_configure(struct net_io *io, uint64_t features);

/* Send up to budget chains from the tx ring: chains handled, or -EPROTO (ring broken). */
int net_tx_run(struct net_io *io, struct vu_virtq *vq, unsigned int budget);
/* Receive up to budget frames from the tap into the rx ring. */
enum net_rx_status net_rx_run(struct net_io *io, struct vu_virtq *vq, unsigned int budget);

#endif
