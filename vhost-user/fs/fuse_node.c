/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-fs: FUSE operations on names and inodes (lookup, attributes, links, xattrs). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "vhost-user/fs/fuse_session.h"

#define FUSE_XATTR_MAX (64u * 1024)

static struct fs_inode *fuse_node(struct fuse_req *r)
{
	return fs_inode_get(&r->s->inodes, r->h->nodeid);
}

/* The request's node as a directory and the first name argument. */
static int fuse_parent_name(struct fuse_req *r, size_t *off, struct fs_inode **ret_dir,
			    const char **ret_name)
{
	struct fs_inode *d = fuse_node(r);
	int e;

	if (!d)
		return -ESTALE;
	if (d->type != S_IFDIR)
		return -ENOTDIR;
	e = fuse_req_name(r, off, ret_name);
	if (e < 0)
		return e;
	*ret_dir = d;
	return 0;
}

/* fresh: name was just made by this request (see fuse_do_lookup). */
static int fuse_reply_entry(struct fuse_req *r, struct fs_inode *dir, const char *name, bool fresh)
{
	struct fuse_entry_out e;
	int err = fuse_do_lookup(r->s, dir, name, fresh, &e);

	if (err < 0)
		return err;
	memcpy(r->out, &e, sizeof(e));
	return sizeof(e);
}

int fuse_op_lookup(struct fuse_req *r)
{
	struct fs_inode *d;
	const char *name;
	size_t off = 0;
	int e = fuse_parent_name(r, &off, &d, &name);

	return e < 0 ? e : fuse_reply_entry(r, d, name, false);
}

