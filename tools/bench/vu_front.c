/* SPDX-License-Identifier: Apache-2.0 */
#include "vu_front.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "ipc/vhost_user.h"

#define VIRTIO_F_PROTOCOL_FEATURES (1ull << VHOST_USER_F_PROTOCOL_FEATURES)

static int __printf(3, 4) vu_front_fail(struct vu_front *fe, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fe->err, sizeof(fe->err), fmt, ap);
	va_end(ap);
	return rc;
}

void vu_front_init(struct vu_front *fe)
{
	memset(fe, 0, sizeof(*fe));
	fe->sock = -1;
	fe->max_queues = 1;
}

static pid_t vu_front_peer_pid(int sock)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	return cred.pid;
}

int vu_front_connect(struct vu_front *fe, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	int waited = 0, fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return vu_front_fail(fe, -ENAMETOOLONG, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vu_front_fail(fe, -errno, "socket: %s", strerror(errno));
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		rc = -errno;
		if ((rc != -ENOENT && rc != -ECONNREFUSED) || waited >= timeout_ms) {
			close(fd);
			return vu_front_fail(fe, rc, "connect %s: %s", path, strerror(-rc));
		}
		nanosleep(&nap, NULL);
		waited += 20;
	}
	fe->sock = fd;
	fe->pid = vu_front_peer_pid(fd);
	return 0;
}

int vu_front_spawn(struct vu_front *fe, char *const argv[])
{
	char **args = NULL, fdstr[16];
	int sv[2], rc = 0;
	size_t n = 0;
	pid_t pid;

	while (argv[n])
		n++;
	if (n == 0)
		return vu_front_fail(fe, -EINVAL, "empty back-end command");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vu_front_fail(fe, -errno, "socketpair: %s", strerror(errno));
	snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
	args = calloc(n + 1, sizeof(*args));
	if (!args) {
		rc = vu_front_fail(fe, -ENOMEM, "out of memory");
		goto out;
	}
	/* Build the child's argv before fork: nothing but exec after it. */
	for (size_t i = 0; i < n; i++) {
		const char *a = argv[i], *p = strstr(a, "{fd}");
		size_t len = strlen(a) + sizeof(fdstr);

		args[i] = malloc(len);
		if (!args[i]) {
			rc = vu_front_fail(fe, -ENOMEM, "out of memory");
			goto out;
		}
		if (p)
			snprintf(args[i], len, "%.*s%s%s", (int)(p - a), a, fdstr, p + 4);
		else
			snprintf(args[i], len, "%s", a);
	}
	pid = fork();
	if (pid < 0) {
		rc = vu_front_fail(fe, -errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* Child: the back-end keeps its end across exec. */
		if (fcntl(sv[1], F_SETFD, 0) < 0)
			_exit(127);
		execvp(args[0], args);
		_exit(127);
	}
	fe->sock = sv[0];
	sv[0] = -1;
	fe->pid = pid;
	fe->spawned = true;
out:
	if (args) {
		for (size_t i = 0; i < n; i++)
			free(args[i]);
		free(args);
	}
	closep(&sv[0]);
	closep(&sv[1]);
	return rc;
}

/*
 * Send a request; read its natural reply into *reply when the request has
 * one, else (REPLY_ACK negotiated) ask for and check the ack.
 */
static int vu_front_call(struct vu_front *fe, struct vhost_user_msg *msg, struct vhost_user_msg *reply)
{
	uint32_t req = msg->hdr.request;
	struct vhost_user_msg ack;
	bool want_ack = !reply && (fe->proto_features & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK));
	int rc;

	if (want_ack)
		msg->hdr.flags |= VHOST_USER_FLAG_NEED_REPLY;
	rc = vhost_user_send(fe->sock, msg);
	if (rc < 0)
		return vu_front_fail(fe, rc, "send %s: %s", vhost_user_request_name(req), strerror(-rc));
	if (!reply && !want_ack)
		return 0;
	if (!reply)
		reply = &ack;
	rc = vhost_user_recv(fe->sock, reply);
	if (rc < 0)
		return vu_front_fail(fe, rc, "reply to %s: %s", vhost_user_request_name(req),
				     rc == -ECONNRESET ? "back-end closed the connection" : strerror(-rc));
	rc = vhost_user_msg_validate(reply, VHOST_USER_FROM_FRONTEND);
	if (rc == 0 && (reply->hdr.request != req || !(reply->hdr.flags & VHOST_USER_FLAG_REPLY)))
		rc = -EPROTO;
	if (rc < 0) {
		vhost_user_msg_close_fds(reply);
		return vu_front_fail(fe, rc, "bad reply to %s", vhost_user_request_name(req));
	}
	vhost_user_msg_close_fds(reply);
	if (reply == &ack) {
		if (ack.hdr.size != sizeof(uint64_t) || ack.payload.u64 != 0)
			return vu_front_fail(fe, -EIO, "back-end refused %s", vhost_user_request_name(req));
	}
	return 0;
}

