/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-fs against hostile FUSE requests: names that try to leave the shared
 * directory, symlinks pointing outside, and requests whose lengths lie. All
 * must be refused without a crash and without touching anything outside.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuse_script.h"
#include "vhost-user/fs/fs_sandbox.h"

static struct fscript t;

/* The sibling directory holds exactly "secret" with its original content. */
static void assert_outside_untouched(void)
{
	char back[64];
	DIR *d = opendir(t.outside);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	cr_assert_eq(n, 1, "something was created outside the shared directory");
	cr_assert_eq(fscript_read_file(t.outside, "secret", back, sizeof(back)), 14);
	cr_assert_str_eq(back, "outside-secret");
}

static void setup(void)
{
	char target[300];

	fscript_setup(&t);
	snprintf(target, sizeof(target), "%s/secret", t.outside);
	cr_assert_eq(symlinkat(target, open(t.root, O_PATH | O_CLOEXEC), "abs-escape"), 0);
	fscript_write_file(t.root, "inside", "inside");
	fscript_init(&t);
}

static void teardown(void)
{
	assert_outside_untouched();
	fscript_teardown(&t);
}

TestSuite(security, .init = setup, .fini = teardown);

static void host_symlink(const char *target, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", t.root, name);
	cr_assert_eq(symlink(target, path), 0);
}

Test(security, dot_dot_and_dot_from_root)
{
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, ".."), -EINVAL);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "."), -EINVAL);
	cr_assert_eq(fscript_req(&t, FUSE_UNLINK, FUSE_ROOT_ID, "..", 3), -EINVAL);
	cr_assert_eq(fscript_req(&t, FUSE_RMDIR, FUSE_ROOT_ID, "..", 3), -EINVAL);
}

Test(security, names_with_slashes_and_absolute_names)
{
	char rel[300];

	snprintf(rel, sizeof(rel), "../outside/secret");
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, rel), -EINVAL);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "/etc/passwd"), -EINVAL);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, "a/b"), -EINVAL);
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, ""), -EINVAL);
	/* CREATE with a path name must not create anything anywhere. */
	uint8_t body[512];
	struct fuse_create_in in = { .flags = O_RDWR, .mode = S_IFREG | 0644 };
	size_t n = fscript_body(body, &in, sizeof(in), "../outside/new", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_CREATE, FUSE_ROOT_ID, body, n), -EINVAL);
	/* RENAME into an absolute target. */
	n = fscript_body(body, &(struct fuse_rename_in){ .newdir = FUSE_ROOT_ID }, sizeof(struct fuse_rename_in),
			 "inside", "/tmp/stolen");
	cr_assert_eq(fscript_req(&t, FUSE_RENAME, FUSE_ROOT_ID, body, n), -EINVAL);
}

Test(security, over_long_and_unterminated_names)
{
	char name[400];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_eq(fscript_lookup(&t, FUSE_ROOT_ID, name), -ENAMETOOLONG);
	/* No NUL inside the request: the name runs to the end of the buffer. */
	cr_assert_eq(fscript_req(&t, FUSE_LOOKUP, FUSE_ROOT_ID, "inside", 6), -EINVAL);
	cr_assert_eq(fscript_req(&t, FUSE_MKDIR, FUSE_ROOT_ID, &(struct fuse_mkdir_in){ .mode = 0755 },
				 sizeof(struct fuse_mkdir_in)), -EINVAL);
}

