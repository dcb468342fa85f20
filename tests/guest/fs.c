// SPDX-License-Identifier: Apache-2.0
/*
 * cnh test guest: the virtio-fs scenario "fs". A tiny polled FUSE client on
 * the first request queue (queue 1; queue 0 is hiprio):
 *
 *   config tag == cnh.fs.tag, INIT, LOOKUP cnh.fs.file, OPEN + READ (must
 *   contain cnh.fs.content), RELEASE, CREATE guest-wrote.txt + WRITE
 *   FS_GUEST_MARKER + RELEASE, OPENDIR + READDIR (both names listed),
 *   RELEASEDIR.
 *
 * The host (tests/integration/fs.py) checks guest-wrote.txt afterwards.
 */
#include "scenarios.h"

#define VIRTIO_ID_FS 26
#define FS_CFG_TAG 0
#define FS_TAG_LEN 36
#define FS_CFG_NUM_REQUEST_QUEUES 36
#define FS_QSIZE 16
#define FS_REQ_Q 1
#define FS_TIMEOUT_MS 15000
#define FS_GUEST_MARKER "cnh-test-guest wrote this through virtio-fs\n"
#define FS_GUEST_FILE "guest-wrote.txt"

/* FUSE wire format (include/uapi/linux/fuse.h), the parts used here. */
#define FUSE_LOOKUP 1
#define FUSE_OPEN 14
#define FUSE_READ 15
#define FUSE_WRITE 16
#define FUSE_RELEASE 18
#define FUSE_INIT 26
#define FUSE_OPENDIR 27
#define FUSE_READDIR 28
#define FUSE_RELEASEDIR 29
#define FUSE_CREATE 35
#define FUSE_ROOT_ID 1
#define FUSE_O_RDONLY 0
#define FUSE_O_RDWR 2
#define FUSE_S_IFREG 0100000

