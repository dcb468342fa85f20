/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vhost-user/lib backend request channel (vu_backend.h): SET_BACKEND_REQ_FD
 * from a scripted front-end, then CONFIG_CHANGE_MSG on the channel. Lives
 * here with its first user (cnh-console's resize).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhost-user/lib/vu.h"
#include "vhost-user/lib/vu_backend.h"

static struct vu_dev dev;
static int sv[2] = { -1, -1 }; /* front-end socket */
static int ch[2] = { -1, -1 }; /* backend channel: [0] front-end side */

static uint64_t t_get_features(struct vu_dev *d)
{
	return 0;
}

static const struct vu_dev_ops t_ops = { .get_features = t_get_features };

static void setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch), 0);
	cr_assert_eq(vu_dev_init(&dev, &t_ops, 1, 64, sv[1]), 0);
	sv[1] = -1;
}

static void teardown(void)
{
	vu_dev_fini(&dev);
	closep(&sv[0]);
	closep(&ch[0]);
	closep(&ch[1]);
}

TestSuite(vu_backend, .init = setup, .fini = teardown);

static int send_req(uint32_t req, const void *payload, uint32_t size, int fd)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, req);
	m.hdr.size = size;
	if (size)
		memcpy(&m.payload, payload, size);
	if (fd >= 0) {
		m.fds[0] = fd;
		m.nfds = 1;
	}
	cr_assert_eq(vhost_user_send(sv[0], &m), 0);
	return vu_dispatch(&dev);
}

static uint64_t get_protocol_features(void)
{
	struct vhost_user_msg r;

	cr_assert_eq(send_req(VHOST_USER_GET_PROTOCOL_FEATURES, NULL, 0, -1), 0);
	cr_assert_eq(vhost_user_recv(sv[0], &r), 0);
	return r.payload.u64;
}

static void negotiate(bool backend_req)
{
	uint64_t f = 1ULL << VHOST_USER_F_PROTOCOL_FEATURES;
	uint64_t p = get_protocol_features();

	cr_assert(p & (1ULL << VHOST_USER_PROTOCOL_F_BACKEND_REQ), "offered");
	if (!backend_req)
		p &= ~(1ULL << VHOST_USER_PROTOCOL_F_BACKEND_REQ);
	cr_assert_eq(send_req(VHOST_USER_SET_FEATURES, &f, 8, -1), 0);
	cr_assert_eq(send_req(VHOST_USER_SET_PROTOCOL_FEATURES, &p, 8, -1), 0);
}

Test(vu_backend, no_channel)
{
	negotiate(true);
	cr_assert_not(vu_backend_connected(&dev));
	cr_assert_eq(vu_backend_config_change(&dev), -ENOTCONN);
}

Test(vu_backend, config_change_on_the_channel)
{
	struct vhost_user_msg m;

	negotiate(true);
	cr_assert_eq(send_req(VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, ch[1]), 0);
	closep(&ch[1]); /* the back-end holds its own copy */
	cr_assert(vu_backend_connected(&dev));
	cr_assert_eq(vu_backend_config_change(&dev), 0);
	cr_assert_eq(vhost_user_recv(ch[0], &m), 0);
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_BACKEND), 0);
	cr_assert_eq(m.hdr.request, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG);
	cr_assert_eq(m.hdr.size, 0);
	cr_assert_not(m.hdr.flags & VHOST_USER_FLAG_NEED_REPLY, "never waits for a reply");
}

Test(vu_backend, channel_without_the_feature_is_not_used)
{
	negotiate(false);
	cr_assert_eq(send_req(VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, ch[1]), 0);
	closep(&ch[1]);
	cr_assert_eq(vu_backend_config_change(&dev), -ENOTCONN);
}

Test(vu_backend, front_end_gone_closes_the_channel)
{
	negotiate(true);
	cr_assert_eq(send_req(VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, ch[1]), 0);
	closep(&ch[1]);
	closep(&ch[0]);
	cr_assert_lt(vu_backend_config_change(&dev), 0);
	cr_assert_eq(dev.backend_fd, -1);
	cr_assert_eq(vu_backend_config_change(&dev), -ENOTCONN);
}

Test(vu_backend, set_backend_req_fd_without_fd_drops)
{
	negotiate(true);
	cr_assert_lt(send_req(VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, -1), 0);
}

Test(vu_backend, bad_request_id)
{
	negotiate(true);
	cr_assert_eq(send_req(VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, ch[1]), 0);
	closep(&ch[1]);
	cr_assert_eq(vu_backend_send(&dev, 999, NULL, 0), -EINVAL);
	cr_assert_eq(vu_backend_send(&dev, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, "x", 1), -EINVAL);
}
