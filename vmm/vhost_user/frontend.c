/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vhost_user/frontend.h"
#include "vmm/vhost_user/frontend_internal.h"

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "common/log.h"
#include "vmm/memory.h"

uint64_t vhost_user_fe_transport_features(void)
{
	return (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
	       (1ULL << VIRTIO_RING_F_EVENT_IDX) | (1ULL << VIRTIO_F_IN_ORDER);
}

void vhost_user_fe_mark_broken(struct vhost_user_fe *fe, const char *why)
{
	atomic_store(&fe->broken, true);
	if (!atomic_exchange(&fe->logged, true)) {
		log_error(FE_TAG, "%s: back-end %s; device marked broken", fe->name, why);
		if (fe->sock >= 0)
			shutdown(fe->sock, SHUT_RDWR);
	}
}

bool vhost_user_fe_is_broken(const struct vhost_user_fe *fe)
{
	return atomic_load(&((struct vhost_user_fe *)fe)->broken);
}

void vhost_user_fe_config_invalidate(struct vhost_user_fe *fe)
{
	pthread_mutex_lock(&fe->lock);
	fe->config_valid = false;
	pthread_mutex_unlock(&fe->lock);
}

uint64_t vhost_user_fe_protocol_features(const struct vhost_user_fe *fe)
{
	return fe->protocol;
}

uint64_t vhost_user_fe_backend_features(const struct vhost_user_fe *fe)
{
	return fe->backend_features;
}

struct virtio_dev *vhost_user_fe_dev(struct vhost_user_fe *fe)
{
	return &fe->dev;
}

struct vhost_user_fe *vhost_user_fe_from_dev(struct virtio_dev *dev)
{
	return container_of(dev, struct vhost_user_fe, dev);
}

/* fmt has a %s for the request name and, when r < 0, one for strerror(-r). */
static void fe_broken(struct vhost_user_fe *fe, const char *fmt, uint32_t req, int r)
{
	char why[160];

	snprintf(why, sizeof(why), fmt, vhost_user_request_name(req), r < 0 ? strerror(-r) : "");
	vhost_user_fe_mark_broken(fe, why);
}

static bool fe_wants_reply(uint32_t req)
{
	switch (req) {
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
	case VHOST_USER_GET_QUEUE_NUM:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_GET_CONFIG:
	case VHOST_USER_GET_INFLIGHT_FD:
	case VHOST_USER_GET_MAX_MEM_SLOTS:
	case VHOST_USER_GET_STATUS:
		return true;
	default:
		return false;
	}
}

/* Size a natural reply must have (0: checked by the caller). */
static uint32_t fe_reply_size(const struct vhost_user_msg *req)
{
	switch (req->hdr.request) {
	case VHOST_USER_GET_VRING_BASE:
		return sizeof(struct vhost_user_vring_state);
	case VHOST_USER_GET_CONFIG:
		return VHOST_USER_CONFIG_HDR_SIZE + req->payload.config.size;
	case VHOST_USER_GET_INFLIGHT_FD:
		return 0;
	default:
		return sizeof(uint64_t);
	}
}

/*
 * Send msg and, for requests with a reply or when REPLY_ACK is negotiated,
 * receive and check it. A natural reply lands in *reply (fds owned by the
 * caller). Returns 0, -EIO when the device is (now) broken, or -EREMOTEIO
 * when the back-end refused a request with a non-zero ack.
 * Called with fe->lock held. Sends msg's fds but does not close them.
 */
int fe_request(struct vhost_user_fe *fe, struct vhost_user_msg *msg, struct vhost_user_msg *reply)
{
	uint32_t req = msg->hdr.request;
	bool natural = fe_wants_reply(req);
	bool ack = !natural && fe_has(fe, VHOST_USER_PROTOCOL_F_REPLY_ACK) &&
		   req != VHOST_USER_SET_PROTOCOL_FEATURES;
	struct vhost_user_msg local;
	uint32_t want;
	int r;

	if (atomic_load(&fe->broken))
		return -EIO;
	if (ack)
		msg->hdr.flags |= VHOST_USER_FLAG_NEED_REPLY;
	r = vhost_user_send(fe->sock, msg);
	if (r < 0) {
		fe_broken(fe, "failed on %s: %s", req, r);
		return -EIO;
	}
	if (!natural && !ack)
		return 0;
	if (!reply)
		reply = &local;
	r = vhost_user_recv(fe->sock, reply);
	if (r == -ECONNRESET) {
		fe_broken(fe, "hung up waiting for the %s reply", req, 0);
		return -EIO;
	}
	if (r == -EAGAIN || r == -EWOULDBLOCK) {
		fe_broken(fe, "timed out on %s", req, 0);
		return -EIO;
	}
	if (r < 0) {
		fe_broken(fe, "sent a bad %s reply: %s", req, r);
		return -EIO;
	}
	r = vhost_user_msg_validate(reply, VHOST_USER_FROM_FRONTEND);
	if (r == 0 && (reply->hdr.request != req || !(reply->hdr.flags & VHOST_USER_FLAG_REPLY)))
		r = -EPROTO;
	want = ack ? sizeof(uint64_t) : fe_reply_size(msg);
	if (r == 0 && want && reply->hdr.size != want)
		r = -EPROTO;
	if (r == 0 && req != VHOST_USER_GET_INFLIGHT_FD && reply->nfds)
		r = -EPROTO;
	if (r < 0) {
		log_debug(FE_TAG, "%s: reply to %s: request %u flags %#x size %u fds %u", fe->name,
			  vhost_user_request_name(req), reply->hdr.request, reply->hdr.flags, reply->hdr.size,
			  reply->nfds);
		vhost_user_msg_close_fds(reply);
		fe_broken(fe, "sent an invalid reply to %s", req, 0);
		return -EIO;
	}
	if (ack && reply->payload.u64 != 0) {
		log_debug(FE_TAG, "%s: back-end refused %s", fe->name, vhost_user_request_name(req));
		return -EREMOTEIO;
	}
	return 0;
}

static int fe_get_u64(struct vhost_user_fe *fe, uint32_t req, uint64_t *ret)
{
	struct vhost_user_msg m, reply;
	int r;

	vhost_user_msg_init(&m, req);
	r = fe_request(fe, &m, &reply);
	if (r < 0)
		return r;
	*ret = reply.payload.u64;
	return 0;
}

static int fe_set_u64(struct vhost_user_fe *fe, uint32_t req, uint64_t v)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, req);
	m.hdr.size = sizeof(uint64_t);
	m.payload.u64 = v;
	return fe_request(fe, &m, NULL);
}

