/* SPDX-License-Identifier: Apache-2.0 */
/* vu_sandbox: each step checked in a forked child (the sandbox is one-way). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

static int root_entries(void)
{
	DIR *d = opendir("/");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "proc"))
			n++;
	closedir(d);
	return n;
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

	if (vu_sandbox_apply(&p, &res, err, sizeof(err)) < 0)
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
	if (vu_sandbox_apply(&p, &res, err, sizeof(err)) < 0)
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
	if (vu_sandbox_apply(&p, &res, err, sizeof(err)) != -EBUSY || !strstr(err, "threads"))
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
