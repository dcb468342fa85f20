/* SPDX-License-Identifier: Apache-2.0 */
/* vu_stats: registration, concurrent updates, the JSON line, the socket channel. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhost-user/lib/vu_stats.h"

static const char *const names[] = { "read_ops", "write_bytes" };

Test(vu_stats, register_and_format)
{
	struct vu_stats s;
	char buf[VU_STATS_LINE_MAX];

	vu_stats_init(&s);
	cr_assert_eq(vu_stats_format(&s, buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "{}\n");
	cr_assert_eq(vu_stats_format(NULL, buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "{}\n");
	cr_assert_eq(vu_stats_register(&s, names, 2), 0);
	vu_stats_add(&s, 0, 3);
	vu_stats_add(&s, 1, 18446744073709551615ull);
	vu_stats_add(&s, 99, 1); /* ignored */
	cr_assert_gt(vu_stats_format(&s, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "{\"read_ops\": 3, \"write_bytes\": 18446744073709551615}\n");
	cr_assert_eq(vu_stats_format(&s, buf, 10), -ENOSPC);
}

Test(vu_stats, register_rejects)
{
	static struct vu_stats s;
	const char *bad[] = { "ok", "Bad\"name" };
	const char *empty[] = { "" };
	const char *longname[] = { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	const char *one[] = { "x" };

	vu_stats_init(&s);
	cr_assert_eq(vu_stats_register(&s, bad, 2), -EINVAL);
	cr_assert_eq(s.n, 0, "nothing added on failure");
	cr_assert_eq(vu_stats_register(&s, empty, 1), -EINVAL);
	cr_assert_eq(vu_stats_register(&s, longname, 1), -EINVAL);
	for (unsigned int i = 0; i < VU_STATS_MAX; i++)
		cr_assert_eq(vu_stats_register(&s, one, 1), 0);
	cr_assert_eq(vu_stats_register(&s, one, 1), -ENOSPC);
	/* The longest line fits VU_STATS_LINE_MAX. */
	for (unsigned int i = 0; i < VU_STATS_MAX; i++)
		vu_stats_add(&s, i, UINT64_MAX);
	char buf[VU_STATS_LINE_MAX];
	cr_assert_gt(vu_stats_format(&s, buf, sizeof(buf)), 0);
}

#define BUMPS 200000

static void *bumper(void *arg)
{
	struct vu_stats *s = arg;

	for (int i = 0; i < BUMPS; i++) {
		vu_stats_add(s, 0, 1);
		vu_stats_add(s, 1, 512);
	}
	return NULL;
}

Test(vu_stats, two_threads)
{
	static struct vu_stats s;
	pthread_t t1, t2;

	vu_stats_init(&s);
	cr_assert_eq(vu_stats_register(&s, names, 2), 0);
	cr_assert_eq(pthread_create(&t1, NULL, bumper, &s), 0);
	cr_assert_eq(pthread_create(&t2, NULL, bumper, &s), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	cr_assert_eq(vu_stats_get(&s, 0), 2ull * BUMPS);
	cr_assert_eq(vu_stats_get(&s, 1), 2ull * BUMPS * 512);
}


Test(vu_stats, serve_socketpair)
{
	static struct vu_stats s;
	char line[VU_STATS_LINE_MAX];
	json_t *j;
	int sv[2];
	ssize_t n;

	vu_stats_init(&s);
	cr_assert_eq(vu_stats_register(&s, names, 2), 0);
	vu_stats_add(&s, 0, 7);
	vu_stats_add(&s, 1, 4096);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* Nothing asked: nothing answered. */
	cr_assert_eq(vu_stats_serve(&s, sv[1]), 0);
	cr_assert_eq(recv(sv[0], line, sizeof(line), MSG_DONTWAIT), -1);
	/* Two bytes in one query: one line. */
	cr_assert_eq(write(sv[0], "??", 2), 2);
	cr_assert_eq(vu_stats_serve(&s, sv[1]), 0);
	n = recv(sv[0], line, sizeof(line) - 1, MSG_DONTWAIT);
	cr_assert_gt(n, 0);
	line[n] = '\0';
	cr_assert_eq(line[n - 1], '\n');
	cr_assert_null(memchr(line, '\n', (size_t)n - 1), "exactly one line");
	j = json_loads(line, 0, NULL);
	cr_assert(json_is_object(j));
	cr_assert_eq(json_integer_value(json_object_get(j, "read_ops")), 7);
	cr_assert_eq(json_integer_value(json_object_get(j, "write_bytes")), 4096);
	json_decref(j);
	/* No device counters: {}. */
	cr_assert_eq(write(sv[0], "?", 1), 1);
	cr_assert_eq(vu_stats_serve(NULL, sv[1]), 0);
	n = recv(sv[0], line, sizeof(line) - 1, MSG_DONTWAIT);
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(line, "{}\n", 3), 0);
	/* The peer went away. */
	close(sv[0]);
	cr_assert_eq(vu_stats_serve(&s, sv[1]), -EPIPE);
	close(sv[1]);
}
