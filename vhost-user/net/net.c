/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/log.h"
#include "vhost-user/lib/vu_seccomp.h"
#include "vhost-user/net/net.h"

#define NET_TAG "net"
/* Transmit batches one turn may process before yielding to the other watchers. */
#define NET_TX_ROUNDS 4

static struct net_dev *net_from_vu(struct vu_dev *dev)
{
	return container_of(dev, struct net_dev, vu);
}

static unsigned int net_ctrl_qidx(const struct net_dev *n)
{
	return 2 * n->p.pairs;
}

static void net_drain_kick(int fd)
{
	uint64_t cnt;

	(void)!read(fd, &cnt, sizeof(cnt));
}

/* ---- tap queue attachment ------------------------------------------------ */

static unsigned int net_active_pairs(const struct net_dev *n)
{
	return n->ctrl_used ? n->ctrl.pairs : n->p.pairs;
}

/* Attach or detach tap queues to match the running pairs. Any thread. */
static void net_update_attach(struct net_dev *n)
{
	if (n->p.pairs < 2)
		return; /* a single queue stays attached (it may not be multi-queue) */
	pthread_mutex_lock(&n->attach_lock);
	for (unsigned int i = 0; i < n->p.pairs; i++) {
		struct net_pair *pr = &n->pairs[i];
		bool want = pr->rx_started && i < net_active_pairs(n);
		int r;

		if (want == pr->attached)
			continue;
		r = tap_queue_attach(&n->tap, i, want);
		if (r < 0)
			log_debug(NET_TAG, "pair %u: tap queue %s: %s", i, want ? "attach" : "detach",
				  strerror(-r));
		else
			pr->attached = want;
	}
	pthread_mutex_unlock(&n->attach_lock);
}

/* ---- data path (pair's worker) --------------------------------------------- */

static struct vu_virtq *net_rxq(struct net_pair *pr)
{
	return vu_dev_queue(&pr->n->vu, 2 * pr->idx);
}

static struct vu_virtq *net_txq(struct net_pair *pr)
{
	return vu_dev_queue(&pr->n->vu, 2 * pr->idx + 1);
}

/*
 * Receive: the tap's readability drives us, so the driver's rx kicks only
 * matter when we ran out of buffers. Kicks stay off while buffers last and
 * come back on (with a second look at the ring) when a frame waits.
 */
static void net_rx_step(struct net_pair *pr)
{
	struct vu_virtq *vq = net_rxq(pr);
	enum net_rx_status s;
	bool watch;

	for (;;) {
		s = net_rx_run(&pr->io, vq, NET_BATCH);
		if (s != NET_RX_NOBUFS || !vu_virtq_set_notify(vq, true))
			break;
		/* Buffers came while kicks were off: no kick will announce them. */
	}
	if (s == NET_RX_EMPTY || s == NET_RX_BUDGET)
		(void)vu_virtq_set_notify(vq, false);
	watch = s == NET_RX_EMPTY || s == NET_RX_BUDGET;
	/* Out of buffers: stop reading the tap until the driver kicks the rx queue. */
	if (watch && !ev_is_active(&pr->tap_io))
		ev_io_start(pr->w->loop, &pr->tap_io);
	else if (!watch && ev_is_active(&pr->tap_io))
		ev_io_stop(pr->w->loop, &pr->tap_io);
}

static void net_tap_cb(struct ev_loop *loop, ev_io *watcher, int revents)
{
	struct net_pair *pr = container_of(watcher, struct net_pair, tap_io);

	if (pr->rx_running)
		net_rx_step(pr);
}

static void net_rx_kick_cb(struct ev_loop *loop, ev_io *watcher, int revents)
{
	struct net_pair *pr = container_of(watcher, struct net_pair, rx_kick);

	net_drain_kick(watcher->fd);
	if (pr->rx_running)
		net_rx_step(pr);
}

/*
 * Transmit: kicks off while we drain the ring (a busy driver would
 * otherwise kick for every burst: a syscall on its side, a wake-up and an
 * eventfd read on ours), back on once it is empty, with a second look for
 * chains added in between. After NET_TX_ROUNDS full batches we yield: the
 * loop polls once (without blocking, the idle watcher sees to that) and the
 * check watcher resumes us after the other watchers (tap receive, worker
 * calls such as a queue stop) had their turn.
 */
static void net_tx_step(struct net_pair *pr)
{
	struct vu_virtq *vq = net_txq(pr);

	(void)vu_virtq_set_notify(vq, false);
	for (unsigned int i = 0; i < NET_TX_ROUNDS; i++) {
		int n = net_tx_run(&pr->io, vq, NET_BATCH);

		if (n < 0)
			return; /* broken (logged by the library) */
		if (n < (int)NET_BATCH && !vu_virtq_set_notify(vq, true))
			return; /* empty, and the driver kicks for the next chain */
		(void)vu_virtq_set_notify(vq, false);
	}
	ev_idle_start(pr->w->loop, &pr->tx_idle);
	ev_check_start(pr->w->loop, &pr->tx_more);
}

