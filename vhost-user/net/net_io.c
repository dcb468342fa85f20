/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "vhost-user/lib/virtq_used.h"
#include "vhost-user/net/net_io.h"

#define NET_TAG "net"

int net_io_init(struct net_io *io, unsigned int max_sg, const char *name)
{
	memset(io, 0, sizeof(*io));
	io->tap_fd = -1;
	io->max_sg = max_sg;
	io->name = name;
	io->hdr_len = NET_HDR_LEN;
	ratelimit_init(&io->rl, 5000, 5);
	io->tx_elem = vu_elem_new(max_sg);
	io->tx_iov = calloc(max_sg, sizeof(*io->tx_iov));
	io->rx_buf = malloc(NET_HDR_LEN + NET_FRAME_MAX);
	if (!io->tx_elem || !io->tx_iov || !io->rx_buf)
		goto fail;
	for (unsigned int i = 0; i < NET_RX_MAX_BUFS; i++) {
		io->rx_elems[i] = vu_elem_new(max_sg);
		if (!io->rx_elems[i])
			goto fail;
	}
	return 0;
fail:
	net_io_fini(io);
	return -ENOMEM;
}

void net_io_fini(struct net_io *io)
{
	vu_elem_free(io->tx_elem);
	free(io->tx_iov);
	free(io->rx_buf);
	for (unsigned int i = 0; i < NET_RX_MAX_BUFS; i++)
		vu_elem_free(io->rx_elems[i]);
	memset(io, 0, sizeof(*io));
	io->tap_fd = -1;
}

void net_io_configure(struct net_io *io, uint64_t features)
{
	io->features = features;
	io->hdr_len = net_hdr_len(features);
	io->rx_pending = 0;
}

static bool net_has(const struct net_io *io, unsigned int bit)
{
	return io->features & (1ULL << bit);
}

static bool net_errno_gone(int e)
{
	return e == EBADFD || e == EIO || e == ENODEV || e == ENXIO || e == EBADF || e == EPIPE;
}

static void net_tap_lost(struct net_io *io, int e)
{
	if (io->tap_gone)
		return;
	io->tap_gone = true;
	log_warn(NET_TAG, "%s: tap queue failed (%s): dropping transmitted frames from now on",
		 io->name, strerror(e));
}

const char *const net_stats_names[NET_ST_N] = {
	[NET_ST_TX_FRAMES] = "tx_frames",   [NET_ST_TX_BYTES] = "tx_bytes",
	[NET_ST_RX_FRAMES] = "rx_frames",   [NET_ST_RX_BYTES] = "rx_bytes",
	[NET_ST_TX_DROPPED] = "tx_dropped", [NET_ST_RX_DROPPED] = "rx_dropped",
};

static void net_count(struct net_io *io, enum net_stat i, uint64_t v)
{
	if (io->stats)
		vu_stats_add(io->stats, i, v);
}

static void net_tx_dropped(struct net_io *io)
{
	io->st.tx_dropped++;
	net_count(io, NET_ST_TX_DROPPED, 1);
}

static void net_rx_dropped(struct net_io *io)
{
	io->st.rx_dropped++;
	net_count(io, NET_ST_RX_DROPPED, 1);
}

static void net_tx_drop(struct net_io *io, const char *why, uint64_t len)
{
	net_tx_dropped(io);
	if (ratelimit_ok(&io->rl))
		log_warn(NET_TAG, "%s: dropped a transmitted frame of %llu bytes: %s (%u suppressed)",
			 io->name, (unsigned long long)len, why, ratelimit_missed(&io->rl));
}

