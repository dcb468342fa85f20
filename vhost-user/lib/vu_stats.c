/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/lib/vu_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void vu_stats_init(struct vu_stats *s)
{
	memset(s, 0, sizeof(*s));
}

static bool vu_stats_name_ok(const char *name)
{
	size_t len = strnlen(name, VU_STATS_NAME_MAX);

	if (len == 0 || len >= VU_STATS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

int vu_stats_register(struct vu_stats *s, const char *const *names, unsigned int n)
{
	if (n > VU_STATS_MAX - s->n)
		return -ENOSPC;
	for (unsigned int i = 0; i < n; i++) {
		if (!names[i] || !vu_stats_name_ok(names[i]))
			return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		snprintf(s->names[s->n + i], VU_STATS_NAME_MAX, "%s", names[i]);
		atomic_store_explicit(&s->values[s->n + i], 0, memory_order_relaxed);
	}
	s->n += n;
	return 0;
}

int vu_stats_format(const struct vu_stats *s, char *buf, size_t len)
{
	unsigned int n = s ? MIN(s->n, (unsigned int)VU_STATS_MAX) : 0;
	size_t off = 0;
	int w;

	w = snprintf(buf, len, "{");
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	off = (size_t)w;
	for (unsigned int i = 0; i < n; i++) {
		w = snprintf(buf + off, len - off, "%s\"%s\": %" PRIu64, i ? ", " : "", s->names[i],
			     vu_stats_get(s, i));
		if (w < 0 || (size_t)w >= len - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	w = snprintf(buf + off, len - off, "}\n");
	if (w < 0 || (size_t)w >= len - off)
		return -ENOSPC;
	return (int)(off + (size_t)w);
}

int vu_stats_serve(const struct vu_stats *s, int fd)
{
	char in[64], line[VU_STATS_LINE_MAX];
	bool asked = false;
	size_t off = 0;
	ssize_t got;
	int len;

	for (;;) {
		got = recv(fd, in, sizeof(in), MSG_DONTWAIT);
		if (got > 0) {
			asked = true;
			continue;
		}
		if (got == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		return -errno;
	}
	if (!asked)
		return 0;
	len = vu_stats_format(s, line, sizeof(line));
	if (len < 0)
		return len;
	/* A short line fits the socket buffer; a peer that stops reading loses its answer. */
	while (off < (size_t)len) {
		ssize_t w = send(fd, line + off, (size_t)len - off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		}
		off += (size_t)w;
	}
	return 0;
}
