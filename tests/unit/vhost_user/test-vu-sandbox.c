/* SPDX-License-Identifier: Apache-2.0 */
/* vu_sandbox: each step checked in a forked child (the sandbox is one-way). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "vhost-user/lib/vu_sandbox.h"

/* Run fn in a child; its exit code (0: all its own checks passed). */
static int in_child(int (*fn)(void))
{
	int st = 0;
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0)
		_exit(fn());
	cr_assert(waitpid(pid, &st, 0) == pid);
	cr_assert(WIFEXITED(st), "child died (status %#x)", st);
	return WEXITSTATUS(st);
}

/* Entries of dir other than ".", ".." and a sanitizer's "proc"; the only one in ret_name (if one). */
static int dir_entries(const char *dir, char *ret_name, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "proc") && ++n == 1 &&
		    ret_name && strlen(e->d_name) < len)
			memcpy(ret_name, e->d_name, strlen(e->d_name) + 1);
	closedir(d);
	return n;
}

static int root_entries(void)
{
	return dir_entries("/", NULL, 0);
}

static int child_basic(void)
{
	struct vu_sandbox_policy p = { VU_SANDBOX_MNT | VU_SANDBOX_NET | VU_SANDBOX_NPROC0, 16 };
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct vu_sandbox_result res;
	struct rlimit rl;
	char err[160];
	bool root = geteuid() == 0;

	if (vu_sandbox_apply(&p, NULL, &res, err, sizeof(err)) < 0)
		return 10;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 11;
	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
		return 12;
	if (getrlimit(RLIMIT_NPROC, &rl) < 0 || rl.rlim_cur != 0)
		return 13;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != res.nofile || res.nofile < 17 ||
	    res.nofile > 4096)
		return 14;
	if (syscall(SYS_capget, &hdr, data) < 0 || data[0].effective || data[0].permitted ||
	    data[1].effective || data[1].permitted)
		return 15;
	if (!strstr(res.applied, "no_new_privs") || !strstr(res.applied, "capabilities dropped"))
		return 16;
	if (root) {
		/* Root: the namespaces must have been applied, and the tree is gone. */
		if (!strstr(res.applied, "mount namespace") || !strstr(res.applied, "network namespace"))
			return 17;
		if (root_entries() != 0 || access("/etc", F_OK) == 0)
			return 18;
		if (mkdir("/x", 0700) == 0 || errno != EROFS)
			return 19;
		if (strstr(res.applied, "user namespace"))
			return 21; /* CAP_SYS_ADMIN: no user namespace (vu_sandbox_want_userns) */
	} else if (!strstr(res.applied, "user namespace") && !strstr(res.skipped, "namespaces")) {
		return 20; /* a user namespace, or a skipped step reported */
	}
	return 0;
}

Test(vu_sandbox, basic_policy_applies_every_step)
{
	cr_assert_eq(in_child(child_basic), 0);
}

static int child_keep_caps(void)
{
	struct vu_sandbox_policy p = { VU_SANDBOX_KEEP_CAPS, 0 };
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct before[2], after[2];
	struct vu_sandbox_result res;
	struct rlimit rl0, rl;
	char err[160];

	if (syscall(SYS_capget, &hdr, before) < 0 || getrlimit(RLIMIT_NOFILE, &rl0) < 0)
		return 10;
	if (vu_sandbox_apply(&p, NULL, &res, err, sizeof(err)) < 0)
		return 11;
	if (syscall(SYS_capget, &hdr, after) < 0 || memcmp(before, after, sizeof(before)))
		return 12; /* capabilities left alone */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != rl0.rlim_cur || res.nofile)
		return 13; /* headroom 0: NOFILE left alone */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 14;
	return 0;
}

Test(vu_sandbox, keep_caps_and_nofile_untouched)
{
	cr_assert_eq(in_child(child_keep_caps), 0);
}

static void *idle_thread(void *arg)
{
	pause();
	return NULL;
}

static int child_threads(void)
{
	struct vu_sandbox_policy p = { VU_SANDBOX_NET, 16 };
	struct vu_sandbox_result res;
	pthread_t th;
	char err[160] = "";

	if (pthread_create(&th, NULL, idle_thread, NULL))
		return 10;
	if (vu_sandbox_apply(&p, NULL, &res, err, sizeof(err)) != -EBUSY || !strstr(err, "threads"))
		return 11;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return 12; /* nothing was applied */
	return 0;
}

