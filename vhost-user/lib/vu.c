/* SPDX-License-Identifier: Apache-2.0 */
/* vu_dev: connection state, queue life cycle and the request table. */
#include "vhost-user/lib/vu.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/log.h"

#define VU_TAG "vhost-user"
/* A handler's return value asking for msg (rewritten in place) to be sent back. */
#define VU_REPLY 1

static bool vu_queue_should_run(const struct vu_dev *dev, const struct vu_queue *q)
{
	bool enabled = q->enabled || !vu_dev_has_feature(dev, VHOST_USER_F_PROTOCOL_FEATURES);

	return q->started && enabled;
}

static void vu_kick_cb(struct vu_dev *dev, int fd, unsigned int events, void *opaque)
{
	struct vu_queue *q = opaque;
	eventfd_t v;

	if (eventfd_read(fd, &v) < 0 && errno != EAGAIN)
		return;
	if (q->running && dev->ops->queue_kick)
		dev->ops->queue_kick(dev, q->vq.index);
}

static void vu_queue_stop(struct vu_dev *dev, struct vu_queue *q)
{
	if (!q->running)
		return;
	if (q->watched) {
		dev->watch->unwatch_fd(dev, q->vq.kick_fd);
		q->watched = false;
	}
	if (dev->ops->queue_stop)
		dev->ops->queue_stop(dev, q->vq.index);
	vu_virtq_unmap(&q->vq);
	q->running = false;
}

static int vu_queue_start(struct vu_dev *dev, struct vu_queue *q)
{
	int ret;

	if (q->running)
		return 0;
	q->vq.event_idx = vu_dev_has_feature(dev, VIRTQ_F_EVENT_IDX);
	q->vq.indirect = vu_dev_has_feature(dev, VIRTQ_F_INDIRECT_DESC);
	ret = vu_virtq_map(&q->vq);
	if (ret < 0)
		return ret;
	if (dev->ops->queue_start) {
		ret = dev->ops->queue_start(dev, q->vq.index);
		if (ret < 0)
			goto unmap;
	}
	q->running = true;
	if (dev->ops->queue_kick && q->vq.kick_fd >= 0 && dev->watch) {
		ret = dev->watch->watch_fd(dev, q->vq.kick_fd, VU_WATCH_IN, vu_kick_cb, q);
		if (ret < 0) {
			vu_queue_stop(dev, q);
			return ret;
		}
		q->watched = true;
		/* Buffers may have been queued before the kick fd was watched. */
		dev->ops->queue_kick(dev, q->vq.index);
	}
	return 0;
unmap:
	vu_virtq_unmap(&q->vq);
	return ret;
}

/* Start or stop the queue to match its state. */
static int vu_queue_update(struct vu_dev *dev, struct vu_queue *q)
{
	if (vu_queue_should_run(dev, q))
		return vu_queue_start(dev, q);
	vu_queue_stop(dev, q);
	return 0;
}

static void vu_stop_all(struct vu_dev *dev)
{
	for (unsigned int i = 0; i < dev->num_queues; i++)
		vu_queue_stop(dev, &dev->queues[i]);
}

/* Restart what should run after a global change; a queue that cannot is left stopped. */
static void vu_update_all(struct vu_dev *dev)
{
	for (unsigned int i = 0; i < dev->num_queues; i++) {
		struct vu_queue *q = &dev->queues[i];

		if (vu_queue_update(dev, q) < 0) {
			vu_virtq_set_broken(&q->vq, "rings not mapped after a memory or feature change");
			q->started = false;
		}
	}
}

static void vu_queue_reset(struct vu_dev *dev, struct vu_queue *q, unsigned int index)
{
	vu_queue_stop(dev, q);
	vu_virtq_close_fds(&q->vq);
	memset(q, 0, sizeof(*q));
	vu_virtq_init(&q->vq, index, &dev->mem);
}