/* A request without payload (SET_OWNER, RESET_DEVICE). */
static int fe_send_plain(struct vhost_user_fe *fe, uint32_t req)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, req);
	return fe_request(fe, &m, NULL);
}

static int fe_set_state(struct vhost_user_fe *fe, uint32_t req, uint32_t index, uint32_t num)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, req);
	m.hdr.size = sizeof(m.payload.state);
	m.payload.state.index = index;
	m.payload.state.num = num;
	return fe_request(fe, &m, NULL);
}

/* SET_VRING_KICK/CALL/ERR: fd -1 sends the NOFD flag. */
static int fe_set_vring_fd(struct vhost_user_fe *fe, uint32_t req, uint32_t index, int fd)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, req);
	m.hdr.size = sizeof(uint64_t);
	m.payload.u64 = index;
	if (fd >= 0) {
		m.fds[0] = fd;
		m.nfds = 1;
	} else {
		m.payload.u64 |= VHOST_USER_VRING_NOFD_MASK;
	}
	return fe_request(fe, &m, NULL);
}

/*
 * Fetch the config space into the cache, adjusted by the type's fixup
 * unless raw. Called with the lock held.
 */
static int fe_fetch_config(struct vhost_user_fe *fe, bool raw)
{
	uint32_t size = fe->dev.config_size;
	struct vhost_user_msg m, reply;
	int r;

	if (!fe_has(fe, VHOST_USER_PROTOCOL_F_CONFIG) || size == 0) {
		memset(fe->config, 0, sizeof(fe->config));
		goto fixup;
	}
	vhost_user_msg_init(&m, VHOST_USER_GET_CONFIG);
	memset(&m.payload.config, 0, VHOST_USER_CONFIG_HDR_SIZE + size);
	m.payload.config.size = size;
	m.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + size;
	r = fe_request(fe, &m, &reply);
	if (r < 0)
		return r;
	if (reply.payload.config.offset != 0 || reply.payload.config.size != size) {
		vhost_user_fe_mark_broken(fe, "sent a GET_CONFIG reply for another range");
		return -EIO;
	}
	memcpy(fe->config, reply.payload.config.region, size);
fixup:
	if (!raw && fe->type->config_fixup)
		fe->type->config_fixup(fe->config, fe->offered, fe->dev.num_queues, fe->type_arg);
	fe->config_valid = true;
	return 0;
}