Test(vu_sandbox, refuses_with_threads_running)
{
	cr_assert_eq(in_child(child_threads), 0);
}

Test(vu_sandbox, parse_level)
{
	enum vu_sandbox_level l;

	cr_assert_eq(vu_sandbox_parse_level("none", &l), 0);
	cr_assert_eq(l, VU_SANDBOX_LEVEL_NONE);
	cr_assert_eq(vu_sandbox_parse_level("basic", &l), 0);
	cr_assert_eq(l, VU_SANDBOX_LEVEL_BASIC);
	cr_assert_eq(vu_sandbox_parse_level("strict", &l), -EINVAL);
	cr_assert_eq(vu_sandbox_parse_level("", &l), -EINVAL);
}

/* A directory tree under /tmp for the bind tests: <base>/a/b, b holding "before". */
struct bind_tree {
	char base[64], dir[96], file[128];
};

static void bind_tree_make(struct bind_tree *t)
{
	FILE *f;

	snprintf(t->base, sizeof(t->base), "/tmp/cnh-vu-sandbox-XXXXXX");
	cr_assert_not_null(mkdtemp(t->base));
	snprintf(t->dir, sizeof(t->dir), "%s/a", t->base);
	cr_assert_eq(mkdir(t->dir, 0755), 0);
	snprintf(t->dir, sizeof(t->dir), "%s/a/b", t->base);
	cr_assert_eq(mkdir(t->dir, 0755), 0);
	snprintf(t->file, sizeof(t->file), "%s/before", t->dir);
	f = fopen(t->file, "w");
	cr_assert_not_null(f);
	fclose(f);
}

static void bind_tree_remove(struct bind_tree *t)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
	cr_expect_eq(system(cmd), 0);
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * In the child: only t->dir of the host tree is left, at its own path,
 * writable but nosuid/nodev/noexec, live (a socket the parent binds there
 * after the sandbox is applied can be connected to), the rest read-only.
 */
static int child_binds(const struct bind_tree *t, int ready_fd, int go_fd)
{
	struct vu_sandbox_policy p = { VU_SANDBOX_MNT | VU_SANDBOX_NET, 16 };
	const char *binds[] = { t->dir, NULL };
	struct vu_sandbox_result res;
	struct statvfs sv;
	char err[160], name[64], path[160], c;
	FILE *f;

	if (vu_sandbox_apply(&p, binds, &res, err, sizeof(err)) < 0)
		return 10;
	if (!strstr(res.applied, "bound directories") || res.nbound != 1)
		return 11;
	/* "/" holds "tmp" alone, and every parent of the bind only the next component. */
	if (dir_entries("/", name, sizeof(name)) != 1 || strcmp(name, "tmp"))
		return 12;
	if (dir_entries("/tmp", name, sizeof(name)) != 1 || strcmp(name, t->base + strlen("/tmp/")))
		return 13;
	if (dir_entries(t->base, name, sizeof(name)) != 1 || strcmp(name, "a"))
		return 14;
	if (access(t->file, F_OK) < 0 || access("/etc", F_OK) == 0)
		return 15;
	if (statvfs(t->dir, &sv) < 0 || (sv.f_flag & ST_RDONLY) ||
	    (sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) != (ST_NOSUID | ST_NODEV | ST_NOEXEC))
		return 16;
	if (mkdir("/x", 0700) == 0 || errno != EROFS || mkdir("/tmp/x", 0700) == 0 || errno != EROFS)
		return 17;
	snprintf(path, sizeof(path), "%s/inside", t->dir);
	f = fopen(path, "w");
	if (!f)
		return 18;
	fclose(f);
	/* A socket bound on the host after the sandbox: what cnh-vsock's <uds-path>_<port> needs. */
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1)
		return 19;
	snprintf(path, sizeof(path), "%s/late.sock", t->dir);
	if (connect_unix(path) < 0)
		return 20;
	return 0;
}

