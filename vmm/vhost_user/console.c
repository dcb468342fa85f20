/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio console device type for the vhost-user front-end. */
#include "vmm/vhost_user/console.h"

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <stddef.h>

#define CON_F(x) (1ULL << VIRTIO_CONSOLE_F_##x)
#define CON_END(field) \
	((uint32_t)(offsetof(struct virtio_console_config, field) + \
		    sizeof(((struct virtio_console_config *)0)->field)))

/* The config space present with the offered features (the fields are guarded by them). */
static uint32_t console_config_size(uint64_t features)
{
	if (features & CON_F(EMERG_WRITE))
		return CON_END(emerg_wr);
	if (features & CON_F(SIZE))
		return CON_END(rows);
	return 0;
}

static uint16_t console_num_queues(const uint8_t *config, uint64_t backend_features,
				   uint16_t backend_queues, uint16_t user_max)
{
	(void)config;
	(void)backend_features;
	(void)backend_queues;
	(void)user_max;
	return 2; /* receiveq and transmitq of port 0 */
}

const struct vhost_user_fe_type vhost_user_console_type = {
	.name = "console",
	.device_id = VIRTIO_ID_CONSOLE,
	.config_size = sizeof(struct virtio_console_config),
	.config_size_for = console_config_size,
	.device_features = CON_F(SIZE) | CON_F(EMERG_WRITE),
	.need_config = false,
	.num_queues = console_num_queues,
};