Test(security, symlinks_pointing_outside_are_never_followed)
{
	uint8_t body[512];
	char path[600];
	int64_t id, dir;
	size_t n;

	host_symlink("../outside/secret", "rel-escape");
	host_symlink("../outside", "dir-escape");
	/* LOOKUP returns the link itself. */
	id = fscript_lookup(&t, FUSE_ROOT_ID, "rel-escape");
	cr_assert_gt(id, 1);
	struct fuse_entry_out e;
	memcpy(&e, fscript_payload(&t), sizeof(e));
	cr_assert(S_ISLNK(e.attr.mode));
	/* OPEN of the link node does not reach the target. */
	cr_assert_lt(fscript_req(&t, FUSE_OPEN, (uint64_t)id, &(struct fuse_open_in){ .flags = O_RDWR | O_TRUNC },
				 sizeof(struct fuse_open_in)), 0);
	id = fscript_lookup(&t, FUSE_ROOT_ID, "abs-escape");
	cr_assert_lt(fscript_req(&t, FUSE_OPEN, (uint64_t)id, &(struct fuse_open_in){ .flags = O_RDONLY },
				 sizeof(struct fuse_open_in)), 0);
	/* SETATTR size / mode on the link does not truncate or chmod the target. */
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE, .size = 0 };
	cr_assert_lt(fscript_req(&t, FUSE_SETATTR, (uint64_t)id, &sa, sizeof(sa)), 0);
	sa = (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = 0777 };
	cr_assert_lt(fscript_req(&t, FUSE_SETATTR, (uint64_t)id, &sa, sizeof(sa)), 0);
	/* CREATE over the link name (O_CREAT without O_EXCL would follow it). */
	struct fuse_create_in ci = { .flags = O_RDWR | O_TRUNC, .mode = S_IFREG | 0644 };
	n = fscript_body(body, &ci, sizeof(ci), "rel-escape", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_CREATE, FUSE_ROOT_ID, body, n), -ELOOP);
	/* A directory symlink is not a directory node: nothing under it. */
	dir = fscript_lookup(&t, FUSE_ROOT_ID, "dir-escape");
	cr_assert_gt(dir, 1);
	cr_assert_eq(fscript_lookup(&t, (uint64_t)dir, "secret"), -ENOTDIR);
	n = fscript_body(body, &ci, sizeof(ci), "planted", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_CREATE, (uint64_t)dir, body, n), -ENOTDIR);
	n = fscript_body(body, &(struct fuse_mkdir_in){ .mode = 0755 }, sizeof(struct fuse_mkdir_in), "planted", NULL);
	cr_assert_eq(fscript_req(&t, FUSE_MKDIR, (uint64_t)dir, body, n), -ENOTDIR);
	cr_assert_lt(fscript_req(&t, FUSE_OPENDIR, (uint64_t)dir, &(struct fuse_open_in){ 0 },
				 sizeof(struct fuse_open_in)), 0);
	/* A hard link to the link node links the link, not the target. */
	n = fscript_body(body, &(struct fuse_link_in){ .oldnodeid = (uint64_t)id }, sizeof(struct fuse_link_in),
			 "hl", NULL);
	(void)fscript_req(&t, FUSE_LINK, FUSE_ROOT_ID, body, n);
	snprintf(path, sizeof(path), "%s/hl", t.root);
	struct stat st;
	if (lstat(path, &st) == 0)
		cr_assert(S_ISLNK(st.st_mode), "LINK followed a symlink out of the shared dir");
	/* Renaming the link and unlinking it work on the link only. */
	cr_assert_eq(fscript_req(&t, FUSE_UNLINK, FUSE_ROOT_ID, "rel-escape", 11), 0);
}

