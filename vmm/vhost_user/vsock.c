/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-vsock device type for the vhost-user front-end. */
#include "vmm/vhost_user/vsock.h"

#include <endian.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_vsock.h>
#include <string.h>

#ifndef VIRTIO_VSOCK_F_SEQPACKET
#define VIRTIO_VSOCK_F_SEQPACKET 1
#endif

static uint16_t vsock_num_queues(const uint8_t *config, uint64_t backend_features,
				 uint16_t backend_queues, uint16_t user_max)
{
	(void)config;
	(void)backend_features;
	(void)user_max;
	/* rx, tx, event; a back-end reporting 2 (with PROTOCOL_F_MQ) lacks the event queue. */
	return backend_queues == 1 || backend_queues >= 3 ? 3 : 0;
}

static void vsock_config_fixup(uint8_t *config, uint64_t features, uint16_t num_queues, const void *arg)
{
	const struct vhost_user_vsock_arg *a = arg;
	uint64_t le = htole64(a->cid);

	(void)features;
	(void)num_queues;
	memcpy(config, &le, sizeof(le));
}

const struct vhost_user_fe_type vhost_user_vsock_type = {
	.name = "vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.config_size = sizeof(struct virtio_vsock_config),
	.device_features = 1ULL << VIRTIO_VSOCK_F_SEQPACKET,
	.need_config = false,
	.num_queues = vsock_num_queues,
	.config_fixup = vsock_config_fixup,
};