static int fuse_stat(const struct fs_inode *i, struct stat *st)
{
	return fstatat(i->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int fuse_reply_attr(struct fuse_req *r, const struct fs_inode *i)
{
	struct fuse_attr_out o = { .attr_valid = r->s->timeout_s };
	struct stat st;
	int e = fuse_stat(i, &st);

	if (e < 0)
		return e;
	fuse_fill_attr(&o.attr, &st);
	memcpy(r->out, &o, sizeof(o));
	return sizeof(o);
}

int fuse_op_getattr(struct fuse_req *r)
{
	struct fs_inode *i = fuse_node(r);

	return i ? fuse_reply_attr(r, i) : -ESTALE;
}

/* A proc name for i ("N" of /proc/self/fd/N), for the *at calls that must follow it. */
static void fuse_proc_name(const struct fs_inode *i, char *buf, size_t len)
{
	snprintf(buf, len, "%d", i->fd);
}

int fuse_op_setattr(struct fuse_req *r)
{
	const struct fuse_setattr_in *in = r->in;
	struct fs_inode *i = fuse_node(r);
	struct fs_handle *fh = NULL;
	char pname[16];
	int e;

	if (!i)
		return -ESTALE;
	if (in->valid & FATTR_FH) {
		fh = fs_handle_get(&r->s->handles, in->fh);
		if (!fh)
			return -EBADF;
	}
	fuse_proc_name(i, pname, sizeof(pname));
	if (in->valid & FATTR_MODE) {
		if (i->type == S_IFLNK)
			return -EOPNOTSUPP;
		if ((fh ? fchmod(fh->fd, in->mode & 07777) : fchmodat(r->s->proc_fd, pname, in->mode & 07777, 0)) < 0)
			return -errno;
	}
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = (in->valid & FATTR_UID) ? in->uid : (uid_t)-1;
		gid_t gid = (in->valid & FATTR_GID) ? in->gid : (gid_t)-1;

		if (fchownat(i->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (in->valid & FATTR_SIZE) {
		if (i->type != S_IFREG)
			return -EINVAL;
		if (fh) {
			e = ftruncate(fh->fd, (off_t)in->size) < 0 ? -errno : 0;
		} else {
			int fd = fuse_session_reopen(r->s, i, O_WRONLY);

			if (fd < 0)
				return fd;
			e = ftruncate(fd, (off_t)in->size) < 0 ? -errno : 0;
			close(fd);
		}
		if (e < 0)
			return e;
	}
	if (in->valid & (FATTR_ATIME | FATTR_MTIME)) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

		if (in->valid & FATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (in->valid & FATTR_ATIME)
			ts[0] = (struct timespec){ (time_t)in->atime, in->atimensec };
		if (in->valid & FATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (in->valid & FATTR_MTIME)
			ts[1] = (struct timespec){ (time_t)in->mtime, in->mtimensec };
		if (i->type == S_IFLNK)
			return -EOPNOTSUPP;
		if (fh ? futimens(fh->fd, ts) < 0 : utimensat(r->s->proc_fd, pname, ts, 0) < 0)
			return -errno;
	}
	return fuse_reply_attr(r, i);
}

int fuse_op_readlink(struct fuse_req *r)
{
	struct fs_inode *i = fuse_node(r);
	ssize_t n;

	if (!i)
		return -ESTALE;
	if (i->type != S_IFLNK)
		return -EINVAL;
	n = readlinkat(i->fd, "", (char *)r->out, MIN(r->out_cap, (size_t)PATH_MAX));
	return n < 0 ? -errno : (int)n;
}

int fuse_op_symlink(struct fuse_req *r)
{
	struct fuse_creds c;
	struct fs_inode *d;
	const char *name, *target;
	size_t off = 0, tlen;
	int e;

	e = fuse_parent_name(r, &off, &d, &name);
	if (e < 0)
		return e;
	/* The target is stored, never followed by us: only bound it. */
	if (off >= r->arg_len)
		return -EINVAL;
	target = (const char *)r->arg + off;
	tlen = strnlen(target, r->arg_len - off);
	if (tlen == r->arg_len - off || tlen == 0 || tlen >= PATH_MAX)
		return -EINVAL;
	e = fuse_creds_enter(r, &c);
	if (e < 0)
		return e;
	e = symlinkat(target, d->fd, name) < 0 ? -errno : 0;
	fuse_creds_leave(r, &c);
	return e < 0 ? e : fuse_reply_entry(r, d, name, true);
}

int fuse_op_mknod(struct fuse_req *r)
{
	const struct fuse_mknod_in *in = r->in;
	struct fuse_creds c;
	struct fs_inode *d;
	const char *name;
	size_t off = 0;
	int e;

	e = fuse_parent_name(r, &off, &d, &name);
	if (e < 0)
		return e;
	if (!S_ISREG(in->mode) && !S_ISFIFO(in->mode))
		return -EPERM; /* no device nodes or sockets in the shared dir */
	e = fuse_creds_enter(r, &c);
	if (e < 0)
		return e;
	e = mknodat(d->fd, name, in->mode & (S_IFMT | 07777), 0) < 0 ? -errno : 0;
	fuse_creds_leave(r, &c);
	return e < 0 ? e : fuse_reply_entry(r, d, name, true);
}

int fuse_op_mkdir(struct fuse_req *r)
{
	const struct fuse_mkdir_in *in = r->in;
	struct fuse_creds c;
	struct fs_inode *d;
	const char *name;
	size_t off = 0;
	int e;

	e = fuse_parent_name(r, &off, &d, &name);
	if (e < 0)
		return e;
	e = fuse_creds_enter(r, &c);
	if (e < 0)
		return e;
	e = mkdirat(d->fd, name, in->mode & 07777) < 0 ? -errno : 0;
	fuse_creds_leave(r, &c);
	return e < 0 ? e : fuse_reply_entry(r, d, name, true);
}

static int fuse_unlink_common(struct fuse_req *r, int flags)
{
	struct fs_inode *d;
	const char *name;
	size_t off = 0;
	int e = fuse_parent_name(r, &off, &d, &name);

	if (e < 0)
		return e;
	return unlinkat(d->fd, name, flags) < 0 ? -errno : 0;
}

int fuse_op_unlink(struct fuse_req *r)
{
	return fuse_unlink_common(r, 0);
}

int fuse_op_rmdir(struct fuse_req *r)
{
	return fuse_unlink_common(r, AT_REMOVEDIR);
}

static int fuse_rename_common(struct fuse_req *r, uint64_t newdir, uint32_t flags)
{
	struct fs_inode *d, *nd = fs_inode_get(&r->s->inodes, newdir);
	const char *oldname, *newname;
	size_t off = 0;
	int e;

	e = fuse_parent_name(r, &off, &d, &oldname);
	if (e < 0)
		return e;
	e = fuse_req_name(r, &off, &newname);
	if (e < 0)
		return e;
	if (!nd)
		return -ESTALE;
	if (nd->type != S_IFDIR)
		return -ENOTDIR;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	return renameat2(d->fd, oldname, nd->fd, newname, flags) < 0 ? -errno : 0;
}

int fuse_op_rename(struct fuse_req *r)
{
	const struct fuse_rename_in *in = r->in;

	return fuse_rename_common(r, in->newdir, 0);
}

int fuse_op_rename2(struct fuse_req *r)
{
	const struct fuse_rename2_in *in = r->in;

	return fuse_rename_common(r, in->newdir, in->flags);
}

int fuse_op_link(struct fuse_req *r)
{
	const struct fuse_link_in *in = r->in;
	struct fs_inode *d, *old = fs_inode_get(&r->s->inodes, in->oldnodeid);
	const char *name;
	char pname[16];
	size_t off = 0;
	int e;

	e = fuse_parent_name(r, &off, &d, &name);
	if (e < 0)
		return e;
	if (!old)
		return -ESTALE;
	if (old->type == S_IFDIR)
		return -EPERM;
	if (old->type == S_IFLNK) {
		/* AT_EMPTY_PATH links the symlink itself (needs CAP_DAC_READ_SEARCH). */
		e = linkat(old->fd, "", d->fd, name, AT_EMPTY_PATH) < 0 ? -errno : 0;
	} else {
		fuse_proc_name(old, pname, sizeof(pname));
		e = linkat(r->s->proc_fd, pname, d->fd, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
	}
	return e < 0 ? e : fuse_reply_entry(r, d, name, false); /* a new name of a known inode */
}

int fuse_op_statfs(struct fuse_req *r)
{
	struct fs_inode *i = fuse_node(r);
	struct fuse_statfs_out o;
	struct statvfs sv;

	if (!i)
		i = fs_inode_get(&r->s->inodes, FUSE_ROOT_ID);
	if (fstatvfs(i->fd, &sv) < 0)
		return -errno;
	memset(&o, 0, sizeof(o));
	o.st.blocks = sv.f_blocks;
	o.st.bfree = sv.f_bfree;
	o.st.bavail = sv.f_bavail;
	o.st.files = sv.f_files;
	o.st.ffree = sv.f_ffree;
	o.st.bsize = (uint32_t)sv.f_bsize;
	o.st.namelen = (uint32_t)sv.f_namemax;
	o.st.frsize = (uint32_t)sv.f_frsize;
	memcpy(r->out, &o, sizeof(o));
	return sizeof(o);
}

int fuse_op_access(struct fuse_req *r)
{
	const struct fuse_access_in *in = r->in;
	struct fs_inode *i = fuse_node(r);
	char pname[16];

	if (!i)
		return -ESTALE;
	if (i->type == S_IFLNK)
		return 0; /* symlinks have no permissions of their own */
	fuse_proc_name(i, pname, sizeof(pname));
	return faccessat(r->s->proc_fd, pname, (int)(in->mask & (R_OK | W_OK | X_OK)), 0) < 0 ? -errno : 0;
}

/* xattrs need a real fd: regular files and directories only (never a fifo or device). */
static int fuse_xattr_fd(struct fuse_req *r, struct fs_inode **ret_node)
{
	struct fs_inode *i = fuse_node(r);

	if (!i)
		return -ESTALE;
	if (i->type != S_IFREG && i->type != S_IFDIR)
		return -ENOTSUP;
	*ret_node = i;
	return fuse_session_reopen(r->s, i, O_RDONLY | O_NONBLOCK);
}

int fuse_op_setxattr(struct fuse_req *r)
{
	const struct fuse_setxattr_in *in = r->in; /* only the first 8 bytes: size, flags */
	struct fs_inode *i;
	const char *name;
	size_t off = 0, nlen;
	int fd, e;

	if (r->arg_len == 0)
		return -EINVAL;
	name = (const char *)r->arg;
	nlen = strnlen(name, r->arg_len);
	if (nlen == r->arg_len || nlen == 0 || nlen > XATTR_NAME_MAX)
		return -EINVAL;
	off = nlen + 1;
	if (in->size > FUSE_XATTR_MAX || in->size > r->arg_len - off)
		return -EINVAL;
	fd = fuse_xattr_fd(r, &i);
	if (fd < 0)
		return fd;
	e = fsetxattr(fd, name, r->arg + off, in->size, (int)in->flags) < 0 ? -errno : 0;
	close(fd);
	return e;
}

/* GETXATTR/LISTXATTR: size 0 asks for the size; else the value, at most size bytes. */
static int fuse_xattr_reply(struct fuse_req *r, const struct fuse_getxattr_in *in, ssize_t n)
{
	if (n < 0)
		return -errno;
	if (in->size == 0) {
		struct fuse_getxattr_out o = { .size = (uint32_t)n };

		if (r->out_cap < sizeof(o))
			return -ERANGE;
		memcpy(r->out, &o, sizeof(o));
		return sizeof(o);
	}
	return (int)n;
}

static int fuse_xattr_get_list(struct fuse_req *r, bool list)
{
	const struct fuse_getxattr_in *in = r->in;
	size_t cap = MIN(MIN((size_t)in->size, r->out_cap), (size_t)FUSE_XATTR_MAX);
	const char *name = NULL;
	struct fs_inode *i;
	ssize_t n;
	int fd, e;

	if (!list) {
		size_t nlen = r->arg_len ? strnlen((const char *)r->arg, r->arg_len) : 0;

		if (nlen == r->arg_len || nlen == 0 || nlen > XATTR_NAME_MAX)
			return -EINVAL;
		name = (const char *)r->arg;
	}
	if (in->size && cap < in->size && cap < FUSE_XATTR_MAX)
		return -ERANGE; /* the reply buffers are smaller than the kernel said */
	fd = fuse_xattr_fd(r, &i);
	if (fd < 0)
		return fd;
	if (list)
		n = in->size ? flistxattr(fd, (char *)r->out, cap) : flistxattr(fd, NULL, 0);
	else
		n = in->size ? fgetxattr(fd, name, r->out, cap) : fgetxattr(fd, name, NULL, 0);
	e = fuse_xattr_reply(r, in, n);
	close(fd);
	return e;
}

int fuse_op_getxattr(struct fuse_req *r)
{
	return fuse_xattr_get_list(r, false);
}

int fuse_op_listxattr(struct fuse_req *r)
{
	return fuse_xattr_get_list(r, true);
}

int fuse_op_removexattr(struct fuse_req *r)
{
	struct fs_inode *i;
	size_t nlen = r->arg_len ? strnlen((const char *)r->arg, r->arg_len) : 0;
	int fd, e;

	if (nlen == r->arg_len || nlen == 0 || nlen > XATTR_NAME_MAX)
		return -EINVAL;
	fd = fuse_xattr_fd(r, &i);
	if (fd < 0)
		return fd;
	e = fremovexattr(fd, (const char *)r->arg) < 0 ? -errno : 0;
	close(fd);
	return e;
}
