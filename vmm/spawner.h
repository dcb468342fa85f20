/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spawn helper ("spawner"): a small process forked by cnh at start-up,
 * before any thread, filter or open device, that starts the back-end
 * daemons on cnh's behalf. The main loop can then run under a seccomp
 * filter without fork and execve, and daemons started later (vm.boot,
 * reboot, restarts) do not inherit that filter: they come from the
 * spawner, which has none, so their start-up (namespaces, mounts,
 * capabilities, io_uring) runs as if cnh had forked them before tightening.
 *
 * Trust: the spawner trusts only its parent (the other end of a
 * socketpair made before the fork; nobody else can hold it). It still
 * assumes that the parent may be compromised: it starts only cnh's seven
 * daemons, by name ("cnh-blk"; no other cnh-* program, no path), resolved
 * by itself with daemon_find(), and validates every request (sizes, string
 * count, exactly two fds). The daemons' arguments are the parent's. It exits when cnh closes the socket and has
 * PR_SET_PDEATHSIG SIGKILL.
 *
 * Children: cnh is a child subreaper (PR_SET_CHILD_SUBREAPER); the
 * spawner double-forks, so each daemon is reparented to cnh before the
 * spawner replies. Daemons thus stay cnh's children exactly as when cnh
 * forked them itself: ev_child watchers, waitpid, kill and PDEATHSIG work
 * unchanged, and a pid stays cnh's until cnh reaps it (no reuse race, as
 * there would be if the spawner reported exits and cnh signalled pids it
 * does not own). See vmm/spawner.c.
 *
 * Used from the main loop only (one request at a time, synchronous).
 */
#ifndef CNH_VMM_SPAWNER_H
#define CNH_VMM_SPAWNER_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/util.h"

/* A reply must come within this time, or the spawner is given up. */
#define SPAWNER_TIMEOUT_MS 10000
/* Limits of one request: its size (all strings) and its argv length. */
#define SPAWNER_MSG_MAX 32768
#define SPAWNER_MAX_ARGS 128

/*
 * Make cnh a child subreaper (with SIGCHLD not ignored, so that the daemons
 * it adopts are its to reap) and fork the spawner. Call before any thread
 * and any seccomp filter, once. From then on daemon_spawn() goes through
 * it (and never falls back to forking itself, even once the spawner is
 * gone: the main loop's filter would kill cnh). 0 or -errno.
 */
int spawner_start(void) __must_check;

/* Close the socket (the spawner exits) and reap it. Accepts no spawner. */
void spawner_stop(void);

/* True between spawner_start() and spawner_stop(), even if it died meanwhile. */
bool spawner_active(void);

/* The spawner's pid, 0 when none was started. */
pid_t spawner_pid(void);

/*
 * Ask the spawner to start the cnh daemon named prog with argv
 * (NULL-terminated, argv[0] included); the daemon gets fd as
 * DAEMON_CHILD_FD and stats_fd as DAEMON_STATS_FD (both stay the
 * caller's). On success *ret_pid is a child of the calling process.
 * -EPERM: prog is not a cnh daemon's name; -ENOENT: not found;
 * -E2BIG: argv over the limits; -EPIPE / -ETIMEDOUT / -EPROTO: the spawner
 * is gone or broken (then every later request fails with -EPIPE).
 */
int spawner_spawn(const char *prog, char *const argv[], int fd, int stats_fd, pid_t *ret_pid) __must_check;

#endif
