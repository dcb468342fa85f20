/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The front-end's main-loop side against the scripted fake back-end: the
 * backend request channel (SET_BACKEND_REQ_FD, CONFIG_CHANGE_MSG, hostile
 * messages) and the broken-ring eventfd (SET_VRING_ERR).
 */
#include <criterion/criterion.h>
#include <ev.h>
#include <linux/virtio_blk.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_backend.h"
#include "vmm/memory.h"
#include "vmm/vhost_user/blk.h"
#include "vmm/vhost_user/frontend.h"

#define BIT(n) (1ULL << (n))

struct events_seen {
	unsigned int config_changed;
	unsigned int needs_reset;
	struct virtio_dev *dev;
};

static char err[256];

static void events_notify(void *opaque, struct virtio_dev *dev, enum vhost_user_fe_event ev)
{
	struct events_seen *s = opaque;

	s->dev = dev;
	if (ev == VHOST_USER_FE_CONFIG_CHANGED)
		s->config_changed++;
	else
		s->needs_reset++;
}

static void events_fake(struct fake_backend *f)
{
	struct virtio_blk_config *c = (struct virtio_blk_config *)f->config;

	fake_init(f);
	f->features |= BIT(VIRTIO_BLK_F_MQ);
	f->protocol |= BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ);
	c->capacity = 2048;
	c->num_queues = 2;
}

static void events_connect(struct fake_backend *f, struct ev_loop *loop, struct events_seen *seen,
			   struct vhost_user_fe **fe)
{
	struct vhost_user_fe_params p = {
		.name = "ev0", .type = &vhost_user_blk_type, .max_queues = 2, .queue_size = 128,
		.timeout_ms = 2000, .loop = loop, .notify = { events_notify, seen },
	};
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_start(f, sv[1]);
	cr_assert_eq(vhost_user_fe_new_fd(sv[0], &p, fe, err, sizeof(err)), 0, "%s", err);
}

static void events_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop until *counter moves or 2 s pass. */
static void events_run(struct ev_loop *loop, const unsigned int *counter)
{
	unsigned int before = *counter;
	ev_timer t;

	ev_timer_init(&t, events_timeout, 2.0, 0);
	ev_timer_start(loop, &t);
	while (*counter == before && ev_is_active(&t))
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &t);
}

/* Run the loop for a short while (to let a watcher act on what was sent). */
static void events_spin(struct ev_loop *loop)
{
	ev_timer t;

	ev_timer_init(&t, events_timeout, 0.2, 0);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

static void send_backend(int fd, uint32_t req, uint32_t flags, uint32_t size)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, req);
	m.hdr.flags |= flags;
	m.hdr.size = size;
	memset(&m.payload, 0, sizeof(m.payload));
	cr_assert_eq(vhost_user_send(fd, &m), 0);
}

static uint64_t blk_capacity(struct virtio_dev *dev)
{
	uint64_t cap = 0;

	dev->ops->config_read(dev, offsetof(struct virtio_blk_config, capacity), &cap, sizeof(cap));
	return cap;
}

Test(events, handshake_sends_backend_channel)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct events_seen seen = { 0 };
	struct fake_backend f;
	struct vhost_user_fe *fe;
	int set_fd, cfg;

	events_fake(&f);
	events_connect(&f, loop, &seen, &fe);
	cr_assert(vhost_user_fe_protocol_features(fe) & BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ));
	cr_assert(vhost_user_fe_backend_channel_open(fe));
	set_fd = fake_find(&f, VHOST_USER_SET_BACKEND_REQ_FD, 0);
	cr_assert_geq(set_fd, 0);
	cr_assert_gt(set_fd, fake_find(&f, VHOST_USER_SET_PROTOCOL_FEATURES, 0));
	cr_assert_gt(set_fd, fake_find(&f, VHOST_USER_SET_OWNER, 0));
	cfg = fake_find(&f, VHOST_USER_GET_CONFIG, 0);
	cr_assert(cfg > set_fd);
	cr_assert_eq(f.log[set_fd].nfds, 1);
	cr_assert_eq(f.log[set_fd].hdr.size, 0);
	cr_assert(f.log[set_fd].hdr.flags & VHOST_USER_FLAG_NEED_REPLY, "REPLY_ACK negotiated");
	cr_assert_geq(f.backend_fd, 0);
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_not(f.protocol_error);
	ev_loop_destroy(loop);
}

