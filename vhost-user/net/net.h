/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-net's device: vu_dev hooks over a multi-queue tap. Virtqueue 2p is
 * pair p's receive queue, 2p + 1 its transmit queue, 2 * pairs the control
 * queue. Pair p runs on worker p % nworkers (nworkers = min(pairs, nproc)),
 * the control queue on worker 0; each worker has its own libev loop and
 * loads the net-worker seccomp role (net.c) before it.
 *
 * Front-ends that handle the control queue themselves (QEMU, DPDK
 * virtio-user) never start it and select pairs with SET_VRING_ENABLE; a
 * pair's tap queue is attached while its receive queue runs and, once the
 * driver used our control queue, while it is below the VQ_PAIRS_SET count.
 */
#ifndef CNH_NET_H
#define CNH_NET_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>

#include "common/seccomp.h"
#include "vhost-user/lib/vu.h"
#include "vhost-user/lib/vu_worker.h"
#include "vhost-user/net/net_ctrl.h"
#include "vhost-user/net/net_hdr.h"
#include "vhost-user/net/net_io.h"
#include "vhost-user/net/tap.h"

#define NET_DEF_QUEUE_SIZE 256u
#define NET_MAX_QUEUE_SIZE 1024u /* also IOV_MAX: a chain is one writev */

struct net_dev;

struct net_pair {
	struct net_dev *n;
	struct vu_worker *w;
	unsigned int idx;
	struct net_io io;
	ev_io tap_io;            /* tap queue readable (rx running, buffers available) */
	ev_io rx_kick, tx_kick;
	ev_idle tx_idle;         /* with tx_more: a transmit turn was cut short, */
	ev_check tx_more;        /* poll without blocking, then resume it */
	bool rx_running, tx_running; /* worker side */
	bool rx_started;         /* control side, for the tap queue attachment (attach_lock) */
	bool attached;           /* tap queue attached (attach_lock) */
	char name[16];
};

struct net_dev {
	struct vu_dev vu;
	struct net_params p;
	struct tap tap;
	unsigned int queue_size;
	unsigned int nworkers;
	struct vu_worker workers[NET_MAX_PAIRS];
	struct net_pair pairs[NET_MAX_PAIRS];
	/* Control queue: worker 0. */
	struct net_ctrl ctrl;
	bool ctrl_running;
	bool ctrl_used;          /* the driver sent a command since the last reset */
	ev_io ctrl_kick;
	struct vu_elem *ctrl_elem;
	pthread_mutex_t attach_lock;
	bool lock_ok;
	struct vu_stats stats;   /* NET_ST_*, registered by net_dev_start */
	enum sc_mode seccomp;    /* the workers' filter (net_worker_seccomp), set before net_dev_start */
};

extern const struct vu_dev_ops net_ops;

/* Virtqueues the front-end sees: two per pair plus the control queue. */
static inline unsigned int net_num_vqs(const struct net_dev *n)
{
	return 2 * n->p.pairs + 1;
}

/* Start the workers (n->p, n->tap and n->queue_size set). 0 or -errno. */
int net_dev_start(struct net_dev *n) __must_check;
/* Stop the workers, free the queues; accepts a half-started device. */
void net_dev_stop(struct net_dev *n);

#endif
