/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-fs FUSE operations against a temporary shared directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_script.h"

static struct fscript t;

static void setup(void)
{
	fscript_setup(&t);
}

static void teardown(void)
{
	fscript_teardown(&t);
}

TestSuite(fuse, .init = setup, .fini = teardown);

static uint64_t do_open(uint64_t nodeid, uint32_t flags, uint32_t *ret_open_flags)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out o;

	cr_assert_eq(fscript_req(&t, FUSE_OPEN, nodeid, &in, sizeof(in)), 0);
	memcpy(&o, fscript_payload(&t), sizeof(o));
	if (ret_open_flags)
		*ret_open_flags = o.open_flags;
	return o.fh;
}

static uint64_t do_create(const char *name, uint64_t *ret_fh)
{
	uint8_t body[512];
	struct fuse_create_in in = { .flags = O_RDWR, .mode = S_IFREG | 0644 };
	struct fuse_entry_out e;
	struct fuse_open_out o;
	size_t n = fscript_body(body, &in, sizeof(in), name, NULL);

	cr_assert_eq(fscript_req(&t, FUSE_CREATE, FUSE_ROOT_ID, body, n), 0);
	cr_assert_eq(t.reply_len, sizeof(struct fuse_out_header) + sizeof(e) + sizeof(o));
	memcpy(&e, fscript_payload(&t), sizeof(e));
	memcpy(&o, (uint8_t *)fscript_payload(&t) + sizeof(e), sizeof(o));
	*ret_fh = o.fh;
	return e.nodeid;
}

Test(fuse, requests_before_init_fail_with_eio)
{
	cr_assert_eq(fscript_req(&t, FUSE_GETATTR, FUSE_ROOT_ID, &(struct fuse_getattr_in){ 0 },
				 sizeof(struct fuse_getattr_in)), -EIO);
}

Test(fuse, init_negotiates_minor_and_limits)
{
	struct fuse_init_in in = { .major = 7, .minor = 99, .max_readahead = 1 << 30,
				   .flags = FUSE_DO_READDIRPLUS | FUSE_MAX_PAGES | FUSE_WRITEBACK_CACHE };
	struct fuse_init_out o;

	cr_assert_eq(fscript_req(&t, FUSE_INIT, 0, &in, sizeof(in)), 0);
	memcpy(&o, fscript_payload(&t), sizeof(o));
	cr_assert_eq(o.major, 7);
	cr_assert_eq(o.minor, FUSE_SESSION_MAX_MINOR);
	cr_assert_eq(o.max_write, FUSE_SESSION_MAX_WRITE);
	cr_assert_leq(o.max_readahead, FUSE_SESSION_MAX_READ);
	cr_assert(o.flags & FUSE_DO_READDIRPLUS);
	cr_assert_not(o.flags & FUSE_WRITEBACK_CACHE, "a flag we do not implement was accepted");
	cr_assert_eq(o.max_pages, FUSE_SESSION_MAX_PAGES);
}

Test(fuse, init_rejects_old_minor_and_answers_newer_major)
{
	struct fuse_init_in in = { .major = 7, .minor = 12 };
	struct fuse_init_out o;

	cr_assert_eq(fscript_req(&t, FUSE_INIT, 0, &in, sizeof(in)), -EPROTO);
	in.major = 8;
	cr_assert_eq(fscript_req(&t, FUSE_INIT, 0, &in, sizeof(in)), 0);
	cr_assert_eq(t.reply_len, sizeof(struct fuse_out_header) + FUSE_COMPAT_INIT_OUT_SIZE);
	memcpy(&o, fscript_payload(&t), FUSE_COMPAT_INIT_OUT_SIZE);
	cr_assert_eq(o.major, 7);
}

Test(fuse, unknown_opcode_is_enosys)
{
	fscript_init(&t);
	cr_assert_eq(fscript_req(&t, FUSE_IOCTL, FUSE_ROOT_ID, NULL, 0), -ENOSYS);
	cr_assert_eq(fscript_req(&t, 63, FUSE_ROOT_ID, NULL, 0), -ENOSYS);
	cr_assert_eq(fscript_req(&t, 4096, FUSE_ROOT_ID, NULL, 0), -ENOSYS);
}