/* ---- virtio_dev_ops ---- */

static uint64_t fe_get_features(struct virtio_dev *dev)
{
	return vhost_user_fe_from_dev(dev)->offered;
}

static int fe_set_features(struct virtio_dev *dev, uint64_t features)
{
	struct vhost_user_fe *fe = vhost_user_fe_from_dev(dev);

	if (atomic_load(&fe->broken))
		return -EIO;
	if ((features & ~fe->offered) || !(features & (1ULL << VIRTIO_F_VERSION_1)))
		return -EINVAL;
	pthread_mutex_lock(&fe->lock);
	fe->driver_features = features;
	fe->config_valid = false; /* the fixup may depend on the features */
	pthread_mutex_unlock(&fe->lock);
	return 0;
}

static bool fe_config_range_ok(const struct vhost_user_fe *fe, uint32_t offset, uint32_t size)
{
	return size <= fe->dev.config_size && offset <= fe->dev.config_size - size;
}

static void fe_config_read(struct virtio_dev *dev, uint32_t offset, void *data, uint32_t size)
{
	struct vhost_user_fe *fe = vhost_user_fe_from_dev(dev);

	if (!fe_config_range_ok(fe, offset, size)) {
		memset(data, 0, size);
		return;
	}
	pthread_mutex_lock(&fe->lock);
	/* A broken device keeps answering from the last config it had. */
	if (!fe->config_valid && !atomic_load(&fe->broken))
		(void)fe_fetch_config(fe, false);
	memcpy(data, fe->config + offset, size);
	pthread_mutex_unlock(&fe->lock);
}

static void fe_config_write(struct virtio_dev *dev, uint32_t offset, const void *data, uint32_t size)
{
	struct vhost_user_fe *fe = vhost_user_fe_from_dev(dev);
	struct vhost_user_msg m;

	if (!fe_config_range_ok(fe, offset, size) || !fe_has(fe, VHOST_USER_PROTOCOL_F_CONFIG))
		return;
	pthread_mutex_lock(&fe->lock);
	vhost_user_msg_init(&m, VHOST_USER_SET_CONFIG);
	m.payload.config.offset = offset;
	m.payload.config.size = size;
	m.payload.config.flags = 0; /* VHOST_SET_CONFIG_TYPE_FRONTEND */
	memcpy(m.payload.config.region, data, size);
	m.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + size;
	if (fe_request(fe, &m, NULL) == 0)
		fe->config_valid = false; /* re-read what the back-end made of it */
	pthread_mutex_unlock(&fe->lock);
}

/* Check one enabled queue and turn its ring addresses into VMM addresses. */
static int fe_queue_addrs(const struct vhost_user_fe *fe, const struct guest_mem *gm,
			  const struct virtio_queue_state *q, unsigned int index,
			  struct vhost_user_vring_addr *ret)
{
	uint64_t n = q->size;
	void *desc, *avail, *used;

	if (n == 0 || (n & (n - 1)) || n > fe->dev.queue_max_size || q->kick_fd < 0)
		return -EINVAL;
	/*
	 * Virtio 1.2, 2.7 binds the driver to these alignments; refusing here
	 * gives DEVICE_NEEDS_RESET with any back-end, while one without
	 * REPLY_ACK that checks them itself could only drop the connection.
	 */
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return -EINVAL;
	desc = gm_ptr(gm, q->desc, 16 * n);
	avail = gm_ptr(gm, q->avail, 6 + 2 * n);
	used = gm_ptr(gm, q->used, 6 + 8 * n);
	if (!desc || !avail || !used)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->index = index;
	ret->desc_user_addr = (uintptr_t)desc;
	ret->avail_user_addr = (uintptr_t)avail;
	ret->used_user_addr = (uintptr_t)used;
	return 0;
}

