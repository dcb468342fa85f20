/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/vsock/vsock.h"

#include <string.h>

static struct vsock_dev *vsock_from_vu(struct vu_dev *dev)
{
	return container_of(dev, struct vsock_dev, vu);
}

static uint64_t vsock_get_features(struct vu_dev *dev)
{
	return 0; /* stream sockets only: no device-specific bits (VERSION_1 etc. from the library) */
}

static int vsock_get_config(struct vu_dev *dev, uint8_t *buf, uint32_t offset, uint32_t len)
{
	uint64_t cid = vsock_from_vu(dev)->mux.guest_cid; /* struct virtio_vsock_config, LE */
	uint8_t cfg[sizeof(cid)];

	memcpy(cfg, &cid, sizeof(cid));
	memset(buf, 0, len);
	if (offset < sizeof(cfg))
		memcpy(buf, cfg + offset, MIN(len, (uint32_t)sizeof(cfg) - offset));
	return 0;
}

static int vsock_queue_start(struct vu_dev *dev, unsigned int qidx)
{
	struct vsock_dev *v = vsock_from_vu(dev);

	if (qidx >= VSOCK_NUM_QUEUES)
		return -EINVAL;
	vsock_mux_set_queue(&v->mux, qidx, vu_dev_queue(dev, qidx));
	return 0;
}

static void vsock_queue_stop(struct vu_dev *dev, unsigned int qidx)
{
	vsock_mux_set_queue(&vsock_from_vu(dev)->mux, qidx, NULL);
}

static void vsock_queue_kick(struct vu_dev *dev, unsigned int qidx)
{
	vsock_mux_kick(&vsock_from_vu(dev)->mux, qidx);
}

static void vsock_reset(struct vu_dev *dev)
{
	vsock_mux_reset(&vsock_from_vu(dev)->mux);
}

const struct vu_dev_ops vsock_ops = {
	.get_features = vsock_get_features,
	.get_config = vsock_get_config,
	.queue_start = vsock_queue_start,
	.queue_stop = vsock_queue_stop,
	.queue_kick = vsock_queue_kick,
	.reset = vsock_reset,
};

int vsock_dev_connected(struct vu_dev *dev)
{
	struct vsock_dev *v = vsock_from_vu(dev);

	/* A new front-end after an earlier one: the guest's streams are gone. */
	if (v->had_session)
		v->mux.reset_event_pending = true;
	v->had_session = true;
	return 0;
}

void vsock_dev_disconnected(struct vu_dev *dev)
{
	struct vsock_dev *v = vsock_from_vu(dev);

	for (unsigned int q = 0; q < VSOCK_NUM_QUEUES; q++)
		vsock_mux_set_queue(&v->mux, q, NULL);
	vsock_mux_reset(&v->mux);
}
