/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-vsock device type (device id 19): rx, tx and event queues;
 * config guest_cid (le64) provided by the VMM from --vsock cid=.
 * VIRTIO_VSOCK_F_SEQPACKET passes through when the back-end offers it.
 */
#ifndef CNH_VMM_VHOST_USER_VSOCK_H
#define CNH_VMM_VHOST_USER_VSOCK_H

#include "vmm/vhost_user/frontend.h"

struct vhost_user_vsock_arg {
	uint64_t cid;
};

extern const struct vhost_user_fe_type vhost_user_vsock_type;

#endif