int vu_dev_init(struct vu_dev *dev, const struct vu_dev_ops *ops, unsigned int num_queues,
		uint16_t max_queue_size, int sock)
{
	int flags;

	memset(dev, 0, sizeof(*dev));
	dev->sock = sock;
	dev->backend_fd = -1;
	if (!ops || !ops->get_features || num_queues == 0 || num_queues > VHOST_USER_MAX_QUEUES ||
	    max_queue_size == 0 || max_queue_size > VIRTQ_MAX_SIZE || (max_queue_size & (max_queue_size - 1)) ||
	    sock < 0)
		goto fail_inval;
	/* vu_dispatch reads a whole message once the socket is readable. */
	flags = fcntl(sock, F_GETFL);
	if (flags < 0 || ((flags & O_NONBLOCK) && fcntl(sock, F_SETFL, flags & ~O_NONBLOCK) < 0))
		goto fail_inval;
	dev->queues = calloc(num_queues, sizeof(*dev->queues));
	if (!dev->queues) {
		closep(&dev->sock);
		return -ENOMEM;
	}
	dev->ops = ops;
	dev->num_queues = num_queues;
	dev->max_queue_size = max_queue_size;
	vu_mem_init(&dev->mem);
	ratelimit_init(&dev->rl, 5000, 5);
	for (unsigned int i = 0; i < num_queues; i++)
		vu_virtq_init(&dev->queues[i].vq, i, &dev->mem);
	return 0;
fail_inval:
	closep(&dev->sock);
	return -EINVAL;
}

void vu_dev_fini(struct vu_dev *dev)
{
	if (!dev || !dev->ops)
		return;
	if (dev->queues) {
		vu_stop_all(dev);
		for (unsigned int i = 0; i < dev->num_queues; i++)
			vu_virtq_close_fds(&dev->queues[i].vq);
		free(dev->queues);
	}
	vu_mem_fini(&dev->mem);
	closep(&dev->sock);
	closep(&dev->backend_fd);
	memset(dev, 0, sizeof(*dev));
	dev->sock = -1;
	dev->backend_fd = -1;
}

void vu_dev_set_watch(struct vu_dev *dev, const struct vu_watch_ops *watch, void *ctx)
{
	dev->watch = watch;
	dev->watch_ctx = ctx;
}

static uint64_t vu_offered_features(struct vu_dev *dev)
{
	return (dev->ops->get_features(dev) | VU_LIB_FEATURES) & ~(1ULL << VIRTQ_F_RING_PACKED);
}

static uint64_t vu_offered_protocol_features(struct vu_dev *dev)
{
	uint64_t f = VU_PROTOCOL_FEATURES;

	if (!dev->ops->get_config)
		f &= ~(1ULL << VHOST_USER_PROTOCOL_F_CONFIG);
	if (dev->ops->get_protocol_features)
		f &= dev->ops->get_protocol_features(dev);
	return f;
}

static void vu_reply_u64(struct vhost_user_msg *msg, uint64_t v)
{
	msg->hdr.size = sizeof(uint64_t);
	msg->payload.u64 = v;
}

/* The queue named by a request's index, or NULL. */
static struct vu_queue *vu_msg_queue(struct vu_dev *dev, uint32_t index)
{
	return index < dev->num_queues ? &dev->queues[index] : NULL;
}

static int vu_get_features(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	vu_reply_u64(msg, vu_offered_features(dev));
	return VU_REPLY;
}

static int vu_set_features(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	uint64_t f = msg->payload.u64;
	int ret = 0;

	if (f & ~vu_offered_features(dev))
		return -EINVAL;
	vu_stop_all(dev);
	if (dev->ops->set_features)
		ret = dev->ops->set_features(dev, f);
	if (ret == 0) {
		dev->features = f;
		dev->features_set = true;
	}
	vu_update_all(dev);
	return ret;
}

static int vu_set_owner(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	dev->owned = true;
	return 0;
}

static int vu_reset_device(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	vu_stop_all(dev);
	for (unsigned int i = 0; i < dev->num_queues; i++)
		vu_queue_reset(dev, &dev->queues[i], i);
	dev->status = 0;
	if (dev->ops->reset)
		dev->ops->reset(dev);
	return 0;
}

static int vu_get_protocol_features(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	vu_reply_u64(msg, vu_offered_protocol_features(dev));
	return VU_REPLY;
}