/* Send a raw request with header fields as given. */
static int raw(uint32_t len_field, uint32_t opcode, uint64_t nodeid, const void *body, size_t body_len,
	       size_t reply_room)
{
	uint8_t buf[1024];
	struct fuse_in_header h = { .len = len_field, .opcode = opcode, .unique = 77, .nodeid = nodeid };

	cr_assert_leq(sizeof(h) + body_len, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	if (body_len)
		memcpy(buf + sizeof(h), body, body_len);
	return fscript_req_raw(&t, buf, sizeof(h) + body_len, reply_room);
}

Test(security, header_lengths_that_lie)
{
	size_t room = sizeof(t.reply);
	struct fuse_getattr_in ga = { 0 };

	/* len larger, smaller, below the header size, zero, huge. */
	cr_assert_eq(raw(40 + sizeof(ga) + 100, FUSE_GETATTR, 1, &ga, sizeof(ga), room), -EINVAL);
	cr_assert_eq(raw(40 + 4, FUSE_GETATTR, 1, &ga, sizeof(ga), room), -EINVAL);
	cr_assert_eq(raw(8, FUSE_GETATTR, 1, &ga, sizeof(ga), room), -EINVAL);
	cr_assert_eq(raw(0, FUSE_GETATTR, 1, &ga, sizeof(ga), room), -EINVAL);
	cr_assert_eq(raw(UINT32_MAX, FUSE_GETATTR, 1, &ga, sizeof(ga), room), -EINVAL);
	/* A truthful header but the opcode struct is missing or short. */
	cr_assert_eq(raw(40, FUSE_GETATTR, 1, NULL, 0, room), -EINVAL);
	cr_assert_eq(raw(40 + 8, FUSE_READ, 1, &ga, 8, room), -EINVAL);
	cr_assert_eq(raw(40 + 4, FUSE_SETATTR, 1, &ga, 4, room), -EINVAL);
	cr_assert_eq(raw(40 + 4, FUSE_INIT, 0, &ga, 4, room), -EINVAL);
	/* Shorter than a header: nothing to answer to. */
	uint8_t tiny[10] = { 0 };
	cr_assert_eq(fscript_req_raw(&t, tiny, sizeof(tiny), room), 1);
	cr_assert_eq(fscript_req_raw(&t, tiny, 0, room), 1);
}

Test(security, write_size_that_lies)
{
	uint8_t body[256];
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = S_IFREG | 0644 };
	struct fuse_write_in w = { .size = 1000 };
	struct fuse_entry_out e;
	struct fuse_open_out o;
	size_t n = fscript_body(body, &ci, sizeof(ci), "w", NULL);

	cr_assert_eq(fscript_req(&t, FUSE_CREATE, FUSE_ROOT_ID, body, n), 0);
	memcpy(&e, fscript_payload(&t), sizeof(e));
	memcpy(&o, (uint8_t *)fscript_payload(&t) + sizeof(e), sizeof(o));
	w.fh = o.fh;
	memcpy(body, &w, sizeof(w));
	memcpy(body + sizeof(w), "abc", 3);
	cr_assert_eq(fscript_req(&t, FUSE_WRITE, e.nodeid, body, sizeof(w) + 3), -EINVAL);
	w.size = 1;
	memcpy(body, &w, sizeof(w));
	cr_assert_eq(fscript_req(&t, FUSE_WRITE, e.nodeid, body, sizeof(w) + 3), -EINVAL);
	/* Unknown handles and nodes. */
	w = (struct fuse_write_in){ .fh = 999, .size = 3 };
	memcpy(body, &w, sizeof(w));
	cr_assert_eq(fscript_req(&t, FUSE_WRITE, e.nodeid, body, sizeof(w) + 3), -EBADF);
	w.fh = 0;
	memcpy(body, &w, sizeof(w));
	cr_assert_eq(fscript_req(&t, FUSE_WRITE, e.nodeid, body, sizeof(w) + 3), -EBADF);
	cr_assert_eq(fscript_lookup(&t, 123456, "w"), -ESTALE);
	cr_assert_eq(fscript_lookup(&t, UINT64_MAX, "w"), -ESTALE);
	cr_assert_eq(fscript_lookup(&t, 0, "w"), -ESTALE);
}

