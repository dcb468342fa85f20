/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp for vhost-user daemons (docs/security.md): the library's base
 * table (vhost-user protocol, memory table mmap, eventfds, libev, workers)
 * plus a per-daemon addition table kept in the daemon's own files.
 * vu_main_run loads base + the daemon's control additions on the control
 * thread just before its loop; worker threads load theirs in their setup
 * hook. Threads created after a filter is loaded run under it as well.
 */
#ifndef CNH_VU_SECCOMP_H
#define CNH_VU_SECCOMP_H

#include <stddef.h>

#include "common/seccomp.h"

/*
 * Load the base table plus extra (may be NULL/0) on the calling thread, then
 * run the selftest hook for role ("blk-control", "blk-worker", ...). Off:
 * nothing. 0 or -errno with a message in err.
 */
int vu_seccomp_load(const char *role, const struct sc_rule *extra, size_t nextra, enum sc_mode mode,
		    char *err, size_t errlen) __must_check;

/* Only the base table (the library's own role; tests). */
int vu_seccomp_load_base(enum sc_mode mode, char *err, size_t errlen) __must_check;

#endif