static int fe_set_mem_table(struct vhost_user_fe *fe, const struct guest_mem *gm)
{
	struct vhost_user_msg m;

	if (gm->n == 0 || gm->n > VHOST_USER_MEM_REGIONS || gm->n > fe->max_mem_slots)
		return -EINVAL;
	vhost_user_msg_init(&m, VHOST_USER_SET_MEM_TABLE);
	memset(&m.payload.memory, 0, sizeof(m.payload.memory));
	m.payload.memory.nregions = gm->n;
	for (unsigned int i = 0; i < gm->n; i++) {
		const struct gm_region *g = &gm->regions[i];
		struct vhost_user_mem_region *reg = &m.payload.memory.regions[i];

		if (g->fd < 0)
			return -EINVAL; /* anonymous memory cannot be shared */
		reg->guest_phys_addr = g->gpa;
		reg->memory_size = g->size;
		reg->userspace_addr = (uintptr_t)g->hva;
		reg->mmap_offset = g->fd_offset;
		m.fds[i] = g->fd;
	}
	m.nfds = gm->n;
	m.hdr.size = offsetof(struct vhost_user_memory, regions) +
		     gm->n * sizeof(struct vhost_user_mem_region);
	return fe_request(fe, &m, NULL);
}

/* GET_INFLIGHT_FD then SET_INFLIGHT_FD with the region the back-end gave. */
static int fe_setup_inflight(struct vhost_user_fe *fe)
{
	struct vhost_user_msg m, reply;
	int r;

	vhost_user_msg_init(&m, VHOST_USER_GET_INFLIGHT_FD);
	memset(&m.payload.inflight, 0, sizeof(m.payload.inflight));
	m.payload.inflight.num_queues = fe->dev.num_queues;
	m.payload.inflight.queue_size = fe->dev.queue_max_size;
	m.hdr.size = sizeof(m.payload.inflight);
	r = fe_request(fe, &m, &reply);
	if (r < 0)
		return r;
	if (reply.nfds != 1 || reply.hdr.size < 20) {
		vhost_user_msg_close_fds(&reply);
		vhost_user_fe_mark_broken(fe, "sent a GET_INFLIGHT_FD reply without an fd");
		return -EIO;
	}
	closep(&fe->inflight_fd);
	fe->inflight_fd = reply.fds[0];
	reply.fds[0] = -1;
	vhost_user_msg_close_fds(&reply);

	vhost_user_msg_init(&m, VHOST_USER_SET_INFLIGHT_FD);
	memset(&m.payload.inflight, 0, sizeof(m.payload.inflight));
	m.payload.inflight.mmap_size = reply.payload.inflight.mmap_size;
	m.payload.inflight.mmap_offset = reply.payload.inflight.mmap_offset;
	m.payload.inflight.num_queues = fe->dev.num_queues;
	m.payload.inflight.queue_size = fe->dev.queue_max_size;
	m.hdr.size = sizeof(m.payload.inflight);
	m.fds[0] = fe->inflight_fd;
	m.nfds = 1;
	return fe_request(fe, &m, NULL);
}

