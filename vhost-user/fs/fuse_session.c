/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-fs: request validation and dispatch, INIT/DESTROY/FORGET, shared helpers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "common/log.h"
#include "vhost-user/fs/fuse_session.h"

#define FUSE_TAG "fuse"
#define FUSE_OPCODE_MAX 64

/* INIT flags we implement; the reply is their intersection with the kernel's. */
#define FUSE_SESSION_FLAGS                                                               \
	(FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_BIG_WRITES | FUSE_DO_READDIRPLUS |    \
	 FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES)

struct fuse_op_desc {
	const char *name;
	uint32_t in_size;   /* opcode struct the request must carry */
	uint32_t out_size;  /* fixed reply the device-writable buffers must hold */
	fuse_handler fn;
	bool before_init;   /* allowed before INIT */
};

static int fuse_op_init(struct fuse_req *r);
static int fuse_op_destroy(struct fuse_req *r);
static int fuse_op_forget(struct fuse_req *r);
static int fuse_op_batch_forget(struct fuse_req *r);

#define OP(code, fn_, in_, out_) [code] = { #code, in_, out_, fn_, false }

static const struct fuse_op_desc fuse_opcodes[FUSE_OPCODE_MAX] = {
	[FUSE_INIT] = { "FUSE_INIT", offsetof(struct fuse_init_in, flags2), 0, fuse_op_init, true },
	OP(FUSE_DESTROY, fuse_op_destroy, 0, 0),
	OP(FUSE_LOOKUP, fuse_op_lookup, 0, sizeof(struct fuse_entry_out)),
	OP(FUSE_FORGET, fuse_op_forget, sizeof(struct fuse_forget_in), 0),
	OP(FUSE_BATCH_FORGET, fuse_op_batch_forget, sizeof(struct fuse_batch_forget_in), 0),
	OP(FUSE_GETATTR, fuse_op_getattr, sizeof(struct fuse_getattr_in), sizeof(struct fuse_attr_out)),
	OP(FUSE_SETATTR, fuse_op_setattr, sizeof(struct fuse_setattr_in), sizeof(struct fuse_attr_out)),
	OP(FUSE_READLINK, fuse_op_readlink, 0, 0),
	OP(FUSE_SYMLINK, fuse_op_symlink, 0, sizeof(struct fuse_entry_out)),
	OP(FUSE_MKNOD, fuse_op_mknod, sizeof(struct fuse_mknod_in), sizeof(struct fuse_entry_out)),
	OP(FUSE_MKDIR, fuse_op_mkdir, sizeof(struct fuse_mkdir_in), sizeof(struct fuse_entry_out)),
	OP(FUSE_UNLINK, fuse_op_unlink, 0, 0),
	OP(FUSE_RMDIR, fuse_op_rmdir, 0, 0),
	OP(FUSE_RENAME, fuse_op_rename, sizeof(struct fuse_rename_in), 0),
	OP(FUSE_RENAME2, fuse_op_rename2, sizeof(struct fuse_rename2_in), 0),
	OP(FUSE_LINK, fuse_op_link, sizeof(struct fuse_link_in), sizeof(struct fuse_entry_out)),
	OP(FUSE_OPEN, fuse_op_open, sizeof(struct fuse_open_in), sizeof(struct fuse_open_out)),
	OP(FUSE_READ, fuse_op_read, sizeof(struct fuse_read_in), 0),
	OP(FUSE_WRITE, fuse_op_write, sizeof(struct fuse_write_in), sizeof(struct fuse_write_out)),
	OP(FUSE_STATFS, fuse_op_statfs, 0, sizeof(struct fuse_statfs_out)),
	OP(FUSE_RELEASE, fuse_op_release, sizeof(struct fuse_release_in), 0),
	OP(FUSE_FSYNC, fuse_op_fsync, sizeof(struct fuse_fsync_in), 0),
	OP(FUSE_SETXATTR, fuse_op_setxattr, FUSE_COMPAT_SETXATTR_IN_SIZE, 0),
	OP(FUSE_GETXATTR, fuse_op_getxattr, sizeof(struct fuse_getxattr_in), 0),
	OP(FUSE_LISTXATTR, fuse_op_listxattr, sizeof(struct fuse_getxattr_in), 0),
	OP(FUSE_REMOVEXATTR, fuse_op_removexattr, 0, 0),
	OP(FUSE_FLUSH, fuse_op_flush, sizeof(struct fuse_flush_in), 0),
	OP(FUSE_OPENDIR, fuse_op_opendir, sizeof(struct fuse_open_in), sizeof(struct fuse_open_out)),
	OP(FUSE_READDIR, fuse_op_readdir, sizeof(struct fuse_read_in), 0),
	OP(FUSE_READDIRPLUS, fuse_op_readdirplus, sizeof(struct fuse_read_in), 0),
	OP(FUSE_RELEASEDIR, fuse_op_releasedir, sizeof(struct fuse_release_in), 0),
	OP(FUSE_FSYNCDIR, fuse_op_fsyncdir, sizeof(struct fuse_fsync_in), 0),
	OP(FUSE_ACCESS, fuse_op_access, sizeof(struct fuse_access_in), 0),
	OP(FUSE_CREATE, fuse_op_create, sizeof(struct fuse_create_in),
	   sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out)),
};

