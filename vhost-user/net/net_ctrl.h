/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-net control queue commands cnh-net understands (virtio 1.2,
 * 5.1.6.5): RX mode (promiscuous, all-multicast: accepted, the tap already
 * delivers everything), MAC table set (validated, accepted), MQ pairs set.
 * Pure: the command bytes in, the new state and the ack byte out.
 */
#ifndef CNH_NET_CTRL_H
#define CNH_NET_CTRL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define VIRTIO_NET_OK 0
#define VIRTIO_NET_ERR 1

#define VIRTIO_NET_CTRL_RX 0
#define VIRTIO_NET_CTRL_RX_PROMISC 0
#define VIRTIO_NET_CTRL_RX_ALLMULTI 1
#define VIRTIO_NET_CTRL_MAC 1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define VIRTIO_NET_CTRL_MAC_ADDR_SET 1
#define VIRTIO_NET_CTRL_MQ 4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0

/* Bound on one command (class, command, data) we read. */
#define NET_CTRL_MAX_CMD 4096u

struct net_ctrl {
	unsigned int max_pairs;  /* the device's */
	unsigned int pairs;      /* active pairs (VQ_PAIRS_SET), 1 after reset */
	bool promisc, allmulti;
	unsigned int uc_entries, mc_entries; /* last MAC table */
};

void net_ctrl_reset(struct net_ctrl *c, unsigned int max_pairs);
/*
 * Run one command whose device-readable part is out[0..out_num) (out_len
 * bytes); features are the negotiated ones. Returns the ack byte.
 */
uint8_t net_ctrl_handle(struct net_ctrl *c, uint64_t features, const struct iovec *out,
			unsigned int out_num, uint64_t out_len);

#endif