Test(security, batch_forget_count_that_lies)
{
	uint8_t body[sizeof(struct fuse_batch_forget_in) + sizeof(struct fuse_forget_one)];
	struct fuse_batch_forget_in in = { .count = 1000000 };
	struct fuse_forget_one one;
	int64_t id = fscript_lookup(&t, FUSE_ROOT_ID, "inside");

	one = (struct fuse_forget_one){ .nodeid = (uint64_t)id, .nlookup = 1 };
	memcpy(body, &in, sizeof(in));
	memcpy(body + sizeof(in), &one, sizeof(one));
	cr_assert_eq(fscript_req(&t, FUSE_BATCH_FORGET, 0, body, sizeof(body)), 1);
	cr_assert_not_null(fs_inode_get(&t.s.inodes, (uint64_t)id), "a lying count forgot something");
	/* Forgetting the root or unknown nodes is ignored. */
	struct fuse_forget_in f = { .nlookup = 100 };
	cr_assert_eq(fscript_req(&t, FUSE_FORGET, FUSE_ROOT_ID, &f, sizeof(f)), 1);
	cr_assert_eq(fscript_req(&t, FUSE_FORGET, 987654, &f, sizeof(f)), 1);
	cr_assert_gt(fscript_lookup(&t, FUSE_ROOT_ID, "inside"), 1);
}

Test(security, reply_buffers_too_small)
{
	uint8_t req[128];
	struct fuse_in_header h = { .len = sizeof(h) + 7, .opcode = FUSE_LOOKUP, .unique = 5, .nodeid = 1 };
	uint32_t live = t.s.inodes.live;

	memcpy(req, &h, sizeof(h));
	memcpy(req + sizeof(h), "inside", 7);
	/* No room for even a header: nothing is written, nothing counted. */
	cr_assert_eq(fscript_req_raw(&t, req, h.len, 8), 1);
	cr_assert_eq(t.reply[8], 0xee, "wrote beyond the device-writable bytes");
	/* Room for the header but not the entry: -EINVAL, no lookup counted. */
	cr_assert_eq(fscript_req_raw(&t, req, h.len, sizeof(struct fuse_out_header) + 10), -EINVAL);
	cr_assert_eq(t.s.inodes.live, live);
	/* READ asking for more than the buffers hold is cut to what fits. */
	struct fuse_open_in oi = { .flags = O_RDONLY };
	int64_t id = fscript_lookup(&t, FUSE_ROOT_ID, "inside");
	cr_assert_eq(fscript_req(&t, FUSE_OPEN, (uint64_t)id, &oi, sizeof(oi)), 0);
	struct fuse_open_out oo;
	memcpy(&oo, fscript_payload(&t), sizeof(oo));
	struct fuse_read_in rd = { .fh = oo.fh, .size = UINT32_MAX };
	h = (struct fuse_in_header){ .len = sizeof(h) + sizeof(rd), .opcode = FUSE_READ, .unique = 6,
				     .nodeid = (uint64_t)id };
	memcpy(req, &h, sizeof(h));
	memcpy(req + sizeof(h), &rd, sizeof(rd));
	cr_assert_eq(fscript_req_raw(&t, req, h.len, sizeof(struct fuse_out_header) + 3), 0);
	cr_assert_eq(t.reply_len, sizeof(struct fuse_out_header) + 3);
	cr_assert_eq(t.reply[t.reply_len], 0xee);
}

Test(security, oversized_request)
{
	size_t len = FUSE_SESSION_REQ_MAX + 4096;
	uint8_t *req = calloc(1, len);
	struct fuse_in_header h = { .len = (uint32_t)len, .opcode = FUSE_WRITE, .unique = 9, .nodeid = 1 };

	memcpy(req, &h, sizeof(h));
	cr_assert_eq(fscript_req_raw(&t, req, len, sizeof(t.reply)), -EINVAL);
	free(req);
}