static void net_tx_more_stop(struct net_pair *pr)
{
	ev_idle_stop(pr->w->loop, &pr->tx_idle);
	ev_check_stop(pr->w->loop, &pr->tx_more);
}

static void net_tx_idle_cb(struct ev_loop *loop, ev_idle *watcher, int revents)
{
	/* Nothing: while active, the loop polls without blocking. */
}

static void net_tx_more_cb(struct ev_loop *loop, ev_check *watcher, int revents)
{
	struct net_pair *pr = container_of(watcher, struct net_pair, tx_more);

	net_tx_more_stop(pr);
	if (pr->tx_running)
		net_tx_step(pr);
}

static void net_tx_kick_cb(struct ev_loop *loop, ev_io *watcher, int revents)
{
	struct net_pair *pr = container_of(watcher, struct net_pair, tx_kick);

	net_drain_kick(watcher->fd);
	if (pr->tx_running && !ev_is_active(&pr->tx_more))
		net_tx_step(pr);
}

/* ---- control queue (worker 0) ---------------------------------------------- */

static void net_ctrl_process(struct net_dev *n)
{
	struct vu_virtq *vq = vu_dev_queue(&n->vu, net_ctrl_qidx(n));
	unsigned int done = 0;
	bool pairs_changed = false;

	while (n->ctrl_running && done < NET_BATCH) {
		unsigned int before = n->ctrl.pairs;
		uint8_t ack;

		if (vu_virtq_pop(vq, n->ctrl_elem) < 0)
			break;
		if (n->ctrl_elem->in_len < 1) {
			vu_virtq_set_broken(vq, "control command without a device-writable ack byte");
			break;
		}
		pthread_mutex_lock(&n->attach_lock);
		ack = net_ctrl_handle(&n->ctrl, n->vu.features, n->ctrl_elem->out_sg,
				      n->ctrl_elem->out_num, n->ctrl_elem->out_len);
		if (ack == VIRTIO_NET_OK && n->ctrl.pairs != before)
			pairs_changed = true;
		n->ctrl_used = true;
		pthread_mutex_unlock(&n->attach_lock);
		net_iov_from_buf(n->ctrl_elem->in_sg, n->ctrl_elem->in_num, 0, &ack, 1);
		vu_virtq_push(vq, n->ctrl_elem, 1);
		done++;
	}
	if (done)
		vu_virtq_notify(vq);
	if (pairs_changed || done) {
		log_debug(NET_TAG, "control: %u pair(s) active, promisc %d allmulti %d", n->ctrl.pairs,
			  n->ctrl.promisc, n->ctrl.allmulti);
		net_update_attach(n);
	}
}

static void net_ctrl_kick_cb(struct ev_loop *loop, ev_io *watcher, int revents)
{
	struct net_dev *n = container_of(watcher, struct net_dev, ctrl_kick);

	net_drain_kick(watcher->fd);
	net_ctrl_process(n);
}

/* ---- queue start/stop: worker calls ---------------------------------------- */

struct net_qcall {
	struct net_dev *n;
	unsigned int qidx;
};

static void net_watch_kick(struct ev_loop *loop, ev_io *io, void (*cb)(struct ev_loop *, ev_io *, int),
			   int fd)
{
	ev_io_init(io, cb, fd, EV_READ);
	if (fd >= 0)
		ev_io_start(loop, io);
}

static void net_start_fn(struct vu_worker *w, struct vu_worker_call *c)
{
	struct net_qcall *qc = c->arg;
	struct net_dev *n = qc->n;
	struct vu_virtq *vq = vu_dev_queue(&n->vu, qc->qidx);

	if (qc->qidx == net_ctrl_qidx(n)) {
		n->ctrl_running = true;
		net_watch_kick(w->loop, &n->ctrl_kick, net_ctrl_kick_cb, vq->kick_fd);
		net_ctrl_process(n);
	} else if (qc->qidx % 2 == 0) {
		struct net_pair *pr = &n->pairs[qc->qidx / 2];

		pr->rx_running = true;
		net_watch_kick(w->loop, &pr->rx_kick, net_rx_kick_cb, vq->kick_fd);
		ev_io_init(&pr->tap_io, net_tap_cb, pr->io.tap_fd, EV_READ);
		net_rx_step(pr);
	} else {
		struct net_pair *pr = &n->pairs[qc->qidx / 2];

		pr->tx_running = true;
		net_watch_kick(w->loop, &pr->tx_kick, net_tx_kick_cb, vq->kick_fd);
		ev_idle_init(&pr->tx_idle, net_tx_idle_cb);
		ev_check_init(&pr->tx_more, net_tx_more_cb);
		net_tx_step(pr);
	}
	vu_worker_call_done(w, c, 0);
}