Test(fuse, lookup_getattr_and_same_nodeid_for_same_inode)
{
	struct fuse_attr_out a;
	int64_t id, id2;

	fscript_write_file(t.root, "hello.txt", "0123456789");
	fscript_init(&t);
	id = fscript_lookup(&t, FUSE_ROOT_ID, "hello.txt");
	cr_assert_gt(id, 1);
	id2 = fscript_lookup(&t, FUSE_ROOT_ID, "hello.txt");
	cr_assert_eq(id, id2);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "missing"), -ENOENT);
	cr_assert_eq(fscript_req(&t, FUSE_GETATTR, (uint64_t)id, &(struct fuse_getattr_in){ 0 },
				 sizeof(struct fuse_getattr_in)), 0);
	memcpy(&a, fscript_payload(&t), sizeof(a));
	cr_assert_eq(a.attr.size, 10);
	cr_assert(S_ISREG(a.attr.mode));
	/* Two lookups, two forgets: the node is gone afterwards. */
	struct fuse_forget_in f = { .nlookup = 1 };
	cr_assert_eq(fscript_req(&t, FUSE_FORGET, (uint64_t)id, &f, sizeof(f)), 1);
	cr_assert_not_null(fs_inode_get(&t.s.inodes, (uint64_t)id));
	cr_assert_eq(fscript_req(&t, FUSE_FORGET, (uint64_t)id, &f, sizeof(f)), 1);
	cr_assert_null(fs_inode_get(&t.s.inodes, (uint64_t)id));
	cr_assert_eq(fscript_req(&t, FUSE_GETATTR, (uint64_t)id, &(struct fuse_getattr_in){ 0 },
				 sizeof(struct fuse_getattr_in)), -ESTALE);
}

Test(fuse, batch_forget)
{
	uint8_t body[sizeof(struct fuse_batch_forget_in) + 2 * sizeof(struct fuse_forget_one)];
	struct fuse_batch_forget_in in = { .count = 2 };
	struct fuse_forget_one one[2];
	int64_t a, b;

	fscript_write_file(t.root, "a", "a");
	fscript_write_file(t.root, "b", "b");
	fscript_init(&t);
	a = fscript_lookup(&t, FUSE_ROOT_ID, "a");
	b = fscript_lookup(&t, FUSE_ROOT_ID, "b");
	one[0] = (struct fuse_forget_one){ .nodeid = (uint64_t)a, .nlookup = 1 };
	one[1] = (struct fuse_forget_one){ .nodeid = (uint64_t)b, .nlookup = 1 };
	memcpy(body, &in, sizeof(in));
	memcpy(body + sizeof(in), one, sizeof(one));
	cr_assert_eq(fscript_req(&t, FUSE_BATCH_FORGET, 0, body, sizeof(body)), 1);
	cr_assert_null(fs_inode_get(&t.s.inodes, (uint64_t)a));
	cr_assert_null(fs_inode_get(&t.s.inodes, (uint64_t)b));
	cr_assert_eq(t.s.inodes.live, 1, "only the root is left");
}

Test(fuse, open_read_and_direct_io_with_cache_none)
{
	struct fuse_read_in rd = { .offset = 3, .size = 4 };
	uint32_t flags;
	int64_t id;

	fscript_write_file(t.root, "hello.txt", "0123456789");
	fscript_init(&t);
	id = fscript_lookup(&t, FUSE_ROOT_ID, "hello.txt");
	rd.fh = do_open((uint64_t)id, O_RDONLY, &flags);
	cr_assert(flags & FOPEN_DIRECT_IO);
	cr_assert_eq(fscript_req(&t, FUSE_READ, (uint64_t)id, &rd, sizeof(rd)), 0);
	cr_assert_eq(t.reply_len, sizeof(struct fuse_out_header) + 4);
	cr_assert_eq(memcmp(fscript_payload(&t), "3456", 4), 0);
	struct fuse_release_in rel = { .fh = rd.fh };
	cr_assert_eq(fscript_req(&t, FUSE_RELEASE, (uint64_t)id, &rel, sizeof(rel)), 0);
	cr_assert_eq(fscript_req(&t, FUSE_READ, (uint64_t)id, &rd, sizeof(rd)), -EBADF);
	cr_assert_eq(fscript_req(&t, FUSE_RELEASE, (uint64_t)id, &rel, sizeof(rel)), -EBADF);
}