Test(events, no_loop_no_channel)
{
	struct vhost_user_fe_params p = {
		.name = "ev0", .type = &vhost_user_blk_type, .max_queues = 2, .queue_size = 128,
		.timeout_ms = 2000,
	};
	struct fake_backend f;
	struct vhost_user_fe *fe;
	int sv[2];

	events_fake(&f);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_start(&f, sv[1]);
	cr_assert_eq(vhost_user_fe_new_fd(sv[0], &p, &fe, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(vhost_user_fe_protocol_features(fe) & BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ));
	cr_assert_not(vhost_user_fe_backend_channel_open(fe));
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_eq(fake_find(&f, VHOST_USER_SET_BACKEND_REQ_FD, 0), -1);
}

Test(events, backend_without_backend_req_gets_no_channel)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct events_seen seen = { 0 };
	struct fake_backend f;
	struct vhost_user_fe *fe;

	events_fake(&f);
	f.protocol &= ~BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ);
	events_connect(&f, loop, &seen, &fe);
	cr_assert_not(vhost_user_fe_backend_channel_open(fe));
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_eq(fake_find(&f, VHOST_USER_SET_BACKEND_REQ_FD, 0), -1);
	ev_loop_destroy(loop);
}

Test(events, config_change_msg_invalidates_and_notifies)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct events_seen seen = { 0 };
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	struct vhost_user_msg ack;

	events_fake(&f);
	events_connect(&f, loop, &seen, &fe);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(blk_capacity(dev), 2048);

	/* The back-end resizes, then says so (and wants an ack). */
	pthread_mutex_lock(&f.lock);
	((struct virtio_blk_config *)f.config)->capacity = 4096;
	pthread_mutex_unlock(&f.lock);
	cr_assert_eq(blk_capacity(dev), 2048, "cached until told");
	send_backend(f.backend_fd, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VHOST_USER_FLAG_NEED_REPLY, 0);
	events_run(loop, &seen.config_changed);
	cr_assert_eq(seen.config_changed, 1);
	cr_assert_eq(seen.needs_reset, 0);
	cr_assert_eq(seen.dev, dev);
	cr_assert_eq(vhost_user_recv(f.backend_fd, &ack), 0);
	cr_assert_eq(ack.hdr.request, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG);
	cr_assert(ack.hdr.flags & VHOST_USER_FLAG_REPLY);
	cr_assert_eq(ack.hdr.size, sizeof(uint64_t));
	cr_assert_eq(ack.payload.u64, 0);
	cr_assert_eq(blk_capacity(dev), 4096, "re-read after CONFIG_CHANGE_MSG");

	/* Without NEED_REPLY: no ack, still handled; the channel stays open. */
	send_backend(f.backend_fd, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, 0, 0);
	events_run(loop, &seen.config_changed);
	cr_assert_eq(seen.config_changed, 2);
	cr_assert(vhost_user_fe_backend_channel_open(fe));
	cr_assert_not(vhost_user_fe_is_broken(fe));
	vhost_user_fe_free(fe);
	fake_join(&f);
	ev_loop_destroy(loop);
}

/* A hostile message closes the channel only: no event, the device keeps working. */
static void hostile(uint32_t req, uint32_t flags, uint32_t size, bool garbage)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct events_seen seen = { 0 };
	struct fake_backend f;
	struct vhost_user_fe *fe;
	char c;

	events_fake(&f);
	events_connect(&f, loop, &seen, &fe);
	if (garbage) {
		/* A header claiming a payload larger than any message. */
		uint32_t hdr[3] = { VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VHOST_USER_VERSION, 1u << 20 };

		cr_assert_eq(write(f.backend_fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	} else {
		send_backend(f.backend_fd, req, flags, size);
	}
	events_spin(loop);
	cr_assert_not(vhost_user_fe_backend_channel_open(fe));
	cr_assert_eq(seen.config_changed + seen.needs_reset, 0);
	cr_assert_eq(read(f.backend_fd, &c, 1), 0, "the front-end closed its end");
	cr_assert_not(vhost_user_fe_is_broken(fe));
	cr_assert_eq(blk_capacity(vhost_user_fe_dev(fe)), 2048);
	vhost_user_fe_free(fe);
	fake_join(&f);
	ev_loop_destroy(loop);
}

Test(events, hostile_unknown_request)
{
	hostile(99, 0, 0, false);
}

Test(events, hostile_unsupported_request)
{
	hostile(VHOST_USER_BACKEND_VRING_ERR, 0, sizeof(uint64_t), false);
}

Test(events, hostile_config_change_with_payload)
{
	hostile(VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, 0, sizeof(uint64_t), false);
}

Test(events, hostile_reply_flag)
{
	hostile(VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VHOST_USER_FLAG_REPLY, 0, false);
}

Test(events, hostile_oversized)
{
	hostile(0, 0, 0, true);
}

Test(events, backend_hangs_up_channel)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct events_seen seen = { 0 };
	struct fake_backend f;
	struct vhost_user_fe *fe;

	events_fake(&f);
	events_connect(&f, loop, &seen, &fe);
	close(f.backend_fd);
	f.backend_fd = -1;
	events_spin(loop);
	cr_assert_not(vhost_user_fe_backend_channel_open(fe));
	cr_assert_not(vhost_user_fe_is_broken(fe));
	vhost_user_fe_free(fe);
	fake_join(&f);
	ev_loop_destroy(loop);
}