Test(vu_sandbox, binds_keep_one_directory_live)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int ready[2], go[2], lfd, st = 0;
	struct bind_tree t;
	char c, path[160];
	pid_t pid;

	if (geteuid() != 0)
		cr_skip_test("bind mounts need root");
	bind_tree_make(&t);
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0)
		_exit(child_binds(&t, ready[1], go[0]));
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) == 1) {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/late.sock", t.dir);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		cr_assert(lfd >= 0);
		cr_assert_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
		cr_assert_eq(listen(lfd, 1), 0);
		cr_assert_eq(write(go[1], "g", 1), 1);
	} else {
		lfd = -1;
	}
	cr_assert(waitpid(pid, &st, 0) == pid);
	cr_assert(WIFEXITED(st), "child died (status %#x)", st);
	cr_expect_eq(WEXITSTATUS(st), 0);
	/* The child's write went to the host directory. */
	snprintf(path, sizeof(path), "%s/inside", t.dir);
	cr_expect_eq(access(path, F_OK), 0);
	if (lfd >= 0)
		close(lfd);
	close(ready[0]);
	close(go[1]);
	bind_tree_remove(&t);
}

/* vu_sandbox_apply(binds) must fail with want and change nothing. */
static int apply_rejects(unsigned int flags, const char *const *binds, int want, const char *msg)
{
	struct vu_sandbox_policy p = { flags, 16 };
	struct vu_sandbox_result res;
	struct rlimit rl0, rl;
	char err[160] = "";

	if (getrlimit(RLIMIT_CORE, &rl0) < 0)
		return 10;
	if (vu_sandbox_apply(&p, binds, &res, err, sizeof(err)) != want)
		return 11;
	if (!strstr(err, msg))
		return 12;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 || getrlimit(RLIMIT_CORE, &rl) < 0 ||
	    rl.rlim_cur != rl0.rlim_cur || access("/etc", F_OK) < 0)
		return 13;
	return 0;
}

static struct bind_tree reject_tree;

static int child_reject_root(void)
{
	return apply_rejects(VU_SANDBOX_MNT, (const char *const[]){ "/", NULL }, -EINVAL, "cannot bind /");
}

static int child_reject_symlink(void)
{
	char link[128];

	snprintf(link, sizeof(link), "%s/link", reject_tree.base);
	if (symlink(reject_tree.dir, link) < 0)
		return 20;
	return apply_rejects(VU_SANDBOX_MNT, (const char *const[]){ link, NULL }, -EINVAL, "not a canonical");
}

static int child_reject_relative(void)
{
	if (chdir(reject_tree.base) < 0)
		return 20;
	return apply_rejects(VU_SANDBOX_MNT, (const char *const[]){ "a", NULL }, -EINVAL, "not a canonical");
}

static int child_reject_overlap(void)
{
	char a[96];

	snprintf(a, sizeof(a), "%s/a", reject_tree.base);
	return apply_rejects(VU_SANDBOX_MNT, (const char *const[]){ a, reject_tree.dir, NULL }, -EINVAL,
			     "overlap");
}

static int child_reject_file(void)
{
	return apply_rejects(VU_SANDBOX_MNT, (const char *const[]){ reject_tree.file, NULL }, -ENOTDIR,
			     reject_tree.file);
}

static int child_reject_missing(void)
{
	char gone[128];

	snprintf(gone, sizeof(gone), "%s/gone", reject_tree.base);
	return apply_rejects(VU_SANDBOX_MNT, (const char *const[]){ gone, NULL }, -ENOENT, gone);
}

static int child_reject_no_mnt(void)
{
	return apply_rejects(VU_SANDBOX_NET, (const char *const[]){ reject_tree.dir, NULL }, -EINVAL,
			     "need a mount namespace");
}

static int child_reject_too_many(void)
{
	char d[VU_SANDBOX_MAX_BINDS + 1][96];
	const char *binds[VU_SANDBOX_MAX_BINDS + 2];

	for (unsigned int i = 0; i <= VU_SANDBOX_MAX_BINDS; i++) {
		snprintf(d[i], sizeof(d[i]), "%s/d%u", reject_tree.base, i);
		if (mkdir(d[i], 0755) < 0)
			return 20;
		binds[i] = d[i];
	}
	binds[VU_SANDBOX_MAX_BINDS + 1] = NULL;
	return apply_rejects(VU_SANDBOX_MNT, binds, -E2BIG, "more than");
}

Test(vu_sandbox, binds_rejected_before_any_change)
{
	bind_tree_make(&reject_tree);
	cr_expect_eq(in_child(child_reject_root), 0, "/");
	cr_expect_eq(in_child(child_reject_symlink), 0, "symlink");
	cr_expect_eq(in_child(child_reject_relative), 0, "relative");
	cr_expect_eq(in_child(child_reject_overlap), 0, "overlap");
	cr_expect_eq(in_child(child_reject_file), 0, "file");
	cr_expect_eq(in_child(child_reject_missing), 0, "missing");
	cr_expect_eq(in_child(child_reject_no_mnt), 0, "no mount namespace");
	cr_expect_eq(in_child(child_reject_too_many), 0, "too many");
	bind_tree_remove(&reject_tree);
}