Test(fuse, create_write_flush_fsync_release)
{
	uint8_t body[128];
	struct fuse_write_in w = { .offset = 0, .size = 11 };
	struct fuse_write_out wo;
	char back[64];
	uint64_t fh, id;
	size_t n;

	fscript_init(&t);
	id = do_create("new.txt", &fh);
	cr_assert_gt(id, 1);
	w.fh = fh;
	memcpy(body, &w, sizeof(w));
	memcpy(body + sizeof(w), "hello world", 11);
	n = sizeof(w) + 11;
	cr_assert_eq(fscript_req(&t, FUSE_WRITE, id, body, n), 0);
	memcpy(&wo, fscript_payload(&t), sizeof(wo));
	cr_assert_eq(wo.size, 11);
	cr_assert_eq(fscript_req(&t, FUSE_FLUSH, id, &(struct fuse_flush_in){ .fh = fh },
				 sizeof(struct fuse_flush_in)), 0);
	cr_assert_eq(fscript_req(&t, FUSE_FSYNC, id, &(struct fuse_fsync_in){ .fh = fh },
				 sizeof(struct fuse_fsync_in)), 0);
	cr_assert_eq(fscript_req(&t, FUSE_RELEASE, id, &(struct fuse_release_in){ .fh = fh },
				 sizeof(struct fuse_release_in)), 0);
	cr_assert_eq(fscript_read_file(t.root, "new.txt", back, sizeof(back)), 11);
	cr_assert_str_eq(back, "hello world");
}

/* Collect READDIR(PLUS) names of the root into list (space separated). */
static void list_root(bool plus, char *list, size_t len)
{
	struct fuse_open_in oi = { 0 };
	struct fuse_read_in rd = { .size = 4096 };
	struct fuse_open_out oo;
	size_t used = 0;

	list[0] = '\0';
	cr_assert_eq(fscript_req(&t, FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi)), 0);
	memcpy(&oo, fscript_payload(&t), sizeof(oo));
	rd.fh = oo.fh;
	for (int rounds = 0; rounds < 100; rounds++) {
		cr_assert_eq(fscript_req(&t, plus ? FUSE_READDIRPLUS : FUSE_READDIR, FUSE_ROOT_ID, &rd,
					 sizeof(rd)), 0);
		size_t n = t.reply_len - sizeof(struct fuse_out_header), off = 0;
		if (n == 0)
			break;
		while (off < n) {
			const uint8_t *p = (const uint8_t *)fscript_payload(&t) + off;
			struct fuse_dirent d;

			if (plus)
				p += sizeof(struct fuse_entry_out);
			memcpy(&d, p, sizeof(d));
			used += (size_t)snprintf(list + used, len - used, "%.*s ", (int)d.namelen,
						 (const char *)p + FUSE_NAME_OFFSET);
			rd.offset = d.off;
			off += plus ? FUSE_DIRENTPLUS_SIZE((const struct fuse_direntplus *)(p - sizeof(struct fuse_entry_out)))
				    : FUSE_DIRENT_SIZE(&d);
		}
		rd.size = 200; /* later rounds: small buffers, the offset must resume */
	}
	cr_assert_eq(fscript_req(&t, FUSE_RELEASEDIR, FUSE_ROOT_ID, &(struct fuse_release_in){ .fh = oo.fh },
				 sizeof(struct fuse_release_in)), 0);
}

Test(fuse, readdir_and_readdirplus_list_everything_once)
{
	char list[8192], name[32];

	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "file-%02d", i);
		fscript_write_file(t.root, name, "x");
	}
	fscript_init(&t);
	for (int plus = 0; plus < 2; plus++) {
		list_root(plus, list, sizeof(list));
		for (int i = 0; i < 40; i++) {
			char word[40];

			snprintf(word, sizeof(word), "file-%02d ", i);
			char *hit = strstr(list, word);
			cr_assert_not_null(hit, "%s missing from %s", word, list);
			cr_assert_null(strstr(hit + 1, word), "%s listed twice", word);
		}
	}
	/* READDIRPLUS counted one lookup per file (40) + root. */
	cr_assert_eq(t.s.inodes.live, 41);
}

