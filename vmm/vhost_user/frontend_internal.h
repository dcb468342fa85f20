/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to vmm/vhost_user/frontend*.c: the front-end's state, shared by
 * the control path (frontend.c) and the main-loop side (frontend_events.c:
 * backend request channel, broken-ring eventfd).
 */
#ifndef CNH_VMM_VHOST_USER_FRONTEND_INTERNAL_H
#define CNH_VMM_VHOST_USER_FRONTEND_INTERNAL_H

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>

#include "vmm/vhost_user/frontend.h"

#define FE_TAG "vhost-user"

/* VIRTIO_CONFIG_S_*: the status the driver has reached when activate() runs. */
#define FE_STATUS_DRIVER_OK \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | \
	 VIRTIO_CONFIG_S_DRIVER_OK)

struct vhost_user_fe {
	struct virtio_dev dev;
	const struct vhost_user_fe_type *type;
	char name[32];
	pthread_mutex_t lock; /* serializes every request/reply exchange */
	int sock;
	atomic_bool broken;
	atomic_bool logged;

	uint64_t backend_features; /* GET_FEATURES, raw */
	uint64_t offered;          /* what get_features() returns */
	uint64_t vmm_only;         /* offered bits the back-end did not offer (never sent to it) */
	const void *type_arg;
	uint64_t driver_features;  /* set_features() */
	uint64_t protocol;         /* negotiated protocol features */
	uint64_t max_mem_slots;    /* GET_MAX_MEM_SLOTS, or VHOST_USER_MEM_REGIONS */
	uint16_t backend_queues;

	uint8_t config[VHOST_USER_MAX_CONFIG_SIZE];
	bool config_valid;

	bool active;
	uint64_t started; /* bit per queue index that got SET_VRING_KICK */
	int inflight_fd;

	/* frontend_events.c: main loop only (created and freed there too) */
	struct ev_loop *loop;
	struct vhost_user_fe_notify notify;
	int req_fd;         /* our end of the backend request channel; -1: none */
	ev_io req_watch;
	int err_fd;         /* eventfd every started queue gets with SET_VRING_ERR; -1: none */
	ev_io err_watch;
	atomic_bool req_open;
	bool req_logged;    /* a bad backend message was logged */
	bool err_logged;    /* a broken ring was logged */
};

static inline bool fe_has(const struct vhost_user_fe *fe, unsigned int pf)
{
	return fe->protocol & (1ULL << pf);
}

/*
 * With a loop: create the err eventfd and start watching it. Before the
 * handshake; 0 or -errno.
 */
int fe_events_init(struct vhost_user_fe *fe, const struct vhost_user_fe_params *p) __must_check;
/*
 * After SET_PROTOCOL_FEATURES, lock held: create the channel and send
 * SET_BACKEND_REQ_FD when BACKEND_REQ was negotiated. Returns -EIO when
 * the device broke; a refused channel is just not watched.
 */
int fe_events_backend_channel(struct vhost_user_fe *fe) __must_check;
/* Stop the watchers and close the fds. Half-built fe too. */
void fe_events_fini(struct vhost_user_fe *fe);

/* frontend.c: one request (and its reply or ack); lock held. */
int fe_request(struct vhost_user_fe *fe, struct vhost_user_msg *msg, struct vhost_user_msg *reply);

#endif