static int fe_start_queue(struct vhost_user_fe *fe, unsigned int i, const struct virtio_queue_state *q,
			  const struct vhost_user_vring_addr *addr)
{
	struct vhost_user_msg m;
	int r;

	r = fe_set_state(fe, VHOST_USER_SET_VRING_NUM, i, q->size);
	if (r < 0)
		return r;
	vhost_user_msg_init(&m, VHOST_USER_SET_VRING_ADDR);
	m.payload.addr = *addr;
	m.hdr.size = sizeof(m.payload.addr);
	r = fe_request(fe, &m, NULL);
	if (r < 0)
		return r;
	r = fe_set_state(fe, VHOST_USER_SET_VRING_BASE, i, 0);
	if (r < 0)
		return r;
	/* The call fd first: the kick fd starts the ring, which may complete at once. */
	r = fe_set_vring_fd(fe, VHOST_USER_SET_VRING_CALL, i, q->call_fd);
	if (r < 0)
		return r;
	/* One eventfd for every queue: whichever ring broke, the device needs a reset. */
	if (fe->err_fd >= 0) {
		r = fe_set_vring_fd(fe, VHOST_USER_SET_VRING_ERR, i, fe->err_fd);
		if (r < 0)
			return r;
	}
	r = fe_set_vring_fd(fe, VHOST_USER_SET_VRING_KICK, i, q->kick_fd);
	if (r < 0)
		return r;
	fe->started |= 1ULL << i;
	if (fe->backend_features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES))
		r = fe_set_state(fe, VHOST_USER_SET_VRING_ENABLE, i, 1);
	return r;
}

static void fe_reset_locked(struct vhost_user_fe *fe);

static int fe_activate(struct virtio_dev *dev, const struct guest_mem *gm,
		       const struct virtio_queue_state *queues, unsigned int nq)
{
	struct vhost_user_fe *fe = vhost_user_fe_from_dev(dev);
	struct vhost_user_vring_addr addrs[VIRTIO_MAX_QUEUES];
	uint64_t features;
	int r;

	if (nq > dev->num_queues)
		return -EINVAL;
	for (unsigned int i = 0; i < nq; i++) {
		if (queues[i].enabled && fe_queue_addrs(fe, gm, &queues[i], i, &addrs[i]) < 0) {
			log_debug(FE_TAG, "%s: queue %u is not usable", fe->name, i);
			return -EINVAL;
		}
	}
	pthread_mutex_lock(&fe->lock);
	if (atomic_load(&fe->broken)) {
		r = -EIO;
		goto out;
	}
	if (fe->active)
		fe_reset_locked(fe);

	features = fe->driver_features & ~fe->vmm_only;
	if (fe->backend_features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES))
		features |= 1ULL << VHOST_USER_F_PROTOCOL_FEATURES;
	r = fe_set_u64(fe, VHOST_USER_SET_FEATURES, features);
	if (r < 0)
		goto out;
	fe->active = true; /* from here on reset() has something to undo */
	r = fe_set_mem_table(fe, gm);
	if (r < 0)
		goto out;
	if (fe_has(fe, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)) {
		r = fe_setup_inflight(fe);
		if (r < 0)
			goto out;
	}
	for (unsigned int i = 0; i < nq; i++) {
		if (!queues[i].enabled)
			continue;
		r = fe_start_queue(fe, i, &queues[i], &addrs[i]);
		if (r < 0)
			goto out;
	}
	if (fe_has(fe, VHOST_USER_PROTOCOL_F_STATUS))
		r = fe_set_u64(fe, VHOST_USER_SET_STATUS, FE_STATUS_DRIVER_OK);
out:
	pthread_mutex_unlock(&fe->lock);
	if (r == -EINVAL)
		log_debug(FE_TAG, "%s: guest memory cannot be shared with the back-end", fe->name);
	return r < 0 ? (r == -EINVAL ? -EINVAL : -EIO) : 0;
}

static void fe_reset_locked(struct vhost_user_fe *fe)
{
	bool enable = fe->backend_features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES);

	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES && fe->active; i++) {
		struct vhost_user_msg m, reply;

		if (!(fe->started & (1ULL << i)))
			continue;
		if (enable && fe_set_state(fe, VHOST_USER_SET_VRING_ENABLE, i, 0) == -EIO)
			break;
		/* GET_VRING_BASE stops the ring. */
		vhost_user_msg_init(&m, VHOST_USER_GET_VRING_BASE);
		m.hdr.size = sizeof(m.payload.state);
		m.payload.state.index = i;
		m.payload.state.num = 0;
		if (fe_request(fe, &m, &reply) < 0)
			break;
		if (reply.payload.state.index != i) {
			vhost_user_fe_mark_broken(fe, "answered GET_VRING_BASE for another queue");
			break;
		}
	}
	/*
	 * RESET_OWNER is not a fallback: it is deprecated, and back-ends such
	 * as rust-vmm's then drop ownership and the negotiated protocol
	 * features. Stopping every ring is enough; activate() re-sends all.
	 */
	if (fe->active && fe_has(fe, VHOST_USER_PROTOCOL_F_RESET_DEVICE))
		(void)fe_send_plain(fe, VHOST_USER_RESET_DEVICE);
	if (fe->active && fe_has(fe, VHOST_USER_PROTOCOL_F_STATUS))
		(void)fe_set_u64(fe, VHOST_USER_SET_STATUS, 0);
	closep(&fe->inflight_fd);
	fe->started = 0;
	fe->active = false;
	fe->config_valid = false;
}

