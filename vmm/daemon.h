/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spawning and supervising back-end daemons (cnh-blk, ...). A daemon gets
 * one end of a socketpair as fd DAEMON_CHILD_FD and one end of a second
 * as DAEMON_STATS_FD (its counters channel, --stats-fd: one JSON line per
 * query), and nothing else; cnh keeps the other end of the first for its
 * vhost-user front-end and of the second for daemon_query_stats(). An ev_child watcher on the
 * main (default) loop logs an unexpected exit and calls back the owner;
 * daemon_free() terminates (SIGTERM, then SIGKILL after a grace period) and
 * reaps, so no process outlives cnh. A daemon also gets PR_SET_PDEATHSIG
 * SIGKILL, so it dies with cnh even if cnh itself is killed.
 *
 * Once vmm/spawner.h's spawn helper is started (cnh does at start-up),
 * daemons come from it, so that the main loop needs neither fork nor
 * execve; they are still cnh's children and everything above holds.
 */
#ifndef CNH_VMM_DAEMON_H
#define CNH_VMM_DAEMON_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/util.h"

/* The fd number the daemon's end of the socketpair has in the daemon. */
#define DAEMON_CHILD_FD 3
/* The daemon's end of the counters channel (vhost-user/lib/vu_stats.h). */
#define DAEMON_STATS_FD 4
/* Longest counters line daemon_query_stats accepts. */
#define DAEMON_STATS_MAX 4096
#define DAEMON_GRACE_MS 2000

struct daemon;

/* Called on the main loop when the daemon exited on its own; wstatus as from waitpid. */
typedef void (*daemon_exit_fn)(struct daemon *d, int wstatus, void *opaque);

/*
 * Find the executable prog ("cnh-blk"): $CNH_DAEMON_DIR/prog when the
 * variable is set (and nowhere else), else next to cnh (/proc/self/exe's
 * directory), else the build tree (../vhost-user/blk/cnh-blk from cnh's
 * directory), else $PATH. -ENOENT when nowhere.
 */
int daemon_find(const char *prog, char *buf, size_t len) __must_check;

/*
 * Start the daemon prog with argv (argv[0] included, NULL-terminated; refer
 * to the socket as DAEMON_CHILD_FD). prog is a cnh daemon's name
 * ("cnh-blk"), found with daemon_find(); through the spawn helper nothing
 * else is accepted (-EPERM), without it (unit tests) a path is used as is.
 * loop must be libev's default loop (child watchers live there). name is
 * used in logs ("disk0"). *ret_fd gets cnh's end of the socketpair (owned by
 * the caller, O_CLOEXEC). The daemon runs in its own process group with an
 * empty signal mask and default dispositions. Main loop only.
 */
int daemon_spawn(struct ev_loop *loop, const char *prog, char *const argv[], const char *name,
		 daemon_exit_fn on_exit, void *opaque, int *ret_fd, struct daemon **ret) __must_check;

/*
 * For vmm/spawner.c: the child's side of a spawn, between fork and exec
 * (async-signal-safe calls only). parent is cnh's pid. via: the spawner's
 * intermediate process, whose exit hands the caller over to cnh (waited
 * for, bounded); 0 when cnh forked the caller itself.
 */
__attribute__((noreturn)) void daemon_child_exec(int fd, int stats_fd, pid_t parent, pid_t via,
						 const char *exe, char *const argv[]);

/* Send SIGTERM if it still runs (start of the grace period); no wait. */
void daemon_stop(struct daemon *d);
/*
 * daemon_stop(), wait up to DAEMON_GRACE_MS from the first stop, then
 * SIGKILL; reap; free. Accepts NULL.
 */
void daemon_free(struct daemon *d);

pid_t daemon_pid(const struct daemon *d);

/*
 * Ask the daemon for its counters: send one byte on the counters channel
 * and read one line (NUL-terminated in buf, '\n' removed) within
 * timeout_ms. A late answer to an earlier query is discarded first.
 * -ETIMEDOUT: no answer in time; -EPIPE: the channel is closed;
 * -EMSGSIZE: the line does not fit len; other -errno.
 */
int daemon_query_stats(struct daemon *d, int timeout_ms, char *buf, size_t len) __must_check;
/* False once the daemon exited (reaps it if the watcher has not yet). */
bool daemon_running(struct daemon *d);

#endif
