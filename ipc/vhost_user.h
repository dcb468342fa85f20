/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vhost-user wire format (QEMU docs/interop/vhost-user.rst), shared by
 * cnh's front-end (vmm/vhost_user/) and the back-end library
 * (vhost-user/lib/). The codec validates every message against a per-request
 * table (payload size, fd count) before anyone looks at its contents; a
 * peer can send anything and get -EPROTO, never a crash.
 */
#ifndef CNH_IPC_VHOST_USER_H
#define CNH_IPC_VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

/* Front-end -> back-end requests. */
enum vhost_user_request {
	VHOST_USER_NONE = 0,
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_SEND_RARP = 19,
	VHOST_USER_NET_SET_MTU = 20,
	VHOST_USER_SET_BACKEND_REQ_FD = 21,
	VHOST_USER_IOTLB_MSG = 22,
	VHOST_USER_SET_VRING_ENDIAN = 23,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_CREATE_CRYPTO_SESSION = 26,
	VHOST_USER_CLOSE_CRYPTO_SESSION = 27,
	VHOST_USER_POSTCOPY_ADVISE = 28,
	VHOST_USER_POSTCOPY_LISTEN = 29,
	VHOST_USER_POSTCOPY_END = 30,
	VHOST_USER_GET_INFLIGHT_FD = 31,
	VHOST_USER_SET_INFLIGHT_FD = 32,
	VHOST_USER_GPU_SET_SOCKET = 33,
	VHOST_USER_RESET_DEVICE = 34,
	VHOST_USER_VRING_KICK = 35,
	VHOST_USER_GET_MAX_MEM_SLOTS = 36,
	VHOST_USER_ADD_MEM_REG = 37,
	VHOST_USER_REM_MEM_REG = 38,
	VHOST_USER_SET_STATUS = 39,
	VHOST_USER_GET_STATUS = 40,
	VHOST_USER_REQUEST_MAX,
};

/* Back-end -> front-end requests (on the backend request channel). */
enum vhost_user_backend_request {
	VHOST_USER_BACKEND_NONE = 0,
	VHOST_USER_BACKEND_IOTLB_MSG = 1,
	VHOST_USER_BACKEND_CONFIG_CHANGE_MSG = 2,
	VHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG = 3,
	VHOST_USER_BACKEND_VRING_CALL = 4,
	VHOST_USER_BACKEND_VRING_ERR = 5,
	VHOST_USER_BACKEND_REQUEST_MAX,
};

/* Virtio feature bit that enables the protocol features. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

enum vhost_user_protocol_feature {
	VHOST_USER_PROTOCOL_F_MQ = 0,
	VHOST_USER_PROTOCOL_F_LOG_SHMFD = 1,
	VHOST_USER_PROTOCOL_F_RARP = 2,
	VHOST_USER_PROTOCOL_F_REPLY_ACK = 3,
	VHOST_USER_PROTOCOL_F_NET_MTU = 4,
	VHOST_USER_PROTOCOL_F_BACKEND_REQ = 5,
	VHOST_USER_PROTOCOL_F_CROSS_ENDIAN = 6,
	VHOST_USER_PROTOCOL_F_CRYPTO_SESSION = 7,
	VHOST_USER_PROTOCOL_F_PAGEFAULT = 8,
	VHOST_USER_PROTOCOL_F_CONFIG = 9,
	VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD = 10,
	VHOST_USER_PROTOCOL_F_HOST_NOTIFIER = 11,
	VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD = 12,
	VHOST_USER_PROTOCOL_F_RESET_DEVICE = 13,
	VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS = 14,
	VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS = 15,
	VHOST_USER_PROTOCOL_F_STATUS = 16,
};

/* Header flags. */
#define VHOST_USER_VERSION 0x1u
#define VHOST_USER_VERSION_MASK 0x3u
#define VHOST_USER_FLAG_REPLY (1u << 2)
#define VHOST_USER_FLAG_NEED_REPLY (1u << 3)

/* u64 payload of SET_VRING_KICK/CALL/ERR. */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD_MASK (1u << 8)

