/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spawn helper (vmm/spawner.h) behind daemon_spawn(): the daemon is the
 * caller's child with the usual environment, its exit is reported, names
 * that are not cnh daemons are refused by the helper, a dead helper is an
 * error (never a silent fork by the caller), and daemons die with cnh.
 * Each criterion test runs in its own process: one helper per test.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "spawn_util.h"
#include "vmm/daemon.h"
#include "vmm/spawner.h"

static char dir[64];

static bool exists_in_dir(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Fake daemons in a fresh CNH_DAEMON_DIR, then the helper (it reads the variable at start). */
static void setup(void)
{
	char body[PATH_MAX + 64];

	log_set_level(LOG_LVL_ERROR);
	su_make_dir(dir, sizeof(dir), "cnh-spawner-test");
	/* Reports what a daemon sees: fds, blocked signals, parent, argv. */
	su_write_file(dir, "cnh-env",
		      "#!/usr/bin/env python3\n" SU_PROBE_PY
		      "os.write(3, ('%s|%s|%d|%s' % (','.join(map(str,fds)), blk, os.getppid(),"
		      " ' '.join(sys.argv[1:]))).encode())\n",
		      0755);
	su_write_file(dir, "cnh-exit3", "#!/bin/sh\nexit 3\n", 0755);
	su_write_file(dir, "cnh-sleep", "#!/bin/sh\nexec sleep 100\n", 0755);
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/ran\n", dir);
	su_write_file(dir, "cnh-mark", body, 0755);
	setenv("CNH_DAEMON_DIR", dir, 1);
	cr_assert_eq(spawner_start(), 0);
	cr_assert(spawner_active());
}

static void teardown(void)
{
	spawner_stop();
	unsetenv("CNH_DAEMON_DIR");
	su_remove_dir(dir);
}

/* Gone or a zombie (whose reaper is not us). */
static bool dead(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return !p || p[2] == 'Z' || p[2] == 'X';
}

static bool wait_dead(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (dead(pid))
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return dead(pid);
}

TestSuite(spawner, .init = setup, .fini = teardown);

/* The daemon is our child (not the helper's), with fds 0-4 only, no blocked signal, its argv. */
Test(spawner, child_environment)
{
	char *argv[] = { "cnh-env", "--fd", "3", "--x", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	char buf[512] = "", want[128];
	struct daemon *d;
	sigset_t block, old;
	ssize_t n;
	int fd;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	cr_assert_eq(daemon_spawn(loop, "cnh-env", argv, "e0", NULL, NULL, &fd, &d), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	cr_assert_neq(daemon_pid(d), spawner_pid());
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "0,1,2,3,4|0000000000000000|%d|--fd 3 --x", (int)getpid());
	cr_assert_str_eq(buf, want, "daemon saw '%s'", buf);
	cr_assert_eq(waitpid(daemon_pid(d), NULL, 0), daemon_pid(d), "not our child");
	close(fd);
	daemon_free(d);
}

/* A daemon that exits at once (maybe before daemon_spawn returns) is still reported, with its status. */
Test(spawner, exit_reported)
{
	char *argv[] = { "cnh-exit3", NULL };
	struct ev_loop *loop = ev_default_loop(0);

	for (int i = 0; i < 5; i++) {
		struct su_exit_record rec = { 0 };
		struct daemon *d;
		int fd;

		cr_assert_eq(daemon_spawn(loop, "cnh-exit3", argv, "x3", su_on_exit, &rec, &fd, &d), 0);
		/* Let it die before the loop runs: the SIGCHLD is pending when ev_run starts. */
		if (i % 2)
			nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
		su_run_for(loop, 5.0);
		cr_assert_eq(rec.calls, 1, "round %d: no exit callback", i);
		cr_assert(WIFEXITED(rec.status) && WEXITSTATUS(rec.status) == 3, "round %d: status %#x", i,
			  rec.status);
		cr_assert_not(daemon_running(d));
		daemon_free(d);
		close(fd);
	}
}

/* The helper itself refuses paths and other names; nothing runs, and it keeps serving. */
Test(spawner, refuses_non_daemons)
{
	char mark[PATH_MAX + 16], cmd[PATH_MAX + 32];
	char *argv[] = { "sh", "-c", cmd, NULL };
	char *margv[] = { "cnh-mark", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	char *many[SPAWNER_MAX_ARGS + 2];
	struct daemon *d = NULL;
	int fd;

	snprintf(mark, sizeof(mark), "%s/ran", dir);
	snprintf(cmd, sizeof(cmd), "touch %s", mark);
	cr_assert_eq(daemon_spawn(loop, "/bin/sh", argv, "r0", NULL, NULL, &fd, &d), -EPERM);
	cr_assert_eq(daemon_spawn(loop, "sh", argv, "r1", NULL, NULL, &fd, &d), -EPERM);
	cr_assert_eq(daemon_spawn(loop, "cnh-/../../bin/sh", argv, "r2", NULL, NULL, &fd, &d), -EPERM);
	cr_assert_eq(daemon_spawn(loop, "cnh-", argv, "r3", NULL, NULL, &fd, &d), -EPERM);
	cr_assert_eq(daemon_spawn(loop, "cnh-missing", margv, "r4", NULL, NULL, &fd, &d), -ENOENT);
	for (int i = 0; i < SPAWNER_MAX_ARGS + 1; i++)
		many[i] = "x";
	many[SPAWNER_MAX_ARGS + 1] = NULL;
	cr_assert_eq(daemon_spawn(loop, "cnh-mark", many, "r5", NULL, NULL, &fd, &d), -E2BIG);
	cr_assert_null(d);
	nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
	cr_assert_not(exists_in_dir("ran"), "a refused request ran something");

	cr_assert_eq(daemon_spawn(loop, "cnh-mark", margv, "ok", NULL, NULL, &fd, &d), 0);
	cr_assert(wait_dead(daemon_pid(d), 5000));
	cr_assert(exists_in_dir("ran"), "the helper stopped serving");
	daemon_free(d);
	close(fd);
}

/* daemon_stop/daemon_free: SIGTERM and reap, as for a daemon cnh forked itself. */
Test(spawner, terminate_and_reap)
{
	char *argv[] = { "cnh-sleep", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct daemon *d;
	pid_t pid;
	int fd;

	cr_assert_eq(daemon_spawn(loop, "cnh-sleep", argv, "s0", NULL, NULL, &fd, &d), 0);
	pid = daemon_pid(d);
	cr_assert(daemon_running(d));
	daemon_free(d);
	cr_assert(kill(pid, 0) < 0 && errno == ESRCH, "pid %d left over", (int)pid);
	close(fd);
}

/* A dead helper: a clear error, and no fallback to forking here (the main filter would kill cnh). */
Test(spawner, helper_death)
{
	char *margv[] = { "cnh-mark", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct daemon *d = NULL;
	pid_t helper = spawner_pid();
	int fd;

	cr_assert_eq(kill(helper, SIGKILL), 0);
	cr_assert_eq(waitpid(helper, NULL, 0), helper);
	cr_assert_eq(daemon_spawn(loop, "cnh-mark", margv, "m0", NULL, NULL, &fd, &d), -EPIPE);
	cr_assert_eq(daemon_spawn(loop, "cnh-mark", margv, "m1", NULL, NULL, &fd, &d), -EPIPE);
	cr_assert_null(d);
	cr_assert(spawner_active(), "still no fallback");
	nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
	cr_assert_not(exists_in_dir("ran"));
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child was forked");
}

/* The helper exits when cnh closes its end. */
Test(spawner, exits_with_its_socket)
{
	pid_t helper = spawner_pid();

	cr_assert_gt(helper, 0);
	spawner_stop();
	cr_assert(kill(helper, 0) < 0 && errno == ESRCH, "helper %d left over", (int)helper);
	cr_assert_not(spawner_active());
}

/* A "cnh" killed outright: its helper and its daemons die too (PR_SET_PDEATHSIG). */
Test(spawner, die_with_cnh)
{
	struct ev_loop *loop = ev_default_loop(0);
	pid_t cnh, pids[2];
	int p[2], status;

	/* This test's own helper plays no part: the fake cnh starts its own. */
	spawner_stop();
	cr_assert_eq(pipe(p), 0);
	cnh = fork();
	cr_assert_geq(cnh, 0);
	if (cnh == 0) {
		char *argv[] = { "cnh-sleep", NULL };
		struct daemon *d;
		int fd;

		if (spawner_start() < 0 || daemon_spawn(loop, "cnh-sleep", argv, "s1", NULL, NULL, &fd, &d) < 0)
			_exit(1);
		pids[0] = spawner_pid();
		pids[1] = daemon_pid(d);
		if (write(p[1], pids, sizeof(pids)) != sizeof(pids))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], pids, sizeof(pids)), sizeof(pids));
	close(p[0]);
	cr_assert_not(dead(pids[0]));
	cr_assert_not(dead(pids[1]));
	cr_assert_eq(kill(cnh, SIGKILL), 0);
	cr_assert_eq(waitpid(cnh, &status, 0), cnh);
	cr_assert(wait_dead(pids[0], 5000), "the helper outlived cnh");
	cr_assert(wait_dead(pids[1], 5000), "the daemon outlived cnh");
}
