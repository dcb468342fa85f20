/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-bench-fs: a virtio-fs front-end with no VM. It shares a memfd as
 * "guest memory" with a vhost-user-fs back-end (cnh-fs, virtiofsd), starts
 * the hiprio and first request queue (vu_front.h, vq_drv.h) and sends FUSE
 * requests one at a time, as a guest kernel with one outstanding request
 * would, sleeping on the call eventfd (or busy-polling the used ring with
 * --poll). Workloads:
 *
 *   meta  CREATE+RELEASE, LOOKUP+GETATTR, UNLINK of --files files
 *   read  a --read-mb file written with WRITE, then read with READ of --bs
 *
 * Prints one line per phase and one JSON line. --ops instead sends every
 * implemented opcode once and fails on a transport error (a dead daemon).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fuse.h>

#include "ipc/vhost_user.h"
#include "vq_drv.h"
#include "vu_front.h"

#define FB_QSIZE 64
#define FB_F_EVENT_IDX 29
#define FB_F_VERSION_1 32
#define FB_RING_BYTES 0x10000ull  /* rings of one queue */
#define FB_REQ_GPA 0x100000ull    /* request buffer */
#define FB_REQ_MAX (1ull << 20)
#define FB_REPLY_GPA 0x200000ull  /* reply buffer */
#define FB_REPLY_MAX (1ull << 20)
#define FB_MEM_BYTES (4ull << 20)
#define FB_TIMEOUT_NS 10000000000ull

struct fb {
	struct vu_front fe;
	uint8_t *mem;
	struct vq_drv vq[2];
	int kick[2], call[2];
	uint64_t unique;
	uint64_t requests;
	bool broken; /* a request got no valid completion */
	bool poll; /* busy-poll the used ring instead of sleeping on the call eventfd */
};

static uint64_t fb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * One FUSE request on the request queue (1): body after the header, reply
 * payload at fb->mem + FB_REPLY_GPA + sizeof(out header). Returns the
 * payload length or the FUSE error (negative); -ETIMEDOUT / -EPROTO on a
 * transport problem.
 */