Test(fuse, mkdir_rmdir_unlink_rename_symlink_link_mknod)
{
	uint8_t body[512];
	struct stat st;
	char path[600], back[64];
	int64_t dir, f;
	size_t n;

	fscript_write_file(t.root, "f", "data");
	fscript_init(&t);
	n = fscript_body(body, &(struct fuse_mkdir_in){ .mode = 0755 }, sizeof(struct fuse_mkdir_in), "d", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_MKDIR, FUSE_ROOT_ID, body, n), 0);
	dir = fscript_lookup(&t, FUSE_ROOT_ID, "d");
	f = fscript_lookup(&t, FUSE_ROOT_ID, "f");
	/* rename f -> d/g */
	n = fscript_body(body, &(struct fuse_rename_in){ .newdir = (uint64_t)dir }, sizeof(struct fuse_rename_in), "f", "g");
	cr_assert_eq(fscript_req(&t, FUSE_RENAME, FUSE_ROOT_ID, body, n), 0);
	cr_assert_eq(fscript_read_file(t.root, "d/g", back, sizeof(back)), 4);
	/* RENAME2 NOREPLACE onto an existing name fails. */
	fscript_write_file(t.root, "h", "h");
	n = fscript_body(body, &(struct fuse_rename2_in){ .newdir = FUSE_ROOT_ID, .flags = RENAME_NOREPLACE },
			 sizeof(struct fuse_rename2_in), "d", "h");
	cr_assert_eq(fscript_req(&t, FUSE_RENAME2, FUSE_ROOT_ID, body, n), -EEXIST);
	/* link d/g -> l */
	n = fscript_body(body, &(struct fuse_link_in){ .oldnodeid = (uint64_t)f }, sizeof(struct fuse_link_in), "l", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_LINK, FUSE_ROOT_ID, body, n), 0);
	snprintf(path, sizeof(path), "%s/l", t.root);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_nlink, 2);
	/* symlink + readlink */
	n = fscript_body(body, NULL, 0, "sl", "d/g");
	cr_assert_eq(fscript_req(&t, FUSE_SYMLINK, FUSE_ROOT_ID, body, n), 0);
	int64_t sl = fscript_lookup(&t, FUSE_ROOT_ID, "sl");
	cr_assert_eq(fscript_req(&t, FUSE_READLINK, (uint64_t)sl, NULL, 0), 0);
	cr_assert_eq(t.reply_len, sizeof(struct fuse_out_header) + 3);
	cr_assert_eq(memcmp(fscript_payload(&t), "d/g", 3), 0);
	/* mknod: fifo yes, char device no */
	n = fscript_body(body, &(struct fuse_mknod_in){ .mode = S_IFIFO | 0600 }, sizeof(struct fuse_mknod_in), "fifo", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_MKNOD, FUSE_ROOT_ID, body, n), 0);
	n = fscript_body(body, &(struct fuse_mknod_in){ .mode = S_IFCHR | 0600, .rdev = makedev(1, 3) },
			 sizeof(struct fuse_mknod_in), "null", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_MKNOD, FUSE_ROOT_ID, body, n), -EPERM);
	snprintf(path, sizeof(path), "%s/null", t.root);
	cr_assert_neq(access(path, F_OK), 0);
	/* unlink and rmdir */
	cr_assert_eq(fscript_req(&t, FUSE_RMDIR, FUSE_ROOT_ID, "d", 2), -ENOTEMPTY);
	cr_assert_eq(fscript_req(&t, FUSE_UNLINK, (uint64_t)dir, "g", 2), 0);
	cr_assert_eq(fscript_req(&t, FUSE_RMDIR, FUSE_ROOT_ID, "d", 2), 0);
	snprintf(path, sizeof(path), "%s/d", t.root);
	cr_assert_neq(access(path, F_OK), 0);
}

Test(fuse, setattr_size_mode_times_and_statfs_access)
{
	struct fuse_setattr_in sa = { 0 };
	struct fuse_attr_out a;
	int64_t id;

	fscript_write_file(t.root, "f", "0123456789");
	fscript_init(&t);
	id = fscript_lookup(&t, FUSE_ROOT_ID, "f");
	sa.valid = FATTR_SIZE | FATTR_MODE | FATTR_MTIME;
	sa.size = 3;
	sa.mode = 0600;
	sa.mtime = 1000000;
	cr_assert_eq(fscript_req(&t, FUSE_SETATTR, (uint64_t)id, &sa, sizeof(sa)), 0);
	memcpy(&a, fscript_payload(&t), sizeof(a));
	cr_assert_eq(a.attr.size, 3);
	cr_assert_eq(a.attr.mode & 07777, 0600);
	cr_assert_eq(a.attr.mtime, 1000000);
	cr_assert_eq(fscript_req(&t, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0), 0);
	struct fuse_statfs_out sf;
	memcpy(&sf, fscript_payload(&t), sizeof(sf));
	cr_assert_gt(sf.st.bsize, 0);
	cr_assert_eq(fscript_req(&t, FUSE_ACCESS, (uint64_t)id, &(struct fuse_access_in){ .mask = R_OK },
				 sizeof(struct fuse_access_in)), 0);
}

