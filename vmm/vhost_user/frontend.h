/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A vhost-user front-end: one virtio device served by a back-end process
 * over one unix socket (QEMU docs/interop/vhost-user.rst). It implements
 * struct virtio_dev_ops (vmm/virtio/virtio_dev.h) for the virtio-pci
 * transport. The control path is blocking request/reply under a lock, so the
 * transport may call from vCPU threads; every reply is validated
 * (vhost_user_msg_validate) and matched to its request.
 *
 * A peer that disconnects, times out or sends anything unexpected marks the
 * device broken: it is logged once, activate() returns -EIO from then on
 * (the transport sets DEVICE_NEEDS_RESET), and nothing is sent any more.
 *
 * Given the VMM's main loop (params.loop), the back-end may also speak
 * first (frontend_events.c): CONFIG_CHANGE_MSG on the backend request
 * channel, and the err eventfd of SET_VRING_ERR when it stops a broken
 * ring; both reach the VMM through params.notify on that loop.
 */
#ifndef CNH_VMM_VHOST_USER_FRONTEND_H
#define CNH_VMM_VHOST_USER_FRONTEND_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "ipc/vhost_user.h"
#include "vmm/virtio/virtio_dev.h"

struct vhost_user_fe;

/* What the back-end tells the VMM outside of request/reply. */
enum vhost_user_fe_event {
	VHOST_USER_FE_CONFIG_CHANGED, /* BACKEND_CONFIG_CHANGE_MSG: cache dropped, tell the guest */
	VHOST_USER_FE_NEEDS_RESET,    /* a queue's err eventfd fired: the back-end stopped a broken ring */
};

/* Called on the loop's thread; dev is the front-end's device. */
typedef void vhost_user_fe_notify_fn(void *opaque, struct virtio_dev *dev, enum vhost_user_fe_event ev);

struct vhost_user_fe_notify {
	vhost_user_fe_notify_fn *fn;
	void *opaque;
};

/* What a device type (block, net, ...) decides; one const instance per type. */
struct vhost_user_fe_type {
	const char *name;      /* "block" */
	uint16_t device_id;    /* virtio device id */
	uint32_t config_size;  /* largest config space, <= VHOST_USER_MAX_CONFIG_SIZE */
	/*
	 * Config bytes present with the offered features (the spec guards
	 * trailing fields by features; back-ends refuse a GET_CONFIG beyond
	 * them). NULL: always config_size. Result capped at config_size.
	 */
	uint32_t (*config_size_for)(uint64_t features);
	uint64_t device_features; /* device-specific feature bits we may offer */
	/* Drop offered bits whose dependencies are missing (may be NULL). */
	uint64_t (*features_fixup)(uint64_t offered);
	bool need_config;      /* refuse back-ends without PROTOCOL_F_CONFIG */
	/*
	 * Queues to expose, given the back-end's config space (zeroes without
	 * PROTOCOL_F_CONFIG), its feature bits, its GET_QUEUE_NUM (1 without
	 * PROTOCOL_F_MQ) and the user's bound. 0 refuses the back-end.
	 */
	uint16_t (*num_queues)(const uint8_t *config, uint64_t backend_features,
			       uint16_t backend_queues, uint16_t user_max);
	/*
	 * Adjust the back-end's config space (zeroes without PROTOCOL_F_CONFIG)
	 * to what the guest sees; arg is the device's params.type_arg. May be NULL.
	 */
	void (*config_fixup)(uint8_t *config, uint64_t features, uint16_t num_queues, const void *arg);
};

