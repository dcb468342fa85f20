/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/vsock/vsock_pkt.h"

#include <stdio.h>
#include <string.h>

size_t vsock_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = MIN(l - off, len - done);
		memcpy((uint8_t *)buf + done, (const uint8_t *)iov[i].iov_base + off, c);
		done += c;
		off = 0;
	}
	return done;
}

size_t vsock_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off, const void *buf,
			  size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = MIN(l - off, len - done);
		memcpy((uint8_t *)iov[i].iov_base + off, (const uint8_t *)buf + done, c);
		done += c;
		off = 0;
	}
	return done;
}

const char *vsock_op_name(uint16_t op, char *buf, size_t len)
{
	static const char *const names[] = {
		[VSOCK_OP_INVALID] = "INVALID",	      [VSOCK_OP_REQUEST] = "REQUEST",
		[VSOCK_OP_RESPONSE] = "RESPONSE",     [VSOCK_OP_RST] = "RST",
		[VSOCK_OP_SHUTDOWN] = "SHUTDOWN",     [VSOCK_OP_RW] = "RW",
		[VSOCK_OP_CREDIT_UPDATE] = "CREDIT_UPDATE", [VSOCK_OP_CREDIT_REQUEST] = "CREDIT_REQUEST",
	};

	if (op < ARRAY_SIZE(names))
		return names[op];
	snprintf(buf, len, "op %u", op);
	return buf;
}

static enum vsock_verdict vsock_pkt_reject(enum vsock_verdict v, const char *what, const char **why)
{
	if (why)
		*why = what;
	return v;
}

enum vsock_verdict vsock_pkt_parse(const struct iovec *iov, unsigned int n, uint64_t guest_cid,
				   struct vsock_pkt *ret, const char **why)
{
	size_t total = 0;
	const struct vsock_hdr *h = &ret->hdr;
	/* Never answer an RST with an RST. */
	enum vsock_verdict bad;

	memset(ret, 0, sizeof(*ret));
	for (unsigned int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (vsock_iov_to_buf(iov, n, 0, &ret->hdr, sizeof(ret->hdr)) != sizeof(ret->hdr))
		return vsock_pkt_reject(VSOCK_PKT_DROP, "shorter than the header", why);
	ret->payload_off = sizeof(ret->hdr);
	bad = h->op == VSOCK_OP_RST ? VSOCK_PKT_DROP : VSOCK_PKT_RST;
	if (h->src_cid != guest_cid)
		return vsock_pkt_reject(VSOCK_PKT_DROP, "source CID is not the guest's", why);
	if (h->dst_cid != VSOCK_HOST_CID)
		return vsock_pkt_reject(bad, "destination CID is not the host", why);
	if (h->len > VSOCK_PKT_MAX_PAYLOAD)
		return vsock_pkt_reject(bad, "len above the packet limit", why);
	if (h->len > total - sizeof(ret->hdr))
		return vsock_pkt_reject(bad, "len beyond the buffers", why);
	if (h->type != VSOCK_TYPE_STREAM)
		return vsock_pkt_reject(bad, "not a stream packet", why);
	if (h->op == VSOCK_OP_INVALID || h->op > VSOCK_OP_CREDIT_REQUEST)
		return vsock_pkt_reject(bad, "unknown op", why);
	if (h->op != VSOCK_OP_RW && h->len != 0)
		return vsock_pkt_reject(bad, "payload on a control packet", why);
	ret->len = h->len;
	return VSOCK_PKT_OK;
}

void vsock_hdr_init(struct vsock_hdr *h, uint64_t guest_cid, uint32_t host_port, uint32_t guest_port,
		    uint16_t op)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = VSOCK_HOST_CID;
	h->dst_cid = guest_cid;
	h->src_port = host_port;
	h->dst_port = guest_port;
	h->type = VSOCK_TYPE_STREAM;
	h->op = op;
}
