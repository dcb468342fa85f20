/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-fs device type for the vhost-user front-end. */
#include "vmm/vhost_user/fs.h"

#include <endian.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <string.h>

static uint16_t fs_num_queues(const uint8_t *config, uint64_t backend_features,
			      uint16_t backend_queues, uint16_t user_max)
{
	(void)config;
	(void)backend_features;
	/* 1: no PROTOCOL_F_MQ, the back-end's count is unknown; trust the user. */
	if (backend_queues > 1)
		user_max = MIN(user_max, backend_queues);
	return user_max >= 2 ? user_max : 0;
}

static void fs_config_fixup(uint8_t *config, uint64_t features, uint16_t num_queues, const void *arg)
{
	const struct vhost_user_fs_arg *a = arg;
	struct virtio_fs_config c;

	(void)features;
	memset(&c, 0, sizeof(c));
	memcpy(c.tag, a->tag, strnlen(a->tag, sizeof(c.tag)));
	c.num_request_queues = htole32((uint32_t)num_queues - 1);
	memcpy(config, &c, sizeof(c));
}

const struct vhost_user_fe_type vhost_user_fs_type = {
	.name = "fs",
	.device_id = VIRTIO_ID_FS,
	.config_size = sizeof(struct virtio_fs_config),
	.device_features = 0, /* not VIRTIO_FS_F_NOTIFICATION: no notification queue */
	.need_config = false,
	.num_queues = fs_num_queues,
	.config_fixup = fs_config_fixup,
};
