/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-remote's side of the API socket: one request, one response. */
#ifndef CNH_REMOTE_CLIENT_H
#define CNH_REMOTE_CLIENT_H

#include <stddef.h>

#include "common/util.h"

struct remote_response {
	int status;
	char *body; /* NUL-terminated, NULL when empty; free() it */
	size_t body_len;
};

/*
 * Connect to the unix socket at path, send method path body, read the
 * response. -ECONNREFUSED/-ENOENT/... when the socket cannot be reached
 * (err says so), -EPROTO for a malformed response, -ETIMEDOUT when no
 * answer comes within timeout_ms.
 */
int remote_request(const char *socket_path, const char *method, const char *endpoint,
		   const char *body, int timeout_ms, struct remote_response *ret, char *err,
		   size_t errlen) __must_check;
/* Distinguishes "cannot connect" (exit 3) from the other failures. */
#define REMOTE_ECONNECT 10000

#endif