static int fb_call(struct fb *b, uint32_t opcode, uint64_t nodeid, const void *body, size_t len,
		   const void *data, size_t data_len, size_t reply_room)
{
	struct vq_drv *vq = &b->vq[1];
	struct fuse_in_header h = { .len = (uint32_t)(sizeof(h) + len + data_len), .opcode = opcode,
				    .unique = ++b->unique, .nodeid = nodeid };
	struct fuse_out_header oh;
	uint32_t id, used;
	uint64_t t0, one = 1;

	if (h.len > FB_REQ_MAX || reply_room > FB_REPLY_MAX)
		return -EINVAL;
	memcpy(b->mem + FB_REQ_GPA, &h, sizeof(h));
	if (len)
		memcpy(b->mem + FB_REQ_GPA + sizeof(h), body, len);
	if (data_len)
		memcpy(b->mem + FB_REQ_GPA + sizeof(h) + len, data, data_len);
	vq->desc[0] = (struct vring_desc){ FB_REQ_GPA, h.len, VRING_DESC_F_NEXT, 1 };
	vq->desc[1] = (struct vring_desc){ FB_REPLY_GPA, (uint32_t)(sizeof(oh) + reply_room),
					   VRING_DESC_F_WRITE, 0 };
	vq_drv_add(vq, 0);
	if (vq_drv_publish(vq) && write(b->kick[1], &one, sizeof(one)) < 0) {
		b->broken = true;
		return -errno;
	}
	t0 = fb_now_ns();
	while (!vq_drv_get_used(vq, &id, &used)) {
		if (fb_now_ns() - t0 > FB_TIMEOUT_NS) {
			b->broken = true;
			return -ETIMEDOUT;
		}
		if (b->poll || vq_drv_enable_cb(vq, true))
			continue; /* polling, or it completed while we asked for the call */
		struct pollfd pfd = { .fd = b->call[1], .events = POLLIN };
		uint64_t cnt;

		if (poll(&pfd, 1, 1000) > 0 && read(b->call[1], &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			return -errno;
	}
	b->requests++;
	memcpy(&oh, b->mem + FB_REPLY_GPA, sizeof(oh));
	if (id != 0 || used < sizeof(oh) || oh.unique != h.unique || oh.len != used) {
		b->broken = true;
		return -EPROTO;
	}
	return oh.error ? oh.error : (int)(used - sizeof(oh));
}

static const void *fb_reply(struct fb *b)
{
	return b->mem + FB_REPLY_GPA + sizeof(struct fuse_out_header);
}

static int fb_setup(struct fb *b, int memfd)
{
	uint64_t want;
	int rc;

	rc = vu_front_hello(&b->fe, (1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK));
	if (rc < 0)
		return rc;
	want = ((1ull << FB_F_VERSION_1) | (1ull << VHOST_USER_F_PROTOCOL_FEATURES) |
		(1ull << FB_F_EVENT_IDX)) & b->fe.dev_features;
	rc = vu_front_set_features(&b->fe, want);
	if (rc == 0)
		rc = vu_front_set_mem(&b->fe, memfd, b->mem, FB_MEM_BYTES);
	for (unsigned int q = 0; rc == 0 && q < 2; q++) {
		uint8_t *base = b->mem + q * FB_RING_BYTES;
		struct vu_front_vring vr = { .num = FB_QSIZE };

		rc = vq_drv_init(&b->vq[q], FB_QSIZE, want & (1ull << FB_F_EVENT_IDX), base, base + 0x1000,
				 base + 0x2000);
		if (rc < 0)
			break;
		vq_drv_enable_cb(&b->vq[q], !b->poll);
		b->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		b->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (b->kick[q] < 0 || b->call[q] < 0)
			return -errno;
		vr.desc_uaddr = (uint64_t)(uintptr_t)b->vq[q].desc;
		vr.avail_uaddr = (uint64_t)(uintptr_t)b->vq[q].avail;
		vr.used_uaddr = (uint64_t)(uintptr_t)b->vq[q].used;
		vr.kick_fd = b->kick[q];
		vr.call_fd = b->call[q];
		rc = vu_front_start_vring(&b->fe, q, &vr);
	}
	return rc;
}

static int fb_init(struct fb *b)
{
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 31, .max_readahead = 1 << 20,
				   .flags = FUSE_MAX_PAGES | FUSE_BIG_WRITES };
	int r = fb_call(b, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, sizeof(struct fuse_init_out));

	return r < 0 ? r : 0;
}

/* "struct + name\0" into buf; its length. */
static size_t fb_named(uint8_t *buf, const void *st, size_t st_len, const char *name)
{
	memcpy(buf, st, st_len);
	memcpy(buf + st_len, name, strlen(name) + 1);
	return st_len + strlen(name) + 1;
}

static int fb_create(struct fb *b, const char *name, uint64_t *ret_node, uint64_t *ret_fh)
{
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = S_IFREG | 0644 };
	struct fuse_entry_out e;
	struct fuse_open_out o;
	uint8_t body[512];
	int r = fb_call(b, FUSE_CREATE, FUSE_ROOT_ID, body, fb_named(body, &ci, sizeof(ci), name), NULL, 0,
			sizeof(e) + sizeof(o));

	if (r < 0)
		return r;
	memcpy(&e, fb_reply(b), sizeof(e));
	memcpy(&o, (const uint8_t *)fb_reply(b) + sizeof(e), sizeof(o));
	*ret_node = e.nodeid;
	*ret_fh = o.fh;
	return 0;
}

static int fb_release(struct fb *b, uint64_t node, uint64_t fh)
{
	struct fuse_release_in rel = { .fh = fh };
	int r = fb_call(b, FUSE_RELEASE, node, &rel, sizeof(rel), NULL, 0, 0);

	return r < 0 ? r : 0;
}

struct fb_result {
	double create_ops, lookup_ops, unlink_ops, write_mbs, read_mbs;
};

