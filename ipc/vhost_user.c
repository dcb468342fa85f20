/* SPDX-License-Identifier: Apache-2.0 */
#include "ipc/vhost_user.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

/*
 * What each request may carry. Sizes are payload bytes; a request whose
 * payload depends on a field (memory table, config) has a check function.
 */
struct vu_rule {
	const char *name;
	uint16_t min, max;          /* request payload size bounds */
	uint8_t fds_min, fds_max;   /* fds with the request */
	uint16_t reply_min, reply_max; /* reply payload size bounds (0/0: only a REPLY_ACK u64) */
	uint8_t reply_fds;          /* fds a reply may carry */
	int (*check)(const struct vhost_user_msg *msg);
};

#define SZ(t) ((uint16_t)sizeof(t))
#define U64 SZ(uint64_t)

static int check_mem_table(const struct vhost_user_msg *m)
{
	uint32_t n = m->payload.memory.nregions;

	if (n == 0 || n > VHOST_USER_MEM_REGIONS)
		return -EPROTO;
	if (m->hdr.size < offsetof(struct vhost_user_memory, regions) + n * sizeof(struct vhost_user_mem_region))
		return -EPROTO;
	if (m->nfds != n)
		return -EPROTO;
	return 0;
}

static int check_config(const struct vhost_user_msg *m)
{
	const struct vhost_user_config *c = &m->payload.config;

	if (c->size > VHOST_USER_MAX_CONFIG_SIZE || c->offset > VHOST_USER_MAX_CONFIG_SIZE ||
	    c->offset + c->size > VHOST_USER_MAX_CONFIG_SIZE)
		return -EPROTO;
	if (m->hdr.size != VHOST_USER_CONFIG_HDR_SIZE + c->size)
		return -EPROTO;
	return 0;
}

static int check_vring_fd(const struct vhost_user_msg *m)
{
	bool nofd = m->payload.u64 & VHOST_USER_VRING_NOFD_MASK;

	/* The index is 8 bits; bits above the NOFD flag must be clear. */
	if (m->payload.u64 & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD_MASK))
		return -EPROTO;
	return (nofd ? m->nfds == 0 : m->nfds == 1) ? 0 : -EPROTO;
}