Test(fuse, xattrs_set_get_list_remove)
{
	uint8_t body[256];
	struct fuse_setxattr_in sx = { .size = 5 };
	struct fuse_getxattr_out go;
	int64_t id;
	size_t n;
	int r;

	fscript_write_file(t.root, "f", "x");
	fscript_init(&t);
	id = fscript_lookup(&t, FUSE_ROOT_ID, "f");
	n = fscript_body(body, &sx, FUSE_COMPAT_SETXATTR_IN_SIZE, "user.cnh", NULL);
	memcpy(body + n, "value", 5);
	r = fscript_req(&t, FUSE_SETXATTR, (uint64_t)id, body, n + 5);
	if (r == -ENOTSUP || r == -EOPNOTSUPP) {
		cr_log_warn("the temporary directory's file system has no user xattrs");
		return;
	}
	cr_assert_eq(r, 0);
	n = fscript_body(body, &(struct fuse_getxattr_in){ .size = 0 }, sizeof(struct fuse_getxattr_in), "user.cnh", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_GETXATTR, (uint64_t)id, body, n), 0);
	memcpy(&go, fscript_payload(&t), sizeof(go));
	cr_assert_eq(go.size, 5);
	n = fscript_body(body, &(struct fuse_getxattr_in){ .size = 64 }, sizeof(struct fuse_getxattr_in), "user.cnh", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_GETXATTR, (uint64_t)id, body, n), 0);
	cr_assert_eq(memcmp(fscript_payload(&t), "value", 5), 0);
	cr_assert_eq(fscript_req(&t, FUSE_LISTXATTR, (uint64_t)id, &(struct fuse_getxattr_in){ .size = 64 },
				 sizeof(struct fuse_getxattr_in)), 0);
	cr_assert_not_null(memmem(fscript_payload(&t), t.reply_len - 16, "user.cnh", 9));
	cr_assert_eq(fscript_req(&t, FUSE_REMOVEXATTR, (uint64_t)id, "user.cnh", 9), 0);
	cr_assert_eq(fscript_req(&t, FUSE_GETXATTR, (uint64_t)id, body, n), -ENODATA);
}

Test(fuse, destroy_forgets_everything_but_root)
{
	fscript_write_file(t.root, "f", "x");
	fscript_init(&t);
	cr_assert_gt(fscript_lookup(&t, FUSE_ROOT_ID, "f"), 1);
	cr_assert_eq(t.s.inodes.live, 2);
	cr_assert_eq(fscript_req(&t, FUSE_DESTROY, FUSE_ROOT_ID, NULL, 0), 0);
	cr_assert_eq(t.s.inodes.live, 1);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "f"), -EIO, "requests after DESTROY need a new INIT");
}

/* GETATTR of id: the file size, or the negative error. */
static int64_t node_size(int64_t id)
{
	struct fuse_attr_out a;
	int r = fscript_req(&t, FUSE_GETATTR, (uint64_t)id, &(struct fuse_getattr_in){ 0 },
			    sizeof(struct fuse_getattr_in));

	if (r < 0)
		return r;
	memcpy(&a, fscript_payload(&t), sizeof(a));
	return (int64_t)a.attr.size;
}

/*
 * LOOKUP probes the table with a stat of the name: a name the host replaced
 * must give the new file's node (new to the table, or already known), never
 * the old one, while the old node stays valid for what it was.
 */
Test(fuse, lookup_follows_a_name_replaced_on_the_host)
{
	char from[600], to[600];
	int64_t f, g, h;

	fscript_write_file(t.root, "f", "old");
	fscript_write_file(t.root, "g", "newer!");
	fscript_write_file(t.root, "h", "known-before");
	fscript_init(&t);
	f = fscript_lookup(&t, FUSE_ROOT_ID, "f");
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "f"), f);
	snprintf(from, sizeof(from), "%s/g", t.root);
	snprintf(to, sizeof(to), "%s/f", t.root);
	cr_assert_eq(rename(from, to), 0);
	g = fscript_lookup(&t, FUSE_ROOT_ID, "f");
	cr_assert(g > 1 && g != f, "a replaced name kept its old node");
	cr_assert_eq(node_size(g), 6);
	cr_assert_eq(node_size(f), 3, "the old node must still be the old file");
	h = fscript_lookup(&t, FUSE_ROOT_ID, "h");
	snprintf(from, sizeof(from), "%s/h", t.root);
	cr_assert_eq(rename(from, to), 0);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "f"), h, "a name replaced by a known file");
	cr_assert_eq(unlink(to), 0);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "f"), -ENOENT);
	cr_assert_eq(node_size(h), 12);
}

