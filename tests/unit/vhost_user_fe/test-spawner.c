/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spawn helper (vmm/spawner.h) behind daemon_spawn(): the daemon is the
 * caller's child with the usual environment, its exit is reported, names
 * that are not cnh daemons are refused by the helper, a dead helper is an
 * error (never a silent fork by the caller), and daemons die with cnh.
 * Each criterion test runs in its own process: one helper per test.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "spawn_util.h"
#include "vmm/daemon.h"
#include "vmm/spawner.h"

/*
 * The helper starts cnh's own daemons only, so the fakes take their names:
 * each role below is a script under one daemon's name in CNH_DAEMON_DIR.
 */
#define FAKE_ENV "cnh-rng"       /* reports its fds, blocked signals, parent, argv on fd 3 */
#define FAKE_EXIT3 "cnh-pmem"    /* exits with status 3 */
#define FAKE_SLEEP "cnh-blk"     /* sleeps */
#define FAKE_MARK "cnh-console"  /* creates dir/ran */
#define FAKE_BADEXEC "cnh-net"   /* a script whose interpreter does not exist */

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
	su_write_file(dir, FAKE_ENV,
		      "#!/usr/bin/env python3\n" SU_PROBE_PY
		      "os.write(3, ('%s|%s|%d|%s' % (','.join(map(str,fds)), blk, os.getppid(),"
		      " ' '.join(sys.argv[1:]))).encode())\n",
		      0755);
	su_write_file(dir, FAKE_EXIT3, "#!/bin/sh\nexit 3\n", 0755);
	su_write_file(dir, FAKE_SLEEP, "#!/bin/sh\nexec sleep 100\n", 0755);
	su_write_file(dir, FAKE_BADEXEC, "#!/nonexistent/interpreter\n", 0755);
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/ran\n", dir);
	su_write_file(dir, FAKE_MARK, body, 0755);
	/* cnh programs that are not daemons (cnh-bench-blk --spawn runs any command). */
	su_write_file(dir, "cnh-remote", body, 0755);
	su_write_file(dir, "cnh-bench-blk", body, 0755);
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

/* After refused requests: nothing ran, and the helper still starts a daemon. */
static void expect_refused_then_served(struct ev_loop *loop)
{
	char *margv[] = { FAKE_MARK, NULL };
	struct daemon *d;
	int fd;

	nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
	cr_assert_not(exists_in_dir("ran"), "a refused request ran something");
	cr_assert_eq(daemon_spawn(loop, FAKE_MARK, margv, "ok", NULL, NULL, &fd, &d), 0);
	cr_assert(wait_dead(daemon_pid(d), 5000));
	cr_assert(exists_in_dir("ran"), "the helper stopped serving");
	daemon_free(d);
	close(fd);
}

