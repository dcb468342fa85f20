/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend request channel (vhost-user.rst "Back-end communication"):
 * once VHOST_USER_PROTOCOL_F_BACKEND_REQ is negotiated the front-end hands
 * the back-end a socket with SET_BACKEND_REQ_FD (kept in dev->backend_fd,
 * closed by vu_dev_fini); the back-end sends requests to the front-end on
 * it. The library never asks for a reply (no NEED_REPLY), so a send never
 * waits for the front-end to act.
 *
 *	// the device's config space changed (console resize, disk resize):
 *	r = vu_backend_config_change(&dev->vu);  // -ENOTCONN: no channel
 */
#ifndef CNH_VHOST_USER_LIB_VU_BACKEND_H
#define CNH_VHOST_USER_LIB_VU_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost-user/lib/vu.h"

/* True when the front-end negotiated BACKEND_REQ and sent its channel. */
bool vu_backend_connected(const struct vu_dev *dev);

/*
 * Send one backend request (enum vhost_user_backend_request) with size
 * payload bytes (no fds). 0; -ENOTCONN without a channel; -EINVAL for a
 * request id or size the codec rejects; -errno when the send fails (the
 * channel is then closed: the front-end went away or misbehaves).
 */
int vu_backend_send(struct vu_dev *dev, uint32_t request, const void *payload,
		    uint32_t size) __must_check;

/* VHOST_USER_BACKEND_CONFIG_CHANGE_MSG: ask the front-end to re-read the config space. */
int vu_backend_config_change(struct vu_dev *dev) __must_check;

#endif