#define VHOST_USER_MAX_FDS 8
#define VHOST_USER_MEM_REGIONS 8 /* SET_MEM_TABLE baseline */
#define VHOST_USER_MAX_CONFIG_SIZE 256
#define VHOST_USER_MAX_QUEUES 256

struct vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* payload bytes following the header */
} __packed;

struct vhost_user_vring_state {
	uint32_t index;
	uint32_t num;
} __packed;

#define VHOST_VRING_F_LOG 0
struct vhost_user_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
} __packed;

struct vhost_user_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr; /* the front-end's virtual address: vring addresses use it */
	uint64_t mmap_offset;
} __packed;

struct vhost_user_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_mem_region regions[VHOST_USER_MEM_REGIONS];
} __packed;

struct vhost_user_mem_single {
	uint64_t padding;
	struct vhost_user_mem_region region;
} __packed;

struct vhost_user_log {
	uint64_t mmap_size;
	uint64_t mmap_offset;
} __packed;

#define VHOST_USER_CONFIG_HDR_SIZE 12
struct vhost_user_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VHOST_USER_MAX_CONFIG_SIZE];
} __packed;

/* 24 bytes on the wire: QEMU sends its naturally padded struct. */
struct vhost_user_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint32_t padding;
} __packed;

struct vhost_user_vring_area {
	uint64_t u64;
	uint64_t size;
	uint64_t offset;
} __packed;

union vhost_user_payload {
	uint64_t u64;
	struct vhost_user_vring_state state;
	struct vhost_user_vring_addr addr;
	struct vhost_user_memory memory;
	struct vhost_user_mem_single mem_reg;
	struct vhost_user_log log;
	struct vhost_user_config config;
	struct vhost_user_inflight inflight;
	struct vhost_user_vring_area area;
	uint8_t raw[VHOST_USER_CONFIG_HDR_SIZE + VHOST_USER_MAX_CONFIG_SIZE];
};

#define VHOST_USER_MAX_PAYLOAD sizeof(union vhost_user_payload)

/* A message with the fds that came with it (-1 in unused slots). */
struct vhost_user_msg {
	struct vhost_user_hdr hdr;
	union vhost_user_payload payload;
	int fds[VHOST_USER_MAX_FDS];
	unsigned int nfds;
};

/* Who sends a message: decides which request table validates it. */
enum vhost_user_dir {
	VHOST_USER_FROM_FRONTEND, /* requests to a back-end and replies to a front-end's backend channel */
	VHOST_USER_FROM_BACKEND,  /* requests on the backend request channel */
};

/* Human name of a request ("SET_MEM_TABLE"), "UNKNOWN" if out of range. */
const char *vhost_user_request_name(uint32_t request);
const char *vhost_user_backend_request_name(uint32_t request);

/*
 * Check a received message against the request table: known request id,
 * version 1, payload size as the request requires (exact, minimum or
 * bounded), fd count allowed, config/memory sub-lengths consistent.
 * Replies (FLAG_REPLY) are checked against the reply format of the request.
 * Returns 0 or -EPROTO.
 */
int vhost_user_msg_validate(const struct vhost_user_msg *msg, enum vhost_user_dir dir) __must_check;

/* Initialize a message: fds -1, version flag, request set, size 0. */
void vhost_user_msg_init(struct vhost_user_msg *msg, uint32_t request);
/* Close every fd the message still holds. */
void vhost_user_msg_close_fds(struct vhost_user_msg *msg);

/*
 * Send header + hdr.size payload bytes and msg->nfds fds (SCM_RIGHTS) on a
 * connected SOCK_STREAM unix socket. Blocking, EINTR-safe. 0 or -errno.
 */
int vhost_user_send(int sock, const struct vhost_user_msg *msg) __must_check;
/*
 * Receive one message: the header (with any fds), then the payload. A
 * payload larger than VHOST_USER_MAX_PAYLOAD, more fds than
 * VHOST_USER_MAX_FDS (extras are closed) or EOF mid-message is an error.
 * Does not validate the contents: call vhost_user_msg_validate(). Returns 0,
 * -ECONNRESET on orderly EOF before a header, or -errno/-EPROTO.
 */
int vhost_user_recv(int sock, struct vhost_user_msg *msg) __must_check;

#endif