static void fe_reset(struct virtio_dev *dev)
{
	struct vhost_user_fe *fe = vhost_user_fe_from_dev(dev);

	pthread_mutex_lock(&fe->lock);
	fe_reset_locked(fe);
	fe->driver_features = 0;
	pthread_mutex_unlock(&fe->lock);
}

static const struct virtio_dev_ops vhost_user_fe_ops = {
	.get_features = fe_get_features,
	.set_features = fe_set_features,
	.config_read = fe_config_read,
	.config_write = fe_config_write,
	.activate = fe_activate,
	.reset = fe_reset,
};

/* ---- connection ---- */

static int fe_handshake(struct vhost_user_fe *fe, const struct vhost_user_fe_params *p, char *err,
			size_t errlen)
{
	uint64_t pf = 0, v;
	uint16_t nq;
	int r;

	r = fe_get_u64(fe, VHOST_USER_GET_FEATURES, &fe->backend_features);
	if (r < 0)
		goto io;
	if (!(fe->backend_features & (1ULL << VIRTIO_F_VERSION_1))) {
		snprintf(err, errlen, "%s: the back-end does not offer VIRTIO_F_VERSION_1", fe->name);
		return -ENOTSUP;
	}
	if (fe->backend_features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)) {
		r = fe_get_u64(fe, VHOST_USER_GET_PROTOCOL_FEATURES, &pf);
		if (r < 0)
			goto io;
		pf &= VHOST_USER_FE_PROTOCOL_FEATURES |
		      (fe->loop ? 1ULL << VHOST_USER_PROTOCOL_F_BACKEND_REQ : 0);
		r = fe_set_u64(fe, VHOST_USER_SET_PROTOCOL_FEATURES, pf);
		if (r < 0)
			goto io;
		fe->protocol = pf;
	}
	if (p->type->need_config && !fe_has(fe, VHOST_USER_PROTOCOL_F_CONFIG)) {
		snprintf(err, errlen, "%s: the back-end does not offer its config space (PROTOCOL_F_CONFIG)",
			 fe->name);
		return -ENOTSUP;
	}
	r = fe_send_plain(fe, VHOST_USER_SET_OWNER);
	if (r < 0)
		goto io;
	fe->backend_queues = 1;
	if (fe_has(fe, VHOST_USER_PROTOCOL_F_MQ)) {
		r = fe_get_u64(fe, VHOST_USER_GET_QUEUE_NUM, &v);
		if (r < 0)
			goto io;
		if (v == 0) {
			snprintf(err, errlen, "%s: the back-end has no queues", fe->name);
			return -EPROTO;
		}
		fe->backend_queues = (uint16_t)MIN(v, (uint64_t)VIRTIO_MAX_QUEUES);
	}
	fe->max_mem_slots = VHOST_USER_MEM_REGIONS;
	if (fe_has(fe, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) {
		r = fe_get_u64(fe, VHOST_USER_GET_MAX_MEM_SLOTS, &fe->max_mem_slots);
		if (r < 0)
			goto io;
		if (fe->max_mem_slots < GM_MAX_REGIONS) {
			snprintf(err, errlen, "%s: the back-end takes only %llu memory regions", fe->name,
				 (unsigned long long)fe->max_mem_slots);
			return -ENOTSUP;
		}
	}
	r = fe_events_backend_channel(fe);
	if (r < 0)
		goto io;
	fe->offered = fe->backend_features &
		      (p->type->device_features | vhost_user_fe_transport_features());
	fe->vmm_only = p->vmm_features & ~fe->backend_features;
	fe->offered |= fe->vmm_only;
	if (p->type->features_fixup)
		fe->offered = p->type->features_fixup(fe->offered);
	if (p->type->config_size_for)
		fe->dev.config_size = MIN(p->type->config_size_for(fe->offered), p->type->config_size);
	/* Queue count from the raw config, then the fixed-up config is cached. */
	fe->dev.num_queues = 0;
	r = fe_fetch_config(fe, true);
	if (r < 0)
		goto io;
	nq = p->type->num_queues(fe->config, fe->backend_features, fe->backend_queues, p->max_queues);
	if (nq == 0 || nq > VIRTIO_MAX_QUEUES) {
		snprintf(err, errlen, "%s: the back-end offers no usable queue", fe->name);
		return -EPROTO;
	}
	fe->dev.num_queues = nq;
	if (p->type->config_fixup)
		p->type->config_fixup(fe->config, fe->offered, nq, fe->type_arg);
	return 0;
io:
	if (r == -EREMOTEIO)
		snprintf(err, errlen, "%s: the back-end refused the vhost-user handshake", fe->name);
	else
		snprintf(err, errlen, "%s: vhost-user handshake failed (see the log)", fe->name);
	return -EPROTO;
}

