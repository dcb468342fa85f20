/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio block device type for the vhost-user front-end. */
#include "vmm/vhost_user/blk.h"

#include <endian.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <stddef.h>
#include <string.h>

#define BLK_F(x) (1ULL << VIRTIO_BLK_F_##x)
#define BLK_ENDOF(field) \
	((uint32_t)(offsetof(struct virtio_blk_config, field) + \
		    sizeof(((struct virtio_blk_config *)0)->field)))

/*
 * Device-specific bits passed through when the back-end offers them (it
 * implements the requests; cnh only relays the offer). Not the legacy
 * BARRIER and SCSI bits, nor bits whose config fields cnh does not know.
 */
#define BLK_DEVICE_FEATURES                                                                   \
	(BLK_F(SIZE_MAX) | BLK_F(SEG_MAX) | BLK_F(GEOMETRY) | BLK_F(RO) | BLK_F(BLK_SIZE) |     \
	 BLK_F(FLUSH) | BLK_F(TOPOLOGY) | BLK_F(CONFIG_WCE) | BLK_F(MQ) | BLK_F(DISCARD) |      \
	 BLK_F(WRITE_ZEROES) | BLK_F(SECURE_ERASE))

/* As the virtio spec (and QEMU) size the block config space by feature. */
static uint32_t blk_config_size(uint64_t features)
{
	uint32_t size = BLK_ENDOF(num_queues);

	if (features & BLK_F(DISCARD))
		size = MAX(size, BLK_ENDOF(discard_sector_alignment));
	if (features & BLK_F(WRITE_ZEROES))
		size = MAX(size, BLK_ENDOF(write_zeroes_may_unmap));
	if (features & BLK_F(SECURE_ERASE))
		size = MAX(size, BLK_ENDOF(secure_erase_sector_alignment));
	return size;
}

static uint16_t blk_num_queues(const uint8_t *config, uint64_t backend_features,
			       uint16_t backend_queues, uint16_t user_max)
{
	uint16_t n = MIN(backend_queues, user_max);

	if (backend_features & (1ULL << VIRTIO_BLK_F_MQ)) {
		uint16_t cfg;

		memcpy(&cfg, config + offsetof(struct virtio_blk_config, num_queues), sizeof(cfg));
		cfg = le16toh(cfg);
		/* A back-end that says 0 in its config means one queue. */
		n = MIN(n, cfg ? cfg : 1);
	} else {
		n = 1;
	}
	return n;
}

/* The guest must see the queue count the transport exposes, not the back-end's. */
static void blk_config_fixup(uint8_t *config, uint64_t features, uint16_t num_queues,
			     const void *arg)
{
	uint16_t le = htole16(num_queues);

	(void)arg;
	if (features & (1ULL << VIRTIO_BLK_F_MQ))
		memcpy(config + offsetof(struct virtio_blk_config, num_queues), &le, sizeof(le));
}

const struct vhost_user_fe_type vhost_user_blk_type = {
	.name = "block",
	.device_id = VIRTIO_ID_BLOCK,
	.config_size = sizeof(struct virtio_blk_config),
	.config_size_for = blk_config_size,
	.device_features = BLK_DEVICE_FEATURES,
	.need_config = true,
	.num_queues = blk_num_queues,
	.config_fixup = blk_config_fixup,
};
