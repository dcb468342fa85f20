/* SPDX-License-Identifier: Apache-2.0 */
/* Requests from the back-end to the front-end on the SET_BACKEND_REQ_FD channel. */
#include "vhost-user/lib/vu_backend.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"

bool vu_backend_connected(const struct vu_dev *dev)
{
	return dev->backend_fd >= 0 &&
	       (dev->protocol_features & (1ULL << VHOST_USER_PROTOCOL_F_BACKEND_REQ));
}

int vu_backend_send(struct vu_dev *dev, uint32_t request, const void *payload, uint32_t size)
{
	struct vhost_user_msg msg;
	int ret;

	if (!vu_backend_connected(dev))
		return -ENOTCONN;
	if (size > VHOST_USER_MAX_PAYLOAD || (size && !payload))
		return -EINVAL;
	vhost_user_msg_init(&msg, request);
	msg.hdr.size = size;
	if (size)
		memcpy(&msg.payload, payload, size);
	if (vhost_user_msg_validate(&msg, VHOST_USER_FROM_BACKEND) < 0)
		return -EINVAL;
	ret = vhost_user_send(dev->backend_fd, &msg);
	if (ret < 0) {
		log_debug("vhost-user", "backend channel: %s failed (%d), closing it",
			  vhost_user_backend_request_name(request), ret);
		closep(&dev->backend_fd);
	}
	return ret;
}

int vu_backend_config_change(struct vu_dev *dev)
{
	return vu_backend_send(dev, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, NULL, 0);
}
