/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-net device type for the vhost-user front-end. */
#include "vmm/vhost_user/net.h"

#include <endian.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <string.h>

#define NET_F(x) (1ULL << VIRTIO_NET_F_##x)
#define NET_END_MTU ((uint32_t)(offsetof(struct virtio_net_config, mtu) + sizeof(uint16_t)))

/*
 * Passed through when the back-end offers them: offloads, mergeable rx
 * buffers, link status, the control queue and multiqueue. Not the bits
 * needing VMM support cnh lacks (GUEST_ANNOUNCE, RSS, hash reports,
 * coalescing, STANDBY, SPEED_DUPLEX) nor control-queue commands beyond
 * what the back-end serves on its own.
 */
#define NET_DEVICE_FEATURES                                                                     \
	(NET_F(CSUM) | NET_F(GUEST_CSUM) | NET_F(GUEST_TSO4) | NET_F(GUEST_TSO6) | NET_F(GUEST_ECN) | \
	 NET_F(GUEST_UFO) | NET_F(HOST_TSO4) | NET_F(HOST_TSO6) | NET_F(HOST_ECN) | NET_F(HOST_UFO) |  \
	 NET_F(MRG_RXBUF) | NET_F(STATUS) | NET_F(CTRL_VQ) | NET_F(MQ) | NET_F(MTU) | NET_F(MAC))

uint64_t vhost_user_net_vmm_features(const struct vhost_user_net_arg *arg)
{
	return NET_F(MAC) | (arg->mtu ? NET_F(MTU) : 0);
}

/* The spec's dependencies (5.1.3.1): MQ needs the control queue, so do TSO/UFO their checksums. */
static uint64_t net_features_fixup(uint64_t f)
{
	if (!(f & NET_F(CTRL_VQ)))
		f &= ~NET_F(MQ);
	if (!(f & NET_F(GUEST_CSUM)))
		f &= ~(NET_F(GUEST_TSO4) | NET_F(GUEST_TSO6) | NET_F(GUEST_ECN) | NET_F(GUEST_UFO));
	if (!(f & (NET_F(GUEST_TSO4) | NET_F(GUEST_TSO6))))
		f &= ~NET_F(GUEST_ECN);
	if (!(f & NET_F(CSUM)))
		f &= ~(NET_F(HOST_TSO4) | NET_F(HOST_TSO6) | NET_F(HOST_ECN) | NET_F(HOST_UFO));
	if (!(f & (NET_F(HOST_TSO4) | NET_F(HOST_TSO6))))
		f &= ~NET_F(HOST_ECN);
	return f;
}

static uint16_t net_num_queues(const uint8_t *config, uint64_t backend_features,
			       uint16_t backend_queues, uint16_t user_max)
{
	uint16_t pairs = user_max / 2;

	(void)config;
	if ((backend_features & NET_F(MQ)) && (backend_features & NET_F(CTRL_VQ)))
		pairs = MIN(pairs, backend_queues);
	else
		pairs = MIN(pairs, 1);
	if (pairs == 0)
		return 0;
	return (uint16_t)(2 * pairs + ((backend_features & NET_F(CTRL_VQ)) ? 1 : 0));
}

static void net_config_fixup(uint8_t *config, uint64_t features, uint16_t num_queues, const void *arg)
{
	const struct vhost_user_net_arg *a = arg;
	struct virtio_net_config c;

	memcpy(&c, config, NET_END_MTU);
	memcpy(c.mac, a->mac, sizeof(c.mac));
	c.status = htole16((features & NET_F(STATUS)) ? VIRTIO_NET_S_LINK_UP : 0);
	c.max_virtqueue_pairs = htole16((features & NET_F(MQ)) ? num_queues / 2 : 1);
	if (a->mtu)
		c.mtu = htole16(a->mtu);
	else if (!c.mtu)
		c.mtu = htole16(1500);
	memcpy(config, &c, NET_END_MTU);
}

const struct vhost_user_fe_type vhost_user_net_type = {
	.name = "net",
	.device_id = VIRTIO_ID_NET,
	.config_size = NET_END_MTU,
	.device_features = NET_DEVICE_FEATURES,
	.features_fixup = net_features_fixup,
	.need_config = false,
	.num_queues = net_num_queues,
	.config_fixup = net_config_fixup,
};
