/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the daemon-spawning tests (test-daemon.c, test-spawner.c) share: a
 * scratch directory of fake daemons, an exit recorder for daemon_spawn()
 * and a bounded run of the loop that delivers the exit.
 */
#ifndef CNH_TESTS_SPAWN_UTIL_H
#define CNH_TESTS_SPAWN_UTIL_H

#include <ev.h>
#include <stddef.h>
#include <sys/types.h>

#include "vmm/daemon.h"

/*
 * The start of a Python probe daemon: fds is the list of open fds, blk the
 * SigBlk mask from /proc/self/status; the probe adds the line reporting them.
 */
#define SU_PROBE_PY                                                                                \
	"import os,sys\n"                                                                          \
	"def ok(i):\n"                                                                             \
	"    try:\n"                                                                               \
	"        os.fstat(i)\n"                                                                    \
	"        return True\n"                                                                    \
	"    except OSError:\n"                                                                    \
	"        return False\n"                                                                   \
	"fds=[i for i in range(256) if ok(i)]\n"                                                   \
	"blk=[l.split()[1] for l in open('/proc/self/status') if l.startswith('SigBlk')][0]\n"

/* A fresh /tmp/<prefix>-XXXXXX in dir (len bytes); su_remove_dir removes it with its files. */
void su_make_dir(char *dir, size_t len, const char *prefix);
void su_remove_dir(const char *dir);

/* dir/name holding text, then chmod'ed to mode. */
void su_write_file(const char *dir, const char *name, const char *text, mode_t mode);

struct su_exit_record {
	int calls;
	int status; /* the last wstatus */
};

/* A daemon_exit_fn for a struct su_exit_record: records the exit and breaks the default loop. */
void su_on_exit(struct daemon *d, int wstatus, void *opaque);

/* ev_run(loop) until something breaks it or seconds have passed. */
void su_run_for(struct ev_loop *loop, double seconds);

#endif
