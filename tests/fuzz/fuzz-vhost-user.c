/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vhost-user messages from a hostile peer, both sides: the codec's
 * validation table in each direction, and the back-end library's whole
 * dispatch path (vu_dispatch) fed the bytes through a socketpair.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc/vhost_user.h"
#include "tests/fuzz/fuzz.h"
#include "vhost-user/lib/vu.h"

static uint64_t fz_features(struct vu_dev *dev)
{
	(void)dev;
	return 0;
}

static const struct vu_dev_ops fz_ops = { .get_features = fz_features };

static void fuzz_validate(const uint8_t *data, size_t size)
{
	struct vhost_user_msg m;
	size_t n;

	if (size < sizeof(m.hdr) + 1)
		return;
	vhost_user_msg_init(&m, 0);
	memcpy(&m.hdr, data + 1, sizeof(m.hdr));
	n = MIN(size - 1 - sizeof(m.hdr), sizeof(m.payload));
	memcpy(&m.payload, data + 1 + sizeof(m.hdr), n);
	/* The count is what validation looks at; no real fds travel here. */
	m.nfds = data[0] % (VHOST_USER_MAX_FDS + 2);
	fuzz_ignore(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND));
	fuzz_ignore(vhost_user_msg_validate(&m, VHOST_USER_FROM_BACKEND));
	(void)vhost_user_request_name(m.hdr.request);
	(void)vhost_user_backend_request_name(m.hdr.request);
}

static void fuzz_dispatch(const uint8_t *data, size_t size)
{
	struct vu_dev dev;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	/* Small inputs fit the socket buffer: write all, then close our end. */
	if (size > 0 && write(sv[0], data, MIN(size, (size_t)65536)) < 0) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	shutdown(sv[0], SHUT_WR);
	memset(&dev, 0, sizeof(dev));
	if (vu_dev_init(&dev, &fz_ops, 2, 256, sv[1]) == 0) {
		for (int i = 0; i < 64 && vu_dispatch(&dev) == 0; i++)
			;
	}
	vu_dev_fini(&dev);
	close(sv[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_validate(data, size);
	fuzz_dispatch(data, size);
	return 0;
}