struct vhost_user_fe_params {
	const char *name;   /* for logs: "disk0"; copied */
	const struct vhost_user_fe_type *type;
	uint16_t max_queues; /* user's num_queues bound, >= 1 */
	uint16_t queue_size; /* queue_max_size offered to the driver, power of two */
	unsigned int timeout_ms; /* per reply; 0: VHOST_USER_FE_TIMEOUT_MS */
	/* Per-device data for the type's callbacks (MAC, tag, cid...); must outlive the front-end. */
	const void *type_arg;
	/*
	 * Feature bits the VMM implements itself (config fields it fills, e.g.
	 * VIRTIO_NET_F_MAC): offered to the guest whatever the back-end says,
	 * and sent to the back-end in SET_FEATURES only if it offered them.
	 */
	uint64_t vmm_features;
	/*
	 * The VMM's main loop. With a loop, the front-end offers
	 * PROTOCOL_F_BACKEND_REQ and watches the backend request channel
	 * (SET_BACKEND_REQ_FD), and hands every started queue an err eventfd
	 * (SET_VRING_ERR), both watched here; events go to notify.fn (may be
	 * NULL). NULL loop: neither is set up. Create and free the front-end on
	 * the loop's thread.
	 */
	struct ev_loop *loop;
	struct vhost_user_fe_notify notify;
};

#define VHOST_USER_FE_TIMEOUT_MS 10000

/* Protocol features cnh negotiates when offered. */
#define VHOST_USER_FE_PROTOCOL_FEATURES                                                        \
	((1ULL << VHOST_USER_PROTOCOL_F_MQ) | (1ULL << VHOST_USER_PROTOCOL_F_LOG_SHMFD) |          \
	 (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | (1ULL << VHOST_USER_PROTOCOL_F_CONFIG) |     \
	 (1ULL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) |                                         \
	 (1ULL << VHOST_USER_PROTOCOL_F_RESET_DEVICE) |                                           \
	 (1ULL << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) | (1ULL << VHOST_USER_PROTOCOL_F_STATUS))

/*
 * Take over a connected SOCK_STREAM unix socket (the fd is owned from the
 * call on, closed on failure too) and run the handshake: GET_FEATURES,
 * GET/SET_PROTOCOL_FEATURES, SET_OWNER, GET_QUEUE_NUM, GET_MAX_MEM_SLOTS,
 * SET_BACKEND_REQ_FD (with a loop and BACKEND_REQ), GET_CONFIG. err gets a
 * one-line reason on failure.
 */
int vhost_user_fe_new_fd(int fd, const struct vhost_user_fe_params *p, struct vhost_user_fe **ret,
			 char *err, size_t errlen) __must_check;
/* Connect to a back-end listening on a unix socket path, then as above. */
int vhost_user_fe_connect(const char *path, const struct vhost_user_fe_params *p,
			  struct vhost_user_fe **ret, char *err, size_t errlen) __must_check;
/* Close the connection (the back-end sees EOF). Accepts NULL. */
void vhost_user_fe_free(struct vhost_user_fe *fe);

/* The device the transport drives; lives as long as fe. */
struct virtio_dev *vhost_user_fe_dev(struct vhost_user_fe *fe);
struct vhost_user_fe *vhost_user_fe_from_dev(struct virtio_dev *dev);

/*
 * Mark the device broken from any thread (e.g. its daemon exited): logged
 * once, the socket is shut down so a blocked request returns at once.
 */
void vhost_user_fe_mark_broken(struct vhost_user_fe *fe, const char *why);
bool vhost_user_fe_is_broken(const struct vhost_user_fe *fe);
/* The type_arg changed (e.g. a pmem window was placed): the next config read re-applies the fixup. */
void vhost_user_fe_config_invalidate(struct vhost_user_fe *fe);

/*
 * True while the backend request channel is open (it closes on a
 * malformed or unsupported message, or when the back-end hangs it up;
 * the device keeps working).
 */
bool vhost_user_fe_backend_channel_open(const struct vhost_user_fe *fe);

/* Negotiated protocol features and the back-end's raw feature bits (tests, logs). */
uint64_t vhost_user_fe_protocol_features(const struct vhost_user_fe *fe);
uint64_t vhost_user_fe_backend_features(const struct vhost_user_fe *fe);

/*
 * Virtio feature bits the transport/ring side can carry, whatever the
 * device: VERSION_1, INDIRECT_DESC, EVENT_IDX, IN_ORDER. Never
 * ACCESS_PLATFORM (no vIOMMU, no IOTLB), RING_PACKED (the transport hands
 * over split rings), NOTIFICATION_DATA (an ioeventfd drops the data),
 * RING_RESET (no per-queue reset in the transport), LOG_ALL, or legacy bits.
 */
uint64_t vhost_user_fe_transport_features(void);

#endif