static const struct vu_rule frontend_rules[VHOST_USER_REQUEST_MAX] = {
	[VHOST_USER_GET_FEATURES] = { "GET_FEATURES", 0, 0, 0, 0, U64, U64, 0, NULL },
	[VHOST_USER_SET_FEATURES] = { "SET_FEATURES", U64, U64, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_SET_OWNER] = { "SET_OWNER", 0, 0, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_RESET_OWNER] = { "RESET_OWNER", 0, 0, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_SET_MEM_TABLE] = { "SET_MEM_TABLE", 8, SZ(struct vhost_user_memory), 1,
				       VHOST_USER_MEM_REGIONS, 0, 0, 0, check_mem_table },
	[VHOST_USER_SET_LOG_BASE] = { "SET_LOG_BASE", SZ(struct vhost_user_log), SZ(struct vhost_user_log),
				      1, 1, U64, U64, 0, NULL },
	[VHOST_USER_SET_LOG_FD] = { "SET_LOG_FD", 0, 0, 1, 1, 0, 0, 0, NULL },
	[VHOST_USER_SET_VRING_NUM] = { "SET_VRING_NUM", 8, 8, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_SET_VRING_ADDR] = { "SET_VRING_ADDR", SZ(struct vhost_user_vring_addr),
					SZ(struct vhost_user_vring_addr), 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_SET_VRING_BASE] = { "SET_VRING_BASE", 8, 8, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_GET_VRING_BASE] = { "GET_VRING_BASE", 8, 8, 0, 0, 8, 8, 0, NULL },
	[VHOST_USER_SET_VRING_KICK] = { "SET_VRING_KICK", U64, U64, 0, 1, 0, 0, 0, check_vring_fd },
	[VHOST_USER_SET_VRING_CALL] = { "SET_VRING_CALL", U64, U64, 0, 1, 0, 0, 0, check_vring_fd },
	[VHOST_USER_SET_VRING_ERR] = { "SET_VRING_ERR", U64, U64, 0, 1, 0, 0, 0, check_vring_fd },
	[VHOST_USER_GET_PROTOCOL_FEATURES] = { "GET_PROTOCOL_FEATURES", 0, 0, 0, 0, U64, U64, 0, NULL },
	[VHOST_USER_SET_PROTOCOL_FEATURES] = { "SET_PROTOCOL_FEATURES", U64, U64, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_GET_QUEUE_NUM] = { "GET_QUEUE_NUM", 0, 0, 0, 0, U64, U64, 0, NULL },
	[VHOST_USER_SET_VRING_ENABLE] = { "SET_VRING_ENABLE", 8, 8, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_SEND_RARP] = { "SEND_RARP", U64, U64, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_NET_SET_MTU] = { "NET_SET_MTU", U64, U64, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_SET_BACKEND_REQ_FD] = { "SET_BACKEND_REQ_FD", 0, 0, 1, 1, 0, 0, 0, NULL },
	[VHOST_USER_IOTLB_MSG] = { "IOTLB_MSG", 26, 40, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_SET_VRING_ENDIAN] = { "SET_VRING_ENDIAN", 8, 8, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_GET_CONFIG] = { "GET_CONFIG", VHOST_USER_CONFIG_HDR_SIZE,
				    VHOST_USER_CONFIG_HDR_SIZE + VHOST_USER_MAX_CONFIG_SIZE, 0, 0,
				    VHOST_USER_CONFIG_HDR_SIZE,
				    VHOST_USER_CONFIG_HDR_SIZE + VHOST_USER_MAX_CONFIG_SIZE, 0, check_config },
	[VHOST_USER_SET_CONFIG] = { "SET_CONFIG", VHOST_USER_CONFIG_HDR_SIZE,
				    VHOST_USER_CONFIG_HDR_SIZE + VHOST_USER_MAX_CONFIG_SIZE, 0, 0, 0, 0, 0,
				    check_config },
	[VHOST_USER_CREATE_CRYPTO_SESSION] = { "CREATE_CRYPTO_SESSION", 0, VHOST_USER_MAX_PAYLOAD, 0, 0, 0,
					       VHOST_USER_MAX_PAYLOAD, 0, NULL },
	[VHOST_USER_CLOSE_CRYPTO_SESSION] = { "CLOSE_CRYPTO_SESSION", U64, U64, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_POSTCOPY_ADVISE] = { "POSTCOPY_ADVISE", 0, 0, 0, 0, 0, 0, 1, NULL },
	[VHOST_USER_POSTCOPY_LISTEN] = { "POSTCOPY_LISTEN", 0, 0, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_POSTCOPY_END] = { "POSTCOPY_END", 0, 0, 0, 0, U64, U64, 0, NULL },
	[VHOST_USER_GET_INFLIGHT_FD] = { "GET_INFLIGHT_FD", 20, SZ(struct vhost_user_inflight), 0, 0, 20,
					 SZ(struct vhost_user_inflight), 1, NULL },
	[VHOST_USER_SET_INFLIGHT_FD] = { "SET_INFLIGHT_FD", 20, SZ(struct vhost_user_inflight), 1, 1, 0, 0,
					 0, NULL },
	[VHOST_USER_GPU_SET_SOCKET] = { "GPU_SET_SOCKET", 0, 0, 1, 1, 0, 0, 0, NULL },
	[VHOST_USER_RESET_DEVICE] = { "RESET_DEVICE", 0, 0, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_VRING_KICK] = { "VRING_KICK", 8, 8, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_GET_MAX_MEM_SLOTS] = { "GET_MAX_MEM_SLOTS", 0, 0, 0, 0, U64, U64, 0, NULL },
	[VHOST_USER_ADD_MEM_REG] = { "ADD_MEM_REG", SZ(struct vhost_user_mem_single),
				     SZ(struct vhost_user_mem_single), 1, 1, 0, 0, 0, NULL },
	[VHOST_USER_REM_MEM_REG] = { "REM_MEM_REG", SZ(struct vhost_user_mem_single),
				     SZ(struct vhost_user_mem_single), 0, 1, 0, 0, 0, NULL },
	[VHOST_USER_SET_STATUS] = { "SET_STATUS", U64, U64, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_GET_STATUS] = { "GET_STATUS", 0, 0, 0, 0, U64, U64, 0, NULL },
};

static const struct vu_rule backend_rules[VHOST_USER_BACKEND_REQUEST_MAX] = {
	[VHOST_USER_BACKEND_IOTLB_MSG] = { "IOTLB_MSG", 26, 40, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_BACKEND_CONFIG_CHANGE_MSG] = { "CONFIG_CHANGE_MSG", 0, 0, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG] = { "VRING_HOST_NOTIFIER_MSG",
							  SZ(struct vhost_user_vring_area),
							  SZ(struct vhost_user_vring_area), 0, 1, 0, 0, 0, NULL },
	[VHOST_USER_BACKEND_VRING_CALL] = { "VRING_CALL", 8, 8, 0, 0, 0, 0, 0, NULL },
	[VHOST_USER_BACKEND_VRING_ERR] = { "VRING_ERR", 8, 8, 0, 0, 0, 0, 0, NULL },
};

const char *vhost_user_request_name(uint32_t request)
{
	if (request < VHOST_USER_REQUEST_MAX && frontend_rules[request].name)
		return frontend_rules[request].name;
	return "UNKNOWN";
}

const char *vhost_user_backend_request_name(uint32_t request)
{
	if (request < VHOST_USER_BACKEND_REQUEST_MAX && backend_rules[request].name)
		return backend_rules[request].name;
	return "UNKNOWN";
}