static int vu_front_get_u64(struct vu_front *fe, uint32_t req, uint64_t *ret)
{
	struct vhost_user_msg msg, reply;
	int rc;

	vhost_user_msg_init(&msg, req);
	rc = vu_front_call(fe, &msg, &reply);
	if (rc < 0)
		return rc;
	if (reply.hdr.size != sizeof(uint64_t))
		return vu_front_fail(fe, -EPROTO, "bad %s reply size", vhost_user_request_name(req));
	*ret = reply.payload.u64;
	return 0;
}

static int vu_front_set_u64(struct vu_front *fe, uint32_t req, uint64_t v)
{
	struct vhost_user_msg msg;

	vhost_user_msg_init(&msg, req);
	msg.hdr.size = sizeof(uint64_t);
	msg.payload.u64 = v;
	return vu_front_call(fe, &msg, NULL);
}

static int vu_front_set_state(struct vu_front *fe, uint32_t req, unsigned int idx, unsigned int num)
{
	struct vhost_user_msg msg;

	vhost_user_msg_init(&msg, req);
	msg.hdr.size = sizeof(msg.payload.state);
	msg.payload.state.index = idx;
	msg.payload.state.num = num;
	return vu_front_call(fe, &msg, NULL);
}

static int vu_front_set_fd(struct vu_front *fe, uint32_t req, unsigned int idx, int fd)
{
	struct vhost_user_msg msg;

	vhost_user_msg_init(&msg, req);
	msg.hdr.size = sizeof(uint64_t);
	msg.payload.u64 = idx;
	msg.fds[0] = fd; /* borrowed: the codec only sends it */
	msg.nfds = 1;
	return vu_front_call(fe, &msg, NULL);
}

int vu_front_hello(struct vu_front *fe, uint64_t want_proto)
{
	uint64_t proto = 0, q;
	struct vhost_user_msg msg;
	int rc;

	rc = vu_front_get_u64(fe, VHOST_USER_GET_FEATURES, &fe->dev_features);
	if (rc < 0)
		return rc;
	if (fe->dev_features & VIRTIO_F_PROTOCOL_FEATURES) {
		rc = vu_front_get_u64(fe, VHOST_USER_GET_PROTOCOL_FEATURES, &proto);
		if (rc < 0)
			return rc;
		proto &= want_proto;
		/* Not yet in force: this one is sent without NEED_REPLY. */
		rc = vu_front_set_u64(fe, VHOST_USER_SET_PROTOCOL_FEATURES, proto);
		if (rc < 0)
			return rc;
		fe->proto_features = proto;
	}
	if (proto & (1ull << VHOST_USER_PROTOCOL_F_MQ)) {
		rc = vu_front_get_u64(fe, VHOST_USER_GET_QUEUE_NUM, &q);
		if (rc < 0)
			return rc;
		if (q == 0 || q > VHOST_USER_MAX_QUEUES)
			return vu_front_fail(fe, -EPROTO, "back-end reports %llu queues", (unsigned long long)q);
		fe->max_queues = (unsigned int)q;
	}
	vhost_user_msg_init(&msg, VHOST_USER_SET_OWNER);
	return vu_front_call(fe, &msg, NULL);
}

int vu_front_get_config(struct vu_front *fe, void *buf, uint32_t size)
{
	struct vhost_user_msg msg, reply;
	int rc;

	if (!(fe->proto_features & (1ull << VHOST_USER_PROTOCOL_F_CONFIG)))
		return vu_front_fail(fe, -ENOTSUP, "back-end has no PROTOCOL_F_CONFIG");
	if (size > VHOST_USER_MAX_CONFIG_SIZE)
		return -EINVAL;
	vhost_user_msg_init(&msg, VHOST_USER_GET_CONFIG);
	memset(&msg.payload.config, 0, sizeof(msg.payload.config));
	msg.payload.config.size = size;
	msg.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + size;
	rc = vu_front_call(fe, &msg, &reply);
	if (rc < 0)
		return rc;
	if (reply.hdr.size != VHOST_USER_CONFIG_HDR_SIZE + size || reply.payload.config.size != size)
		return vu_front_fail(fe, -EIO, "GET_CONFIG failed (reply of %u bytes)", reply.hdr.size);
	memcpy(buf, reply.payload.config.region, size);
	return 0;
}