int fuse_session_init(struct fuse_session *s, int root_fd, int proc_fd,
		      const struct fuse_session_opts *opts)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->proc_fd = proc_fd;
	s->opts = *opts;
	s->own_uid = geteuid(); /* our fsuid and fsgid, what fuse_creds_leave restores */
	s->own_gid = getegid();
	ratelimit_init(&s->rl, 5000, 5);
	fs_handles_init(&s->handles);
	r = fs_inodes_init(&s->inodes, root_fd);
	if (r < 0)
		goto fail;
	s->req = malloc(FUSE_SESSION_REQ_MAX);
	s->reply = malloc(FUSE_SESSION_REPLY_MAX);
	if (!s->req || !s->reply) {
		r = -ENOMEM;
		goto fail;
	}
	switch (opts->cache) {
	case FUSE_CACHE_NONE: s->timeout_s = 0; break;
	case FUSE_CACHE_AUTO: s->timeout_s = 1; break;
	case FUSE_CACHE_ALWAYS: s->timeout_s = 86400; break;
	}
	return 0;
fail:
	fuse_session_fini(s);
	return r;
}

void fuse_session_fini(struct fuse_session *s)
{
	fs_handles_fini(&s->handles);
	fs_inodes_fini(&s->inodes);
	closep(&s->proc_fd);
	free(s->req);
	free(s->reply);
	s->req = s->reply = NULL;
}

static size_t fuse_iov_gather(const struct iovec *iov, unsigned int n, uint8_t *buf, size_t cap,
			      size_t *ret_total)
{
	size_t done = 0, total = 0;

	for (unsigned int i = 0; i < n; i++) {
		size_t chunk = MIN(iov[i].iov_len, cap - done);

		memcpy(buf + done, iov[i].iov_base, chunk);
		done += chunk;
		total += iov[i].iov_len; /* a chain is bounded: no overflow */
	}
	*ret_total = total;
	return done;
}

static uint32_t fuse_iov_scatter(const struct iovec *iov, unsigned int n, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t chunk = MIN(iov[i].iov_len, len - done);

		memcpy(iov[i].iov_base, buf + done, chunk);
		done += chunk;
	}
	return (uint32_t)done;
}