/* One chain: checks, then writev to the tap. Frame bytes sent, 0 when dropped; never fails the queue. */
static uint64_t net_tx_one(struct net_io *io, struct vu_elem *e)
{
	struct virtio_net_hdr_v1 h = { 0 };
	const struct iovec *iov = e->out_sg;
	unsigned int n = e->out_num;
	const char *why = NULL;
	uint64_t frame;
	ssize_t w;

	if (e->out_len < io->hdr_len) {
		net_tx_drop(io, "chain shorter than the virtio-net header", e->out_len);
		return 0;
	}
	frame = e->out_len - io->hdr_len;
	if (frame > NET_FRAME_MAX) {
		net_tx_drop(io, "frame larger than 64 KiB", e->out_len);
		return 0;
	}
	if (frame < NET_MIN_FRAME) {
		net_tx_drop(io, "frame shorter than an Ethernet header", e->out_len);
		return 0;
	}
	net_iov_to_buf(e->out_sg, e->out_num, 0, &h, io->hdr_len);
	if (net_hdr_tx_check(&h, io->features, (size_t)frame, &why) < 0) {
		net_tx_drop(io, why, e->out_len);
		return 0;
	}
	if (io->tap_gone || io->tap_fd < 0) {
		net_tx_dropped(io);
		return 0;
	}
	if (!io->tap_vnet_hdr) {
		/* Strip the header: the tap takes bare frames (no offloads then). */
		size_t skip = io->hdr_len;

		if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM || h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			net_tx_drop(io, "offload request but the tap has no vnet header", e->out_len);
			return 0;
		}
		n = 0;
		for (unsigned int i = 0; i < e->out_num; i++) {
			if (skip >= e->out_sg[i].iov_len) {
				skip -= e->out_sg[i].iov_len;
				continue;
			}
			io->tx_iov[n].iov_base = (uint8_t *)e->out_sg[i].iov_base + skip;
			io->tx_iov[n].iov_len = e->out_sg[i].iov_len - skip;
			skip = 0;
			n++;
		}
		iov = io->tx_iov;
	}
	w = writev(io->tap_fd, iov, (int)n);
	if (w < 0) {
		int err = errno;

		if (net_errno_gone(err)) {
			net_tap_lost(io, err);
			net_tx_dropped(io);
		} else {
			net_tx_drop(io, strerror(err), e->out_len);
		}
		return 0;
	}
	io->st.tx_frames++;
	return frame;
}

int net_tx_run(struct net_io *io, struct vu_virtq *vq, unsigned int budget)
{
	uint64_t frames = 0, bytes = 0, b;
	int done = 0, r = 0;

	while ((unsigned int)done < budget) {
		r = vu_virtq_pop(vq, io->tx_elem);
		if (r < 0)
			break;
		b = net_tx_one(io, io->tx_elem);
		frames += b != 0;
		bytes += b;
		vu_virtq_push(vq, io->tx_elem, 0);
		done++;
	}
	/* The shared counters once per batch: an atomic add per frame is a bus lock each. */
	if (frames) {
		net_count(io, NET_ST_TX_FRAMES, frames);
		net_count(io, NET_ST_TX_BYTES, bytes);
	}
	if (done)
		vu_virtq_notify(vq);
	return r == -EPROTO || r == -EINVAL ? -EPROTO : done;
}

/* Read the next frame into rx_buf (header first); 0, -EAGAIN or -errno. */
static int net_rx_read(struct net_io *io)
{
	ssize_t n;

	if (io->tap_vnet_hdr) {
		n = read(io->tap_fd, io->rx_buf, io->hdr_len + NET_FRAME_MAX);
	} else {
		memset(io->rx_buf, 0, io->hdr_len);
		n = read(io->tap_fd, io->rx_buf + io->hdr_len, NET_FRAME_MAX);
		if (n >= 0)
			n += io->hdr_len;
	}
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if ((size_t)n < io->hdr_len + NET_MIN_FRAME) {
		net_rx_dropped(io);
		return 1; /* runt: skipped */
	}
	io->rx_pending = (size_t)n;
	return 0;
}

static void net_rx_unpop(struct vu_virtq *vq, unsigned int n)
{
	while (n--)
		vu_virtq_unpop(vq);
}