static int vu_set_protocol_features(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	if (msg->payload.u64 & ~vu_offered_protocol_features(dev))
		return -EINVAL;
	dev->protocol_features = msg->payload.u64;
	return 0;
}

static int vu_get_queue_num(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	vu_reply_u64(msg, dev->num_queues);
	return VU_REPLY;
}

static int vu_set_mem_table(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	const struct vhost_user_memory *m = &msg->payload.memory;
	int ret;

	vu_stop_all(dev);
	ret = vu_mem_set_table(&dev->mem, m->regions, msg->fds, m->nregions);
	vu_update_all(dev);
	return ret;
}

static int vu_get_max_mem_slots(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	vu_reply_u64(msg, VU_MEM_MAX_SLOTS);
	return VU_REPLY;
}

static int vu_add_mem_reg(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	int ret;

	vu_stop_all(dev);
	ret = vu_mem_add(&dev->mem, &msg->payload.mem_reg.region, msg->fds[0]);
	vu_update_all(dev);
	return ret;
}

static int vu_rem_mem_reg(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	int ret;

	vu_stop_all(dev);
	ret = vu_mem_remove(&dev->mem, &msg->payload.mem_reg.region);
	vu_update_all(dev);
	return ret;
}

static int vu_set_vring_num(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	struct vu_queue *q = vu_msg_queue(dev, msg->payload.state.index);
	uint32_t num = msg->payload.state.num;

	if (!q || num == 0 || num > dev->max_queue_size || (num & (num - 1)))
		return -EINVAL;
	if (q->started)
		return -EBUSY;
	q->vq.size = (uint16_t)num;
	return 0;
}

static int vu_set_vring_addr(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	const struct vhost_user_vring_addr *a = &msg->payload.addr;
	struct vu_queue *q = vu_msg_queue(dev, a->index);

	if (!q)
		return -EINVAL;
	vu_queue_stop(dev, q);
	q->vq.desc_uva = a->desc_user_addr;
	q->vq.avail_uva = a->avail_user_addr;
	q->vq.used_uva = a->used_user_addr;
	q->vq.addr_set = true;
	return vu_queue_update(dev, q);
}

static int vu_set_vring_base(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	struct vu_queue *q = vu_msg_queue(dev, msg->payload.state.index);

	if (!q || msg->payload.state.num > UINT16_MAX)
		return -EINVAL;
	if (q->started)
		return -EBUSY;
	q->vq.last_avail_idx = (uint16_t)msg->payload.state.num;
	return 0;
}

static int vu_get_vring_base(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	struct vu_queue *q = vu_msg_queue(dev, msg->payload.state.index);

	if (!q)
		return -EINVAL;
	vu_queue_stop(dev, q);
	q->started = false;
	closep(&q->vq.kick_fd);
	msg->payload.state.num = q->vq.last_avail_idx;
	msg->hdr.size = sizeof(msg->payload.state);
	return VU_REPLY;
}

/* Index and fd of SET_VRING_KICK/CALL/ERR; the fd is taken from msg. */
static struct vu_queue *vu_vring_fd(struct vu_dev *dev, struct vhost_user_msg *msg, int *ret_fd)
{
	struct vu_queue *q = vu_msg_queue(dev, msg->payload.u64 & VHOST_USER_VRING_IDX_MASK);

	if (!q)
		return NULL;
	*ret_fd = -1;
	if (!(msg->payload.u64 & VHOST_USER_VRING_NOFD_MASK)) {
		*ret_fd = msg->fds[0];
		msg->fds[0] = -1;
	}
	return q;
}

static int vu_set_vring_kick(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	int fd;
	struct vu_queue *q = vu_vring_fd(dev, msg, &fd);

	if (!q)
		return -EINVAL;
	vu_queue_stop(dev, q);
	closep(&q->vq.kick_fd);
	q->vq.kick_fd = fd;
	q->started = true;
	return vu_queue_update(dev, q);
}

