/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Least privilege for a vhost-user daemon, applied once after it opened
 * everything it needs (image, tap, sockets) and before any thread starts
 * and before its seccomp filter loads (vu_main_sandbox in vu_main.h is the
 * entry point daemons use):
 *
 *  - rlimits: RLIMIT_CORE 0; RLIMIT_NOFILE = highest open fd + 1 +
 *    nofile_headroom (when the policy sets one); RLIMIT_NPROC 0 with
 *    VU_SANDBOX_NPROC0 (root's own uid is exempt from it in the kernel).
 *  - VU_SANDBOX_NET: a new, empty network namespace (AF_UNIX path sockets
 *    keep working: they are resolved through the mount namespace).
 *  - VU_SANDBOX_MNT: a new mount namespace whose root is an empty read-only
 *    tmpfs (pivot_root; the host tree is detached). Sanitizer builds mount a
 *    proc there for LeakSanitizer. The binds passed to vu_sandbox_apply,
 *    if any, are bound into it read-write (nosuid, nodev, noexec) at their
 *    own paths, for a daemon that opens names in a directory at run time
 *    (cnh-vsock's <uds-path>_<port>): files created there later, on either
 *    side, are seen at once.
 *  - every capability dropped (bounding, ambient, inheritable, permitted,
 *    effective) unless VU_SANDBOX_KEEP_CAPS.
 *  - PR_SET_NO_NEW_PRIVS.
 *
 * Namespaces need CAP_SYS_ADMIN. Without it (an ordinary user), and
 * unless VU_SANDBOX_KEEP_CAPS, a new user namespace comes first, in which
 * only the effective uid and gid are mapped, to themselves (setgroups
 * denied): the same mount and network steps then run inside it, and the
 * capabilities it gave are dropped with the rest. Root keeps the host's
 * user namespace (vu_sandbox_want_userns says why). When the kernel or a
 * policy refuses them, the namespaces are skipped and reported in
 * ret->skipped; every other failure is an error. The process must be
 * single-threaded (-EBUSY otherwise): namespaces and capabilities are per
 * thread, and a user namespace cannot be entered by a threaded process.
 */
#ifndef CNH_VHOST_USER_LIB_VU_SANDBOX_H
#define CNH_VHOST_USER_LIB_VU_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

enum vu_sandbox_level {
	VU_SANDBOX_LEVEL_NONE,
	VU_SANDBOX_LEVEL_BASIC,
};

enum {
	VU_SANDBOX_MNT = 1u << 0,       /* empty root in a new mount namespace */
	VU_SANDBOX_NET = 1u << 1,       /* new network namespace */
	VU_SANDBOX_KEEP_CAPS = 1u << 2, /* leave capabilities alone (the daemon drops its own); no user namespace */
	VU_SANDBOX_NPROC0 = 1u << 3,    /* RLIMIT_NPROC 0: no thread/process is created later */
};

/* At most this many directories are bound into the empty root. */
#define VU_SANDBOX_MAX_BINDS 4

struct vu_sandbox_policy {
	unsigned int flags;
	unsigned int nofile_headroom; /* fds beyond those open now; 0: RLIMIT_NOFILE left alone */
};

/* What vu_sandbox_apply did: a one-line summary each. */
struct vu_sandbox_result {
	char applied[192];
	char skipped[192];
	unsigned long nofile; /* RLIMIT_NOFILE set, or 0 */
	unsigned int nbound;  /* binds now visible in the empty root (0 when it was skipped) */
};

/* "none" / "basic" -> level; -EINVAL otherwise. */
int vu_sandbox_parse_level(const char *s, enum vu_sandbox_level *ret) __must_check;

/*
 * Apply p; 0 or -errno with a one-line message in err. binds (NULL: none;
 * else NULL-terminated, at most VU_SANDBOX_MAX_BINDS, needs VU_SANDBOX_MNT):
 * directories visible in the empty root at the same path. Each must be
 * canonical (what realpath(3) returns: absolute, no symlink, "." or ".."),
 * not "/", and none inside another; otherwise -EINVAL (-E2BIG: too many)
 * before anything changed. The caller names its files through these
 * paths, so that they resolve the same inside.
 */
int vu_sandbox_apply(const struct vu_sandbox_policy *p, const char *const *binds, struct vu_sandbox_result *ret,
		     char *err, size_t err_len) __must_check;

#endif