/* The daemon is our child (not the helper's), with fds 0-4 only, no blocked signal, its argv. */
Test(spawner, child_environment)
{
	char *argv[] = { FAKE_ENV, "--fd", "3", "--x", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	char buf[512] = "", want[128];
	struct daemon *d;
	sigset_t block, old;
	ssize_t n;
	int fd;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	cr_assert_eq(daemon_spawn(loop, FAKE_ENV, argv, "e0", NULL, NULL, &fd, &d), 0);
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
	char *argv[] = { FAKE_EXIT3, NULL };
	struct ev_loop *loop = ev_default_loop(0);

	for (int i = 0; i < 5; i++) {
		struct su_exit_record rec = { 0 };
		struct daemon *d;
		int fd;

		cr_assert_eq(daemon_spawn(loop, FAKE_EXIT3, argv, "x3", su_on_exit, &rec, &fd, &d), 0);
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

/* The helper itself refuses paths and other names, cnh's non-daemons too; nothing runs, and it keeps serving. */
Test(spawner, refuses_non_daemons)
{
	char mark[PATH_MAX + 16], cmd[PATH_MAX + 32];
	char *argv[] = { "sh", "-c", cmd, NULL };
	char *margv[] = { FAKE_MARK, NULL };
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
	cr_assert_eq(daemon_spawn(loop, "cnh-remote", margv, "r6", NULL, NULL, &fd, &d), -EPERM);
	cr_assert_eq(daemon_spawn(loop, "cnh-bench-blk", margv, "r7", NULL, NULL, &fd, &d), -EPERM);
	cr_assert_eq(daemon_spawn(loop, "cnh-vsock", margv, "r4", NULL, NULL, &fd, &d), -ENOENT);
	for (int i = 0; i < SPAWNER_MAX_ARGS + 1; i++)
		many[i] = "x";
	many[SPAWNER_MAX_ARGS + 1] = NULL;
	cr_assert_eq(daemon_spawn(loop, FAKE_MARK, many, "r5", NULL, NULL, &fd, &d), -E2BIG);
	cr_assert_null(d);
	expect_refused_then_served(loop);
}

/* daemon_stop/daemon_free: SIGTERM and reap, as for a daemon cnh forked itself. */
Test(spawner, terminate_and_reap)
{
	char *argv[] = { FAKE_SLEEP, NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct daemon *d;
	pid_t pid;
	int fd;

	cr_assert_eq(daemon_spawn(loop, FAKE_SLEEP, argv, "s0", NULL, NULL, &fd, &d), 0);
	pid = daemon_pid(d);
	cr_assert(daemon_running(d));
	daemon_free(d);
	cr_assert(kill(pid, 0) < 0 && errno == ESRCH, "pid %d left over", (int)pid);
	close(fd);
}

/* A dead helper: a clear error, and no fallback to forking here (the main filter would kill cnh). */
Test(spawner, helper_death)
{
	char *margv[] = { FAKE_MARK, NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct daemon *d = NULL;
	pid_t helper = spawner_pid();
	int fd;

	cr_assert_eq(kill(helper, SIGKILL), 0);
	cr_assert_eq(waitpid(helper, NULL, 0), helper);
	cr_assert_eq(daemon_spawn(loop, FAKE_MARK, margv, "m0", NULL, NULL, &fd, &d), -EPIPE);
	cr_assert_eq(daemon_spawn(loop, FAKE_MARK, margv, "m1", NULL, NULL, &fd, &d), -EPIPE);
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
		char *argv[] = { FAKE_SLEEP, NULL };
		struct daemon *d;
		int fd;

		if (spawner_start() < 0 || daemon_spawn(loop, FAKE_SLEEP, argv, "s1", NULL, NULL, &fd, &d) < 0)
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

/* cnh started with SIGCHLD ignored: its daemons' exits are still seen (not reaped by the kernel). */
Test(spawner, sigchld_ignored_by_cnh_parent)
{
	char *argv[] = { FAKE_EXIT3, NULL };
	struct su_exit_record rec = { 0 };
	struct ev_loop *loop;
	struct daemon *d;
	int fd;

	spawner_stop();
	signal(SIGCHLD, SIG_IGN);
	cr_assert_eq(spawner_start(), 0);
	/* As cnh's loop: with signalfd, libev leaves the disposition as it found it. */
	loop = ev_default_loop(EVFLAG_SIGNALFD);
	cr_assert_eq(daemon_spawn(loop, FAKE_EXIT3, argv, "x3", su_on_exit, &rec, &fd, &d), 0);
	su_run_for(loop, 5.0);
	cr_assert_eq(rec.calls, 1, "the daemon's exit was not reported");
	cr_assert(WIFEXITED(rec.status) && WEXITSTATUS(rec.status) == 3, "status %#x", rec.status);
	daemon_free(d);
	close(fd);
}

/* A daemon that cannot be executed says why on stderr, not only through exit status 127. */
Test(spawner, exec_failure_explained)
{
	char *argv[] = { FAKE_BADEXEC, NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct su_exit_record rec = { 0 };
	char path[PATH_MAX], text[1024] = "", want[PATH_MAX + 64];
	int fd, log, saved;
	struct daemon *d;
	ssize_t n;

	/* The helper's stderr is the daemons': a file, from a fresh helper on. */
	spawner_stop();
	snprintf(path, sizeof(path), "%s/stderr", dir);
	log = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(log, 0);
	saved = dup(STDERR_FILENO);
	dup2(log, STDERR_FILENO);
	cr_assert_eq(spawner_start(), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	cr_assert_eq(daemon_spawn(loop, FAKE_BADEXEC, argv, "b0", su_on_exit, &rec, &fd, &d), 0);
	su_run_for(loop, 5.0);
	cr_assert_eq(rec.calls, 1);
	cr_assert(WIFEXITED(rec.status) && WEXITSTATUS(rec.status) == 127, "status %#x", rec.status);
	n = pread(log, text, sizeof(text) - 1, 0);
	cr_assert_geq(n, 0);
	text[n] = '\0';
	snprintf(want, sizeof(want), "cannot execute %s/%s: No such file or directory\n", dir, FAKE_BADEXEC);
	cr_assert_not_null(strstr(text, want), "stderr: '%s'", text);
	close(log);
	daemon_free(d);
	close(fd);
}

/* The numbers of pid's open fds, ascending, into fds; their count. */
static int open_fds(pid_t pid, int *fds, int max)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *dp;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dp = opendir(path);
	cr_assert_not_null(dp);
	while ((e = readdir(dp)) && n < max) {
		if (e->d_name[0] != '.')
			fds[n++] = atoi(e->d_name);
	}
	closedir(dp);
	for (int i = 1; i < n; i++) {
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	}
	return n;
}

/* Our end of the helper's socket: our only SEQPACKET socket. */
static int helper_socket(void)
{
	int fds[64], n = open_fds(getpid(), fds, 64), found = -1;

	for (int i = 0; i < n; i++) {
		socklen_t len = sizeof(int);
		int type;

		if (getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET) {
			cr_assert_eq(found, -1, "two SEQPACKET sockets");
			found = fds[i];
		}
	}
	cr_assert_geq(found, 0, "no socket to the helper");
	return found;
}

/* One raw request (len bytes of buf, nfds copies of /dev/null); the helper's reply. */
static int32_t raw_request(int sock, const void *buf, size_t len, int nfds)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 16)];
	} ctl = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[16];
	int32_t reply = 0;

	for (int i = 0; i < nfds; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nfds) {
		struct cmsghdr *c;

		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	cr_assert_eq(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)len);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	cr_assert_eq(recv(sock, &reply, sizeof(reply), 0), sizeof(reply));
	return reply;
}

/*
 * A compromised cnh writing to the socket itself: every malformed request
 * is refused, nothing runs, no fd stays in the helper, which keeps
 * serving. The helper holds stdio and its socket only, even when cnh had
 * an fd without O_CLOEXEC at the fork.
 */
Test(spawner, malformed_requests)
{
	static char big[SPAWNER_MSG_MAX + 64], many[(SPAWNER_MAX_ARGS + 2) * 2 + 16];
	static const char ok[] = FAKE_MARK "\0" FAKE_MARK;
	struct ev_loop *loop = ev_default_loop(0);
	int before[64], after[64], nb, na, sock, leak;
	size_t off;

	spawner_stop();
	leak = open("/dev/null", O_RDONLY);
	cr_assert_eq(spawner_start(), 0);
	close(leak);
	sock = helper_socket();
	/* After a first reply: the helper has closed what it inherited. */
	cr_assert_eq(raw_request(sock, ok, sizeof(ok), 0), -EINVAL, "no fd");
	nb = open_fds(spawner_pid(), before, 64);
	cr_assert_eq(nb, 4, "the helper holds %d fds", nb);
	cr_assert(before[0] == 0 && before[1] == 1 && before[2] == 2, "not stdio + socket");

	cr_assert_eq(raw_request(sock, ok, sizeof(ok) - 1, 2), -EINVAL, "no final NUL");
	cr_assert_eq(raw_request(sock, ok, sizeof(ok), 1), -EINVAL, "one fd");
	cr_assert_eq(raw_request(sock, ok, sizeof(ok), 3), -EINVAL, "three fds");
	cr_assert_eq(raw_request(sock, ok, sizeof(ok), 16), -EINVAL, "more fds than the helper takes");
	cr_assert_eq(raw_request(sock, FAKE_MARK, sizeof(FAKE_MARK), 2), -EINVAL, "no argv");
	cr_assert_eq(raw_request(sock, "../" FAKE_MARK "\0x", sizeof("../" FAKE_MARK "\0x"), 2), -EPERM);
	memset(big, 'a', sizeof(big));
	memcpy(big, ok, sizeof(ok));
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(raw_request(sock, big, sizeof(big), 2), -E2BIG, "over the size limit");
	off = sizeof(FAKE_MARK);
	memcpy(many, FAKE_MARK, off);
	for (int i = 0; i < SPAWNER_MAX_ARGS + 1; i++, off += 2)
		memcpy(many + off, "x", 2);
	cr_assert_eq(raw_request(sock, many, off, 2), -E2BIG, "over the argument limit");

	na = open_fds(spawner_pid(), after, 64);
	cr_assert(na == nb && memcmp(before, after, sizeof(int) * (size_t)nb) == 0, "the helper kept an fd");
	expect_refused_then_served(loop);
}

/*
 * cnh killed at any point of its helper's life (starting, serving a
 * request, daemons running): nothing is left. We are a child subreaper
 * (setup's spawner_start), so whatever outlives the fake cnh becomes our
 * child: all must be reaped within a few seconds.
 */
Test(spawner, killed_at_any_stage)
{
	struct ev_loop *loop = ev_default_loop(0);

	spawner_stop();
	for (int round = 0; round < 24; round++) {
		struct timespec t0;
		pid_t cnh, p;
		int left = 0;

		cnh = fork();
		cr_assert_geq(cnh, 0);
		if (cnh == 0) {
			char *argv[] = { FAKE_SLEEP, NULL };

			if (spawner_start() < 0)
				_exit(1);
			for (int i = 0; i < 64; i++) {
				struct daemon *d;
				int fd;

				if (daemon_spawn(loop, FAKE_SLEEP, argv, "s", NULL, NULL, &fd, &d) < 0)
					_exit(1);
			}
			pause();
			_exit(0);
		}
		/* 0 to ~46 ms: the helper's start, then requests (about 1 ms each here). */
		nanosleep(&(struct timespec){ .tv_nsec = (long)(round * round) * 80 * 1000 }, NULL);
		cr_assert_eq(kill(cnh, SIGKILL), 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			struct timespec now;

			p = waitpid(-1, NULL, WNOHANG);
			if (p < 0 && errno == ECHILD)
				break;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec > 8) {
				left = 1;
				break;
			}
			if (p == 0)
				nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
		}
		if (left) {
			char path[64], kids[512] = "";
			FILE *f;

			snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
			f = fopen(path, "r");
			if (f) {
				if (!fgets(kids, sizeof(kids), f))
					kids[0] = '\0';
				fclose(f);
			}
			cr_assert_fail("round %d: processes outlived cnh: %s", round, kids);
		}
	}
}