uint32_t fuse_session_handle(struct fuse_session *s, const struct iovec *out, unsigned int nout,
			     const struct iovec *in, unsigned int nin)
{
	struct fuse_in_header h;
	struct fuse_out_header oh;
	const struct fuse_op_desc *op = NULL;
	struct fuse_req r = { .s = s, .h = &h };
	size_t total, got, in_len = 0;
	int n;

	for (unsigned int i = 0; i < nin; i++)
		in_len += in[i].iov_len;
	got = fuse_iov_gather(out, nout, s->req, FUSE_SESSION_REQ_MAX, &total);
	if (got < sizeof(h))
		return 0; /* no unique to answer to */
	memcpy(&h, s->req, sizeof(h)); /* copied: the guest cannot change it under us */
	if (h.opcode < FUSE_OPCODE_MAX)
		op = &fuse_opcodes[h.opcode];
	/* FORGET and BATCH_FORGET have no reply; anything else needs room for the header. */
	bool noreply = h.opcode == FUSE_FORGET || h.opcode == FUSE_BATCH_FORGET;

	if (h.len != total || total > FUSE_SESSION_REQ_MAX) {
		n = -EINVAL;
		goto reply;
	}
	if (!op || !op->fn) {
		n = -ENOSYS;
		goto reply;
	}
	if (!s->initialized && !op->before_init) {
		n = -EIO;
		goto reply;
	}
	if (h.len - sizeof(h) < op->in_size) {
		n = -EINVAL;
		goto reply;
	}
	r.in = s->req + sizeof(h);
	r.arg = s->req + sizeof(h) + op->in_size;
	r.arg_len = h.len - sizeof(h) - op->in_size;
	r.out = s->reply + sizeof(oh);
	r.out_cap = in_len >= sizeof(oh) ? MIN(in_len, FUSE_SESSION_REPLY_MAX) - sizeof(oh) : 0;
	if (!noreply && r.out_cap < op->out_size) {
		n = -EINVAL;
		goto reply;
	}
	n = op->fn(&r);
	noreply = r.noreply;
	if (n > 0 && (size_t)n > r.out_cap)
		n = -ERANGE;
reply:
	/* Errors are common (LOOKUP of missing names): look at the clock only when logging. */
	if (n < 0 && log_get_level() >= LOG_LVL_DEBUG && ratelimit_ok(&s->rl))
		log_debug(FUSE_TAG, "%s (opcode %u) unique %llu: %s", op && op->name ? op->name : "?",
			  h.opcode, (unsigned long long)h.unique, strerror(-n));
	if (noreply || in_len < sizeof(oh))
		return 0;
	oh.unique = h.unique;
	oh.error = n < 0 ? n : 0;
	oh.len = (uint32_t)sizeof(oh) + (n > 0 ? (uint32_t)n : 0);
	memcpy(s->reply, &oh, sizeof(oh));
	return fuse_iov_scatter(in, nin, s->reply, oh.len);
}

static int fuse_op_init(struct fuse_req *r)
{
	const struct fuse_init_in *in = r->in;
	struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION };

	if (r->out_cap < sizeof(o))
		return -EINVAL;
	if (in->major < FUSE_KERNEL_VERSION)
		return -EPROTO;
	if (in->major > FUSE_KERNEL_VERSION) {
		/* Tell the kernel our major; it retries with it. */
		o.minor = FUSE_SESSION_MAX_MINOR;
		memcpy(r->out, &o, FUSE_COMPAT_INIT_OUT_SIZE);
		return FUSE_COMPAT_INIT_OUT_SIZE;
	}
	if (in->minor < FUSE_SESSION_MIN_MINOR)
		return -EPROTO;
	if (r->s->initialized) {
		fs_handles_fini(&r->s->handles);
		fs_inodes_reset(&r->s->inodes);
	}
	r->s->minor = MIN(in->minor, (uint32_t)FUSE_SESSION_MAX_MINOR);
	o.minor = r->s->minor;
	o.max_readahead = MIN(in->max_readahead, FUSE_SESSION_MAX_READ);
	o.flags = in->flags & FUSE_SESSION_FLAGS;
	o.max_background = 64;
	o.congestion_threshold = 48;
	o.max_write = FUSE_SESSION_MAX_WRITE;
	o.time_gran = 1;
	o.max_pages = (o.flags & FUSE_MAX_PAGES) ? FUSE_SESSION_MAX_PAGES : 0;
	r->s->initialized = true;
	memcpy(r->out, &o, sizeof(o));
	return sizeof(o);
}

static int fuse_op_destroy(struct fuse_req *r)
{
	fs_handles_fini(&r->s->handles);
	fs_inodes_reset(&r->s->inodes);
	r->s->initialized = false;
	return 0;
}

static int fuse_op_forget(struct fuse_req *r)
{
	const struct fuse_forget_in *in = r->in;

	fs_inode_unref(&r->s->inodes, r->h->nodeid, in->nlookup);
	r->noreply = true;
	return 0;
}

