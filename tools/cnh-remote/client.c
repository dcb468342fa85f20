/* SPDX-License-Identifier: Apache-2.0 */
#include "tools/cnh-remote/client.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ipc/http.h"

#define REMOTE_MAX_RESPONSE MiB(4)

static int remote_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-r));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

static int remote_wait(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

int remote_request(const char *socket_path, const char *method, const char *endpoint,
		   const char *body, int timeout_ms, struct remote_response *ret, char *err,
		   size_t errlen)
{
	struct http_parser p;
	char path[512], *req = NULL, buf[4096];
	size_t req_len, used;
	int fd, r;

	snprintf(path, sizeof(path), "/api/v1/%s", endpoint);
	fd = remote_connect(socket_path, err, errlen);
	if (fd < 0)
		return -REMOTE_ECONNECT;
	http_parser_init(&p, HTTP_PARSE_RESPONSE, REMOTE_MAX_RESPONSE);
	r = http_format_request(method, path, body, body ? strlen(body) : 0, &req, &req_len);
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	r = write_full(fd, req, req_len);
	if (r < 0) {
		snprintf(err, errlen, "sending the request: %s", strerror(-r));
		goto out;
	}
	for (;;) {
		ssize_t n;

		r = remote_wait(fd, POLLIN, timeout_ms);
		if (r < 0) {
			snprintf(err, errlen, "waiting for the response: %s", strerror(-r));
			goto out;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errlen, "reading the response: %s", strerror(-r));
			goto out;
		}
		if (n == 0) {
			r = http_parser_finish(&p);
		} else {
			r = http_parser_feed(&p, buf, (size_t)n, &used);
			/* A "100 Continue" is not the answer: skip it. */
			if (r == HTTP_FEED_DONE && p.msg.status == 100) {
				size_t rest = (size_t)n - used;

				http_parser_reset(&p);
				if (rest)
					r = http_parser_feed(&p, buf + used, rest, &used);
				else
					r = HTTP_FEED_MORE;
			}
		}
		if (r == HTTP_FEED_DONE)
			break;
		if (r < 0) {
			snprintf(err, errlen, "malformed response from the VMM%s%s",
				 p.error_reason ? ": " : "", p.error_reason ? p.error_reason : "");
			r = -EPROTO;
			goto out;
		}
	}
	ret->status = p.msg.status;
	ret->body = p.msg.body;
	ret->body_len = p.msg.body_len;
	p.msg.body = NULL;
	r = 0;
out:
	http_parser_fini(&p);
	free(req);
	close(fd);
	return r;
}
