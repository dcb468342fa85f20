/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-pmem device type for the vhost-user front-end. */
#include "vmm/vhost_user/pmem.h"

#include <endian.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pmem.h>
#include <string.h>

static uint16_t pmem_num_queues(const uint8_t *config, uint64_t backend_features,
				uint16_t backend_queues, uint16_t user_max)
{
	(void)config;
	(void)backend_features;
	(void)backend_queues;
	(void)user_max;
	return 1;
}

static void pmem_config_fixup(uint8_t *config, uint64_t features, uint16_t num_queues, const void *arg)
{
	const struct vhost_user_pmem_arg *a = arg;
	struct virtio_pmem_config c = { .start = htole64(a->start), .size = htole64(a->size) };

	(void)features;
	(void)num_queues;
	memcpy(config, &c, sizeof(c));
}

const struct vhost_user_fe_type vhost_user_pmem_type = {
	.name = "pmem",
	.device_id = VIRTIO_ID_PMEM,
	.config_size = sizeof(struct virtio_pmem_config),
	.device_features = 0, /* not VIRTIO_PMEM_F_SHMEM_REGION */
	.need_config = false,
	.num_queues = pmem_num_queues,
	.config_fixup = pmem_config_fixup,
};