static void net_stop_io(struct ev_loop *loop, ev_io *io)
{
	if (ev_is_active(io))
		ev_io_stop(loop, io);
	ev_clear_pending(loop, io);
}

static void net_stop_fn(struct vu_worker *w, struct vu_worker_call *c)
{
	struct net_qcall *qc = c->arg;
	struct net_dev *n = qc->n;

	if (qc->qidx == net_ctrl_qidx(n)) {
		n->ctrl_running = false;
		net_stop_io(w->loop, &n->ctrl_kick);
	} else if (qc->qidx % 2 == 0) {
		struct net_pair *pr = &n->pairs[qc->qidx / 2];

		pr->rx_running = false;
		net_stop_io(w->loop, &pr->rx_kick);
		net_stop_io(w->loop, &pr->tap_io);
	} else {
		struct net_pair *pr = &n->pairs[qc->qidx / 2];

		pr->tx_running = false;
		net_stop_io(w->loop, &pr->tx_kick);
		net_tx_more_stop(pr);
	}
	vu_worker_call_done(w, c, 0);
}

static struct vu_worker *net_queue_worker(struct net_dev *n, unsigned int qidx)
{
	if (qidx == net_ctrl_qidx(n))
		return &n->workers[0];
	return n->pairs[qidx / 2].w;
}

static int net_queue_start(struct vu_dev *dev, unsigned int qidx)
{
	struct net_dev *n = net_from_vu(dev);
	struct net_qcall qc = { n, qidx };
	struct vu_worker_call c = { .fn = net_start_fn, .arg = &qc };
	int r;

	if (qidx > net_ctrl_qidx(n) || vu_dev_queue(dev, qidx)->size > n->queue_size)
		return -EINVAL;
	r = vu_worker_call(net_queue_worker(n, qidx), &c);
	if (r == 0 && qidx < net_ctrl_qidx(n) && qidx % 2 == 0) {
		pthread_mutex_lock(&n->attach_lock);
		n->pairs[qidx / 2].rx_started = true;
		pthread_mutex_unlock(&n->attach_lock);
		net_update_attach(n);
	}
	return r;
}

static void net_queue_stop(struct vu_dev *dev, unsigned int qidx)
{
	struct net_dev *n = net_from_vu(dev);
	struct net_qcall qc = { n, qidx };
	struct vu_worker_call c = { .fn = net_stop_fn, .arg = &qc };

	if (qidx > net_ctrl_qidx(n))
		return;
	(void)!vu_worker_call(net_queue_worker(n, qidx), &c);
	if (qidx < net_ctrl_qidx(n) && qidx % 2 == 0) {
		pthread_mutex_lock(&n->attach_lock);
		n->pairs[qidx / 2].rx_started = false;
		pthread_mutex_unlock(&n->attach_lock);
		net_update_attach(n);
	}
}

/* ---- features, config, reset (control thread, every queue stopped) --------- */

static uint64_t net_get_features(struct vu_dev *dev)
{
	return net_features(&net_from_vu(dev)->p);
}

static int net_set_features(struct vu_dev *dev, uint64_t features)
{
	struct net_dev *n = net_from_vu(dev);
	unsigned int off = net_tap_offloads(features);
	int r;

	r = tap_set_vnet_hdr_len(&n->tap, net_hdr_len(features));
	if (r < 0) {
		log_warn(NET_TAG, "tap %s: TUNSETVNETHDRSZ %u: %s", n->tap.name,
			 net_hdr_len(features), strerror(-r));
		return r;
	}
	r = tap_set_offload(&n->tap, off);
	if (r < 0) {
		log_warn(NET_TAG, "tap %s: TUNSETOFFLOAD 0x%x: %s", n->tap.name, off, strerror(-r));
		return r;
	}
	for (unsigned int i = 0; i < n->p.pairs; i++)
		net_io_configure(&n->pairs[i].io, features);
	log_debug(NET_TAG, "features 0x%llx: header %u bytes, tap offloads 0x%x",
		  (unsigned long long)features, net_hdr_len(features), off);
	return 0;
}

static int net_get_config(struct vu_dev *dev, uint8_t *buf, uint32_t offset, uint32_t len)
{
	struct virtio_net_config cfg;

	if (offset > VHOST_USER_MAX_CONFIG_SIZE || len > VHOST_USER_MAX_CONFIG_SIZE - offset)
		return -EINVAL;
	net_config(&net_from_vu(dev)->p, &cfg);
	memset(buf, 0, len);
	if (offset < sizeof(cfg))
		memcpy(buf, (const uint8_t *)&cfg + offset, MIN(len, (uint32_t)sizeof(cfg) - offset));
	return 0;
}