static int fb_meta(struct fb *b, unsigned int files, struct fb_result *res)
{
	char name[64];
	uint64_t node, fh, t0, t1, t2, t3;
	int r;

	t0 = fb_now_ns();
	for (unsigned int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "bench-%06u", i);
		r = fb_create(b, name, &node, &fh);
		if (r == 0)
			r = fb_release(b, node, fh);
		if (r < 0)
			return r;
	}
	t1 = fb_now_ns();
	for (unsigned int i = 0; i < files; i++) {
		struct fuse_getattr_in ga = { 0 };
		struct fuse_entry_out e;

		snprintf(name, sizeof(name), "bench-%06u", i);
		r = fb_call(b, FUSE_LOOKUP, FUSE_ROOT_ID, name, strlen(name) + 1, NULL, 0, sizeof(e));
		if (r < 0)
			return r;
		memcpy(&e, fb_reply(b), sizeof(e));
		r = fb_call(b, FUSE_GETATTR, e.nodeid, &ga, sizeof(ga), NULL, 0, sizeof(struct fuse_attr_out));
		if (r < 0)
			return r;
	}
	t2 = fb_now_ns();
	for (unsigned int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "bench-%06u", i);
		r = fb_call(b, FUSE_UNLINK, FUSE_ROOT_ID, name, strlen(name) + 1, NULL, 0, 0);
		if (r < 0)
			return r;
	}
	t3 = fb_now_ns();
	/* Operations per second, counting each FUSE request. */
	res->create_ops = 2.0 * files / ((double)(t1 - t0) / 1e9);
	res->lookup_ops = 2.0 * files / ((double)(t2 - t1) / 1e9);
	res->unlink_ops = 1.0 * files / ((double)(t3 - t2) / 1e9);
	return 0;
}

static int fb_read(struct fb *b, uint64_t mb, uint32_t bs, struct fb_result *res)
{
	uint64_t total = mb << 20, node, fh, t0, t1, t2;
	struct fuse_write_in w = { 0 };
	uint8_t *chunk = malloc(bs);
	int r;

	if (!chunk)
		return -ENOMEM;
	for (uint32_t i = 0; i < bs; i++)
		chunk[i] = (uint8_t)(i * 7 + 3);
	r = fb_create(b, "bench-read.bin", &node, &fh);
	if (r < 0)
		goto out;
	t0 = fb_now_ns();
	for (uint64_t off = 0; off < total; off += bs) {
		w = (struct fuse_write_in){ .fh = fh, .offset = off, .size = bs };
		r = fb_call(b, FUSE_WRITE, node, &w, sizeof(w), chunk, bs, sizeof(struct fuse_write_out));
		if (r < 0)
			goto out;
	}
	t1 = fb_now_ns();
	for (uint64_t off = 0; off < total; off += bs) {
		struct fuse_read_in rd = { .fh = fh, .offset = off, .size = bs };

		r = fb_call(b, FUSE_READ, node, &rd, sizeof(rd), NULL, 0, bs);
		if (r < 0)
			goto out;
		if ((uint32_t)r != bs || memcmp(fb_reply(b), chunk, bs) != 0) {
			fprintf(stderr, "cnh-bench-fs: READ at %" PRIu64 " returned wrong data (%d bytes)\n", off, r);
			r = -EIO;
			goto out;
		}
	}
	t2 = fb_now_ns();
	res->write_mbs = (double)total / 1e6 / ((double)(t1 - t0) / 1e9);
	res->read_mbs = (double)total / 1e6 / ((double)(t2 - t1) / 1e9);
	r = fb_release(b, node, fh);
	if (r == 0)
		r = fb_call(b, FUSE_UNLINK, FUSE_ROOT_ID, "bench-read.bin", 15, NULL, 0, 0);
	r = r < 0 ? r : 0;
out:
	free(chunk);
	return r;
}

/* One request of the --ops walk: any FUSE answer is fine unless strict; a transport failure is not. */
static int fb_op(struct fb *b, const char *what, bool strict, uint32_t opcode, uint64_t node,
		 const void *body, size_t len, size_t room)
{
	int r = fb_call(b, opcode, node, body, len, NULL, 0, room);

	if (b->broken) {
		fprintf(stderr, "cnh-bench-fs: --ops: %s: no valid reply (%s)\n", what, strerror(-r));
		return -EIO;
	}
	if (r < 0 && strict) {
		fprintf(stderr, "cnh-bench-fs: --ops: %s failed: %s\n", what, strerror(-r));
		return r;
	}
	return r < 0 ? 0 : r;
}

static uint64_t fb_entry_node(struct fb *b)
{
	struct fuse_entry_out e;

	memcpy(&e, fb_reply(b), sizeof(e));
	return e.nodeid;
}

/*
 * Every implemented opcode once, in a directory "ops" (e.g. to prove the
 * daemon's seccomp table allows what its handlers call). xattrs may be
 * unsupported by the host file system: any FUSE answer is accepted there.
 */
