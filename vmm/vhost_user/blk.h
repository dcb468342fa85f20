/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio block device type (device id 2) for the vhost-user front-end. */
#ifndef CNH_VMM_VHOST_USER_BLK_H
#define CNH_VMM_VHOST_USER_BLK_H

#include "vmm/vhost_user/frontend.h"

/*
 * config_size sizeof(struct virtio_blk_config); device features: what the
 * back-end offers; queues: min(GET_QUEUE_NUM, config num_queues with
 * VIRTIO_BLK_F_MQ, the user's num_queues), written back into the config the
 * guest reads.
 */
extern const struct vhost_user_fe_type vhost_user_blk_type;

#endif