int vhost_user_fe_new_fd(int fd, const struct vhost_user_fe_params *p, struct vhost_user_fe **ret,
			 char *err, size_t errlen)
{
	unsigned int ms = p->timeout_ms ? p->timeout_ms : VHOST_USER_FE_TIMEOUT_MS;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	struct vhost_user_fe *fe;
	int r;

	if (!p->type || p->type->config_size > VHOST_USER_MAX_CONFIG_SIZE || !p->type->num_queues ||
	    p->max_queues == 0 || p->queue_size == 0 || (p->queue_size & (p->queue_size - 1))) {
		snprintf(err, errlen, "vhost-user: bad device parameters");
		closep(&fd);
		return -EINVAL;
	}
	fe = calloc(1, sizeof(*fe));
	if (!fe) {
		closep(&fd);
		snprintf(err, errlen, "vhost-user: out of memory");
		return -ENOMEM;
	}
	fe->sock = fd;
	fe->inflight_fd = -1;
	fe->req_fd = -1;
	fe->err_fd = -1;
	fe->type = p->type;
	fe->type_arg = p->type_arg;
	snprintf(fe->name, sizeof(fe->name), "%s", p->name ? p->name : p->type->name);
	pthread_mutex_init(&fe->lock, NULL);
	fe->dev.ops = &vhost_user_fe_ops;
	fe->dev.name = fe->name;
	fe->dev.device_id = p->type->device_id;
	fe->dev.queue_max_size = p->queue_size;
	fe->dev.config_size = p->type->config_size;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: not a socket: %s", fe->name, strerror(-r));
		goto fail;
	}
	r = fe_events_init(fe, p);
	if (r < 0) {
		snprintf(err, errlen, "%s: eventfd: %s", fe->name, strerror(-r));
		goto fail;
	}
	pthread_mutex_lock(&fe->lock);
	r = fe_handshake(fe, p, err, errlen);
	pthread_mutex_unlock(&fe->lock);
	if (r < 0)
		goto fail;
	*ret = fe;
	return 0;
fail:
	vhost_user_fe_free(fe);
	return r;
}

int vhost_user_fe_connect(const char *path, const struct vhost_user_fe_params *p,
			  struct vhost_user_fe **ret, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "vhost-user socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-r));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot connect to vhost-user back-end %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	return vhost_user_fe_new_fd(fd, p, ret, err, errlen);
}

void vhost_user_fe_free(struct vhost_user_fe *fe)
{
	if (!fe)
		return;
	fe_events_fini(fe);
	closep(&fe->inflight_fd);
	closep(&fe->sock);
	pthread_mutex_destroy(&fe->lock);
	free(fe);
}
