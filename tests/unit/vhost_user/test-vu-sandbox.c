/* SPDX-License-Identifier: Apache-2.0 */
/* vu_sandbox: each step checked in a forked child (the sandbox is one-way). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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
	} else if (!strstr(res.skipped, "namespaces")) {
		return 20; /* a skipped step is reported */
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
