/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <string.h>

#include "vhost-user/lib/virtq.h"
#include "vhost-user/net/net_hdr.h"

#define BIT(n) (1ULL << (n))

uint64_t net_features(const struct net_params *p)
{
	uint64_t f = BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_MAC) |
		     BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO6) |
		     BIT(VIRTIO_NET_F_GUEST_ECN) | BIT(VIRTIO_NET_F_GUEST_UFO) |
		     BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) |
		     BIT(VIRTIO_NET_F_HOST_ECN) | BIT(VIRTIO_NET_F_HOST_UFO) |
		     BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(VIRTIO_NET_F_STATUS) |
		     BIT(VIRTIO_NET_F_CTRL_VQ) | BIT(VIRTIO_NET_F_CTRL_RX);

	if (p->mtu)
		f |= BIT(VIRTIO_NET_F_MTU);
	if (p->pairs > 1)
		f |= BIT(VIRTIO_NET_F_MQ);
	return f;
}

unsigned int net_hdr_len(uint64_t features)
{
	if (features & (BIT(VIRTQ_F_VERSION_1) | BIT(VIRTIO_NET_F_MRG_RXBUF)))
		return NET_HDR_LEN;
	return NET_HDR_LEN_LEGACY;
}

unsigned int net_tap_offloads(uint64_t features)
{
	unsigned int o = 0;

	/* Segmentation offloads need checksum offload (the kernel refuses them alone). */
	if (!(features & BIT(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	o |= TUN_F_CSUM;
	if (features & BIT(VIRTIO_NET_F_GUEST_TSO4))
		o |= TUN_F_TSO4;
	if (features & BIT(VIRTIO_NET_F_GUEST_TSO6))
		o |= TUN_F_TSO6;
	if ((o & (TUN_F_TSO4 | TUN_F_TSO6)) && (features & BIT(VIRTIO_NET_F_GUEST_ECN)))
		o |= TUN_F_TSO_ECN;
	if (features & BIT(VIRTIO_NET_F_GUEST_UFO))
		o |= TUN_F_UFO;
	return o;
}

void net_config(const struct net_params *p, struct virtio_net_config *ret)
{
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->mac, p->mac, NET_ETH_ALEN);
	ret->status = htole16(VIRTIO_NET_S_LINK_UP);
	ret->max_virtqueue_pairs = htole16((uint16_t)p->pairs);
	ret->mtu = htole16((uint16_t)p->mtu);
}

int net_hdr_tx_check(const struct virtio_net_hdr_v1 *h, uint64_t features, size_t frame_len,
		     const char **ret_why)
{
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	unsigned int need = 0;

	if (h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)) {
		*ret_why = "unknown header flags";
		return -EINVAL;
	}
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		uint32_t start = le16toh(h->csum_start), off = le16toh(h->csum_offset);

		if (!(features & BIT(VIRTIO_NET_F_CSUM))) {
			*ret_why = "NEEDS_CSUM without VIRTIO_NET_F_CSUM";
			return -EINVAL;
		}
		if ((size_t)start + off + 2 > frame_len) {
			*ret_why = "checksum field beyond the frame";
			return -EINVAL;
		}
	}
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN) {
			*ret_why = "ECN bit without GSO";
			return -EINVAL;
		}
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		need = VIRTIO_NET_F_HOST_TSO4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		need = VIRTIO_NET_F_HOST_TSO6;
		break;
	case VIRTIO_NET_HDR_GSO_UDP:
		need = VIRTIO_NET_F_HOST_UFO;
		break;
	default:
		*ret_why = "unknown gso_type";
		return -EINVAL;
	}
	if (!(features & BIT(need))) {
		*ret_why = "gso_type not negotiated";
		return -EINVAL;
	}
	if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) && !(features & BIT(VIRTIO_NET_F_HOST_ECN))) {
		*ret_why = "GSO ECN not negotiated";
		return -EINVAL;
	}
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || le16toh(h->gso_size) == 0) {
		*ret_why = "GSO frame without NEEDS_CSUM or gso_size";
		return -EINVAL;
	}
	return 0;
}

size_t net_iov_from_buf(const struct iovec *iov, unsigned int n, size_t skip, const void *src,
			size_t len)
{
	const uint8_t *s = src;
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l = MIN(l - skip, len - done);
		memcpy((uint8_t *)iov[i].iov_base + skip, s + done, l);
		done += l;
		skip = 0;
	}
	return done;
}

size_t net_iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip, void *dst, size_t len)
{
	uint8_t *d = dst;
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l = MIN(l - skip, len - done);
		memcpy(d + done, (const uint8_t *)iov[i].iov_base + skip, l);
		done += l;
		skip = 0;
	}
	return done;
}

static int net_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int net_parse_mac(const char *s, uint8_t mac[NET_ETH_ALEN])
{
	uint8_t m[NET_ETH_ALEN];

	for (unsigned int i = 0; i < NET_ETH_ALEN; i++) {
		int hi = net_hex(s[0]), lo = hi < 0 ? -1 : net_hex(s[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i + 1 < NET_ETH_ALEN && *s++ != ':')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	memcpy(mac, m, NET_ETH_ALEN);
	return 0;
}
