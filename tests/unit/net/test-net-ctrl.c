// SPDX-License-Identifier: Apache-2.0
#include <criterion/criterion.h>
#include <endian.h>
#include <string.h>

#include "vhost-user/net/net_ctrl.h"
#include "vhost-user/net/net_hdr.h"

#define B(n) (1ULL << (n))
#define ALL (B(VIRTIO_NET_F_CTRL_VQ) | B(VIRTIO_NET_F_CTRL_RX) | B(VIRTIO_NET_F_MQ))

static uint8_t run(struct net_ctrl *c, uint64_t f, const void *cmd, size_t len)
{
	/* Split after the class/command bytes, as Linux does. */
	struct iovec iov[2] = { { (void *)cmd, len < 2 ? len : 2 }, { NULL, 0 } };

	if (len <= 2)
		return net_ctrl_handle(c, f, iov, 1, len);
	iov[1].iov_base = (uint8_t *)cmd + 2;
	iov[1].iov_len = len - 2;
	return net_ctrl_handle(c, f, iov, 2, len);
}

Test(net_ctrl, mq_pairs_set)
{
	struct net_ctrl c;
	uint8_t cmd[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET };
	uint16_t v = htole16(2);

	net_ctrl_reset(&c, 4);
	cr_assert_eq(c.pairs, 1);
	memcpy(cmd + 2, &v, 2);
	cr_assert_eq(run(&c, ALL, cmd, 4), VIRTIO_NET_OK);
	cr_assert_eq(c.pairs, 2);
	v = htole16(5);
	memcpy(cmd + 2, &v, 2);
	cr_assert_eq(run(&c, ALL, cmd, 4), VIRTIO_NET_ERR, "more than max pairs");
	v = 0;
	memcpy(cmd + 2, &v, 2);
	cr_assert_eq(run(&c, ALL, cmd, 4), VIRTIO_NET_ERR, "zero pairs");
	cr_assert_eq(c.pairs, 2);
	cr_assert_eq(run(&c, ALL, cmd, 3), VIRTIO_NET_ERR, "short data");
	v = htole16(3);
	memcpy(cmd + 2, &v, 2);
	cr_assert_eq(run(&c, ALL & ~B(VIRTIO_NET_F_MQ), cmd, 4), VIRTIO_NET_ERR, "MQ not negotiated");
}

Test(net_ctrl, rx_mode)
{
	struct net_ctrl c;
	uint8_t promisc[3] = { VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 1 };
	uint8_t allmulti[3] = { VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, 1 };
	uint8_t nobcast[3] = { VIRTIO_NET_CTRL_RX, 5, 1 };

	net_ctrl_reset(&c, 1);
	cr_assert_eq(run(&c, ALL, promisc, 3), VIRTIO_NET_OK);
	cr_assert(c.promisc);
	cr_assert_eq(run(&c, ALL, allmulti, 3), VIRTIO_NET_OK);
	cr_assert(c.allmulti);
	promisc[2] = 0;
	cr_assert_eq(run(&c, ALL, promisc, 3), VIRTIO_NET_OK);
	cr_assert_not(c.promisc);
	cr_assert_eq(run(&c, ALL, nobcast, 3), VIRTIO_NET_ERR, "RX_EXTRA commands not offered");
	cr_assert_eq(run(&c, B(VIRTIO_NET_F_CTRL_VQ), promisc, 3), VIRTIO_NET_ERR, "no CTRL_RX");
}

Test(net_ctrl, mac_table)
{
	struct net_ctrl c;
	uint8_t cmd[2 + 4 + 6 + 4 + 12] = { VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET };
	uint32_t n1 = htole32(1), n2 = htole32(2), bad = htole32(0x40000000);

	net_ctrl_reset(&c, 1);
	memcpy(cmd + 2, &n1, 4);
	memcpy(cmd + 12, &n2, 4);
	cr_assert_eq(run(&c, ALL, cmd, sizeof(cmd)), VIRTIO_NET_OK);
	cr_assert_eq(c.uc_entries, 1);
	cr_assert_eq(c.mc_entries, 2);
	cr_assert_eq(run(&c, ALL, cmd, sizeof(cmd) - 1), VIRTIO_NET_ERR, "truncated table");
	memcpy(cmd + 2, &bad, 4);
	cr_assert_eq(run(&c, ALL, cmd, sizeof(cmd)), VIRTIO_NET_ERR, "huge entry count");
}

Test(net_ctrl, malformed)
{
	struct net_ctrl c;
	uint8_t one[1] = { VIRTIO_NET_CTRL_MQ };
	uint8_t unknown[3] = { 0x77, 0, 0 };
	static uint8_t huge[NET_CTRL_MAX_CMD + 1];

	net_ctrl_reset(&c, 2);
	cr_assert_eq(run(&c, ALL, one, 1), VIRTIO_NET_ERR);
	cr_assert_eq(run(&c, ALL, unknown, 3), VIRTIO_NET_ERR);
	huge[0] = VIRTIO_NET_CTRL_RX;
	cr_assert_eq(run(&c, ALL, huge, sizeof(huge)), VIRTIO_NET_ERR);
	cr_assert_eq(run(&c, 0, unknown, 3), VIRTIO_NET_ERR, "no CTRL_VQ");
	/* out_len larger than the buffers actually hold. */
	{
		struct iovec iov = { unknown, 3 };

		cr_assert_eq(net_ctrl_handle(&c, ALL, &iov, 1, 100), VIRTIO_NET_ERR);
	}
	cr_assert_eq(c.pairs, 1);
}