struct fuse_in_header {
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct fuse_out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

struct fuse_init_in {
	uint32_t major, minor, max_readahead, flags;
};

struct fuse_init_out {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write;
};

struct fuse_attr {
	uint64_t ino, size, blocks, atime, mtime, ctime;
	uint32_t atimensec, mtimensec, ctimensec, mode, nlink, uid, gid, rdev, blksize, flags;
};

struct fuse_entry_out {
	uint64_t nodeid, generation, entry_valid, attr_valid;
	uint32_t entry_valid_nsec, attr_valid_nsec;
	struct fuse_attr attr;
};

struct fuse_open_in {
	uint32_t flags, open_flags;
};

struct fuse_create_in {
	uint32_t flags, mode, umask, open_flags;
};

struct fuse_open_out {
	uint64_t fh;
	uint32_t open_flags, padding;
};

struct fuse_read_in {
	uint64_t fh, offset;
	uint32_t size, read_flags;
	uint64_t lock_owner;
	uint32_t flags, padding;
};

struct fuse_write_in {
	uint64_t fh, offset;
	uint32_t size, write_flags;
	uint64_t lock_owner;
	uint32_t flags, padding;
};

struct fuse_release_in {
	uint64_t fh;
	uint32_t flags, release_flags;
	uint64_t lock_owner;
};

struct fuse_dirent {
	uint64_t ino, off;
	uint32_t namelen, type;
	char name[];
};

#define FS_BUF 4096
static uint8_t fs_req[FS_BUF] __attribute__((aligned(4096)));
static uint8_t fs_reply[FS_BUF] __attribute__((aligned(4096)));

struct fs_client {
	struct virtio_pci vp;
	uint64_t unique;
	char *detail;
	size_t size;
};

static uint64_t fs_pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/*
 * Send opcode with body (opcode struct, names, data) and wait for the reply.
 * Returns the reply payload length, or -1 (detail set) on a transport or
 * FUSE error.
 */
static int fs_call(struct fs_client *c, uint32_t opcode, uint64_t nodeid, const void *body,
		   uint32_t len, const char *what)
{
	struct virtq *vq = &c->vp.vq[FS_REQ_Q];
	struct fuse_in_header h = { .len = (uint32_t)sizeof(h) + len, .opcode = opcode,
				    .unique = ++c->unique, .nodeid = nodeid };
	struct fuse_out_header oh;
	uint32_t id, used;

	if (sizeof(h) + len > FS_BUF) {
		snprintf(c->detail, c->size, "%s: request too large", what);
		return -1;
	}
	memcpy(fs_req, &h, sizeof(h));
	if (len)
		memcpy(fs_req + sizeof(h), body, len);
	memset(fs_reply, 0, sizeof(fs_reply));
	vq->desc[0].addr = fs_pa(fs_req);
	vq->desc[0].len = h.len;
	vq->desc[0].flags = VIRTQ_DESC_F_NEXT;
	vq->desc[0].next = 1;
	vq->desc[1].addr = fs_pa(fs_reply);
	vq->desc[1].len = FS_BUF;
	vq->desc[1].flags = VIRTQ_DESC_F_WRITE;
	vq->desc[1].next = 0;
	virtq_submit(vq, 0);
	if (!virtq_wait(vq, FS_TIMEOUT_MS, &id, &used)) {
		snprintf(c->detail, c->size, "%s: no completion in %u ms (device_status 0x%x)", what,
			 FS_TIMEOUT_MS, virtio_pci_status(&c->vp));
		return -1;
	}
	memcpy(&oh, fs_reply, sizeof(oh));
	if (id != 0 || used < sizeof(oh) || used > FS_BUF || oh.len != used) {
		snprintf(c->detail, c->size, "%s: bad completion id %u used %u header len %u", what, id,
			 used, oh.len);
		return -1;
	}
	if (oh.unique != h.unique) {
		snprintf(c->detail, c->size, "%s: reply unique %lu, expected %lu", what, oh.unique, h.unique);
		return -1;
	}
	if (oh.error != 0) {
		snprintf(c->detail, c->size, "%s: error %d", what, oh.error);
		return -1;
	}
	return (int)(used - sizeof(oh));
}

static const void *fs_payload(void)
{
	return fs_reply + sizeof(struct fuse_out_header);
}

/* Copy a command-line value into buf (NUL-terminated); false if missing or too long. */
static bool fs_param(struct scenario_ctx *ctx, const char *key, char *buf, size_t size)
{
	const char *v;
	size_t len;

	if (!boot_cmdline_get(ctx->bi, key, &v, &len) || len == 0 || len >= size)
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return true;
}

/* Body = st (st_len bytes) + name + NUL; returns its length. */
static uint32_t fs_body(uint8_t *buf, const void *st, uint32_t st_len, const char *name)
{
	uint32_t n = (uint32_t)strlen(name) + 1;

	memcpy(buf, st, st_len);
	memcpy(buf + st_len, name, n);
	return st_len + n;
}

static bool fs_contains(const char *hay, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= hlen; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

static bool fs_release(struct fs_client *c, uint32_t opcode, uint64_t nodeid, uint64_t fh)
{
	struct fuse_release_in rel = { .fh = fh };

	return fs_call(c, opcode, nodeid, &rel, sizeof(rel), opcode == FUSE_RELEASE ? "RELEASE" : "RELEASEDIR") >= 0;
}

static bool fs_session(struct fs_client *c, const char *file, const char *content, char *listing,
		       size_t listing_size, uint32_t *ret_minor)
{
	static uint8_t body[1024];
	struct fuse_init_in init = { .major = 7, .minor = 31, .max_readahead = 65536 };
	struct fuse_init_out io;
	struct fuse_entry_out e;
	struct fuse_open_out o;
	uint64_t file_node;
	uint32_t n;
	int r;

	r = fs_call(c, FUSE_INIT, 0, &init, sizeof(init), "INIT");
	if (r < 0)
		return false;
	memcpy(&io, fs_payload(), sizeof(io));
	if ((size_t)r < sizeof(io) || io.major != 7 || io.minor < 27) {
		snprintf(c->detail, c->size, "INIT: reply %d bytes, protocol %u.%u", r, io.major, io.minor);
		return false;
	}
	*ret_minor = io.minor;

	/* LOOKUP + OPEN + READ the host's file. */
	r = fs_call(c, FUSE_LOOKUP, FUSE_ROOT_ID, file, (uint32_t)strlen(file) + 1, "LOOKUP");
	if (r < 0)
		return false;
	memcpy(&e, fs_payload(), sizeof(e));
	file_node = e.nodeid;
	struct fuse_open_in oi = { .flags = FUSE_O_RDONLY };
	if (fs_call(c, FUSE_OPEN, file_node, &oi, sizeof(oi), "OPEN") < 0)
		return false;
	memcpy(&o, fs_payload(), sizeof(o));
	struct fuse_read_in rd = { .fh = o.fh, .offset = 0, .size = 1024 };
	r = fs_call(c, FUSE_READ, file_node, &rd, sizeof(rd), "READ");
	if (r < 0)
		return false;
	if (!fs_contains((const char *)fs_payload(), (size_t)r, content)) {
		snprintf(c->detail, c->size, "READ of %s: %d bytes without the cnh.fs.content marker", file, r);
		return false;
	}
	if (!fs_release(c, FUSE_RELEASE, file_node, o.fh))
		return false;

	/* CREATE + WRITE + RELEASE a new file. */
	struct fuse_create_in ci = { .flags = FUSE_O_RDWR, .mode = FUSE_S_IFREG | 0644 };
	n = fs_body(body, &ci, sizeof(ci), FS_GUEST_FILE);
	if (fs_call(c, FUSE_CREATE, FUSE_ROOT_ID, body, n, "CREATE") < (int)(sizeof(e) + sizeof(o))) {
		if (!c->detail[0])
			snprintf(c->detail, c->size, "CREATE: short reply");
		return false;
	}
	memcpy(&e, fs_payload(), sizeof(e));
	memcpy(&o, (const uint8_t *)fs_payload() + sizeof(e), sizeof(o));
	struct fuse_write_in w = { .fh = o.fh, .offset = 0, .size = (uint32_t)strlen(FS_GUEST_MARKER) };
	memcpy(body, &w, sizeof(w));
	memcpy(body + sizeof(w), FS_GUEST_MARKER, w.size);
	r = fs_call(c, FUSE_WRITE, e.nodeid, body, (uint32_t)sizeof(w) + w.size, "WRITE");
	if (r < 0)
		return false;
	if (r < 4 || get_le32(fs_payload()) != w.size) {
		snprintf(c->detail, c->size, "WRITE: wrote %u of %u bytes", r >= 4 ? get_le32(fs_payload()) : 0, w.size);
		return false;
	}
	if (!fs_release(c, FUSE_RELEASE, e.nodeid, o.fh))
		return false;

	/* OPENDIR + READDIR the root. */
	struct fuse_open_in od = { .flags = FUSE_O_RDONLY };
	if (fs_call(c, FUSE_OPENDIR, FUSE_ROOT_ID, &od, sizeof(od), "OPENDIR") < 0)
		return false;
	memcpy(&o, fs_payload(), sizeof(o));
	size_t used = 0;
	listing[0] = '\0';
	rd = (struct fuse_read_in){ .fh = o.fh, .offset = 0, .size = 2048 };
	for (int rounds = 0; rounds < 64; rounds++) {
		r = fs_call(c, FUSE_READDIR, FUSE_ROOT_ID, &rd, sizeof(rd), "READDIR");
		if (r < 0)
			return false;
		if (r == 0)
			break;
		for (uint32_t off = 0; off + sizeof(struct fuse_dirent) <= (uint32_t)r;) {
			struct fuse_dirent d;
			const uint8_t *p = (const uint8_t *)fs_payload() + off;

			memcpy(&d, p, sizeof(d));
			if (d.namelen == 0 || d.namelen > 255 || off + sizeof(d) + d.namelen > (uint32_t)r) {
				snprintf(c->detail, c->size, "READDIR: bad dirent at %u", off);
				return false;
			}
			if (used < listing_size)
				used += (size_t)snprintf(listing + used, listing_size - used, "%s%.*s",
							 used ? " " : "", (int)d.namelen, (const char *)p + sizeof(d));
			rd.offset = d.off;
			off += (uint32_t)((sizeof(d) + d.namelen + 7) & ~7u);
		}
	}
	if (!fs_release(c, FUSE_RELEASEDIR, FUSE_ROOT_ID, o.fh))
		return false;
	if (!fs_contains(listing, strlen(listing), file) ||
	    !fs_contains(listing, strlen(listing), FS_GUEST_FILE)) {
		snprintf(c->detail, c->size, "READDIR lacks %s or %s: %s", file, FS_GUEST_FILE, listing);
		return false;
	}
	return true;
}

bool fs_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* scenarios.c */

bool fs_scenario(struct scenario_ctx *ctx, char *detail, size_t size)
{
	static char listing[512];
	struct fs_client c = { .detail = detail, .size = size };
	char want_tag[FS_TAG_LEN + 1], tag[FS_TAG_LEN + 1], file[128], content[128];
	uint32_t nrq, minor = 0;
	struct pci_fn fn;
	bool ok;

	detail[0] = '\0';
	if (!fs_param(ctx, "cnh.fs.tag", want_tag, sizeof(want_tag)) ||
	    !fs_param(ctx, "cnh.fs.file", file, sizeof(file)) ||
	    !fs_param(ctx, "cnh.fs.content", content, sizeof(content))) {
		snprintf(detail, size, "needs cnh.fs.tag=, cnh.fs.file= and cnh.fs.content=");
		return false;
	}
	if (!virtio_pci_find(ctx->pci, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_FS, 0, &fn)) {
		snprintf(detail, size, "no virtio-fs function (1af4:%04x) on bus 0",
			 VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_FS);
		return false;
	}
	if (!virtio_pci_probe(&c.vp, &fn, detail, size))
		return false;
	if (!c.vp.device || c.vp.device_len < FS_CFG_NUM_REQUEST_QUEUES + 4) {
		snprintf(detail, size, "no device configuration (or %u bytes)", c.vp.device_len);
		return false;
	}
	if (!virtio_pci_init(&c.vp, ctx->vv, 1ull << VIRTIO_F_ACCESS_PLATFORM, 2, FS_QSIZE, detail, size))
		return false;
	for (uint32_t i = 0; i < FS_TAG_LEN; i++)
		tag[i] = (char)virtio_cfg_read8(&c.vp, FS_CFG_TAG + i);
	tag[FS_TAG_LEN] = '\0';
	nrq = virtio_cfg_read32(&c.vp, FS_CFG_NUM_REQUEST_QUEUES);
	if (strlen(tag) != strlen(want_tag) || memcmp(tag, want_tag, strlen(tag)) != 0) {
		snprintf(detail, size, "config tag '%s', expected '%s'", tag, want_tag);
		virtio_pci_reset(&c.vp);
		return false;
	}
	if (nrq < 1) {
		snprintf(detail, size, "num_request_queues %u", nrq);
		virtio_pci_reset(&c.vp);
		return false;
	}
	ok = fs_session(&c, file, content, listing, sizeof(listing), &minor);
	if (ok)
		snprintf(detail, size, "tag '%s', %u request queue(s), FUSE 7.%u, read %s, wrote %s, readdir: %s",
			 tag, nrq, minor, file, FS_GUEST_FILE, listing);
	if (!virtio_pci_reset(&c.vp) && ok) {
		snprintf(detail, size, "device_status stays 0x%x after the final reset",
			 virtio_pci_status(&c.vp));
		ok = false;
	}
	return ok;
}
