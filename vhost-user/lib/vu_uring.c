/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>

#include "vhost-user/lib/vu_uring.h"

static void vu_uring_ev_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vu_uring *u = container_of(w, struct vu_uring, watcher);
	uint64_t cnt;

	/* Reset the counter first: completions after this read re-signal it. */
	if (read(u->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return;
	vu_uring_reap(u);
}

int vu_uring_init(struct vu_uring *u, struct ev_loop *loop, unsigned int entries)
{
	struct io_uring_params p;
	int r;

	memset(u, 0, sizeof(*u));
	u->efd = -1;
	u->loop = loop;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
	p.cq_entries = entries * 2;
	r = io_uring_queue_init_params(entries, &u->ring, &p);
	if (r == -EINVAL) {
		memset(&p, 0, sizeof(p));
		r = io_uring_queue_init_params(entries, &u->ring, &p);
	}
	if (r < 0)
		return r;
	u->ring_ok = true;
	u->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->efd < 0) {
		r = -errno;
		goto fail;
	}
	r = io_uring_register_eventfd(&u->ring, u->efd);
	if (r < 0)
		goto fail;
	ev_io_init(&u->watcher, vu_uring_ev_cb, u->efd, EV_READ);
	ev_io_start(loop, &u->watcher);
	return 0;
fail:
	vu_uring_fini(u);
	return r;
}

void vu_uring_fini(struct vu_uring *u)
{
	if (!u)
		return;
	if (u->loop && u->efd >= 0)
		ev_io_stop(u->loop, &u->watcher);
	if (u->ring_ok)
		io_uring_queue_exit(&u->ring);
	u->ring_ok = false;
	closep(&u->efd);
}

struct io_uring_sqe *vu_uring_sqe(struct vu_uring *u, struct vu_uring_op *op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		if (vu_uring_submit(u) < 0)
			return NULL;
		sqe = io_uring_get_sqe(&u->ring);
		if (!sqe)
			return NULL;
	}
	io_uring_sqe_set_data(sqe, op);
	u->queued++;
	return sqe;
}

int vu_uring_submit(struct vu_uring *u)
{
	while (u->queued) {
		int r = io_uring_submit(&u->ring);

		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		u->queued = (unsigned int)r >= u->queued ? 0 : u->queued - (unsigned int)r;
		if (r == 0)
			return -EAGAIN;
	}
	return 0;
}

void vu_uring_reap(struct vu_uring *u)
{
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		struct vu_uring_op *op = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&u->ring, cqe);
		if (op && op->cb)
			op->cb(op, res);
	}
	/* What the callbacks queued; a failure leaves it queued for the next submit. */
	if (vu_uring_submit(u) < 0)
		return;
}