static int fb_ops(struct fb *b)
{
	uint8_t body[1024];
	uint64_t dir, file, fh, dfh, sl;
	struct fuse_open_out o;
	size_t n;
	int r;

#define STEP(x) do { r = (x); if (r < 0) return r; } while (0)
	STEP(fb_op(b, "MKDIR", true, FUSE_MKDIR, FUSE_ROOT_ID, body,
		   fb_named(body, &(struct fuse_mkdir_in){ .mode = 0755 }, sizeof(struct fuse_mkdir_in), "ops"),
		   sizeof(struct fuse_entry_out)));
	dir = fb_entry_node(b);
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = S_IFREG | 0644 };
	STEP(fb_op(b, "CREATE", true, FUSE_CREATE, dir, body, fb_named(body, &ci, sizeof(ci), "f"),
		   sizeof(struct fuse_entry_out) + sizeof(o)));
	file = fb_entry_node(b);
	memcpy(&o, (const uint8_t *)fb_reply(b) + sizeof(struct fuse_entry_out), sizeof(o));
	fh = o.fh;
	struct fuse_write_in w = { .fh = fh, .size = 5 };
	memcpy(body, &w, sizeof(w));
	memcpy(body + sizeof(w), "hello", 5);
	STEP(fb_op(b, "WRITE", true, FUSE_WRITE, file, body, sizeof(w) + 5, sizeof(struct fuse_write_out)));
	STEP(fb_op(b, "READ", true, FUSE_READ, file, &(struct fuse_read_in){ .fh = fh, .size = 5 },
		   sizeof(struct fuse_read_in), 5));
	STEP(fb_op(b, "FLUSH", true, FUSE_FLUSH, file, &(struct fuse_flush_in){ .fh = fh },
		   sizeof(struct fuse_flush_in), 0));
	STEP(fb_op(b, "FSYNC", true, FUSE_FSYNC, file, &(struct fuse_fsync_in){ .fh = fh },
		   sizeof(struct fuse_fsync_in), 0));
	STEP(fb_op(b, "FSYNC datasync", true, FUSE_FSYNC, file,
		   &(struct fuse_fsync_in){ .fh = fh, .fsync_flags = FUSE_FSYNC_FDATASYNC },
		   sizeof(struct fuse_fsync_in), 0));
	struct fuse_setattr_in sa = { .valid = FATTR_MODE | FATTR_SIZE | FATTR_MTIME | FATTR_ATIME_NOW |
					       FATTR_UID | FATTR_GID,
				      .mode = 0600, .size = 3, .mtime = 1000000, .uid = 0, .gid = 0 };
	STEP(fb_op(b, "SETATTR", true, FUSE_SETATTR, file, &sa, sizeof(sa), sizeof(struct fuse_attr_out)));
	sa.valid |= FATTR_FH;
	sa.fh = fh;
	STEP(fb_op(b, "SETATTR fh", true, FUSE_SETATTR, file, &sa, sizeof(sa), sizeof(struct fuse_attr_out)));
	STEP(fb_op(b, "GETATTR", true, FUSE_GETATTR, file, &(struct fuse_getattr_in){ 0 },
		   sizeof(struct fuse_getattr_in), sizeof(struct fuse_attr_out)));
	STEP(fb_op(b, "ACCESS", true, FUSE_ACCESS, file, &(struct fuse_access_in){ .mask = R_OK },
		   sizeof(struct fuse_access_in), 0));
	STEP(fb_op(b, "STATFS", true, FUSE_STATFS, file, NULL, 0, sizeof(struct fuse_statfs_out)));
	n = fb_named(body, &(struct fuse_setxattr_in){ .size = 2 }, 8, "user.cnh");
	memcpy(body + n, "ok", 2);
	STEP(fb_op(b, "SETXATTR", false, FUSE_SETXATTR, file, body, n + 2, 0));
	n = fb_named(body, &(struct fuse_getxattr_in){ .size = 64 }, sizeof(struct fuse_getxattr_in), "user.cnh");
	STEP(fb_op(b, "GETXATTR", false, FUSE_GETXATTR, file, body, n, 64));
	STEP(fb_op(b, "LISTXATTR", false, FUSE_LISTXATTR, file, &(struct fuse_getxattr_in){ .size = 0 },
		   sizeof(struct fuse_getxattr_in), sizeof(struct fuse_getxattr_out)));
	STEP(fb_op(b, "REMOVEXATTR", false, FUSE_REMOVEXATTR, file, "user.cnh", 9, 0));
	STEP(fb_op(b, "RELEASE", true, FUSE_RELEASE, file, &(struct fuse_release_in){ .fh = fh },
		   sizeof(struct fuse_release_in), 0));
	STEP(fb_op(b, "OPEN", true, FUSE_OPEN, file, &(struct fuse_open_in){ .flags = O_RDONLY },
		   sizeof(struct fuse_open_in), sizeof(o)));
	memcpy(&o, fb_reply(b), sizeof(o));
	STEP(fb_op(b, "RELEASE", true, FUSE_RELEASE, file, &(struct fuse_release_in){ .fh = o.fh },
		   sizeof(struct fuse_release_in), 0));
	memcpy(body, "s\0f", 4);
	STEP(fb_op(b, "SYMLINK", true, FUSE_SYMLINK, dir, body, 4, sizeof(struct fuse_entry_out)));
	sl = fb_entry_node(b);
	STEP(fb_op(b, "READLINK", true, FUSE_READLINK, sl, NULL, 0, 256));
	STEP(fb_op(b, "LINK", true, FUSE_LINK, dir, body,
		   fb_named(body, &(struct fuse_link_in){ .oldnodeid = file }, sizeof(struct fuse_link_in), "h"),
		   sizeof(struct fuse_entry_out)));
	STEP(fb_op(b, "MKNOD", true, FUSE_MKNOD, dir, body,
		   fb_named(body, &(struct fuse_mknod_in){ .mode = S_IFIFO | 0600 }, sizeof(struct fuse_mknod_in), "p"),
		   sizeof(struct fuse_entry_out)));
	n = fb_named(body, &(struct fuse_rename_in){ .newdir = dir }, sizeof(struct fuse_rename_in), "h");
	memcpy(body + n, "h2", 3);
	STEP(fb_op(b, "RENAME", true, FUSE_RENAME, dir, body, n + 3, 0));
	n = fb_named(body, &(struct fuse_rename2_in){ .newdir = dir, .flags = RENAME_EXCHANGE },
		     sizeof(struct fuse_rename2_in), "h2");
	memcpy(body + n, "f", 2);
	STEP(fb_op(b, "RENAME2", true, FUSE_RENAME2, dir, body, n + 2, 0));
	STEP(fb_op(b, "LOOKUP", true, FUSE_LOOKUP, dir, "f", 2, sizeof(struct fuse_entry_out)));
	STEP(fb_op(b, "OPENDIR", true, FUSE_OPENDIR, dir, &(struct fuse_open_in){ 0 }, sizeof(struct fuse_open_in),
		   sizeof(o)));
	memcpy(&o, fb_reply(b), sizeof(o));
	dfh = o.fh;
	STEP(fb_op(b, "READDIR", true, FUSE_READDIR, dir, &(struct fuse_read_in){ .fh = dfh, .size = 4096 },
		   sizeof(struct fuse_read_in), 4096));
	STEP(fb_op(b, "READDIRPLUS", true, FUSE_READDIRPLUS, dir,
		   &(struct fuse_read_in){ .fh = dfh, .size = 4096 }, sizeof(struct fuse_read_in), 4096));
	STEP(fb_op(b, "FSYNCDIR", true, FUSE_FSYNCDIR, dir, &(struct fuse_fsync_in){ .fh = dfh },
		   sizeof(struct fuse_fsync_in), 0));
	STEP(fb_op(b, "RELEASEDIR", true, FUSE_RELEASEDIR, dir, &(struct fuse_release_in){ .fh = dfh },
		   sizeof(struct fuse_release_in), 0));
	STEP(fb_op(b, "IOCTL", false, FUSE_IOCTL, dir, NULL, 0, 0));
	for (const char *const *u = (const char *const[]){ "f", "h2", "s", "p", NULL }; *u; u++)
		STEP(fb_op(b, "UNLINK", true, FUSE_UNLINK, dir, *u, strlen(*u) + 1, 0));
	STEP(fb_op(b, "RMDIR", true, FUSE_RMDIR, FUSE_ROOT_ID, "ops", 4, 0));
	STEP(fb_op(b, "DESTROY", false, FUSE_DESTROY, FUSE_ROOT_ID, NULL, 0, 0));