int vhost_user_msg_validate(const struct vhost_user_msg *msg, enum vhost_user_dir dir)
{
	const struct vu_rule *rule;
	uint32_t req = msg->hdr.request;
	uint32_t size = msg->hdr.size;

	if ((msg->hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		return -EPROTO;
	if (size > VHOST_USER_MAX_PAYLOAD || msg->nfds > VHOST_USER_MAX_FDS)
		return -EPROTO;
	if (dir == VHOST_USER_FROM_FRONTEND) {
		if (req >= VHOST_USER_REQUEST_MAX)
			return -EPROTO;
		rule = &frontend_rules[req];
	} else {
		if (req >= VHOST_USER_BACKEND_REQUEST_MAX)
			return -EPROTO;
		rule = &backend_rules[req];
	}
	if (!rule->name)
		return -EPROTO;

	if (msg->hdr.flags & VHOST_USER_FLAG_REPLY) {
		/* A reply: its natural format, or the u64 of a REPLY_ACK. */
		if (msg->nfds > rule->reply_fds)
			return -EPROTO;
		if (size == sizeof(uint64_t) && msg->nfds == 0)
			return 0;
		if (rule->reply_max == 0 || size < rule->reply_min || size > rule->reply_max)
			return -EPROTO;
		if (req == VHOST_USER_GET_CONFIG && dir == VHOST_USER_FROM_FRONTEND)
			return check_config(msg);
		return 0;
	}
	if (size < rule->min || size > rule->max)
		return -EPROTO;
	if (msg->nfds < rule->fds_min || msg->nfds > rule->fds_max)
		return -EPROTO;
	return rule->check ? rule->check(msg) : 0;
}

void vhost_user_msg_init(struct vhost_user_msg *msg, uint32_t request)
{
	memset(&msg->hdr, 0, sizeof(msg->hdr));
	msg->hdr.request = request;
	msg->hdr.flags = VHOST_USER_VERSION;
	msg->nfds = 0;
	for (unsigned int i = 0; i < VHOST_USER_MAX_FDS; i++)
		msg->fds[i] = -1;
}

void vhost_user_msg_close_fds(struct vhost_user_msg *msg)
{
	for (unsigned int i = 0; i < VHOST_USER_MAX_FDS; i++)
		closep(&msg->fds[i]);
	msg->nfds = 0;
}

int vhost_user_send(int sock, const struct vhost_user_msg *msg)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = (void *)&msg->hdr, .iov_len = sizeof(msg->hdr) },
		{ .iov_base = (void *)&msg->payload, .iov_len = msg->hdr.size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = msg->hdr.size ? 2 : 1 };
	size_t total = sizeof(msg->hdr) + msg->hdr.size, sent = 0;

	if (msg->hdr.size > VHOST_USER_MAX_PAYLOAD || msg->nfds > VHOST_USER_MAX_FDS)
		return -EINVAL;
	if (msg->nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * msg->nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * msg->nfds);
		memcpy(CMSG_DATA(c), msg->fds, sizeof(int) * msg->nfds);
	}
	while (sent < total) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		sent += (size_t)n;
		if (sent == total)
			break;
		/* Short write: the fds went with the first chunk; send the rest plain. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (n > 0 && mh.msg_iovlen > 0) {
			size_t take = MIN((size_t)n, mh.msg_iov->iov_len);

			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + take;
			mh.msg_iov->iov_len -= take;
			n -= (ssize_t)take;
			if (mh.msg_iov->iov_len == 0) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return 0;
}

/* Take the fds out of the control messages; close any beyond the limit. */
static int vu_collect_fds(struct msghdr *mh, struct vhost_user_msg *msg)
{
	int r = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		int fds[VHOST_USER_MAX_FDS * 2];

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		n = MIN(n, ARRAY_SIZE(fds));
		memcpy(fds, CMSG_DATA(c), n * sizeof(int));
		for (size_t i = 0; i < n; i++) {
			if (msg->nfds < VHOST_USER_MAX_FDS) {
				msg->fds[msg->nfds++] = fds[i];
			} else {
				close(fds[i]);
				r = -EPROTO;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		r = -EPROTO;
	return r;
}

int vhost_user_recv(int sock, struct vhost_user_msg *msg)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &msg->hdr, .iov_len = sizeof(msg->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	int r;

	vhost_user_msg_init(msg, VHOST_USER_NONE);
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r = vu_collect_fds(&mh, msg);
	if (n == 0) {
		vhost_user_msg_close_fds(msg);
		return -ECONNRESET;
	}
	if ((size_t)n != sizeof(msg->hdr))
		r = -EPROTO;
	if (r == 0 && msg->hdr.size > VHOST_USER_MAX_PAYLOAD)
		r = -EPROTO;
	if (r == 0 && msg->hdr.size) {
		r = read_full(sock, &msg->payload, msg->hdr.size);
		if (r == -EPIPE)
			r = -EPROTO;
	}
	if (r < 0)
		vhost_user_msg_close_fds(msg);
	return r;
}
