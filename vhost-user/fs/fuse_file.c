/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-fs: FUSE operations on open files and directories. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhost-user/fs/fuse_session.h"

/* Open flags a guest may pass through; creation flags are ours to set. */
#define FUSE_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_SYNC | O_DSYNC | O_NONBLOCK | O_NOATIME)

static uint32_t fuse_open_flags(const struct fuse_session *s, bool dir)
{
	switch (s->opts.cache) {
	case FUSE_CACHE_NONE: return dir ? 0 : FOPEN_DIRECT_IO;
	case FUSE_CACHE_ALWAYS: return dir ? FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR : FOPEN_KEEP_CACHE;
	default: return 0;
	}
}

static int fuse_reply_open(struct fuse_req *r, int fd, DIR *dir, size_t at)
{
	struct fuse_open_out o = { .open_flags = fuse_open_flags(r->s, dir != NULL) };
	int64_t fh = fs_handle_add(&r->s->handles, fd, dir);

	if (fh < 0)
		return (int)fh;
	o.fh = (uint64_t)fh;
	memcpy(r->out + at, &o, sizeof(o));
	return (int)(at + sizeof(o));
}

int fuse_op_open(struct fuse_req *r)
{
	const struct fuse_open_in *in = r->in;
	struct fs_inode *i = fs_inode_get(&r->s->inodes, r->h->nodeid);
	int fd;

	if (!i)
		return -ESTALE;
	if (i->type == S_IFDIR)
		return -EISDIR;
	if (i->type != S_IFREG)
		return -EINVAL; /* symlinks are followed by the guest; no devices or fifos here */
	fd = fuse_session_reopen(r->s, i, (int)(in->flags & FUSE_OPEN_FLAGS));
	return fd < 0 ? fd : fuse_reply_open(r, fd, NULL, 0);
}

int fuse_op_create(struct fuse_req *r)
{
	const struct fuse_create_in *in = r->in;
	struct fs_inode *d = fs_inode_get(&r->s->inodes, r->h->nodeid);
	struct fuse_entry_out e;
	struct fuse_creds c;
	const char *name;
	size_t off = 0;
	int fd, err;

	if (!d)
		return -ESTALE;
	if (d->type != S_IFDIR)
		return -ENOTDIR;
	err = fuse_req_name(r, &off, &name);
	if (err < 0)
		return err;
	err = fuse_creds_enter(r, &c);
	if (err < 0)
		return err;
	/* O_NOFOLLOW: a symlink under that name (pointing anywhere) is never followed. */
	fd = openat(d->fd, name, (int)(in->flags & (FUSE_OPEN_FLAGS | O_EXCL)) | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    in->mode & 07777);
	err = fd < 0 ? -errno : 0;
	fuse_creds_leave(r, &c);
	if (err < 0)
		return err;
	err = fuse_do_lookup(r->s, d, name, true, &e);
	if (err < 0) {
		close(fd);
		return err;
	}
	memcpy(r->out, &e, sizeof(e));
	err = fuse_reply_open(r, fd, NULL, sizeof(e));
	if (err < 0)
		fs_inode_unref(&r->s->inodes, e.nodeid, 1);
	return err;
}

static struct fs_handle *fuse_file(struct fuse_req *r, uint64_t fh)
{
	struct fs_handle *h = fs_handle_get(&r->s->handles, fh);

	return h && !h->dir ? h : NULL;
}

int fuse_op_read(struct fuse_req *r)
{
	const struct fuse_read_in *in = r->in;
	struct fs_handle *h = fuse_file(r, in->fh);
	size_t len = MIN((size_t)in->size, r->out_cap);
	ssize_t n;

	if (!h)
		return -EBADF;
	if (in->offset > INT64_MAX)
		return -EINVAL;
	len = MIN(len, (size_t)FUSE_SESSION_MAX_READ);
	n = pread(h->fd, r->out, len, (off_t)in->offset);
	return n < 0 ? -errno : (int)n;
}

int fuse_op_write(struct fuse_req *r)
{
	const struct fuse_write_in *in = r->in;
	struct fs_handle *h = fuse_file(r, in->fh);
	struct fuse_write_out o = { 0 };
	ssize_t n;

	if (!h)
		return -EBADF;
	if (in->size != r->arg_len || in->offset > INT64_MAX)
		return -EINVAL; /* the payload must be exactly what the header says */
	n = pwrite(h->fd, r->arg, in->size, (off_t)in->offset);
	if (n < 0)
		return -errno;
	o.size = (uint32_t)n;
	memcpy(r->out, &o, sizeof(o));
	return sizeof(o);
}

