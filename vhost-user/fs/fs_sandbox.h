/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-fs: opening the shared directory and confining the daemon to it.
 *
 *   none       only the O_PATH/O_NOFOLLOW discipline of fuse_session.c
 *   chroot     chroot(2) into the shared dir after opening it (needs root)
 *   namespace  a private mount namespace whose root is the shared dir
 *              (unshare(CLONE_NEWNS) + bind mount + pivot_root; needs root)
 *
 * /proc/self/fd is opened before confinement and kept (the re-open path).
 */
#ifndef CNH_FS_SANDBOX_H
#define CNH_FS_SANDBOX_H

#include <stddef.h>

#include "common/util.h"

enum fs_sandbox {
	FS_SANDBOX_NONE,
	FS_SANDBOX_CHROOT,
	FS_SANDBOX_NAMESPACE,
};

/* "none" | "chroot" | "namespace". 0 or -EINVAL. */
int fs_sandbox_parse(const char *s, enum fs_sandbox *ret) __must_check;
const char *fs_sandbox_name(enum fs_sandbox m);

/*
 * Open dir (O_PATH directory) and /proc/self/fd, then confine the process
 * as mode says. On success *ret_root and *ret_proc are owned by the caller.
 * 0 or -errno with a one-line message in err.
 */
int fs_sandbox_enter(const char *dir, enum fs_sandbox mode, int *ret_root, int *ret_proc,
		     char *err, size_t err_len) __must_check;

/* Listen on path, accept one front-end, close the listener. fd or -errno. */
int fs_sandbox_accept_one(const char *path, char *err, size_t err_len) __must_check;

#endif