static int fuse_op_batch_forget(struct fuse_req *r)
{
	const struct fuse_batch_forget_in *in = r->in;
	struct fuse_forget_one one;

	r->noreply = true;
	if (in->count > r->arg_len / sizeof(one))
		return -EINVAL; /* the count lies: forget nothing */
	for (uint32_t i = 0; i < in->count; i++) {
		memcpy(&one, r->arg + i * sizeof(one), sizeof(one));
		fs_inode_unref(&r->s->inodes, one.nodeid, one.nlookup);
	}
	return 0;
}

int fuse_req_name(struct fuse_req *r, size_t *off, const char **ret)
{
	const char *p;
	size_t left, len;

	if (*off >= r->arg_len)
		return -EINVAL;
	p = (const char *)r->arg + *off;
	left = r->arg_len - *off;
	len = strnlen(p, left);
	if (len == left)
		return -EINVAL; /* not NUL-terminated inside the request */
	if (len == 0 || len > NAME_MAX)
		return len ? -ENAMETOOLONG : -EINVAL;
	if (memchr(p, '/', len) || strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
		return -EINVAL;
	*off += len + 1;
	*ret = p;
	return 0;
}

int fuse_session_reopen(struct fuse_session *s, const struct fs_inode *i, int flags)
{
	char name[16];
	int fd;

	if (i->type == S_IFLNK)
		return -ELOOP;
	snprintf(name, sizeof(name), "%d", i->fd);
	fd = openat(s->proc_fd, name, (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

void fuse_fill_attr(struct fuse_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
}

/*
 * A name whose inode the table already holds (the common case: with
 * cache=none the guest looks every path component up again on each
 * access) costs one fstatat: (dev, ino) names the node, and the node's
 * O_PATH fd keeps that inode alive, so the number cannot meanwhile belong
 * to another file. Only an inode new to the table is opened (O_PATH,
 * O_NOFOLLOW) and its attributes taken from that fd. fresh: the name was
 * just created, so skip the probe that would only miss.
 */
int fuse_do_lookup(struct fuse_session *s, struct fs_inode *parent, const char *name, bool fresh,
		   struct fuse_entry_out *e)
{
	struct fs_inode *i = NULL;
	struct stat st;
	int fd, r;

	if (!fresh) {
		if (fstatat(parent->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		i = fs_inode_find(&s->inodes, st.st_dev, st.st_ino);
		if (i)
			i->nlookup++;
	}
	if (!i) {
		fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		r = fs_inode_ref(&s->inodes, fd, &st, &i);
		if (r < 0)
			return r;
	}
	memset(e, 0, sizeof(*e));
	e->nodeid = fs_inode_id(&s->inodes, i);
	e->generation = i->generation;
	e->entry_valid = s->timeout_s;
	e->attr_valid = s->timeout_s;
	fuse_fill_attr(&e->attr, &st);
	return 0;
}

/*
 * A caller with the daemon's own fsuid and fsgid (root in the guest, for a
 * root daemon) needs no switch: setting them and back would change nothing
 * (the kernel keeps the same credentials), so those four syscalls are
 * skipped. Anyone else gets their fsgid, then fsuid, for the one call.
 */
int fuse_creds_enter(struct fuse_req *r, struct fuse_creds *c)
{
	struct fuse_session *s = r->s;

	c->switched = false;
	if (!s->opts.set_fsids || (r->h->uid == s->own_uid && r->h->gid == s->own_gid))
		return 0;
	setfsgid(r->h->gid);
	setfsuid(r->h->uid);
	c->switched = true;
	/*
	 * setfsuid/setfsgid report no error, only the previous id; an invalid id
	 * (-1) changes nothing and returns the current one. A switch that did not
	 * happen must not let the request run with the daemon's own ids.
	 */
	if ((uid_t)setfsuid((uid_t)-1) != r->h->uid || (gid_t)setfsgid((gid_t)-1) != r->h->gid) {
		fuse_creds_leave(r, c);
		log_debug(FUSE_TAG, "could not take the caller's ids %u:%u; refused",
			 (unsigned int)r->h->uid, (unsigned int)r->h->gid);
		return -EPERM;
	}
	return 0;
}

void fuse_creds_leave(struct fuse_req *r, struct fuse_creds *c)
{
	if (!c->switched)
		return;
	setfsuid(r->s->own_uid);
	setfsgid(r->s->own_gid);
}