Test(security, random_requests_do_not_crash_or_escape)
{
	uint8_t req[512];
	unsigned int seed = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(req));
		struct fuse_in_header h;

		for (size_t j = 0; j < len; j++)
			req[j] = (uint8_t)rand_r(&seed);
		if (len >= sizeof(h)) {
			memcpy(&h, req, sizeof(h));
			/* Mostly plausible: the right length, a real opcode, small node ids. */
			if (rand_r(&seed) % 4)
				h.len = (uint32_t)len;
			h.opcode = (uint32_t)(rand_r(&seed) % 60);
			if (h.opcode == FUSE_INIT || h.opcode == FUSE_DESTROY)
				h.opcode = FUSE_GETATTR;
			h.nodeid = (uint64_t)(rand_r(&seed) % 8);
			memcpy(req, &h, sizeof(h));
		}
		(void)fscript_req_raw(&t, req, len, (size_t)(rand_r(&seed) % sizeof(t.reply)));
	}
	/* Still serving. */
	cr_assert_gt(fscript_lookup(&t, FUSE_ROOT_ID, "inside"), 1);
}

/* The sandbox modes, in a child (they change the process for good). */
static void sandbox_child(enum fs_sandbox mode)
{
	char err[256] = "";
	int root = -1, proc = -1, status;
	pid_t pid;

	if (geteuid() != 0) {
		cr_skip_test("the confining sandbox modes need root");
		return;
	}
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* Child: confine, then the outside must be unreachable by path and "inside" reachable. */
		char back[64];
		int fd;

		if (fs_sandbox_enter(t.root, mode, &root, &proc, err, sizeof(err)) < 0)
			_exit(10);
		if (access(t.outside, F_OK) == 0)
			_exit(11);
		fd = openat(root, "inside", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, back, sizeof(back)) != 6)
			_exit(12);
		if (access("/inside", F_OK) != 0)
			_exit(13);
		/* The /proc/self/fd re-open path still works. */
		char name[16];
		snprintf(name, sizeof(name), "%d", fd);
		int fd2 = openat(proc, name, O_RDONLY | O_CLOEXEC);
		if (fd2 < 0)
			_exit(14);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sandbox %s: child status %d",
		  fs_sandbox_name(mode), WEXITSTATUS(status));
}

Test(security, sandbox_chroot_confines)
{
	sandbox_child(FS_SANDBOX_CHROOT);
}

Test(security, sandbox_namespace_confines)
{
	sandbox_child(FS_SANDBOX_NAMESPACE);
}

Test(security, sandbox_parse)
{
	enum fs_sandbox m;

	cr_assert_eq(fs_sandbox_parse("namespace", &m), 0);
	cr_assert_eq(m, FS_SANDBOX_NAMESPACE);
	cr_assert_eq(fs_sandbox_parse("chroot", &m), 0);
	cr_assert_eq(m, FS_SANDBOX_CHROOT);
	cr_assert_eq(fs_sandbox_parse("none", &m), 0);
	cr_assert_eq(m, FS_SANDBOX_NONE);
	cr_assert_eq(fs_sandbox_parse("jail", &m), -EINVAL);
}

/* A raw request with the caller's uid and gid in the header: the error (<= 0). */
static int req_as(uint32_t opcode, uint64_t nodeid, const void *body, size_t len, uint32_t uid, uint32_t gid)
{
	uint8_t buf[512];
	struct fuse_in_header h = { .len = (uint32_t)(sizeof(h) + len), .opcode = opcode, .unique = ++t.unique,
				    .nodeid = nodeid, .uid = uid, .gid = gid };

	cr_assert_leq(sizeof(h) + len, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	return fscript_req_raw(&t, buf, sizeof(h) + len, sizeof(t.reply));
}

static int mkdir_as(uint64_t parent, const char *name, uint32_t uid, uint32_t gid)
{
	uint8_t body[128];
	size_t n = fscript_body(body, &(struct fuse_mkdir_in){ .mode = 0755 }, sizeof(struct fuse_mkdir_in), name, NULL);

	return req_as(FUSE_MKDIR, parent, body, n, uid, gid);
}

static void assert_owner(const char *name, uid_t uid, gid_t gid)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", t.root, name);
	cr_assert_eq(lstat(path, &st), 0, "%s missing", name);
	cr_assert(st.st_uid == uid && st.st_gid == gid, "%s owned by %u:%u, not %u:%u", name, st.st_uid,
		  st.st_gid, uid, gid);
}

