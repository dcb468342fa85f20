/* SPDX-License-Identifier: Apache-2.0 */
#include "fake_backend.h"

#include <linux/virtio_config.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/vhost_user/frontend.h"

void fake_init(struct fake_backend *f)
{
	memset(f, 0, sizeof(*f));
	f->sock = -1;
	f->inflight_fd = -1;
	f->backend_fd = -1;
	f->err_fd = -1;
	f->features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES);
	f->protocol = VHOST_USER_FE_PROTOCOL_FEATURES;
	f->queue_num = 4;
	f->max_mem_slots = 32;
	pthread_mutex_init(&f->lock, NULL);
}

static void fake_reply(struct fake_backend *f, struct vhost_user_msg *m, uint32_t size)
{
	m->hdr.flags = VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY;
	m->hdr.size = size;
	if (vhost_user_send(f->sock, m) < 0)
		return;
}

static bool fake_faulty(struct fake_backend *f, uint32_t req)
{
	unsigned int seen = 0;

	if (f->fault == FAKE_OK || req != f->fault_request)
		return false;
	for (unsigned int i = 0; i < f->n; i++)
		seen += f->log[i].hdr.request == req;
	return seen == (f->fault_nth ? f->fault_nth : 1);
}

/* Handle one message; false to stop serving. */
static bool fake_handle(struct fake_backend *f, struct vhost_user_msg *m)
{
	uint32_t req = m->hdr.request;
	bool need_reply = m->hdr.flags & VHOST_USER_FLAG_NEED_REPLY;
	bool natural = true;
	uint32_t size = sizeof(uint64_t);
	struct vhost_user_msg r;

	if (fake_faulty(f, req) && f->fault == FAKE_CLOSE)
		return false;
	vhost_user_msg_init(&r, req);
	switch (req) {
	case VHOST_USER_GET_FEATURES:
		r.payload.u64 = f->features;
		break;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		r.payload.u64 = f->protocol;
		break;
	case VHOST_USER_GET_QUEUE_NUM:
		r.payload.u64 = f->queue_num;
		break;
	case VHOST_USER_GET_MAX_MEM_SLOTS:
		r.payload.u64 = f->max_mem_slots;
		break;
	case VHOST_USER_GET_CONFIG:
		r.payload.config = m->payload.config;
		memcpy(r.payload.config.region, f->config + m->payload.config.offset, m->payload.config.size);
		size = VHOST_USER_CONFIG_HDR_SIZE + m->payload.config.size;
		break;
	case VHOST_USER_GET_VRING_BASE:
		r.payload.state = m->payload.state;
		r.payload.state.num = 7;
		size = sizeof(r.payload.state);
		break;
	case VHOST_USER_GET_INFLIGHT_FD:
		if (f->inflight_fd < 0) {
			struct stat st;

			f->inflight_fd = memfd_create("inflight", MFD_CLOEXEC);
			fstat(f->inflight_fd, &st);
			f->inflight_ino = st.st_ino;
		}
		r.payload.inflight = m->payload.inflight;
		r.payload.inflight.mmap_size = 4096;
		r.payload.inflight.mmap_offset = 0;
		r.fds[0] = f->inflight_fd;
		r.nfds = 1;
		size = sizeof(r.payload.inflight);
		break;
	default:
		natural = false;
		break;
	}
	/* The fds of KICK/CALL: prove which eventfd arrived by writing to it. */
	if ((req == VHOST_USER_SET_VRING_KICK || req == VHOST_USER_SET_VRING_CALL) && m->nfds == 1)
		(void)eventfd_write(m->fds[0], (req == VHOST_USER_SET_VRING_KICK ? 100 : 1000) +
						       (m->payload.u64 & VHOST_USER_VRING_IDX_MASK));
	/* Keep the channel and the err eventfd: tests send and signal through them. */
	if (req == VHOST_USER_SET_BACKEND_REQ_FD && m->nfds == 1 && f->backend_fd < 0)
		f->backend_fd = dup(m->fds[0]);
	if (req == VHOST_USER_SET_VRING_ERR && m->nfds == 1) {
		if (f->err_fd >= 0)
			close(f->err_fd);
		f->err_fd = dup(m->fds[0]);
	}
	if (!natural && !need_reply)
		return true;
	if (!natural)
		r.payload.u64 = 0;
	if (fake_faulty(f, req)) {
		switch (f->fault) {
		case FAKE_WRONG_ID:
			r.hdr.request = req == VHOST_USER_GET_FEATURES ? VHOST_USER_GET_QUEUE_NUM
								      : VHOST_USER_GET_FEATURES;
			break;
		case FAKE_SHORT:
			size = 4;
			r.nfds = 0;
			break;
		case FAKE_NACK:
			r.payload.u64 = 1;
			size = sizeof(uint64_t);
			break;
		case FAKE_NO_REPLY_FLAG:
			r.hdr.size = size;
			return vhost_user_send(f->sock, &r) == 0;
		default:
			break;
		}
	}
	fake_reply(f, &r, size);
	return true;
}

static void *fake_thread(void *arg)
{
	struct fake_backend *f = arg;
	struct vhost_user_msg m;

	for (;;) {
		bool go_on;

		if (vhost_user_recv(f->sock, &m) < 0)
			break;
		pthread_mutex_lock(&f->lock);
		if (vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND) < 0)
			f->protocol_error = true;
		if (f->n < FAKE_MAX_LOG) {
			struct fake_entry *e = &f->log[f->n++];

			e->hdr = m.hdr;
			e->payload = m.payload;
			e->nfds = m.nfds;
			for (unsigned int i = 0; i < m.nfds; i++) {
				struct stat st;

				e->ino[i] = fstat(m.fds[i], &st) == 0 ? st.st_ino : 0;
			}
		}
		go_on = fake_handle(f, &m);
		pthread_mutex_unlock(&f->lock);
		vhost_user_msg_close_fds(&m);
		if (!go_on)
			break;
	}
	close(f->sock);
	f->sock = -1;
	return NULL;
}

void fake_start(struct fake_backend *f, int sock)
{
	f->sock = sock;
	pthread_create(&f->thread, NULL, fake_thread, f);
}

void fake_join(struct fake_backend *f)
{
	pthread_join(f->thread, NULL);
	if (f->inflight_fd >= 0)
		close(f->inflight_fd);
	f->inflight_fd = -1;
	if (f->backend_fd >= 0)
		close(f->backend_fd);
	f->backend_fd = -1;
	if (f->err_fd >= 0)
		close(f->err_fd);
	f->err_fd = -1;
}

int fake_find(struct fake_backend *f, uint32_t req, unsigned int from)
{
	for (unsigned int i = from; i < f->n; i++) {
		if (f->log[i].hdr.request == req)
			return (int)i;
	}
	return -1;
}
