/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vhost-user back-end library: one front-end connection, its message
 * dispatch, memory table and virtqueues (QEMU docs/interop/vhost-user.rst).
 *
 * The library does not own the event loop. The daemon embeds a struct
 * vu_dev in its device struct (container_of in the hooks), gives it
 * watch callbacks (vu_ev.h adapts libev), watches the socket and calls
 * vu_dispatch() whenever it is readable; a negative return means: drop the
 * connection (vu_dev_fini()). vu_main.h does all of that for a daemon.
 *
 *	struct blk { struct vu_dev vu; ... };
 *	static const struct vu_dev_ops blk_ops = { .get_features = ..., ... };
 *	r = vu_dev_init(&b->vu, &blk_ops, 1, 1024, sock);
 *
 * Queue life cycle (control thread): a queue starts when its kick fd
 * arrives (SET_VRING_KICK, NOFD included) and, once
 * VHOST_USER_F_PROTOCOL_FEATURES is negotiated, it is also enabled
 * (SET_VRING_ENABLE 1). Then ops->queue_start(dev, qidx) is called; if the
 * device has ops->queue_kick, the library also watches the kick fd and calls
 * queue_kick on the control loop. It stops on GET_VRING_BASE, disable,
 * RESET_DEVICE, disconnect, and around any change the running queue must
 * not see (memory table, ring addresses, call/kick fd, features): the
 * library calls ops->queue_stop(dev, qidx), changes things, and calls
 * queue_start again.
 */
#ifndef CNH_VHOST_USER_LIB_VU_H
#define CNH_VHOST_USER_LIB_VU_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ratelimit.h"
#include "common/util.h"
#include "ipc/vhost_user.h"
#include "vhost-user/lib/virtq.h"
#include "vhost-user/lib/vu_mem.h"

struct vu_dev;

/* Events for watch_fd. */
#define VU_WATCH_IN 1u
#define VU_WATCH_OUT 2u

typedef void (*vu_watch_cb)(struct vu_dev *dev, int fd, unsigned int events, void *opaque);

/* How the library asks the daemon's loop to watch fds (vu_ev.h for libev). */
struct vu_watch_ops {
	/* Watch fd (not taken) until unwatch_fd; one watch per fd. 0 or -errno. */
	int (*watch_fd)(struct vu_dev *dev, int fd, unsigned int events, vu_watch_cb cb, void *opaque);
	void (*unwatch_fd)(struct vu_dev *dev, int fd);
};

/*
 * Device hooks, a const table per device type. Everything is called on the
 * control thread. Only get_features is required.
 */
struct vu_dev_ops {
	/* Virtio feature bits the device offers (the library adds
	 * VERSION_1, EVENT_IDX, INDIRECT_DESC and PROTOCOL_FEATURES). */
	uint64_t (*get_features)(struct vu_dev *dev);
	/* Features the driver accepted (a subset of what was offered). 0 or -errno. */
	int (*set_features)(struct vu_dev *dev, uint64_t features);
	/* Mask of protocol features the device allows (default: all the
	 * library implements; CONFIG only when get_config is set). */
	uint64_t (*get_protocol_features)(struct vu_dev *dev);
	/* Config space: copy len bytes at offset (offset + len <= 256). 0 or -errno. */
	int (*get_config)(struct vu_dev *dev, uint8_t *buf, uint32_t offset, uint32_t len);
	int (*set_config)(struct vu_dev *dev, const uint8_t *buf, uint32_t offset, uint32_t len,
			  uint32_t flags);
	/* The queue runs: its rings are mapped (vu_dev_queue()). 0 or -errno
	 * (the queue then stays stopped and the request fails). */
	int (*queue_start)(struct vu_dev *dev, unsigned int qidx);
	/* Must not return until the device stopped touching the queue. */
	void (*queue_stop)(struct vu_dev *dev, unsigned int qidx);
	/* The kick fd fired (already drained) for a queue run on the control loop. */
	void (*queue_kick)(struct vu_dev *dev, unsigned int qidx);
	/* RESET_DEVICE / RESET_OWNER, after every queue stopped. */
	void (*reset)(struct vu_dev *dev);
	/* SET_STATUS with the virtio device status byte. Optional. */
	void (*set_status)(struct vu_dev *dev, uint8_t status);
};

/* Per-queue protocol state around the ring. */
struct vu_queue {
	struct vu_virtq vq;
	bool started;  /* kick fd received, not stopped by GET_VRING_BASE */
	bool enabled;  /* SET_VRING_ENABLE */
	bool running;  /* queue_start called and not yet queue_stop */
	bool watched;  /* kick fd watched for queue_kick */
};

struct vu_dev {
	const struct vu_dev_ops *ops;
	const struct vu_watch_ops *watch;
	void *watch_ctx;
	int sock;                  /* owned; -1 after fini */
	unsigned int num_queues;
	uint16_t max_queue_size;
	struct vu_queue *queues;   /* num_queues */
	uint64_t features;         /* acked virtio features */
	uint64_t protocol_features; /* acked protocol features */
	bool features_set;
	bool owned;
	uint8_t status;
	int backend_fd;            /* SET_BACKEND_REQ_FD channel (vu_backend.h); -1 = none */
	struct vu_mem mem;
	struct ratelimit rl;
};

/*
 * Set up dev for one front-end connection on sock (taken: closed by
 * vu_dev_fini, also on failure). num_queues 1..VHOST_USER_MAX_QUEUES,
 * max_queue_size a power of two up to VIRTQ_MAX_SIZE. 0 or -errno.
 */
int vu_dev_init(struct vu_dev *dev, const struct vu_dev_ops *ops, unsigned int num_queues,
		uint16_t max_queue_size, int sock) __must_check;
/* Stop every queue, unmap memory, close every fd. Accepts a zeroed or half-built dev. */
void vu_dev_fini(struct vu_dev *dev);
/* Install the loop adapter (before the first vu_dispatch). */
void vu_dev_set_watch(struct vu_dev *dev, const struct vu_watch_ops *watch, void *ctx);

/*
 * Read one message from the socket (blocking until it is whole), run its
 * handler and send any reply. 0, or negative: drop the connection
 * (-ECONNRESET when the front-end closed it).
 */
int vu_dispatch(struct vu_dev *dev) __must_check;

static inline struct vu_virtq *vu_dev_queue(struct vu_dev *dev, unsigned int qidx)
{
	return qidx < dev->num_queues ? &dev->queues[qidx].vq : NULL;
}

static inline bool vu_dev_has_feature(const struct vu_dev *dev, unsigned int bit)
{
	return dev->features & (1ULL << bit);
}

/* Library-implemented protocol features (before the device's mask). */
#define VU_PROTOCOL_FEATURES                                                          \
	((1ULL << VHOST_USER_PROTOCOL_F_MQ) | (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	 (1ULL << VHOST_USER_PROTOCOL_F_CONFIG) | (1ULL << VHOST_USER_PROTOCOL_F_RESET_DEVICE) | \
	 (1ULL << VHOST_USER_PROTOCOL_F_STATUS) |                                      \
	 (1ULL << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |                          \
	 (1ULL << VHOST_USER_PROTOCOL_F_BACKEND_REQ))

/* Virtio features the library adds to the device's. */
#define VU_LIB_FEATURES                                                              \
	((1ULL << VIRTQ_F_VERSION_1) | (1ULL << VIRTQ_F_EVENT_IDX) |                  \
	 (1ULL << VIRTQ_F_INDIRECT_DESC) | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES))

#endif