#undef STEP
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cnh-bench-fs --socket PATH [--files N] [--read-mb M] [--bs BYTES] [--label TEXT]\n"
		   "  --socket PATH  a listening vhost-user-fs back-end (cnh-fs, virtiofsd)\n"
		   "  --files N      files for the metadata phase (default 2000)\n"
		   "  --read-mb M    size of the file written then read (default 256)\n"
		   "  --bs BYTES     READ/WRITE size (default 131072)\n"
		   "  --ops          instead: every implemented FUSE opcode once (a smoke test)\n"
		   "  --poll         busy-poll the used ring instead of waiting for calls\n"
		   "  --label TEXT   copied into the JSON line\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' }, { "files", required_argument, NULL, 'f' },
		{ "read-mb", required_argument, NULL, 'm' }, { "bs", required_argument, NULL, 'b' },
		{ "label", required_argument, NULL, 'l' },   { "help", no_argument, NULL, 'h' },
		{ "poll", no_argument, NULL, 'p' },         { "ops", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *label = "";
	unsigned long files = 2000, mb = 256, bs = 131072;
	struct fb b = { .kick = { -1, -1 }, .call = { -1, -1 } };
	struct fb_result res = { 0 };
	int memfd = -1, rc, c, ret = 1;
	bool ops = false;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'f': files = strtoul(optarg, NULL, 0); break;
		case 'm': mb = strtoul(optarg, NULL, 0); break;
		case 'b': bs = strtoul(optarg, NULL, 0); break;
		case 'l': label = optarg; break;
		case 'p': b.poll = true; break;
		case 'o': ops = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!sock || files == 0 || files > 1000000 || mb == 0 || mb > 65536 || bs < 4096 ||
	    bs > FB_REPLY_MAX - 4096 || bs % 4096) {
		usage(stderr);
		return 1;
	}
	vu_front_init(&b.fe);
	memfd = memfd_create("cnh-bench-fs", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, FB_MEM_BYTES) < 0) {
		perror("cnh-bench-fs: memfd");
		goto out;
	}
	b.mem = mmap(NULL, FB_MEM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (b.mem == MAP_FAILED) {
		perror("cnh-bench-fs: mmap");
		b.mem = NULL;
		goto out;
	}
	rc = vu_front_connect(&b.fe, sock, 10000);
	if (rc == 0)
		rc = fb_setup(&b, memfd);
	if (rc < 0) {
		fprintf(stderr, "cnh-bench-fs: %s (%s)\n", b.fe.err[0] ? b.fe.err : "setup", strerror(-rc));
		goto out;
	}
	rc = fb_init(&b);
	if (rc == 0 && ops) {
		rc = fb_ops(&b);
		if (rc == 0)
			printf("ops: %" PRIu64 " requests answered\n", b.requests);
		ret = rc < 0 ? 1 : 0;
		goto out;
	}
	if (rc == 0)
		rc = fb_meta(&b, (unsigned int)files, &res);
	if (rc == 0)
		rc = fb_read(&b, mb, (uint32_t)bs, &res);
	if (rc < 0) {
		fprintf(stderr, "cnh-bench-fs: FUSE request failed: %s\n", strerror(-rc));
		goto out;
	}
	printf("create+release  %10.0f req/s\n", res.create_ops);
	printf("lookup+getattr  %10.0f req/s\n", res.lookup_ops);
	printf("unlink          %10.0f req/s\n", res.unlink_ops);
	printf("write %6lu KiB %10.1f MB/s\n", bs / 1024, res.write_mbs);
	printf("read  %6lu KiB %10.1f MB/s\n", bs / 1024, res.read_mbs);
	printf("{\"label\": \"%s\", \"files\": %lu, \"create_rps\": %.0f, \"lookup_rps\": %.0f, "
	       "\"unlink_rps\": %.0f, \"bs\": %lu, \"mb\": %lu, \"write_mbs\": %.1f, \"read_mbs\": %.1f, "
	       "\"requests\": %" PRIu64 "}\n",
	       label, files, res.create_ops, res.lookup_ops, res.unlink_ops, bs, mb, res.write_mbs,
	       res.read_mbs, b.requests);
	ret = 0;
out:
	vu_front_fini(&b.fe);
	for (unsigned int q = 0; q < 2; q++) {
		if (b.kick[q] >= 0)
			close(b.kick[q]);
		if (b.call[q] >= 0)
			close(b.call[q]);
	}
	if (b.mem)
		munmap(b.mem, FB_MEM_BYTES);
	if (memfd >= 0)
		close(memfd);
	return ret;
}
