/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM's vhost-user front-end against a hostile back-end: every byte the
 * back-end sends (handshake replies, GET_CONFIG, acks, GET_VRING_BASE, and
 * requests on the backend request channel) comes from the input. The
 * front-end must refuse or mark the device broken, never crash, leak or
 * hang (replies are read with a timeout; the input is all there is).
 *
 * Input: [type][flags][chan_len][chan bytes...][reply stream...]
 *   type      which device type's callbacks run (blk, net, rng, ...)
 *   flags     bit 0: activate one queue after the handshake; bit 1: also
 *             a second queue; bit 2: write the config space back
 *   chan_len  bytes of the input fed to the backend request channel (if
 *             the front-end opened one), the rest is the reply stream
 */
#include <ev.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/memory.h"
#include "vmm/vhost_user/blk.h"
#include "vmm/vhost_user/console.h"
#include "vmm/vhost_user/frontend.h"
#include "vmm/vhost_user/fs.h"
#include "vmm/vhost_user/net.h"
#include "vmm/vhost_user/pmem.h"
#include "vmm/vhost_user/rng.h"
#include "vmm/vhost_user/vsock.h"

#define FZ_RAM (2u << 20) /* gm_init's minimum */

static const struct vhost_user_fe_type *const fz_types[] = {
	&vhost_user_blk_type,  &vhost_user_net_type,   &vhost_user_rng_type,  &vhost_user_console_type,
	&vhost_user_fs_type,   &vhost_user_vsock_type, &vhost_user_pmem_type,
};

static struct vhost_user_net_arg fz_net = { .mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };
static struct vhost_user_fs_arg fz_fs = { .tag = "fuzz" };
static struct vhost_user_vsock_arg fz_vsock = { .cid = 3 };
static struct vhost_user_pmem_arg fz_pmem = { .start = 1ull << 32, .size = 2u << 20 };

static const void *fz_arg(const struct vhost_user_fe_type *t)
{
	if (t == &vhost_user_net_type)
		return &fz_net;
	if (t == &vhost_user_fs_type)
		return &fz_fs;
	if (t == &vhost_user_vsock_type)
		return &fz_vsock;
	if (t == &vhost_user_pmem_type)
		return &fz_pmem;
	return NULL;
}

/* Find the backend request channel the front-end sent (SET_BACKEND_REQ_FD) among its requests. */
static int fz_take_channel(int sock)
{
	int found = -1;

	for (;;) {
		struct vhost_user_msg m;

		if (vhost_user_recv(sock, &m) < 0)
			break;
		if (m.hdr.request == VHOST_USER_SET_BACKEND_REQ_FD && m.nfds == 1 && found < 0) {
			found = m.fds[0];
			m.nfds = 0;
		}
		vhost_user_msg_close_fds(&m);
	}
	return found;
}

/* Run the loop until it has nothing more to do now (the channel's bytes are consumed). */
static void fz_run_loop(struct ev_loop *loop)
{
	for (int i = 0; i < 8; i++)
		ev_run(loop, EVRUN_NOWAIT);
}

static void fz_activate(struct virtio_dev *dev, const struct guest_mem *gm, unsigned int nq)
{
	struct virtio_queue_state q[2];
	int fds[4];

	memset(q, 0, sizeof(q));
	for (unsigned int i = 0; i < 4; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (unsigned int i = 0; i < nq; i++) {
		q[i].enabled = true;
		q[i].size = MIN(dev->queue_max_size, 16);
		q[i].desc = 0x10000 + i * 0x1000;
		q[i].avail = q[i].desc + 0x400;
		q[i].used = q[i].desc + 0x800;
		q[i].kick_fd = fds[2 * i];
		q[i].call_fd = fds[2 * i + 1];
	}
	if (dev->ops->set_features(dev, dev->ops->get_features(dev)) == 0)
		fuzz_ignore(dev->ops->activate(dev, gm, q, MIN(nq, dev->num_queues)));
	dev->ops->reset(dev);
	for (unsigned int i = 0; i < 4; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem gm;
	static bool gm_ready;
	const struct vhost_user_fe_type *type;
	struct vhost_user_fe_params p;
	struct vhost_user_fe *fe = NULL;
	struct ev_loop *loop;
	const uint8_t *chan, *stream;
	size_t chan_len, stream_len;
	uint8_t flags, cfg[VHOST_USER_MAX_CONFIG_SIZE];
	char err[256];
	int sv[2], chan_fd;

	if (size < 4)
		return 0;
	if (!gm_ready) {
		if (gm_init(&gm, FZ_RAM, false) < 0)
			return 0;
		gm_ready = true;
	}
	type = fz_types[data[0] % ARRAY_SIZE(fz_types)];
	flags = data[1];
	chan_len = MIN((size_t)(data[2] | data[3] << 8), size - 4);
	chan = data + 4;
	stream = chan + chan_len;
	stream_len = MIN(size - 4 - chan_len, (size_t)65536);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	/* The whole reply stream is queued up front; EOF after it. */
	if (stream_len && write(sv[0], stream, stream_len) != (ssize_t)stream_len) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[0], SHUT_WR);
	loop = ev_loop_new(EVFLAG_AUTO);
	memset(&p, 0, sizeof(p));
	p.name = "fuzz0";
	p.type = type;
	p.type_arg = fz_arg(type);
	p.max_queues = type == &vhost_user_fs_type ? 2 : 1;
	p.queue_size = 256;
	p.timeout_ms = 50;
	p.loop = loop;
	if (type == &vhost_user_net_type)
		p.vmm_features = vhost_user_net_vmm_features(&fz_net);

	if (vhost_user_fe_new_fd(sv[1], &p, &fe, err, sizeof(err)) == 0) {
		struct virtio_dev *dev = vhost_user_fe_dev(fe);

		fcntl(sv[0], F_SETFL, O_NONBLOCK);
		chan_fd = fz_take_channel(sv[0]);
		if (chan_fd >= 0) {
			if (chan_len)
				fuzz_ignore((int)write(chan_fd, chan, chan_len));
			shutdown(chan_fd, SHUT_WR);
			fz_run_loop(loop);
		}
		if (dev->config_size <= sizeof(cfg)) {
			dev->ops->config_read(dev, 0, cfg, dev->config_size);
			if (flags & 4)
				dev->ops->config_write(dev, 0, cfg, dev->config_size);
		}
		if (flags & 1)
			fz_activate(dev, &gm, flags & 2 ? 2 : 1);
		fz_run_loop(loop);
		vhost_user_fe_free(fe);
		if (chan_fd >= 0)
			close(chan_fd);
	}
	ev_loop_destroy(loop);
	close(sv[0]);
	return 0;
}
