/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-fs device type (device id 26). virtiofsd does not implement
 * PROTOCOL_F_CONFIG, so the VMM provides the config space itself: the tag
 * (NUL-padded, not terminated) and num_request_queues. Queues: 1 hiprio +
 * N request queues, N = min(the user's num_queues, GET_QUEUE_NUM - 1 when
 * the back-end reports more than one queue).
 */
#ifndef CNH_VMM_VHOST_USER_FS_H
#define CNH_VMM_VHOST_USER_FS_H

#include "vmm/vhost_user/frontend.h"

struct vhost_user_fs_arg {
	char tag[37]; /* at most 36 bytes + NUL */
};

/* params.max_queues for fs is 1 + the request queues. */
extern const struct vhost_user_fe_type vhost_user_fs_type;

#endif