static int net_set_config(struct vu_dev *dev, const uint8_t *buf, uint32_t offset, uint32_t len,
			  uint32_t flags)
{
	return 0; /* the MAC is read-only without CTRL_MAC_ADDR: ignore (legacy drivers write it) */
}

static void net_reset(struct vu_dev *dev)
{
	struct net_dev *n = net_from_vu(dev);

	pthread_mutex_lock(&n->attach_lock);
	net_ctrl_reset(&n->ctrl, n->p.pairs);
	n->ctrl_used = false;
	pthread_mutex_unlock(&n->attach_lock);
	net_update_attach(n);
}

/*
 * No back-end request channel (nothing to send the front-end) and no
 * SET_STATUS: QEMU 7.2's vhost-user netdev crashes when a net back-end
 * offers STATUS (it sets the status per queue pair).
 */
static uint64_t net_get_protocol_features(struct vu_dev *dev)
{
	return VU_PROTOCOL_FEATURES & ~((1ULL << VHOST_USER_PROTOCOL_F_BACKEND_REQ) |
					(1ULL << VHOST_USER_PROTOCOL_F_STATUS));
}

const struct vu_dev_ops net_ops = {
	.get_features = net_get_features,
	.get_protocol_features = net_get_protocol_features,
	.set_features = net_set_features,
	.get_config = net_get_config,
	.set_config = net_set_config,
	.queue_start = net_queue_start,
	.queue_stop = net_queue_stop,
	.reset = net_reset,
};

/* ---- set-up ------------------------------------------------------------------ */

/*
 * The worker role (net-worker): the library's every-thread table (loop,
 * kick and call eventfds, locks, memory) plus what a worker does with the
 * tap. Receive is read(2) and transmit writev(2) on the pair's tap queue fd,
 * both in the every-thread table already; the workers never see the
 * vhost-user socket, never open, create or configure anything.
 */
static const struct sc_rule net_worker_seccomp[] = {
	/*
	 * Worker 0 runs the control queue: VQ_PAIRS_SET attaches and detaches
	 * tap queues (net_update_attach -> tap_queue_attach).
	 */
	SC_ALLOW_ARG(ioctl, 1, TUNSETQUEUE),
};

static int net_worker_setup(struct vu_worker *w, void *arg)
{
	struct net_dev *n = arg;
	char err[128];
	int r;

	pthread_setname_np(pthread_self(), "cnh-net-io");
	/* Before the loop: the queues' watchers are added later, by calls. */
	r = vu_seccomp_load_worker("net-worker", net_worker_seccomp, ARRAY_SIZE(net_worker_seccomp),
				   n->seccomp, err, sizeof(err));
	if (r < 0)
		log_error(NET_TAG, "%s", err);
	return r;
}

int net_dev_start(struct net_dev *n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int r;

	vu_stats_init(&n->stats);
	r = vu_stats_register(&n->stats, net_stats_names, NET_ST_N);
	if (r < 0)
		return r;
	pthread_mutex_init(&n->attach_lock, NULL);
	n->lock_ok = true;
	net_ctrl_reset(&n->ctrl, n->p.pairs);
	n->ctrl_elem = vu_elem_new(n->queue_size);
	if (!n->ctrl_elem)
		return -ENOMEM;
	n->nworkers = MIN(n->p.pairs, ncpu > 0 ? (unsigned int)ncpu : 1u);
	for (unsigned int i = 0; i < n->p.pairs; i++) {
		struct net_pair *pr = &n->pairs[i];

		pr->n = n;
		pr->idx = i;
		pr->w = &n->workers[i % n->nworkers];
		pr->attached = true;
		snprintf(pr->name, sizeof(pr->name), "pair %u", i);
		r = net_io_init(&pr->io, n->queue_size, pr->name);
		if (r < 0)
			goto fail;
		pr->io.tap_fd = n->tap.fds[i];
		pr->io.stats = &n->stats;
		pr->io.tap_vnet_hdr = n->tap.vnet_hdr;
		net_io_configure(&pr->io, 0);
	}
	for (unsigned int i = 0; i < n->nworkers; i++) {
		r = vu_worker_start(&n->workers[i], net_worker_setup, NULL, n);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	net_dev_stop(n);
	return r;
}

void net_dev_stop(struct net_dev *n)
{
	for (unsigned int i = 0; i < NET_MAX_PAIRS; i++)
		vu_worker_stop(&n->workers[i]);
	for (unsigned int i = 0; i < NET_MAX_PAIRS; i++)
		if (n->pairs[i].n)
			net_io_fini(&n->pairs[i].io);
	vu_elem_free(n->ctrl_elem);
	n->ctrl_elem = NULL;
	if (n->lock_ok)
		pthread_mutex_destroy(&n->attach_lock);
	n->lock_ok = false;
}
