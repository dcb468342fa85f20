/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: the net scenario (virtio-net, 1af4:1041), polled.
 *
 *   cnh.net.pairs=<n>    queue pairs to use (1 or 2; 2 negotiates MQ +
 *                        CTRL_VQ and sends VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)
 *   cnh.net.peer=<mac>   destination of the frames sent (default broadcast)
 *   cnh.net.rx=<n>       marked frames "CNH-NET-MARK-RX-<i>", i < n, that the
 *                        host injects; all n distinct ones must arrive
 *                        (default 0: nothing required)
 *   cnh.net.wait=<s>     seconds to wait for them (default 120)
 *   cnh.net.linger=<ms>  with cnh.net.rx=0: receive this long after sending
 *                        (default 1000; counts frames a forwarder returns)
 *
 * Each pair sends two IPv4/UDP frames 10.0.0.2:5001 -> 10.0.0.1:5000 from
 * the device MAC to the peer: "CNH-NET-MARK-TX-<p>" with its UDP checksum
 * computed by the guest, and "CNH-NET-MARK-CSUM-<p>" with
 * VIRTIO_NET_HDR_F_NEEDS_CSUM and only the pseudo-header sum in the
 * checksum field (the device completes it). Prints
 * "cnh-test-guest: net: listening" once its receive buffers are posted.
 */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include "scenarios.h"

bool net_scenario(struct scenario_ctx *ctx, char *detail, size_t size);

#endif