/* The handle table reuses released slots (a free list) and grows past its first array. */
Test(fuse, many_handles_reuse_released_slots)
{
	enum { N = 300, MAXFH = 512 };
	static bool live[MAXFH + 1], released[MAXFH + 1];
	struct fuse_read_in rd = { .size = 4 };
	uint64_t fh[N];
	int64_t id;

	fscript_write_file(t.root, "hello.txt", "0123456789");
	fscript_init(&t);
	id = fscript_lookup(&t, FUSE_ROOT_ID, "hello.txt");
	for (int i = 0; i < N; i++) {
		fh[i] = do_open((uint64_t)id, O_RDONLY, NULL);
		cr_assert(fh[i] >= 1 && fh[i] <= MAXFH && !live[fh[i]], "fh %llu twice or out of range",
			  (unsigned long long)fh[i]);
		live[fh[i]] = true;
	}
	for (int i = 0; i < N; i += 2) {
		cr_assert_eq(fscript_req(&t, FUSE_RELEASE, (uint64_t)id, &(struct fuse_release_in){ .fh = fh[i] },
					 sizeof(struct fuse_release_in)), 0);
		live[fh[i]] = false;
		released[fh[i]] = true;
	}
	for (int i = 0; i < N; i += 2) {
		fh[i] = do_open((uint64_t)id, O_RDONLY, NULL);
		cr_assert(released[fh[i]] && !live[fh[i]], "fh %llu is not a released slot",
			  (unsigned long long)fh[i]);
		live[fh[i]] = true;
	}
	for (int i = 0; i < N; i++) {
		rd.fh = fh[i];
		cr_assert_eq(fscript_req(&t, FUSE_READ, (uint64_t)id, &rd, sizeof(rd)), 0);
		cr_assert_eq(memcmp(fscript_payload(&t), "0123", 4), 0);
		cr_assert_eq(fscript_req(&t, FUSE_RELEASE, (uint64_t)id, &(struct fuse_release_in){ .fh = fh[i] },
					 sizeof(struct fuse_release_in)), 0);
	}
	cr_assert_eq(fscript_req(&t, FUSE_READ, (uint64_t)id, &rd, sizeof(rd)), -EBADF);
}

/* More inodes than the first hash has buckets: every node is still found (the hash grew). */
Test(fuse, inode_table_grows_past_its_first_hash)
{
	enum { N = 600 };
	static int64_t ids[N];
	static bool seen[N + 2];
	char name[32];

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n-%03d", i);
		fscript_write_file(t.root, name, i % 2 ? "odd" : "even");
	}
	fscript_init(&t);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n-%03d", i);
		ids[i] = fscript_lookup(&t, FUSE_ROOT_ID, name);
		cr_assert(ids[i] > 1 && ids[i] <= N + 1 && !seen[ids[i]]);
		seen[ids[i]] = true;
	}
	cr_assert_gt(t.s.inodes.cap, 256);
	cr_assert_geq(1u << t.s.inodes.hash_bits, t.s.inodes.cap, "the hash did not grow with the table");
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n-%03d", i);
		cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, name), ids[i], "node of %s lost", name);
	}
	for (int i = 1; i < N; i += 2) {
		struct fuse_forget_in f = { .nlookup = 2 };

		cr_assert_eq(fscript_req(&t, FUSE_FORGET, (uint64_t)ids[i], &f, sizeof(f)), 1);
		cr_assert_null(fs_inode_get(&t.s.inodes, (uint64_t)ids[i]));
	}
	cr_assert_eq(t.s.inodes.live, 1 + N / 2);
	for (int i = 0; i < N; i++) {
		int64_t id;

		snprintf(name, sizeof(name), "n-%03d", i);
		id = fscript_lookup(&t, FUSE_ROOT_ID, name);
		if (i % 2 == 0)
			cr_assert_eq(id, ids[i]);
		cr_assert_eq(node_size(id), i % 2 ? 3 : 4);
	}
}
