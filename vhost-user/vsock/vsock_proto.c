/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/vsock/vsock_proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define VSOCK_PROTO_KEYWORD "CONNECT "

int vsock_proto_parse_connect(const char *buf, size_t len, uint32_t *ret_port, size_t *ret_consumed)
{
	const size_t kw = strlen(VSOCK_PROTO_KEYWORD);
	size_t i, digits = 0;
	uint64_t port = 0;

	/* The keyword, as far as we have it. */
	for (i = 0; i < len && i < kw; i++)
		if (buf[i] != VSOCK_PROTO_KEYWORD[i])
			return -EINVAL;
	if (len <= kw)
		return -EAGAIN;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		port = port * 10 + (uint64_t)(buf[i] - '0');
		if (++digits > 10 || port > UINT32_MAX)
			return -EINVAL;
	}
	if (i == len)
		return i >= VSOCK_PROTO_MAX_LINE ? -EINVAL : -EAGAIN;
	if (!digits)
		return -EINVAL;
	if (buf[i] == '\r') {
		if (++i == len)
			return -EAGAIN;
	}
	if (buf[i] != '\n')
		return -EINVAL;
	*ret_port = (uint32_t)port;
	*ret_consumed = i + 1;
	return 0;
}

size_t vsock_proto_format_ok(char *buf, size_t size, uint32_t port)
{
	int n = snprintf(buf, size, "OK %u\n", port);

	return n < 0 ? 0 : MIN((size_t)n, size ? size - 1 : 0);
}

int vsock_proto_listener_path(char *buf, size_t size, const char *uds_path, uint32_t port)
{
	int n = snprintf(buf, size, "%s_%u", uds_path, port);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
