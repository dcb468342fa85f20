// SPDX-License-Identifier: Apache-2.0
#include <criterion/criterion.h>
#include <endian.h>
#include <linux/if_tun.h>

#include "vhost-user/lib/virtq.h"
#include "vhost-user/net/net_hdr.h"

#define B(n) (1ULL << (n))

Test(net_hdr, features_follow_params)
{
	struct net_params p = { .pairs = 1, .mtu = 0 };
	uint64_t f = net_features(&p);

	cr_assert(f & B(VIRTIO_NET_F_MAC));
	cr_assert(f & B(VIRTIO_NET_F_MRG_RXBUF));
	cr_assert(f & B(VIRTIO_NET_F_CTRL_VQ));
	cr_assert(f & B(VIRTIO_NET_F_CSUM));
	cr_assert_not(f & B(VIRTIO_NET_F_MQ));
	cr_assert_not(f & B(VIRTIO_NET_F_MTU));
	p.pairs = 2;
	p.mtu = 1500;
	f = net_features(&p);
	cr_assert(f & B(VIRTIO_NET_F_MQ));
	cr_assert(f & B(VIRTIO_NET_F_MTU));
}

Test(net_hdr, header_length)
{
	cr_assert_eq(net_hdr_len(B(VIRTQ_F_VERSION_1)), 12);
	cr_assert_eq(net_hdr_len(B(VIRTIO_NET_F_MRG_RXBUF)), 12);
	cr_assert_eq(net_hdr_len(0), 10);
}

Test(net_hdr, offload_mapping)
{
	cr_assert_eq(net_tap_offloads(B(VIRTIO_NET_F_GUEST_TSO4)), 0, "TSO without CSUM is not offloaded");
	cr_assert_eq(net_tap_offloads(B(VIRTIO_NET_F_GUEST_CSUM)), TUN_F_CSUM);
	cr_assert_eq(net_tap_offloads(B(VIRTIO_NET_F_GUEST_CSUM) | B(VIRTIO_NET_F_GUEST_TSO4) |
				      B(VIRTIO_NET_F_GUEST_TSO6) | B(VIRTIO_NET_F_GUEST_ECN) |
				      B(VIRTIO_NET_F_GUEST_UFO)),
		     TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO);
	cr_assert_eq(net_tap_offloads(B(VIRTIO_NET_F_GUEST_CSUM) | B(VIRTIO_NET_F_GUEST_ECN)),
		     TUN_F_CSUM, "ECN only with TSO");
	/* Host (tx) offloads do not touch the tap's receive side. */
	cr_assert_eq(net_tap_offloads(B(VIRTIO_NET_F_CSUM) | B(VIRTIO_NET_F_HOST_TSO4)), 0);
}

Test(net_hdr, config_layout)
{
	struct net_params p = { .mac = { 2, 0, 0, 0, 0, 9 }, .pairs = 3, .mtu = 9000 };
	struct virtio_net_config c;

	net_config(&p, &c);
	cr_assert_eq(sizeof(c), 12);
	cr_assert_eq(c.mac[5], 9);
	cr_assert_eq(le16toh(c.status), VIRTIO_NET_S_LINK_UP);
	cr_assert_eq(le16toh(c.max_virtqueue_pairs), 3);
	cr_assert_eq(le16toh(c.mtu), 9000);
}

Test(net_hdr, tx_check)
{
	uint64_t f = B(VIRTIO_NET_F_CSUM) | B(VIRTIO_NET_F_HOST_TSO4);
	struct virtio_net_hdr_v1 h = { 0 };
	const char *why = NULL;

	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), 0);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = htole16(34);
	h.csum_offset = htole16(6);
	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), 0);
	cr_assert_eq(net_hdr_tx_check(&h, 0, 60, &why), -EINVAL, "NEEDS_CSUM needs CSUM");
	h.csum_start = htole16(58);
	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), -EINVAL, "checksum beyond the frame");
	cr_assert_not_null(why);
	h.csum_start = htole16(34);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = htole16(1448);
	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), 0);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), -EINVAL, "TSO6 not negotiated");
	h.gso_type = 0x42;
	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), -EINVAL, "unknown gso type");
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 0;
	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), -EINVAL, "gso without size");
	h = (struct virtio_net_hdr_v1){ .flags = 0x80 };
	cr_assert_eq(net_hdr_tx_check(&h, f, 60, &why), -EINVAL, "unknown flags");
}

Test(net_hdr, parse_mac)
{
	uint8_t m[6] = { 0 };

	cr_assert_eq(net_parse_mac("52:54:00:Ab:cd:EF", m), 0);
	cr_assert_eq(m[0], 0x52);
	cr_assert_eq(m[5], 0xef);
	cr_assert_eq(net_parse_mac("52:54:00:ab:cd", m), -EINVAL);
	cr_assert_eq(net_parse_mac("52:54:00:ab:cd:ef:00", m), -EINVAL);
	cr_assert_eq(net_parse_mac("52-54-00-ab-cd-ef", m), -EINVAL);
	cr_assert_eq(net_parse_mac("zz:54:00:ab:cd:ef", m), -EINVAL);
}