static int vu_set_vring_call_err(struct vu_dev *dev, struct vhost_user_msg *msg, bool err)
{
	int fd;
	struct vu_queue *q = vu_vring_fd(dev, msg, &fd);
	int *slot;

	if (!q)
		return -EINVAL;
	slot = err ? &q->vq.err_fd : &q->vq.call_fd;
	/* A running queue may be writing the old fd: swap it while stopped. */
	vu_queue_stop(dev, q);
	closep(slot);
	*slot = fd;
	return vu_queue_update(dev, q);
}

static int vu_set_vring_call(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	return vu_set_vring_call_err(dev, msg, false);
}

static int vu_set_vring_err(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	return vu_set_vring_call_err(dev, msg, true);
}

static int vu_set_vring_enable(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	struct vu_queue *q = vu_msg_queue(dev, msg->payload.state.index);

	/*
	 * Front-ends send this once protocol features are in use, which QEMU
	 * does before SET_FEATURES acks VHOST_USER_F_PROTOCOL_FEATURES: accept
	 * it in any order, as libvhost-user does.
	 */
	if (!q || msg->payload.state.num > 1)
		return -EINVAL;
	q->enabled = msg->payload.state.num;
	return vu_queue_update(dev, q);
}

/* The backend request channel (vu_backend.h); the fd is taken from msg. */
static int vu_set_backend_req_fd(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	if (msg->nfds != 1 || msg->fds[0] < 0)
		return -EINVAL;
	closep(&dev->backend_fd);
	dev->backend_fd = msg->fds[0];
	msg->fds[0] = -1;
	return 0;
}

static int vu_get_config(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	struct vhost_user_config *c = &msg->payload.config;
	int ret = -ENOTSUP;

	if (dev->ops->get_config)
		ret = dev->ops->get_config(dev, c->region, c->offset, c->size);
	if (ret < 0)
		c->size = 0; /* an empty reply tells the front-end it failed */
	msg->hdr.size = VHOST_USER_CONFIG_HDR_SIZE + c->size;
	return VU_REPLY;
}

static int vu_set_config(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	const struct vhost_user_config *c = &msg->payload.config;

	if (!dev->ops->set_config)
		return -ENOTSUP;
	return dev->ops->set_config(dev, c->region, c->offset, c->size, c->flags);
}

static int vu_set_status(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	if (msg->payload.u64 > UINT8_MAX)
		return -EINVAL;
	dev->status = (uint8_t)msg->payload.u64;
	if (dev->ops->set_status)
		dev->ops->set_status(dev, dev->status);
	return 0;
}

static int vu_get_status(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	vu_reply_u64(msg, dev->status);
	return VU_REPLY;
}

struct vu_req {
	const char *name;
	int (*handler)(struct vu_dev *dev, struct vhost_user_msg *msg);
	bool fds;   /* may carry fds */
	bool reply; /* has a reply of its own (no REPLY_ACK) */
};

#define VU_REQ(id, fn, fds_, reply_) [VHOST_USER_##id] = { #id, fn, fds_, reply_ }

