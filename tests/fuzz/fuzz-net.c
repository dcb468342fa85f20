/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-net's guest-controlled inputs: the virtio-net header of a transmitted
 * frame checked against input-chosen features, and control-queue commands
 * (class, command, payload) split over input-chosen buffers.
 */
#include <string.h>
#include <sys/uio.h>

#include "tests/fuzz/fuzz.h"
#include "vhost-user/net/net_ctrl.h"
#include "vhost-user/net/net_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr_v1 h;
	struct net_ctrl c;
	uint64_t features;
	const char *why = NULL;
	struct iovec iov[3];
	size_t rest, cut1, cut2;

	if (size < 8 + sizeof(h) + 2)
		return 0;
	memcpy(&features, data, 8);
	memcpy(&h, data + 8, sizeof(h));
	rest = size - 8 - sizeof(h);
	fuzz_ignore(net_hdr_tx_check(&h, features, rest, &why));
	(void)net_hdr_len(features);
	(void)net_tap_offloads(features);

	/* The rest is a control command, split at two input-chosen points. */
	data += 8 + sizeof(h);
	cut1 = data[0] % (rest + 1);
	cut2 = cut1 + (data[1] % (rest - cut1 + 1));
	iov[0] = (struct iovec){ (void *)data, cut1 };
	iov[1] = (struct iovec){ (void *)(data + cut1), cut2 - cut1 };
	iov[2] = (struct iovec){ (void *)(data + cut2), rest - cut2 };
	net_ctrl_reset(&c, 1 + data[0] % 8);
	(void)net_ctrl_handle(&c, features, iov, 3, rest);
	if (c.pairs < 1 || c.pairs > c.max_pairs)
		__builtin_trap();
	return 0;
}