/*
 * A root daemon creates as the caller (fsuid/fsgid) with the caller's
 * permissions, and is back to its own ids after each request. A caller with
 * the daemon's own ids skips the switch: its files are the daemon's, and
 * differing in the uid or the gid alone is enough to switch.
 */
Test(security, creates_as_the_caller_then_back_to_own_ids)
{
	uid_t own_uid = geteuid();
	gid_t own_gid = getegid();
	int64_t closed;

	if (own_uid != 0) {
		cr_skip_test("switching fs credentials needs root");
		return;
	}
	t.s.opts.set_fsids = true;
	cr_assert_eq(chmod(t.root, 0777), 0);
	cr_assert_eq(mkdir_as(FUSE_ROOT_ID, "theirs", 4321, 4322), 0);
	assert_owner("theirs", 4321, 4322);
	cr_assert_eq(setfsuid((uid_t)-1), (int)own_uid, "fsuid not restored");
	cr_assert_eq(setfsgid((gid_t)-1), (int)own_gid, "fsgid not restored");
	cr_assert_eq(mkdir_as(FUSE_ROOT_ID, "ours", own_uid, own_gid), 0);
	assert_owner("ours", own_uid, own_gid);
	cr_assert_eq(mkdir_as(FUSE_ROOT_ID, "uid-only", 4321, own_gid), 0);
	assert_owner("uid-only", 4321, own_gid);
	cr_assert_eq(mkdir_as(FUSE_ROOT_ID, "gid-only", own_uid, 4322), 0);
	assert_owner("gid-only", own_uid, 4322);
	/* The caller's permissions, not the daemon's: "ours" is 0755 root's. */
	closed = fscript_lookup(&t, FUSE_ROOT_ID, "ours");
	cr_assert_gt(closed, 1);
	cr_assert_eq(mkdir_as((uint64_t)closed, "sneaky", 4321, 4322), -EACCES);
	cr_assert_eq(setfsuid((uid_t)-1), (int)own_uid, "fsuid not restored after a refusal");
	cr_assert_eq(mkdir_as((uint64_t)closed, "fine", own_uid, own_gid), 0);
}

/*
 * (uid_t)-1 is no id: setfsuid ignores it, so without a check the request
 * would run with the daemon's (root's) ids. It must be refused, with
 * nothing created and the daemon's own ids kept.
 */
Test(security, caller_ids_the_kernel_refuses_are_refused)
{
	struct stat st;
	char path[600];

	if (geteuid() != 0) {
		cr_skip_test("switching fs credentials needs root");
		return;
	}
	t.s.opts.set_fsids = true;
	cr_assert_eq(chmod(t.root, 0777), 0);
	cr_assert_eq(mkdir_as(FUSE_ROOT_ID, "no-uid", 0xffffffffu, 4322), -EPERM);
	cr_assert_eq(mkdir_as(FUSE_ROOT_ID, "no-gid", 4321, 0xffffffffu), -EPERM);
	cr_assert_eq(setfsuid((uid_t)-1), 0, "fsuid not restored");
	cr_assert_eq(setfsgid((gid_t)-1), (int)getegid(), "fsgid not restored");
	snprintf(path, sizeof(path), "%s/no-uid", t.root);
	cr_assert_neq(lstat(path, &st), 0, "created as root");
	snprintf(path, sizeof(path), "%s/no-gid", t.root);
	cr_assert_neq(lstat(path, &st), 0, "created with root's group");
	cr_assert_eq(mkdir_as(FUSE_ROOT_ID, "after", 4321, 4322), 0);
	assert_owner("after", 4321, 4322);
}