int fuse_op_release(struct fuse_req *r)
{
	const struct fuse_release_in *in = r->in;

	if (!fuse_file(r, in->fh))
		return -EBADF;
	return fs_handle_del(&r->s->handles, in->fh);
}

int fuse_op_flush(struct fuse_req *r)
{
	const struct fuse_flush_in *in = r->in;

	return fuse_file(r, in->fh) ? 0 : -EBADF;
}

int fuse_op_fsync(struct fuse_req *r)
{
	const struct fuse_fsync_in *in = r->in;
	struct fs_handle *h = fuse_file(r, in->fh);

	if (!h)
		return -EBADF;
	return ((in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(h->fd) : fsync(h->fd)) < 0 ? -errno : 0;
}

int fuse_op_opendir(struct fuse_req *r)
{
	struct fs_inode *i = fs_inode_get(&r->s->inodes, r->h->nodeid);
	DIR *dir;
	int fd;

	if (!i)
		return -ESTALE;
	if (i->type != S_IFDIR)
		return -ENOTDIR;
	fd = fuse_session_reopen(r->s, i, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	dir = fdopendir(fd);
	if (!dir) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fuse_reply_open(r, -1, dir, 0);
}

static struct fs_handle *fuse_dir(struct fuse_req *r, uint64_t fh)
{
	struct fs_handle *h = fs_handle_get(&r->s->handles, fh);

	return h && h->dir ? h : NULL;
}

static int fuse_readdir_common(struct fuse_req *r, bool plus)
{
	const struct fuse_read_in *in = r->in;
	struct fs_handle *h = fuse_dir(r, in->fh);
	struct fs_inode *d = fs_inode_get(&r->s->inodes, r->h->nodeid);
	size_t cap = MIN((size_t)in->size, r->out_cap), used = 0;
	struct dirent *de;

	if (!h || !d)
		return h ? -ESTALE : -EBADF;
	if (in->offset > INT64_MAX)
		return -EINVAL;
	if (in->offset == 0)
		rewinddir(h->dir);
	else
		seekdir(h->dir, (long)in->offset);
	for (;;) {
		size_t nlen, rec;
		long pos = telldir(h->dir);

		errno = 0;
		de = readdir(h->dir);
		if (!de)
			break;
		nlen = strlen(de->d_name);
		rec = plus ? FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + nlen)
			   : FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nlen);
		if (rec > cap - used) {
			seekdir(h->dir, pos);
			break;
		}
		struct fuse_dirent fd = {
			.ino = de->d_ino,
			.off = (uint64_t)de->d_off,
			.namelen = (uint32_t)nlen,
			.type = de->d_type,
		};
		uint8_t *p = r->out + used;

		memset(p, 0, rec);
		if (plus) {
			struct fuse_entry_out e = { 0 };
			bool dot = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;

			if (!dot) {
				int err = fuse_do_lookup(r->s, d, de->d_name, false, &e);

				if (err < 0)
					memset(&e, 0, sizeof(e)); /* raced away: nodeid 0, no lookup counted */
			} else {
				e.attr.ino = de->d_ino;
				e.attr.mode = (uint32_t)DTTOIF(de->d_type);
			}
			memcpy(p, &e, sizeof(e));
			p += sizeof(e);
		}
		memcpy(p, &fd, FUSE_NAME_OFFSET);
		memcpy(p + FUSE_NAME_OFFSET, de->d_name, nlen);
		used += rec;
	}
	if (!de && errno && used == 0)
		return -errno;
	return (int)used;
}

int fuse_op_readdir(struct fuse_req *r)
{
	return fuse_readdir_common(r, false);
}

int fuse_op_readdirplus(struct fuse_req *r)
{
	return fuse_readdir_common(r, true);
}

int fuse_op_releasedir(struct fuse_req *r)
{
	const struct fuse_release_in *in = r->in;

	if (!fuse_dir(r, in->fh))
		return -EBADF;
	return fs_handle_del(&r->s->handles, in->fh);
}

int fuse_op_fsyncdir(struct fuse_req *r)
{
	const struct fuse_fsync_in *in = r->in;
	struct fs_handle *h = fuse_dir(r, in->fh);

	if (!h)
		return -EBADF;
	return ((in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(h->fd) : fsync(h->fd)) < 0 ? -errno : 0;
}
