/* SPDX-License-Identifier: Apache-2.0 */
/* Boot trace points. See trace.h. */
#include "vmm/trace.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRACE_NAME_MAX 64
#define TRACE_PREFIX "cnh-trace: "

/* Written on the main thread before any other thread starts; read-only after. */
static struct {
	uint64_t origin_ns;
	int fd;
	bool enabled;
	bool started;
} trace_state = { .fd = -1 };

static uint64_t trace_mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Append the decimal form of v at p (room for 20 digits); return the new end. */
static char *trace_fmt_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *trace_fmt_str(char *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	memcpy(p, s, n);
	return p + n;
}

/* One write(2); a failed or short write loses the line, never blocks boot. */
static void trace_emit(const char *prefix, const char *name, uint64_t ns)
{
	char buf[32 + TRACE_NAME_MAX + 24];
	char *p = buf;
	int saved = errno;
	ssize_t r;

	p = trace_fmt_str(p, prefix, 31);
	p = trace_fmt_str(p, name, TRACE_NAME_MAX);
	*p++ = ' ';
	p = trace_fmt_u64(p, ns);
	*p++ = '\n';
	do
		r = write(trace_state.fd, buf, (size_t)(p - buf));
	while (r < 0 && errno == EINTR);
	errno = saved;
}

void trace_start(void)
{
	if (trace_state.started)
		return;
	trace_state.origin_ns = trace_mono_ns();
	trace_state.started = true;
}

void trace_init(bool enabled, int fd)
{
	trace_start();
	trace_state.enabled = enabled && fd >= 0;
	trace_state.fd = fd;
	if (!trace_state.enabled)
		return;
	trace_emit("cnh-trace-origin: ", "CLOCK_MONOTONIC", trace_state.origin_ns);
	trace_emit(TRACE_PREFIX, TRACE_MAIN_START, 0);
}

bool trace_enabled(void)
{
	return trace_state.enabled;
}

uint64_t trace_now_ns(void)
{
	uint64_t now;

	if (!trace_state.started)
		return 0;
	now = trace_mono_ns();
	return now > trace_state.origin_ns ? now - trace_state.origin_ns : 0;
}

void trace_point_at(const char *name, uint64_t mono_ns)
{
	if (!trace_state.enabled || !name)
		return;
	trace_emit(TRACE_PREFIX, name,
		   mono_ns > trace_state.origin_ns ? mono_ns - trace_state.origin_ns : 0);
}

void trace_point(const char *name)
{
	if (!trace_state.enabled)
		return;
	trace_point_at(name, trace_mono_ns());
}

void trace_post(void *opaque, uint8_t value, uint64_t ts_ns)
{
	static const char hex[] = "0123456789abcdef";
	char name[] = "post-0x00";

	(void)opaque;
	if (!trace_state.enabled)
		return;
	name[7] = hex[value >> 4];
	name[8] = hex[value & 0xf];
	trace_point_at(name, ts_ns);
}
