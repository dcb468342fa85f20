/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp for vhost-user daemons (docs/security.md), one filter per thread
 * role. The library keeps two tables: what every thread does (its libev
 * loop, locks, memory, clocks, log lines) and what only the control thread
 * does on top (the vhost-user socket, accepting, starting workers, signal
 * watchers); each daemon adds its own table per role in its own files.
 * vu_main_run loads the control role just before the control loop; worker
 * threads load theirs in their vu_worker setup hook, before their loop.
 * Threads created after a filter is loaded run under it as well (filters
 * stack: a later one can only narrow), so workers start before it.
 */
#ifndef CNH_VU_SECCOMP_H
#define CNH_VU_SECCOMP_H

#include <stddef.h>

#include "common/seccomp.h"

/*
 * The control role: load the library's tables plus extra (may be NULL/0)
 * on the calling thread, then run the selftest hook for role
 * ("blk-control", ...). Off: nothing. 0 or -errno with a message in err.
 */
int vu_seccomp_load(const char *role, const struct sc_rule *extra, size_t nextra, enum sc_mode mode,
		    char *err, size_t errlen) __must_check;

/*
 * A worker thread's role: only the every-thread table plus extra (the
 * worker's own I/O: tap frames, io_uring, ...); no vhost-user socket, no
 * accept, no new threads. Otherwise as vu_seccomp_load.
 */
int vu_seccomp_load_worker(const char *role, const struct sc_rule *extra, size_t nextra,
			   enum sc_mode mode, char *err, size_t errlen) __must_check;

/* The control role without additions (the library's own role; tests). */
int vu_seccomp_load_base(enum sc_mode mode, char *err, size_t errlen) __must_check;

#endif