/*
 * Deliver rx_buf[0..rx_pending) into as many buffers as it takes. 0
 * delivered or dropped; -ENOENT no buffers (nothing consumed); -EPROTO.
 */
static int net_rx_deliver(struct net_io *io, struct vu_virtq *vq)
{
	bool mrg = net_has(io, VIRTIO_NET_F_MRG_RXBUF);
	size_t len = io->rx_pending, off = 0;
	unsigned int nb = 0;
	uint16_t num;
	int r;

	while (off < len) {
		struct vu_elem *e;
		size_t c;

		if (nb == NET_RX_MAX_BUFS || (!mrg && nb == 1)) {
			net_rx_unpop(vq, nb);
			goto drop;
		}
		e = io->rx_elems[nb];
		r = vu_virtq_pop(vq, e);
		if (r < 0) {
			net_rx_unpop(vq, nb);
			return r == -ENOENT ? -ENOENT : -EPROTO;
		}
		nb++;
		if (e->in_len == 0 || (nb == 1 && e->in_len < io->hdr_len)) {
			/* Push what we have back and fail the ring: the driver broke the rules. */
			net_rx_unpop(vq, nb);
			vu_virtq_set_broken(vq, "receive buffer smaller than the virtio-net header");
			return -EPROTO;
		}
		if (!mrg && e->in_len < len) {
			net_rx_unpop(vq, nb);
			goto drop;
		}
		c = net_iov_from_buf(e->in_sg, e->in_num, 0, io->rx_buf + off, len - off);
		io->rx_lens[nb - 1] = (uint32_t)c;
		off += c;
	}
	if (io->hdr_len == NET_HDR_LEN) {
		num = htole16((uint16_t)nb);
		net_iov_from_buf(io->rx_elems[0]->in_sg, io->rx_elems[0]->in_num,
				 offsetof(struct virtio_net_hdr_v1, num_buffers), &num, sizeof(num));
	}
	for (unsigned int i = 0; i < nb; i++)
		vu_virtq_fill(vq, io->rx_elems[i], io->rx_lens[i], (uint16_t)i);
	vu_virtq_flush(vq, (uint16_t)nb);
	io->st.rx_frames++;
	io->rx_batch_bytes += len - io->hdr_len;
	io->rx_pending = 0;
	return 0;
drop:
	net_rx_dropped(io);
	if (ratelimit_ok(&io->rl))
		log_warn(NET_TAG, "%s: dropped a received frame of %zu bytes: guest buffers too small (%u suppressed)",
			 io->name, len, ratelimit_missed(&io->rl));
	io->rx_pending = 0;
	return 0;
}

enum net_rx_status net_rx_run(struct net_io *io, struct vu_virtq *vq, unsigned int budget)
{
	enum net_rx_status s = NET_RX_BUDGET;
	unsigned int done = 0, delivered = 0;
	int r;

	if (io->tap_fd < 0 || io->tap_gone)
		return NET_RX_STOP;
	while (done < budget) {
		if (!io->rx_pending) {
			r = net_rx_read(io);
			if (r == -EAGAIN) {
				s = NET_RX_EMPTY;
				break;
			}
			if (r < 0) {
				net_tap_lost(io, -r);
				s = NET_RX_STOP;
				break;
			}
			if (r > 0) {
				done++; /* runt dropped */
				continue;
			}
		}
		r = net_rx_deliver(io, vq);
		if (r == -ENOENT) {
			s = NET_RX_NOBUFS;
			break;
		}
		if (r < 0) {
			s = NET_RX_STOP;
			break;
		}
		done++;
		delivered++;
	}
	if (delivered) {
		net_count(io, NET_ST_RX_FRAMES, delivered);
		net_count(io, NET_ST_RX_BYTES, io->rx_batch_bytes);
		vu_virtq_notify(vq);
	}
	io->rx_batch_bytes = 0;
	return s;
}
