/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net wire definitions (virtio 1.2, 5.1) and the pure decisions
 * cnh-net makes about them: which features to offer, the header length and
 * tap offloads that follow from the negotiated ones, the config space, and
 * the checks a transmitted header must pass.
 */
#ifndef CNH_NET_HDR_H
#define CNH_NET_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/util.h"

/* Feature bits (virtio 1.2, 5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_GUEST_UFO 10
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_HOST_ECN 13
#define VIRTIO_NET_F_HOST_UFO 14
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_CTRL_RX 18
#define VIRTIO_NET_F_MQ 22

#define VIRTIO_NET_S_LINK_UP 1

/* virtio_net_hdr flags and gso types. */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP 3
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_ECN 0x80

/* The header in front of every frame; num_buffers only with VERSION_1 or MRG_RXBUF. */
struct virtio_net_hdr_v1 {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

#define NET_HDR_LEN_LEGACY 10u
#define NET_HDR_LEN 12u

/* Largest frame accepted from the guest or the tap (a 64 KiB GSO frame + Ethernet). */
#define NET_FRAME_MAX (65535u + 14u + 4u)
#define NET_MIN_FRAME 14u /* an Ethernet header */

#define NET_MAX_PAIRS 16u
#define NET_ETH_ALEN 6

/* The device configuration (virtio 1.2, 5.1.4), little-endian. */
struct virtio_net_config {
	uint8_t mac[NET_ETH_ALEN];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
} __packed;

/* What the daemon was started with; the features follow from it. */
struct net_params {
	uint8_t mac[NET_ETH_ALEN];
	unsigned int pairs;  /* 1..NET_MAX_PAIRS */
	unsigned int mtu;    /* 0: no VIRTIO_NET_F_MTU */
};

/* Device feature bits to offer (the library adds VERSION_1, EVENT_IDX, INDIRECT_DESC). */
uint64_t net_features(const struct net_params *p);
/* virtio_net_hdr bytes for these negotiated features: 12 or 10 (legacy without MRG_RXBUF). */
unsigned int net_hdr_len(uint64_t features);
/* TUN_F_* offloads for the tap from the guest receive features. */
unsigned int net_tap_offloads(uint64_t features);
/* Fill the config space. */
void net_config(const struct net_params *p, struct virtio_net_config *ret);

/*
 * Check a transmitted header against the negotiated features and the frame
 * length (bytes after the header): 0, or -EINVAL with a reason in *ret_why.
 */
int net_hdr_tx_check(const struct virtio_net_hdr_v1 *h, uint64_t features, size_t frame_len,
		     const char **ret_why) __must_check;

/* Copy len bytes from src into iov starting skip bytes in; returns bytes copied. */
size_t net_iov_from_buf(const struct iovec *iov, unsigned int n, size_t skip, const void *src,
			size_t len);
/* Copy up to len bytes out of iov starting skip bytes in; returns bytes copied. */
size_t net_iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip, void *dst, size_t len);

/* Parse "aa:bb:cc:dd:ee:ff"; 0 or -EINVAL. */
int net_parse_mac(const char *s, uint8_t mac[NET_ETH_ALEN]) __must_check;

#endif