int vu_front_set_features(struct vu_front *fe, uint64_t features)
{
	int rc;

	if (features & ~fe->dev_features)
		return vu_front_fail(fe, -EINVAL, "features %#llx not offered",
				     (unsigned long long)(features & ~fe->dev_features));
	rc = vu_front_set_u64(fe, VHOST_USER_SET_FEATURES, features);
	if (rc == 0)
		fe->features = features;
	return rc;
}

int vu_front_set_mem(struct vu_front *fe, int memfd, void *base, uint64_t size)
{
	struct vhost_user_msg msg;

	vhost_user_msg_init(&msg, VHOST_USER_SET_MEM_TABLE);
	memset(&msg.payload.memory, 0, sizeof(msg.payload.memory));
	msg.payload.memory.nregions = 1;
	msg.payload.memory.regions[0].guest_phys_addr = 0;
	msg.payload.memory.regions[0].memory_size = size;
	msg.payload.memory.regions[0].userspace_addr = (uint64_t)(uintptr_t)base;
	msg.payload.memory.regions[0].mmap_offset = 0;
	msg.hdr.size = 8 + sizeof(struct vhost_user_mem_region);
	msg.fds[0] = memfd;
	msg.nfds = 1;
	return vu_front_call(fe, &msg, NULL);
}

int vu_front_start_vring(struct vu_front *fe, unsigned int idx, const struct vu_front_vring *vr)
{
	struct vhost_user_msg msg;
	int rc;

	rc = vu_front_set_state(fe, VHOST_USER_SET_VRING_NUM, idx, vr->num);
	if (rc == 0)
		rc = vu_front_set_state(fe, VHOST_USER_SET_VRING_BASE, idx, 0);
	if (rc < 0)
		return rc;
	vhost_user_msg_init(&msg, VHOST_USER_SET_VRING_ADDR);
	memset(&msg.payload.addr, 0, sizeof(msg.payload.addr));
	msg.payload.addr.index = idx;
	msg.payload.addr.desc_user_addr = vr->desc_uaddr;
	msg.payload.addr.avail_user_addr = vr->avail_uaddr;
	msg.payload.addr.used_user_addr = vr->used_uaddr;
	msg.hdr.size = sizeof(msg.payload.addr);
	rc = vu_front_call(fe, &msg, NULL);
	if (rc == 0)
		rc = vu_front_set_fd(fe, VHOST_USER_SET_VRING_CALL, idx, vr->call_fd);
	if (rc == 0)
		rc = vu_front_set_fd(fe, VHOST_USER_SET_VRING_KICK, idx, vr->kick_fd);
	if (rc == 0 && (fe->features & VIRTIO_F_PROTOCOL_FEATURES))
		rc = vu_front_set_state(fe, VHOST_USER_SET_VRING_ENABLE, idx, 1);
	return rc;
}

int vu_front_stop_vring(struct vu_front *fe, unsigned int idx, uint32_t *ret_base)
{
	struct vhost_user_msg msg, reply;
	int rc;

	vhost_user_msg_init(&msg, VHOST_USER_GET_VRING_BASE);
	msg.hdr.size = sizeof(msg.payload.state);
	msg.payload.state.index = idx;
	msg.payload.state.num = 0;
	rc = vu_front_call(fe, &msg, &reply);
	if (rc < 0)
		return rc;
	*ret_base = reply.payload.state.num;
	return 0;
}

void vu_front_fini(struct vu_front *fe)
{
	closep(&fe->sock);
	if (fe->spawned && fe->pid > 0) {
		struct timespec nap = { 0, 10 * 1000 * 1000 };
		int status;

		/* Closing the socket ends a well-behaved back-end; give it 2 s, then SIGKILL. */
		for (int i = 0; i < 200; i++) {
			if (waitpid(fe->pid, &status, WNOHANG) == fe->pid)
				goto reaped;
			if (i == 50)
				kill(fe->pid, SIGTERM);
			nanosleep(&nap, NULL);
		}
		kill(fe->pid, SIGKILL);
		waitpid(fe->pid, &status, 0);
	}
reaped:
	fe->pid = 0;
	fe->spawned = false;
}