static void queues_init(struct virtio_queue_state *q, unsigned int n)
{
	memset(q, 0, n * sizeof(*q));
	for (unsigned int i = 0; i < n; i++) {
		q[i].enabled = true;
		q[i].size = 64;
		q[i].desc = 0x10000 * (i + 1);
		q[i].avail = q[i].desc + 0x1000;
		q[i].used = q[i].desc + 0x2000;
		q[i].kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q[i].call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
}

static void queues_fini(struct virtio_queue_state *q, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		close(q[i].kick_fd);
		close(q[i].call_fd);
	}
}

Test(events, vring_err_per_queue_and_needs_reset)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct events_seen seen = { 0 };
	struct virtio_queue_state q[2];
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	struct guest_mem gm;
	int errs[2] = { -1, -1 }, calls[2] = { -1, -1 }, kicks[2] = { -1, -1 };

	cr_assert_eq(gm_init(&gm, MiB(2), false), 0);
	queues_init(q, 2);
	events_fake(&f);
	events_connect(&f, loop, &seen, &fe);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->ops->set_features(dev, dev->ops->get_features(dev)), 0);
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), 0);
	for (unsigned int i = 0; i < 2; i++) {
		errs[i] = fake_find(&f, VHOST_USER_SET_VRING_ERR, i ? (unsigned int)errs[0] + 1 : 0);
		calls[i] = fake_find(&f, VHOST_USER_SET_VRING_CALL, i ? (unsigned int)calls[0] + 1 : 0);
		kicks[i] = fake_find(&f, VHOST_USER_SET_VRING_KICK, i ? (unsigned int)kicks[0] + 1 : 0);
		cr_assert_geq(errs[i], 0, "queue %u got SET_VRING_ERR", i);
		cr_assert(calls[i] < errs[i] && errs[i] < kicks[i], "CALL, ERR, KICK for queue %u", i);
		cr_assert_eq(f.log[errs[i]].payload.u64, i, "index %u with an fd (no NOFD bit)", i);
		cr_assert_eq(f.log[errs[i]].nfds, 1);
	}
	cr_assert_eq(f.log[errs[0]].ino[0], f.log[errs[1]].ino[0], "one eventfd for the device");
	cr_assert_eq(fake_find(&f, VHOST_USER_SET_VRING_ERR, (unsigned int)errs[1] + 1), -1);

	/* The back-end stops a broken ring: the VMM hears it on the loop. */
	cr_assert_eq(eventfd_write(f.err_fd, 1), 0);
	events_run(loop, &seen.needs_reset);
	cr_assert_eq(seen.needs_reset, 1);
	cr_assert_eq(seen.config_changed, 0);
	cr_assert_eq(seen.dev, dev);
	/* Drained: a second signal is a second event, nothing fires in between. */
	events_spin(loop);
	cr_assert_eq(seen.needs_reset, 1);
	cr_assert_eq(eventfd_write(f.err_fd, 1), 0);
	events_run(loop, &seen.needs_reset);
	cr_assert_eq(seen.needs_reset, 2);

	/* The guest resets; re-activation hands the same eventfd out again. */
	dev->ops->reset(dev);
	cr_assert_eq(dev->ops->set_features(dev, dev->ops->get_features(dev)), 0);
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), 0);
	cr_assert_geq(fake_find(&f, VHOST_USER_SET_VRING_ERR, (unsigned int)kicks[1] + 1), 0);
	cr_assert_not(vhost_user_fe_is_broken(fe));
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_not(f.protocol_error);
	queues_fini(q, 2);
	gm_fini(&gm);
	ev_loop_destroy(loop);
}

Test(events, no_loop_no_vring_err)
{
	struct vhost_user_fe_params p = {
		.name = "ev0", .type = &vhost_user_blk_type, .max_queues = 2, .queue_size = 128,
		.timeout_ms = 2000,
	};
	struct virtio_queue_state q[2];
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	struct guest_mem gm;
	int sv[2];

	cr_assert_eq(gm_init(&gm, MiB(2), false), 0);
	queues_init(q, 2);
	events_fake(&f);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_start(&f, sv[1]);
	cr_assert_eq(vhost_user_fe_new_fd(sv[0], &p, &fe, err, sizeof(err)), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->ops->set_features(dev, dev->ops->get_features(dev)), 0);
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), 0);
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_geq(fake_find(&f, VHOST_USER_SET_VRING_KICK, 0), 0);
	cr_assert_eq(fake_find(&f, VHOST_USER_SET_VRING_ERR, 0), -1);
	queues_fini(q, 2);
	gm_fini(&gm);
}
