/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-fs: the FUSE protocol engine, independent of vhost-user. One request
 * (the device-readable buffers of a chain) goes in, one reply (the
 * device-writable buffers) comes out:
 *
 *	struct fuse_session s;
 *	r = fuse_session_init(&s, root_fd, proc_fd, &opts);
 *	n = fuse_session_handle(&s, out_sg, out_num, in_sg, in_num);
 *	... push the chain with n bytes written ...
 *	fuse_session_fini(&s);
 *
 * Every host file is reached through its parent's O_PATH fd and a single
 * validated name component (never a path built from guest input); opening
 * an O_PATH fd for I/O goes through /proc/self/fd/N (proc_fd). Every length
 * in a request is checked against the header and the opcode's struct.
 */
#ifndef CNH_FS_FUSE_SESSION_H
#define CNH_FS_FUSE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/fuse.h>

#include "common/ratelimit.h"
#include "common/util.h"
#include "vhost-user/fs/fs_inode.h"

/* Protocol: 7.27 (virtio-fs needs 7.31) up to what we were built with. */
#define FUSE_SESSION_MIN_MINOR 27
#define FUSE_SESSION_MAX_MINOR MIN(FUSE_KERNEL_MINOR_VERSION, 38)
#define FUSE_SESSION_MAX_WRITE (256u * 1024)
#define FUSE_SESSION_MAX_READ (256u * 1024)
#define FUSE_SESSION_MAX_PAGES (FUSE_SESSION_MAX_WRITE / 4096)
/* Request: header + largest opcode struct + write payload (or names). */
#define FUSE_SESSION_REQ_MAX (FUSE_SESSION_MAX_WRITE + 8192)
#define FUSE_SESSION_REPLY_MAX (FUSE_SESSION_MAX_READ + 4096)

enum fuse_cache {
	FUSE_CACHE_NONE,   /* FOPEN_DIRECT_IO, zero timeouts */
	FUSE_CACHE_AUTO,   /* 1 s timeouts */
	FUSE_CACHE_ALWAYS, /* FOPEN_KEEP_CACHE, a day */
};

struct fuse_session_opts {
	enum fuse_cache cache;
	bool set_fsids;    /* create files as the caller (setfsuid/setfsgid; needs root) */
};

struct fuse_session {
	struct fs_inodes inodes;
	struct fs_handles handles;
	int proc_fd;         /* /proc/self/fd, O_PATH|O_DIRECTORY; owned */
	struct fuse_session_opts opts;
	bool initialized;    /* INIT done, no DESTROY since */
	uint32_t minor;      /* negotiated */
	uint64_t timeout_s;  /* entry/attr timeout */
	uid_t own_uid;       /* the daemon's fsuid and fsgid between requests */
	gid_t own_gid;
	uint8_t *req;        /* FUSE_SESSION_REQ_MAX */
	uint8_t *reply;      /* FUSE_SESSION_REPLY_MAX */
	struct ratelimit rl;
};

/* Take root_fd (an O_PATH fd of the shared dir) and proc_fd (/proc/self/fd). 0 or -errno. */
int fuse_session_init(struct fuse_session *s, int root_fd, int proc_fd,
		      const struct fuse_session_opts *opts) __must_check;
void fuse_session_fini(struct fuse_session *s);

/*
 * Handle one request: returns the bytes written to in[] (0: no reply, as for
 * FORGET or a request too broken to answer).
 */
uint32_t fuse_session_handle(struct fuse_session *s, const struct iovec *out, unsigned int nout,
			     const struct iovec *in, unsigned int nin);

/* ---- internal: shared by the fuse_*.c files ---- */

/* One request being handled. */
struct fuse_req {
	struct fuse_session *s;
	const struct fuse_in_header *h;
	const uint8_t *arg;    /* after the opcode struct */
	size_t arg_len;
	const void *in;        /* the opcode struct (in_size bytes) */
	uint8_t *out;          /* reply payload (after fuse_out_header) */
	size_t out_cap;        /* min(reply buffer, device-writable bytes) - header */
	bool noreply;
};

/* Handler: reply payload length (>= 0) or -errno. */
typedef int (*fuse_handler)(struct fuse_req *r);

/* One NUL-terminated single name component from r->arg at *off, advanced past it. */
int fuse_req_name(struct fuse_req *r, size_t *off, const char **ret) __must_check;
/* Reopen an inode's O_PATH fd with flags via /proc/self/fd. fd or -errno. */
int fuse_session_reopen(struct fuse_session *s, const struct fs_inode *i, int flags) __must_check;
/* Fill a fuse_attr from st. */
void fuse_fill_attr(struct fuse_attr *a, const struct stat *st);
/*
 * Look name up under parent, count it, fill e. fresh: name was just
 * created by this request (skips probing the table first). 0 or -errno.
 */
int fuse_do_lookup(struct fuse_session *s, struct fs_inode *parent, const char *name, bool fresh,
		   struct fuse_entry_out *e) __must_check;

struct fuse_creds {
	bool switched;
};
/* Take the caller's fsuid/fsgid for one call: 0, or -EPERM (nothing changed) if the kernel refused. */
int fuse_creds_enter(struct fuse_req *r, struct fuse_creds *c) __must_check;
void fuse_creds_leave(struct fuse_req *r, struct fuse_creds *c);

/* fuse_node.c */
int fuse_op_lookup(struct fuse_req *r);
int fuse_op_getattr(struct fuse_req *r);
int fuse_op_setattr(struct fuse_req *r);
int fuse_op_readlink(struct fuse_req *r);
int fuse_op_symlink(struct fuse_req *r);
int fuse_op_mknod(struct fuse_req *r);
int fuse_op_mkdir(struct fuse_req *r);
int fuse_op_unlink(struct fuse_req *r);
int fuse_op_rmdir(struct fuse_req *r);
int fuse_op_rename(struct fuse_req *r);
int fuse_op_rename2(struct fuse_req *r);
int fuse_op_link(struct fuse_req *r);
int fuse_op_statfs(struct fuse_req *r);
int fuse_op_access(struct fuse_req *r);
int fuse_op_setxattr(struct fuse_req *r);
int fuse_op_getxattr(struct fuse_req *r);
int fuse_op_listxattr(struct fuse_req *r);
int fuse_op_removexattr(struct fuse_req *r);
/* fuse_file.c */
int fuse_op_open(struct fuse_req *r);
int fuse_op_read(struct fuse_req *r);
int fuse_op_write(struct fuse_req *r);
int fuse_op_release(struct fuse_req *r);
int fuse_op_flush(struct fuse_req *r);
int fuse_op_fsync(struct fuse_req *r);
int fuse_op_create(struct fuse_req *r);
int fuse_op_opendir(struct fuse_req *r);
int fuse_op_readdir(struct fuse_req *r);
int fuse_op_readdirplus(struct fuse_req *r);
int fuse_op_releasedir(struct fuse_req *r);
int fuse_op_fsyncdir(struct fuse_req *r);

#endif
