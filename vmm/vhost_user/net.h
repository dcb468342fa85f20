/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-net device type (device id 1) for the vhost-user front-end.
 *
 * The config space is the VMM's, as QEMU builds it for vhost-user net (a
 * back-end need not implement GET_CONFIG): mac is the device's
 * (VIRTIO_NET_F_MAC, always offered), status is LINK_UP with
 * VIRTIO_NET_F_STATUS, max_virtqueue_pairs is the pair count the transport
 * exposes, mtu the user's (VIRTIO_NET_F_MTU offered then) or the back-end's.
 *
 * Queues: 2 per pair, pairs = min(user's num_queues / 2, GET_QUEUE_NUM)
 * with VIRTIO_NET_F_MQ (GET_QUEUE_NUM counts queue pairs for net, as in
 * QEMU and DPDK), else 1; plus one control queue, served by the back-end,
 * when it offers VIRTIO_NET_F_CTRL_VQ.
 */
#ifndef CNH_VMM_VHOST_USER_NET_H
#define CNH_VMM_VHOST_USER_NET_H

#include "vmm/vhost_user/frontend.h"

struct vhost_user_net_arg {
	uint8_t mac[6];
	uint16_t mtu; /* 0: the back-end's (with VIRTIO_NET_F_MTU) */
};

extern const struct vhost_user_fe_type vhost_user_net_type;

/* The params.vmm_features for a device with this arg. */
uint64_t vhost_user_net_vmm_features(const struct vhost_user_net_arg *arg);

#endif
