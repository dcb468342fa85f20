/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-vsock's device: the vu_dev hooks (3 queues: rx, tx, event; config =
 * le64 guest_cid) on top of the multiplexer, everything on the control loop.
 */
#ifndef CNH_VSOCK_H
#define CNH_VSOCK_H

#include "vhost-user/lib/vu.h"
#include "vhost-user/vsock/vsock_mux.h"

#define VSOCK_QUEUE_SIZE 256
#define VSOCK_MIN_GUEST_CID 3
#define VSOCK_MAX_GUEST_CID 0xfffffffeULL /* U32_MAX is VMADDR_CID_ANY */

struct vsock_dev {
	struct vu_dev vu;
	struct vsock_mux mux;
	bool had_session;        /* a front-end was served before: reset event on the next */
};

extern const struct vu_dev_ops vsock_ops;

/* vu_main_dev hooks. */
int vsock_dev_connected(struct vu_dev *dev) __must_check;
void vsock_dev_disconnected(struct vu_dev *dev);

#endif
