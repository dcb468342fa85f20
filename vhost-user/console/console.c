/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/console/console.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "vhost-user/lib/vu_backend.h"

#define CONSOLE_TAG "console"
#define CONSOLE_READ_MAX 1024

static struct console_dev *console_from_vu(struct vu_dev *dev)
{
	return container_of(dev, struct console_dev, vu);
}

static void console_input_start(struct console_dev *c)
{
	if (c->io.in_fd < 0 || ev_is_active(&c->in_io))
		return;
	ev_io_set(&c->in_io, c->io.in_fd, EV_READ);
	ev_io_start(c->loop, &c->in_io);
	c->in_full = false;
}

static void console_input_stop(struct console_dev *c)
{
	if (ev_is_active(&c->in_io))
		ev_io_stop(c->loop, &c->in_io);
}

/* Receive buffers were posted (or input queued): deliver, and resume input if there is room. */
static void console_rx(struct console_dev *c)
{
	if (console_port_flush_rx(&c->port) < 0)
		log_debug(CONSOLE_TAG, "receive queue broken");
	if (c->in_full && console_port_room(&c->port))
		console_input_start(c);
}

static void console_in_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct console_dev *c = container_of(w, struct console_dev, in_io);
	uint8_t buf[CONSOLE_READ_MAX];
	size_t room = console_port_room(&c->port);
	ssize_t n;

	if (!room) {
		console_input_stop(c);
		c->in_full = true;
		return;
	}
	n = console_io_read(&c->io, buf, MIN(room, sizeof(buf)));
	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		console_input_stop(c);
		if (c->io.mode == CONSOLE_SOCKET) {
			log_info(CONSOLE_TAG, "console client disconnected");
			console_io_drop_client(&c->io);
		}
		return;
	}
	console_port_input(&c->port, buf, (size_t)n);
	if (c->io.mode == CONSOLE_PTY)
		console_dev_check_size(c);
	if (!console_port_room(&c->port)) {
		console_input_stop(c);
		c->in_full = true;
	}
}

static void console_listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct console_dev *c = container_of(w, struct console_dev, listen_io);
	int r = console_io_accept(&c->io);

	if (r == 0) {
		log_info(CONSOLE_TAG, "console client connected");
		console_input_start(c);
	} else if (r == -EBUSY) {
		log_info(CONSOLE_TAG, "refused a second console client");
	}
}

void console_dev_check_size(struct console_dev *c)
{
	uint16_t cols, rows;
	int r;

	if (console_io_winsize(&c->io, &cols, &rows) < 0 || !console_port_resize(&c->port, cols, rows))
		return;
	log_debug(CONSOLE_TAG, "console size %ux%u", cols, rows);
	if (!c->vu.ops)
		return; /* no front-end: it reads the new size when it connects */
	r = vu_backend_config_change(&c->vu);
	if (r == 0)
		c->config_changes++;
	else
		log_debug(CONSOLE_TAG, "no config change notification: %s", strerror(-r));
}

static void console_winsz_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	console_dev_check_size(container_of(w, struct console_dev, winsz));
}

static void console_winch_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	console_dev_check_size(container_of(w, struct console_dev, winch));
}

static uint64_t console_get_features(struct vu_dev *dev)
{
	return (1ULL << VIRTIO_CONSOLE_F_SIZE) | (1ULL << VIRTIO_CONSOLE_F_EMERG_WRITE);
}

static int console_get_config(struct vu_dev *dev, uint8_t *buf, uint32_t offset, uint32_t len)
{
	return console_port_get_config(&console_from_vu(dev)->port, buf, offset, len);
}

static int console_set_config(struct vu_dev *dev, const uint8_t *buf, uint32_t offset, uint32_t len,
			      uint32_t flags)
{
	struct console_dev *c = console_from_vu(dev);

	return console_port_set_config(&c->port, buf, offset, len, console_io_write, &c->io);
}

static int console_queue_start(struct vu_dev *dev, unsigned int qidx)
{
	struct console_port *p = &console_from_vu(dev)->port;

	if (qidx == CONSOLE_RXQ)
		p->rxq = vu_dev_queue(dev, qidx);
	else if (qidx == CONSOLE_TXQ)
		p->txq = vu_dev_queue(dev, qidx);
	else
		return -EINVAL;
	return 0;
}

static void console_queue_stop(struct vu_dev *dev, unsigned int qidx)
{
	struct console_port *p = &console_from_vu(dev)->port;

	if (qidx == CONSOLE_RXQ)
		p->rxq = NULL;
	else if (qidx == CONSOLE_TXQ)
		p->txq = NULL;
}

static void console_queue_kick(struct vu_dev *dev, unsigned int qidx)
{
	struct console_dev *c = console_from_vu(dev);

	if (qidx == CONSOLE_RXQ) {
		console_rx(c);
	} else if (qidx == CONSOLE_TXQ) {
		if (console_port_drain_tx(&c->port, console_io_write, &c->io) < 0)
			log_debug(CONSOLE_TAG, "transmit queue broken");
	}
}

const struct vu_dev_ops console_ops = {
	.get_features = console_get_features,
	.get_config = console_get_config,
	.set_config = console_set_config,
	.queue_start = console_queue_start,
	.queue_stop = console_queue_stop,
	.queue_kick = console_queue_kick,
};

int console_dev_init(struct console_dev *c, struct ev_loop *loop, const struct console_io_opts *o,
		     char *err, size_t err_len)
{
	uint16_t cols = 0, rows = 0;
	int r;

	c->loop = loop;
	r = console_io_open(&c->io, o, err, err_len);
	if (r < 0)
		return r;
	(void)!console_io_winsize(&c->io, &cols, &rows);
	r = console_port_init(&c->port, cols, rows);
	if (r < 0) {
		snprintf(err, err_len, "out of memory");
		console_io_close(&c->io);
		return r;
	}
	ev_init(&c->in_io, console_in_cb);
	ev_io_init(&c->listen_io, console_listen_cb, c->io.listen_fd, EV_READ);
	ev_timer_init(&c->winsz, console_winsz_cb, CONSOLE_WINSZ_POLL_S, CONSOLE_WINSZ_POLL_S);
	ev_signal_init(&c->winch, console_winch_cb, SIGWINCH);
	if (c->io.mode == CONSOLE_SOCKET)
		ev_io_start(loop, &c->listen_io);
	if (c->io.mode == CONSOLE_PTY)
		ev_timer_start(loop, &c->winsz);
	if (c->io.mode == CONSOLE_TTY)
		ev_signal_start(loop, &c->winch);
	console_input_start(c);
	return 0;
}

void console_dev_fini(struct console_dev *c)
{
	if (!c->loop)
		return;
	console_input_stop(c);
	ev_io_stop(c->loop, &c->listen_io);
	ev_timer_stop(c->loop, &c->winsz);
	ev_signal_stop(c->loop, &c->winch);
	console_port_fini(&c->port);
	console_io_close(&c->io);
	c->loop = NULL;
}
