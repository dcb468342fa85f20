/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <string.h>

#include "vhost-user/net/net_ctrl.h"
#include "vhost-user/net/net_hdr.h"

void net_ctrl_reset(struct net_ctrl *c, unsigned int max_pairs)
{
	memset(c, 0, sizeof(*c));
	c->max_pairs = max_pairs;
	c->pairs = 1;
}

static bool net_has(uint64_t features, unsigned int bit)
{
	return features & (1ULL << bit);
}

/* Two tables: le32 entries + entries * 6 bytes, unicast then multicast. */
static uint8_t net_ctrl_mac_table(struct net_ctrl *c, const uint8_t *d, size_t len)
{
	uint32_t n[2];
	size_t off = 0;

	for (unsigned int t = 0; t < 2; t++) {
		uint32_t v;

		if (len - off < 4)
			return VIRTIO_NET_ERR;
		memcpy(&v, d + off, 4);
		n[t] = le32toh(v);
		off += 4;
		if (n[t] > (len - off) / NET_ETH_ALEN)
			return VIRTIO_NET_ERR;
		off += (size_t)n[t] * NET_ETH_ALEN;
	}
	if (off != len)
		return VIRTIO_NET_ERR;
	c->uc_entries = n[0];
	c->mc_entries = n[1];
	return VIRTIO_NET_OK;
}

uint8_t net_ctrl_handle(struct net_ctrl *c, uint64_t features, const struct iovec *out,
			unsigned int out_num, uint64_t out_len)
{
	uint8_t cmd[NET_CTRL_MAX_CMD];
	size_t len, dlen;
	const uint8_t *d;

	if (out_len < 2 || out_len > NET_CTRL_MAX_CMD || !net_has(features, VIRTIO_NET_F_CTRL_VQ))
		return VIRTIO_NET_ERR;
	len = net_iov_to_buf(out, out_num, 0, cmd, (size_t)out_len);
	if (len != out_len)
		return VIRTIO_NET_ERR;
	d = cmd + 2;
	dlen = len - 2;

	switch (cmd[0]) {
	case VIRTIO_NET_CTRL_RX:
		if (!net_has(features, VIRTIO_NET_F_CTRL_RX) || dlen != 1)
			return VIRTIO_NET_ERR;
		if (cmd[1] == VIRTIO_NET_CTRL_RX_PROMISC)
			c->promisc = d[0] != 0;
		else if (cmd[1] == VIRTIO_NET_CTRL_RX_ALLMULTI)
			c->allmulti = d[0] != 0;
		else
			return VIRTIO_NET_ERR;
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_MAC:
		if (cmd[1] == VIRTIO_NET_CTRL_MAC_TABLE_SET && net_has(features, VIRTIO_NET_F_CTRL_RX))
			return net_ctrl_mac_table(c, d, dlen);
		return VIRTIO_NET_ERR;
	case VIRTIO_NET_CTRL_MQ: {
		uint16_t v;

		if (!net_has(features, VIRTIO_NET_F_MQ) || cmd[1] != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET ||
		    dlen != 2)
			return VIRTIO_NET_ERR;
		memcpy(&v, d, 2);
		v = le16toh(v);
		if (v < 1 || v > c->max_pairs)
			return VIRTIO_NET_ERR;
		c->pairs = v;
		return VIRTIO_NET_OK;
	}
	default:
		return VIRTIO_NET_ERR;
	}
}
