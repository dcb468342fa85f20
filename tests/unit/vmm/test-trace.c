/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for vmm/trace.c: line format, origin, POST names, disabled path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/trace.h"

static size_t read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

Test(trace, lines_and_order)
{
	unsigned long long origin = 0, t0 = 1, t1 = 0, tp = 0;
	char buf[1024], *l;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	trace_start();
	trace_init(true, p[1]);
	cr_assert(trace_enabled());
	trace_point("kvm-open");
	trace_post(NULL, 0x41, 0); /* before the origin: clamps to 0 */
	trace_point_at("post-late", trace_now_ns() + 1);
	trace_init(false, p[1]);
	trace_point("not-written");
	close(p[1]);
	read_all(p[0], buf, sizeof(buf));
	close(p[0]);

	l = strtok(buf, "\n");
	cr_assert(l && sscanf(l, "cnh-trace-origin: CLOCK_MONOTONIC %llu", &origin) == 1, "%s", l);
	cr_assert_gt(origin, 0);
	l = strtok(NULL, "\n");
	cr_assert(l && sscanf(l, "cnh-trace: main-start %llu", &t0) == 1 && t0 == 0, "%s", l);
	l = strtok(NULL, "\n");
	cr_assert(l && sscanf(l, "cnh-trace: kvm-open %llu", &t1) == 1, "%s", l);
	l = strtok(NULL, "\n");
	cr_assert(l && sscanf(l, "cnh-trace: post-0x41 %llu", &tp) == 1 && tp == 0, "%s", l);
	l = strtok(NULL, "\n");
	cr_assert(l && strncmp(l, "cnh-trace: post-late ", 21) == 0, "%s", l);
	cr_assert_null(strtok(NULL, "\n"), "disabled trace wrote a line");
}
