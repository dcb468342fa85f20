/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-fs's device: the vu_dev hooks of a virtio-fs device (queue 0 hiprio,
 * then the request queues), all served on the control loop by one FUSE
 * session (fuse_session.h).
 */
#ifndef CNH_FS_H
#define CNH_FS_H

#include <linux/virtio_fs.h>

#include "vhost-user/fs/fuse_session.h"
#include "vhost-user/lib/vu.h"

#define FS_MAX_REQUEST_QUEUES 8
#define FS_QUEUE_SIZE 1024
#define FS_TAG_MAX 36 /* sizeof(virtio_fs_config.tag) */

struct fs_dev {
	struct vu_dev vu;
	struct fuse_session fuse;
	char tag[FS_TAG_MAX + 1];
	unsigned int num_request_queues;
	struct vu_elem *elem; /* FS_QUEUE_SIZE iovecs */
};

extern const struct vu_dev_ops fs_ops;

/* Allocate the per-device buffers (after fuse_session_init). 0 or -errno. */
int fs_dev_init(struct fs_dev *f) __must_check;
void fs_dev_fini(struct fs_dev *f);

/* Fill the virtio-fs config space. */
void fs_dev_config(const struct fs_dev *f, struct virtio_fs_config *cfg);

#endif
