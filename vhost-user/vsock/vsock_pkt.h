/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock packets (virtio 1.2, 5.10): the 44-byte header, its
 * operations, and the checks every packet from the guest goes through.
 *
 * vsock_pkt_parse() turns a tx chain's device-readable buffers into a header
 * plus the payload position, and says what to do with it: accept, drop
 * silently, or answer with RST. It trusts nothing: the len field against the
 * bytes actually in the chain and against VSOCK_PKT_MAX_PAYLOAD, the type,
 * the op, the source and destination CIDs.
 */
#ifndef CNH_VSOCK_PKT_H
#define CNH_VSOCK_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/util.h"

#define VSOCK_HOST_CID 2
#define VSOCK_TYPE_STREAM 1

enum vsock_op {
	VSOCK_OP_INVALID = 0,
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};

#define VSOCK_SHUTDOWN_RCV 1u  /* the sender will receive no more */
#define VSOCK_SHUTDOWN_SEND 2u /* the sender will send no more */

#define VSOCK_EVENT_TRANSPORT_RESET 0

/* Largest payload in one packet (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
#define VSOCK_PKT_MAX_PAYLOAD (64u * 1024)

/* struct virtio_vsock_hdr, little-endian on the wire (x86 hosts only). */
struct vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
} __packed;

_Static_assert(sizeof(struct vsock_hdr) == 44, "virtio_vsock_hdr is 44 bytes");

enum vsock_verdict {
	VSOCK_PKT_OK,    /* a packet to process */
	VSOCK_PKT_DROP,  /* ignore it (no answer possible or wanted) */
	VSOCK_PKT_RST,   /* answer with RST to its source */
};

struct vsock_pkt {
	struct vsock_hdr hdr;
	size_t payload_off; /* offset of the payload in the readable buffers */
	uint32_t len;       /* payload bytes (== hdr.len for OK) */
};

/*
 * Parse the header from the readable iovecs (it may span several) and
 * check it for a guest whose CID is guest_cid. Fills ret (header copied even
 * for RST, so the answer can be addressed) and returns the verdict. why, if
 * not NULL, receives a static string naming a rejection.
 */
enum vsock_verdict vsock_pkt_parse(const struct iovec *iov, unsigned int n, uint64_t guest_cid,
				   struct vsock_pkt *ret, const char **why);

/* The op's name for logs ("RW", "op 9"). buf holds the unknown case. */
const char *vsock_op_name(uint16_t op, char *buf, size_t len);

/* Copy from / to an iovec array starting at byte offset off; returns bytes copied. */
size_t vsock_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len);
size_t vsock_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off, const void *buf,
			  size_t len);

/* A reply header from the host (src = host cid/port) to the guest. */
void vsock_hdr_init(struct vsock_hdr *h, uint64_t guest_cid, uint32_t host_port, uint32_t guest_port,
		    uint16_t op);

#endif
