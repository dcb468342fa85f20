/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "vhost-user/fs/fs.h"

static struct fs_dev *fs_from_vu(struct vu_dev *dev)
{
	return container_of(dev, struct fs_dev, vu);
}

int fs_dev_init(struct fs_dev *f)
{
	f->elem = vu_elem_new(FS_QUEUE_SIZE);
	return f->elem ? 0 : -ENOMEM;
}

void fs_dev_fini(struct fs_dev *f)
{
	vu_elem_free(f->elem);
	f->elem = NULL;
}

void fs_dev_config(const struct fs_dev *f, struct virtio_fs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->tag, f->tag, strnlen(f->tag, sizeof(cfg->tag)));
	cfg->num_request_queues = htole32(f->num_request_queues);
}

/* Serve every available request of a queue; FUSE replies are synchronous. */
static void fs_queue_kick(struct vu_dev *dev, unsigned int qidx)
{
	struct fs_dev *f = fs_from_vu(dev);
	struct vu_virtq *vq = vu_dev_queue(dev, qidx);
	int r;

	if (!vq)
		return;
	while ((r = vu_virtq_pop(vq, f->elem)) == 0) {
		uint32_t n = fuse_session_handle(&f->fuse, f->elem->out_sg, f->elem->out_num,
						 f->elem->in_sg, f->elem->in_num);

		vu_virtq_push(vq, f->elem, n);
	}
	vu_virtq_notify(vq);
}

static int fs_queue_start(struct vu_dev *dev, unsigned int qidx)
{
	struct fs_dev *f = fs_from_vu(dev);

	if (qidx > f->num_request_queues)
		return -EINVAL;
	if (vu_dev_queue(dev, qidx)->size > FS_QUEUE_SIZE)
		return -EINVAL;
	return 0;
}

static uint64_t fs_get_features(struct vu_dev *dev)
{
	return 0; /* virtio-fs has no feature bits of its own (notification queue unused) */
}

static int fs_get_config(struct vu_dev *dev, uint8_t *buf, uint32_t offset, uint32_t len)
{
	struct virtio_fs_config cfg;

	if (offset > VHOST_USER_MAX_CONFIG_SIZE || len > VHOST_USER_MAX_CONFIG_SIZE - offset)
		return -EINVAL;
	fs_dev_config(fs_from_vu(dev), &cfg);
	memset(buf, 0, len);
	if (offset < sizeof(cfg))
		memcpy(buf, (const uint8_t *)&cfg + offset, MIN(len, (uint32_t)sizeof(cfg) - offset));
	return 0;
}

static int fs_set_config(struct vu_dev *dev, const uint8_t *buf, uint32_t offset, uint32_t len,
			 uint32_t flags)
{
	return 0; /* read-only config: ignore */
}

static void fs_reset(struct vu_dev *dev)
{
	struct fs_dev *f = fs_from_vu(dev);

	/* A new driver starts with INIT: forget the old session's state. */
	fs_handles_fini(&f->fuse.handles);
	fs_inodes_reset(&f->fuse.inodes);
	f->fuse.initialized = false;
}

const struct vu_dev_ops fs_ops = {
	.get_features = fs_get_features,
	.get_config = fs_get_config,
	.set_config = fs_set_config,
	.queue_start = fs_queue_start,
	.queue_kick = fs_queue_kick,
	.reset = fs_reset,
};
