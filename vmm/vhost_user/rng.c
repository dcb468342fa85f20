/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio entropy device type for the vhost-user front-end. */
#include "vmm/vhost_user/rng.h"

#include <linux/virtio_ids.h>

static uint16_t rng_num_queues(const uint8_t *config, uint64_t backend_features,
			       uint16_t backend_queues, uint16_t user_max)
{
	(void)config;
	(void)backend_features;
	(void)backend_queues;
	(void)user_max;
	return 1;
}

const struct vhost_user_fe_type vhost_user_rng_type = {
	.name = "rng",
	.device_id = VIRTIO_ID_RNG,
	.config_size = 0,
	.device_features = 0,
	.need_config = false,
	.num_queues = rng_num_queues,
};
