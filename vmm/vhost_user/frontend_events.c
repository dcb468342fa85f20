/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a back-end tells the front-end on its own, watched on the VMM's main
 * loop: the backend request channel (SET_BACKEND_REQ_FD; cnh handles
 * CONFIG_CHANGE_MSG) and the err eventfd of the started queues
 * (SET_VRING_ERR: the back-end stopped a broken ring).
 *
 * The channel is the back-end's: anything malformed or unsupported on it is
 * logged once and closes the channel, never the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/vhost_user/frontend_internal.h"

/* Longest the main loop may wait for the rest of a message or for the ack to go out. */
#define FE_EVENTS_TIMEOUT_MS 1000

static void fe_events_notify(struct vhost_user_fe *fe, enum vhost_user_fe_event ev)
{
	if (fe->notify.fn)
		fe->notify.fn(fe->notify.opaque, &fe->dev, ev);
}

static void fe_events_close_channel(struct vhost_user_fe *fe)
{
	if (fe->req_fd < 0)
		return;
	if (fe->loop)
		ev_io_stop(fe->loop, &fe->req_watch);
	closep(&fe->req_fd);
	atomic_store(&fe->req_open, false);
}

/* A bad message: log once (a back-end can repeat it forever), close the channel. */
static void fe_events_bad(struct vhost_user_fe *fe, const char *what, uint32_t req)
{
	if (!fe->req_logged) {
		fe->req_logged = true;
		log_warn(FE_TAG, "%s: back-end sent %s (%s, request %u) on its request channel; channel closed",
			 fe->name, what, vhost_user_backend_request_name(req), req);
	}
	fe_events_close_channel(fe);
}

/* The ack of a NEED_REPLY request: u64 0 = done. */
static int fe_events_ack(struct vhost_user_fe *fe, const struct vhost_user_msg *m, uint64_t status)
{
	struct vhost_user_msg r;

	vhost_user_msg_init(&r, m->hdr.request);
	r.hdr.flags |= VHOST_USER_FLAG_REPLY;
	r.hdr.size = sizeof(uint64_t);
	r.payload.u64 = status;
	return vhost_user_send(fe->req_fd, &r);
}

static void fe_events_request(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vhost_user_fe *fe = container_of(w, struct vhost_user_fe, req_watch);
	struct vhost_user_msg m;
	int r;

	(void)loop;
	(void)revents;
	vhost_user_msg_init(&m, VHOST_USER_BACKEND_NONE);
	r = vhost_user_recv(fe->req_fd, &m);
	if (r == -ECONNRESET) {
		/* The back-end may close its end (e.g. restarting): nothing more will come. */
		log_debug(FE_TAG, "%s: back-end closed its request channel", fe->name);
		fe_events_close_channel(fe);
		return;
	}
	if (r < 0) {
		fe_events_bad(fe, "a truncated or oversized message", m.hdr.request);
		goto out;
	}
	if (vhost_user_msg_validate(&m, VHOST_USER_FROM_BACKEND) < 0 || m.nfds ||
	    (m.hdr.flags & VHOST_USER_FLAG_REPLY)) {
		fe_events_bad(fe, "a malformed message", m.hdr.request);
		goto out;
	}
	if (m.hdr.request != VHOST_USER_BACKEND_CONFIG_CHANGE_MSG) {
		fe_events_bad(fe, "an unsupported request", m.hdr.request);
		goto out;
	}
	/*
	 * Ack first: a back-end waiting for it may not answer the GET_CONFIG
	 * a vCPU sends meanwhile under fe->lock, which the invalidation takes.
	 */
	if ((m.hdr.flags & VHOST_USER_FLAG_NEED_REPLY) && fe_events_ack(fe, &m, 0) < 0) {
		fe_events_bad(fe, "a request whose ack could not be sent", m.hdr.request);
		/* the config change itself still stands */
	}
	log_debug(FE_TAG, "%s: back-end changed its configuration space", fe->name);
	vhost_user_fe_config_invalidate(fe);
	fe_events_notify(fe, VHOST_USER_FE_CONFIG_CHANGED);
out:
	vhost_user_msg_close_fds(&m);
}

static void fe_events_err(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vhost_user_fe *fe = container_of(w, struct vhost_user_fe, err_watch);
	eventfd_t v;

	(void)loop;
	(void)revents;
	if (eventfd_read(fe->err_fd, &v) < 0)
		return; /* EAGAIN: drained already */
	/* A guest that breaks its rings on purpose would flood the log: once per device. */
	if (!fe->err_logged) {
		fe->err_logged = true;
		log_warn(FE_TAG, "%s: back-end stopped a broken virtqueue; the device needs a reset", fe->name);
	} else {
		log_debug(FE_TAG, "%s: back-end stopped a broken virtqueue again", fe->name);
	}
	fe_events_notify(fe, VHOST_USER_FE_NEEDS_RESET);
}

int fe_events_init(struct vhost_user_fe *fe, const struct vhost_user_fe_params *p)
{
	fe->loop = p->loop;
	fe->notify = p->notify;
	if (!fe->loop)
		return 0;
	fe->err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fe->err_fd < 0)
		return -errno;
	ev_io_init(&fe->err_watch, fe_events_err, fe->err_fd, EV_READ);
	ev_io_start(fe->loop, &fe->err_watch);
	return 0;
}

int fe_events_backend_channel(struct vhost_user_fe *fe)
{
	struct timeval tv = { .tv_sec = FE_EVENTS_TIMEOUT_MS / 1000,
			      .tv_usec = (FE_EVENTS_TIMEOUT_MS % 1000) * 1000 };
	struct vhost_user_msg m;
	int sv[2], r;

	if (!fe->loop || !fe_has(fe, VHOST_USER_PROTOCOL_F_BACKEND_REQ))
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_debug(FE_TAG, "%s: socketpair: %s; no backend request channel", fe->name, strerror(errno));
		return 0;
	}
	if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	vhost_user_msg_init(&m, VHOST_USER_SET_BACKEND_REQ_FD);
	m.fds[0] = sv[1];
	m.nfds = 1;
	r = fe_request(fe, &m, NULL);
	close(sv[1]); /* the back-end has its own copy now */
	if (r < 0) {
		close(sv[0]);
		return r == -EREMOTEIO ? 0 : r;
	}
	fe->req_fd = sv[0];
	atomic_store(&fe->req_open, true);
	ev_io_init(&fe->req_watch, fe_events_request, fe->req_fd, EV_READ);
	ev_io_start(fe->loop, &fe->req_watch);
	return 0;
}

void fe_events_fini(struct vhost_user_fe *fe)
{
	fe_events_close_channel(fe);
	if (fe->err_fd >= 0 && fe->loop)
		ev_io_stop(fe->loop, &fe->err_watch);
	closep(&fe->err_fd);
}

bool vhost_user_fe_backend_channel_open(const struct vhost_user_fe *fe)
{
	return atomic_load(&((struct vhost_user_fe *)fe)->req_open);
}