/* Every front-end request; NULL handler: not supported. */
static const struct vu_req vu_requests[VHOST_USER_REQUEST_MAX] = {
	VU_REQ(GET_FEATURES, vu_get_features, false, true),
	VU_REQ(SET_FEATURES, vu_set_features, false, false),
	VU_REQ(SET_OWNER, vu_set_owner, false, false),
	VU_REQ(RESET_OWNER, vu_reset_device, false, false),
	VU_REQ(SET_MEM_TABLE, vu_set_mem_table, true, false),
	VU_REQ(SET_LOG_BASE, NULL, true, true),
	VU_REQ(SET_LOG_FD, NULL, true, false),
	VU_REQ(SET_VRING_NUM, vu_set_vring_num, false, false),
	VU_REQ(SET_VRING_ADDR, vu_set_vring_addr, false, false),
	VU_REQ(SET_VRING_BASE, vu_set_vring_base, false, false),
	VU_REQ(GET_VRING_BASE, vu_get_vring_base, false, true),
	VU_REQ(SET_VRING_KICK, vu_set_vring_kick, true, false),
	VU_REQ(SET_VRING_CALL, vu_set_vring_call, true, false),
	VU_REQ(SET_VRING_ERR, vu_set_vring_err, true, false),
	VU_REQ(GET_PROTOCOL_FEATURES, vu_get_protocol_features, false, true),
	VU_REQ(SET_PROTOCOL_FEATURES, vu_set_protocol_features, false, false),
	VU_REQ(GET_QUEUE_NUM, vu_get_queue_num, false, true),
	VU_REQ(SET_VRING_ENABLE, vu_set_vring_enable, false, false),
	VU_REQ(SEND_RARP, NULL, false, false),
	VU_REQ(NET_SET_MTU, NULL, false, false),
	VU_REQ(SET_BACKEND_REQ_FD, vu_set_backend_req_fd, true, false),
	VU_REQ(IOTLB_MSG, NULL, false, false),
	VU_REQ(SET_VRING_ENDIAN, NULL, false, false),
	VU_REQ(GET_CONFIG, vu_get_config, false, true),
	VU_REQ(SET_CONFIG, vu_set_config, false, false),
	VU_REQ(CREATE_CRYPTO_SESSION, NULL, false, true),
	VU_REQ(CLOSE_CRYPTO_SESSION, NULL, false, false),
	VU_REQ(POSTCOPY_ADVISE, NULL, false, true),
	VU_REQ(POSTCOPY_LISTEN, NULL, false, false),
	VU_REQ(POSTCOPY_END, NULL, false, true),
	VU_REQ(GET_INFLIGHT_FD, NULL, false, true),
	VU_REQ(SET_INFLIGHT_FD, NULL, true, false),
	VU_REQ(GPU_SET_SOCKET, NULL, true, false),
	VU_REQ(RESET_DEVICE, vu_reset_device, false, false),
	VU_REQ(VRING_KICK, NULL, false, false),
	VU_REQ(GET_MAX_MEM_SLOTS, vu_get_max_mem_slots, false, true),
	VU_REQ(ADD_MEM_REG, vu_add_mem_reg, true, false),
	VU_REQ(REM_MEM_REG, vu_rem_mem_reg, true, false),
	VU_REQ(SET_STATUS, vu_set_status, false, false),
	VU_REQ(GET_STATUS, vu_get_status, false, true),
};

static int vu_send_reply(struct vu_dev *dev, struct vhost_user_msg *msg)
{
	msg->hdr.flags = VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY;
	msg->nfds = 0;
	return vhost_user_send(dev->sock, msg);
}

int vu_dispatch(struct vu_dev *dev)
{
	struct vhost_user_msg msg;
	const struct vu_req *req;
	bool ack;
	int ret;

	ret = vhost_user_recv(dev->sock, &msg);
	if (ret < 0)
		return ret;
	ret = vhost_user_msg_validate(&msg, VHOST_USER_FROM_FRONTEND);
	if (ret < 0 || (msg.hdr.flags & VHOST_USER_FLAG_REPLY)) {
		log_debug(VU_TAG, "malformed %s message, dropping the connection",
			  vhost_user_request_name(msg.hdr.request));
		ret = -EPROTO;
		goto out;
	}
	req = &vu_requests[msg.hdr.request];
	ack = (msg.hdr.flags & VHOST_USER_FLAG_NEED_REPLY) && !req->reply &&
	      (dev->protocol_features & (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK));
	if (!req->handler) {
		if (ratelimit_ok(&dev->rl))
			log_debug(VU_TAG, "unsupported request %s", vhost_user_request_name(msg.hdr.request));
		ret = -EOPNOTSUPP;
	} else if (msg.nfds && !req->fds) {
		ret = -EPROTO;
	} else {
		log_debug(VU_TAG, "request %s", req->name);
		ret = req->handler(dev, &msg);
	}
	vhost_user_msg_close_fds(&msg);

	if (ret == VU_REPLY) {
		ret = vu_send_reply(dev, &msg);
	} else if (ack) {
		vu_reply_u64(&msg, ret < 0 ? (uint64_t)-ret : 0);
		ret = vu_send_reply(dev, &msg);
	} else if (ret < 0) {
		log_debug(VU_TAG, "%s failed (%d), dropping the connection",
			  vhost_user_request_name(msg.hdr.request), ret);
	}
out:
	vhost_user_msg_close_fds(&msg);
	return ret < 0 ? ret : 0;
}
