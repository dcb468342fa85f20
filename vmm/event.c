/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/event.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define TAG "event"

struct event_monitor {
	int fd;
	bool failed; /* a write failed: logged once */
	struct timespec start;
};

int event_monitor_parse(const char *spec, const char **ret_path, int *ret_fd, char *err,
			size_t errlen)
{
	if (!spec || !*spec) {
		snprintf(err, errlen, "--event-monitor: empty; want path=PATH or fd=N");
		return -EINVAL;
	}
	if (strncmp(spec, "path=", 5) == 0) {
		if (!spec[5]) {
			snprintf(err, errlen, "--event-monitor: path= needs a file name");
			return -EINVAL;
		}
		*ret_path = spec + 5;
		*ret_fd = -1;
		return 0;
	}
	if (strncmp(spec, "fd=", 3) == 0) {
		char *end;
		long v;

		errno = 0;
		v = strtol(spec + 3, &end, 10);
		if (errno || end == spec + 3 || *end || v < 0 || v > INT_MAX) {
			snprintf(err, errlen, "--event-monitor: fd=%s is not a file descriptor number",
				 spec + 3);
			return -EINVAL;
		}
		*ret_path = NULL;
		*ret_fd = (int)v;
		return 0;
	}
	snprintf(err, errlen, "--event-monitor: '%s': want path=PATH or fd=N", spec);
	return -EINVAL;
}

int event_monitor_open(const char *spec, struct event_monitor **ret, char *err, size_t errlen)
{
	struct event_monitor *m;
	const char *path;
	int fd, r;

	r = event_monitor_parse(spec, &path, &fd, err, errlen);
	if (r < 0)
		return r;
	if (path) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = -errno;
			snprintf(err, errlen, "--event-monitor: %s: %s", path, strerror(-r));
			return r;
		}
	} else if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		r = -errno;
		snprintf(err, errlen, "--event-monitor: fd=%d: %s", fd, strerror(-r));
		return r;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		if (path)
			close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->fd = fd;
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	*ret = m;
	return 0;
}

void event_monitor_free(struct event_monitor *m)
{
	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

static int event_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void event_monitor_emit(struct event_monitor *m, const char *source, const char *event,
			json_t *properties)
{
	struct timespec now;
	long long secs, nanos;
	json_t *o;
	char *s;
	int r = -ENOMEM;

	if (!m) {
		json_decref(properties);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (long long)(now.tv_sec - m->start.tv_sec);
	nanos = (long long)(now.tv_nsec - m->start.tv_nsec);
	if (nanos < 0) {
		nanos += 1000000000LL;
		secs--;
	}
	/* "o" steals properties, also on failure. */
	o = json_pack("{s:{s:I,s:I},s:s,s:s,s:o}", "timestamp", "secs", (json_int_t)secs, "nanos",
		      (json_int_t)nanos, "source", source, "event", event, "properties",
		      properties ? properties : json_null());
	if (!o)
		goto fail;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		goto fail;
	{
		size_t len = strlen(s);

		/* One write per line: readers never see half an event. */
		s[len] = '\n';
		r = event_write_all(m->fd, s, len + 1);
		s[len] = '\0';
	}
	free(s);
	if (r == 0)
		return;
fail:
	if (!m->failed) {
		m->failed = true;
		log_warn(TAG, "cannot write event %s/%s: %s", source, event, strerror(-r));
	}
}

void event_monitor_emit_id(struct event_monitor *m, const char *source, const char *event,
			   const char *id)
{
	event_monitor_emit(m, source, event, id ? json_pack("{s:s}", "id", id) : NULL);
}
