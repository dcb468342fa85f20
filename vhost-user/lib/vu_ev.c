/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/lib/vu_ev.h"

#include <stdlib.h>
#include <string.h>

static struct vu_ev_watch *vu_ev_find(struct vu_ev *ev, int fd)
{
	for (unsigned int i = 0; i < ev->nwatches; i++)
		if (ev->watches[i].io.fd == fd)
			return &ev->watches[i];
	return NULL;
}

static void vu_ev_watch_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct vu_ev_watch *w = container_of(io, struct vu_ev_watch, io);
	unsigned int events = 0;

	if (revents & EV_READ)
		events |= VU_WATCH_IN;
	if (revents & EV_WRITE)
		events |= VU_WATCH_OUT;
	w->cb(w->owner->dev, io->fd, events, w->opaque);
}

static int vu_ev_watch_fd(struct vu_dev *dev, int fd, unsigned int events, vu_watch_cb cb, void *opaque)
{
	struct vu_ev *ev = dev->watch_ctx;
	struct vu_ev_watch *w;
	int flags = 0;

	if (fd < 0 || !cb || !events)
		return -EINVAL;
	if (vu_ev_find(ev, fd))
		return -EEXIST;
	w = vu_ev_find(ev, -1);
	if (!w)
		return -ENOSPC;
	if (events & VU_WATCH_IN)
		flags |= EV_READ;
	if (events & VU_WATCH_OUT)
		flags |= EV_WRITE;
	w->owner = ev;
	w->cb = cb;
	w->opaque = opaque;
	ev_io_init(&w->io, vu_ev_watch_cb, fd, flags);
	ev_io_start(ev->loop, &w->io);
	return 0;
}

static void vu_ev_unwatch_fd(struct vu_dev *dev, int fd)
{
	struct vu_ev *ev = dev->watch_ctx;
	struct vu_ev_watch *w;

	if (fd < 0)
		return;
	w = vu_ev_find(ev, fd);
	if (!w)
		return;
	ev_io_stop(ev->loop, &w->io);
	w->io.fd = -1;
}

static const struct vu_watch_ops vu_ev_watch_ops = {
	.watch_fd = vu_ev_watch_fd,
	.unwatch_fd = vu_ev_unwatch_fd,
};

static void vu_ev_sock_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct vu_ev *ev = container_of(io, struct vu_ev, sock_io);
	int ret = vu_dispatch(ev->dev);

	if (ret < 0) {
		ev_io_stop(loop, io);
		if (ev->disconnected)
			ev->disconnected(ev, ret);
	}
}

int vu_ev_attach(struct vu_ev *ev, struct ev_loop *loop, struct vu_dev *dev, vu_ev_disconnect_cb disconnected)
{
	memset(ev, 0, sizeof(*ev));
	ev->nwatches = dev->num_queues + 4;
	ev->watches = calloc(ev->nwatches, sizeof(*ev->watches));
	if (!ev->watches) {
		ev->nwatches = 0;
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < ev->nwatches; i++)
		ev->watches[i].io.fd = -1;
	ev->loop = loop;
	ev->dev = dev;
	ev->disconnected = disconnected;
	vu_dev_set_watch(dev, &vu_ev_watch_ops, ev);
	ev_io_init(&ev->sock_io, vu_ev_sock_cb, dev->sock, EV_READ);
	ev_io_start(loop, &ev->sock_io);
	return 0;
}

void vu_ev_detach(struct vu_ev *ev)
{
	if (!ev || !ev->loop)
		return;
	ev_io_stop(ev->loop, &ev->sock_io);
	for (unsigned int i = 0; i < ev->nwatches; i++) {
		if (ev->watches[i].io.fd >= 0) {
			ev_io_stop(ev->loop, &ev->watches[i].io);
			ev->watches[i].io.fd = -1;
		}
	}
	free(ev->watches);
	if (ev->dev && ev->dev->watch_ctx == ev)
		vu_dev_set_watch(ev->dev, NULL, NULL);
	memset(ev, 0, sizeof(*ev));
}