/*
 * User namespaces: a child that became an ordinary user (no capability)
 * applies the sandbox and stays until told to go, so that the parent can
 * look at it through /proc/PID. TEST_UID is not the overflow id (65534),
 * so that an identity map is told apart from an unmapped id.
 */
#define TEST_UID 4242
#define TEST_GID 4243

struct uns_report {
	int rc;
	char applied[192], skipped[192], err[160];
	unsigned int nbound;
	uid_t uid;      /* getuid() inside */
	uid_t file_uid; /* st_uid of a file opened before */
};

/*
 * Become TEST_UID/TEST_GID with no capability (PR_SET_KEEPCAPS off) and
 * dumpable again, as the exec after setpriv would make us; as non-root,
 * stay as we are.
 */
static int drop_to_user(void)
{
	if (geteuid() != 0)
		return 0;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(TEST_GID, TEST_GID, TEST_GID) < 0 || setresuid(TEST_UID, TEST_UID, TEST_UID) < 0 ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}

static uid_t test_uid(void)
{
	return geteuid() == 0 ? TEST_UID : geteuid();
}

static gid_t test_gid(void)
{
	return geteuid() == 0 ? TEST_GID : getegid();
}

/* 0 when an ordinary user may create a user namespace and mount/network namespaces in it, else errno. */
static int userns_probe(void)
{
	int st = 0;
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		if (drop_to_user() < 0)
			_exit(EPERM);
		if (unshare(CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
			_exit(errno);
		_exit(0);
	}
	cr_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void skip_without_userns(void)
{
	int e = userns_probe();

	if (e)
		cr_skip_test("the kernel refuses unprivileged user namespaces here (%s: user.max_user_namespaces,"
			     " kernel.unprivileged_userns_clone or a seccomp/AppArmor policy)", strerror(e));
}

struct uns_child {
	pid_t pid;
	int report_fd, go_fd;
	struct uns_report rep;
};

/*
 * Fork a child that drops to the test user, opens file, applies p (binds:
 * NULL or one directory) and reports; with pre set, it runs first (as the
 * user). The child waits for uns_finish.
 */
static void uns_start(struct uns_child *c, unsigned int flags, const char *file, const char *bind,
		      int (*pre)(void))
{
	int report[2], go[2];

	cr_assert_eq(pipe(report), 0);
	cr_assert_eq(pipe(go), 0);
	c->pid = fork();
	cr_assert(c->pid >= 0);
	if (c->pid == 0) {
		struct vu_sandbox_policy p = { flags, 16 };
		const char *binds[] = { bind, NULL };
		struct uns_report rep;
		struct vu_sandbox_result res;
		struct stat st;
		char ch;
		int fd;

		memset(&rep, 0, sizeof(rep));
		close(report[0]);
		close(go[1]);
		rep.rc = drop_to_user() < 0 ? -EPERM : 0;
		if (!rep.rc && pre)
			rep.rc = pre();
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (!rep.rc)
			rep.rc = vu_sandbox_apply(&p, bind ? binds : NULL, &res, rep.err, sizeof(rep.err));
		if (!rep.rc) {
			memcpy(rep.applied, res.applied, sizeof(rep.applied));
			memcpy(rep.skipped, res.skipped, sizeof(rep.skipped));
			rep.nbound = res.nbound;
		}
		rep.uid = getuid();
		rep.file_uid = fd >= 0 && fstat(fd, &st) == 0 ? st.st_uid : (uid_t)-1;
		if (write(report[1], &rep, sizeof(rep)) != sizeof(rep))
			_exit(1);
		_exit(read(go[0], &ch, 1) < 0);
	}
	close(report[1]);
	close(go[0]);
	c->report_fd = report[0];
	c->go_fd = go[1];
	cr_assert_eq(read(c->report_fd, &c->rep, sizeof(c->rep)), (ssize_t)sizeof(c->rep));
}

static void uns_finish(struct uns_child *c)
{
	int st = 0;

	cr_expect_eq(write(c->go_fd, "g", 1), 1);
	cr_assert(waitpid(c->pid, &st, 0) == c->pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	close(c->report_fd);
	close(c->go_fd);
}

/* Whether /proc/PID/ns/NAME is this process's namespace. */
static bool same_ns(pid_t pid, const char *name)
{
	char a[64], b[64], path[64];
	ssize_t na, nb;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
	na = readlink(path, a, sizeof(a));
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	nb = readlink(path, b, sizeof(b));
	cr_assert(na > 0 && nb > 0, "reading %s", path);
	return na == nb && memcmp(a, b, (size_t)na) == 0;
}

/* The contents of /proc/PID/NAME in buf. */
static void read_proc(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	f = fopen(path, "re");
	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* The hex value of "Name:" in /proc/PID/status. */
static unsigned long long status_hex(pid_t pid, const char *name)
{
	char buf[4096], *at;

	read_proc(pid, "status", buf, sizeof(buf));
	at = strstr(buf, name);
	cr_assert_not_null(at, "%s in /proc/%d/status", name, pid);
	return strtoull(at + strlen(name), NULL, 16);
}

/* The map in /proc/PID/NAME is "id id 1" and nothing else. */
static void expect_identity_map(pid_t pid, const char *name, unsigned int id)
{
	unsigned int inside, outside, count;
	char buf[256];
	int n;

	read_proc(pid, name, buf, sizeof(buf));
	cr_expect_eq(sscanf(buf, "%u %u %u%n", &inside, &outside, &count, &n), 3, "%s: %s", name, buf);
	cr_expect(inside == id && outside == id && count == 1, "%s is not the identity for %u: %s", name, id, buf);
	cr_expect_eq(strspn(buf + n, " \n"), strlen(buf + n), "%s maps more: %s", name, buf);
}

/* A file (and a directory) under /tmp owned by the test user. */
struct uns_tree {
	char dir[64], file[96], bind[96];
};

static void uns_tree_make(struct uns_tree *t)
{
	int fd;

	snprintf(t->dir, sizeof(t->dir), "/tmp/cnh-vu-sandbox-uns-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->file, sizeof(t->file), "%s/owned", t->dir);
	snprintf(t->bind, sizeof(t->bind), "%s/bound", t->dir);
	fd = open(t->file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(mkdir(t->bind, 0700), 0);
	if (geteuid() == 0) {
		cr_assert_eq(fchown(fd, TEST_UID, TEST_GID), 0);
		cr_assert_eq(chown(t->bind, TEST_UID, TEST_GID), 0);
		cr_assert_eq(chmod(t->dir, 0755), 0);
	}
	close(fd);
}

static void uns_tree_remove(struct uns_tree *t)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	cr_expect_eq(system(cmd), 0);
}

Test(vu_sandbox, user_namespace_without_cap_sys_admin)
{
	struct uns_child c;
	struct uns_tree t;
	char want[64], root[64], buf[32];

	skip_without_userns();
	uns_tree_make(&t);
	uns_start(&c, VU_SANDBOX_MNT | VU_SANDBOX_NET | VU_SANDBOX_NPROC0, t.file, NULL, NULL);
	cr_assert_eq(c.rep.rc, 0, "vu_sandbox_apply: %d %s", c.rep.rc, c.rep.err);
	snprintf(want, sizeof(want), "user namespace (uid %u mapped)", (unsigned int)test_uid());
	cr_expect_not_null(strstr(c.rep.applied, want), "applied: %s", c.rep.applied);
	cr_expect_not_null(strstr(c.rep.applied, "mount namespace with an empty root"), "%s", c.rep.applied);
	cr_expect_eq(c.rep.skipped[0], '\0', "skipped: %s", c.rep.skipped);
	/* Three new namespaces, only our own ids mapped, to themselves. */
	cr_expect(!same_ns(c.pid, "user"), "same user namespace");
	cr_expect(!same_ns(c.pid, "mnt"), "same mount namespace");
	cr_expect(!same_ns(c.pid, "net"), "same network namespace");
	expect_identity_map(c.pid, "uid_map", test_uid());
	expect_identity_map(c.pid, "gid_map", test_gid());
	read_proc(c.pid, "setgroups", buf, sizeof(buf));
	cr_expect_str_eq(buf, "deny\n");
	/* Ownership seen inside is the host's: our uid is not the overflow id. */
	cr_expect_eq(c.rep.uid, test_uid());
	cr_expect_eq(c.rep.file_uid, test_uid());
	snprintf(root, sizeof(root), "/proc/%d/root", c.pid);
	cr_expect_eq(dir_entries(root, NULL, 0), 0, "the child's root is not empty");
	cr_expect_eq(status_hex(c.pid, "CapEff:"), 0);
	cr_expect_eq(status_hex(c.pid, "CapPrm:"), 0);
	cr_expect_eq(status_hex(c.pid, "CapBnd:"), 0);
	uns_finish(&c);
	uns_tree_remove(&t);
}

/* The bind list works the same inside a user namespace (cnh-vsock as an ordinary user). */
Test(vu_sandbox, user_namespace_keeps_binds)
{
	struct uns_child c;
	struct uns_tree t;
	char path[128], name[32];

	skip_without_userns();
	uns_tree_make(&t);
	uns_start(&c, VU_SANDBOX_MNT | VU_SANDBOX_NET, t.file, t.bind, NULL);
	cr_assert_eq(c.rep.rc, 0, "vu_sandbox_apply: %d %s", c.rep.rc, c.rep.err);
	cr_expect_not_null(strstr(c.rep.applied, "user namespace"), "applied: %s", c.rep.applied);
	cr_expect_eq(c.rep.nbound, 1);
	snprintf(path, sizeof(path), "/proc/%d/root/", c.pid);
	cr_expect_eq(dir_entries(path, name, sizeof(name)), 1);
	cr_expect_str_eq(name, "tmp");
	/* The parent sees, through the child's root, what it put in the host directory. */
	snprintf(path, sizeof(path), "%s/late", t.bind);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "/proc/%d/root%s/late", c.pid, t.bind);
	cr_expect_eq(access(path, F_OK), 0, "%s", path);
	uns_finish(&c);
	uns_tree_remove(&t);
}

/* cnh-fs (VU_SANDBOX_KEEP_CAPS) keeps the host's user namespace: it needs real capabilities. */
Test(vu_sandbox, keep_caps_never_enters_a_user_namespace)
{
	struct uns_child c;
	struct uns_tree t;

	uns_tree_make(&t);
	uns_start(&c, VU_SANDBOX_NET | VU_SANDBOX_KEEP_CAPS, t.file, NULL, NULL);
	cr_assert_eq(c.rep.rc, 0, "vu_sandbox_apply: %d %s", c.rep.rc, c.rep.err);
	cr_expect(same_ns(c.pid, "user"), "a user namespace with VU_SANDBOX_KEEP_CAPS");
	cr_expect_null(strstr(c.rep.applied, "user namespace"), "applied: %s", c.rep.applied);
	uns_finish(&c);
	uns_tree_remove(&t);
}

/* unshare refused with EPERM from now on (what a container's seccomp policy does). */
static int refuse_unshare(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_SIZE(f), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	return 0;
}

static int not_dumpable(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? -errno : 0;
}

/*
 * Without a user namespace the daemon still runs: the step is skipped and
 * reported (why), the rest applied.
 */
static void expect_userns_skipped(int (*pre)(void), const char *why)
{
	struct uns_child c;
	struct uns_tree t;

	uns_tree_make(&t);
	uns_start(&c, VU_SANDBOX_MNT | VU_SANDBOX_NET | VU_SANDBOX_NPROC0, t.file, NULL, pre);
	cr_assert_eq(c.rep.rc, 0, "vu_sandbox_apply: %d %s", c.rep.rc, c.rep.err);
	cr_expect_not_null(strstr(c.rep.skipped, "namespaces (needs CAP_SYS_ADMIN, or a user namespace: "),
			   "skipped: %s", c.rep.skipped);
	cr_expect_not_null(strstr(c.rep.skipped, why), "skipped: %s", c.rep.skipped);
	cr_expect_null(strstr(c.rep.applied, "namespace"), "applied: %s", c.rep.applied);
	cr_expect_not_null(strstr(c.rep.applied, "capabilities dropped"), "applied: %s", c.rep.applied);
	cr_expect(same_ns(c.pid, "user") && same_ns(c.pid, "mnt") && same_ns(c.pid, "net"));
	cr_expect_eq(status_hex(c.pid, "CapEff:"), 0);
	uns_finish(&c);
	uns_tree_remove(&t);
}

Test(vu_sandbox, user_namespace_refused_is_a_skip)
{
	expect_userns_skipped(refuse_unshare, strerror(EPERM));
}

/* Its maps would be root's to write: not tried (the parent reads its /proc files as root). */
Test(vu_sandbox, not_dumpable_is_a_skip)
{
	if (geteuid() != 0)
		cr_skip_test("reading a non-dumpable child's /proc files needs root");
	expect_userns_skipped(not_dumpable, "not dumpable");
}
