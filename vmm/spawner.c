/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spawn helper (vmm/spawner.h). Protocol on a SOCK_SEQPACKET
 * socketpair, one request and one reply at a time:
 *
 *   request: the program's name and then argv[0..n-1], each NUL-terminated,
 *            back to back; SCM_RIGHTS with exactly two fds, the daemon's
 *            DAEMON_CHILD_FD and DAEMON_STATS_FD.
 *   reply:   int32_t, the daemon's pid (> 0) or -errno.
 *
 * Spawning: the spawner forks an intermediate process, which forks the
 * daemon, writes its pid on a pipe and exits. The daemon, orphaned, is
 * reparented to the nearest child subreaper among its ancestors: cnh. The
 * spawner reaps the intermediate before replying; by then the kernel has
 * reparented the daemon (exit_notify() moves the children before the exit
 * is reported), so the pid cnh receives is already its child, and a daemon
 * that died at once is a zombie of cnh that raised SIGCHLD in cnh: libev
 * reports it once the caller has started its ev_child watcher, which
 * daemon_spawn() does before it returns to the loop.
 */
#include "vmm/spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/daemon.h"

#define SPAWNER_TAG "spawner"
/* A request carries two fds; room for more so that extra ones are seen (and refused). */
#define SPAWNER_FDS 2
#define SPAWNER_FDS_ROOM 8

/*
 * One spawner per process, like libev's default loop that watches its
 * children: set before any thread starts, used by the main loop only.
 */
static struct {
	int fd;    /* cnh's end of the socketpair, -1: none or given up */
	pid_t pid; /* 0: never started (daemon_spawn forks by itself) */
} spawner = { .fd = -1 };

/* ---- the spawner process ---- */

/* Everything but stdio (the daemons inherit it) and the socket goes. */
static void spawner_close_fds(int keep)
{
	if (keep > 3 && syscall(SYS_close_range, 3, keep - 1, 0) < 0) {
		for (int i = 3; i < keep; i++)
			close(i);
	}
	if (syscall(SYS_close_range, keep + 1, ~0U, 0) < 0) {
		for (int i = keep + 1; i < 65536; i++)
			close(i);
	}
}

/*
 * The daemons cnh starts (vmm/vhost_user/devices.c), and nothing else: a
 * pattern such as "cnh-*" would also admit cnh-remote, or cnh-bench-blk
 * whose --spawn runs any command, wherever the lookup finds them.
 */
static const char *const spawner_daemons[] = {
	"cnh-blk", "cnh-console", "cnh-fs", "cnh-net", "cnh-pmem", "cnh-rng", "cnh-vsock",
};

static bool spawner_name_ok(const char *prog)
{
	for (size_t i = 0; i < ARRAY_SIZE(spawner_daemons); i++) {
		if (strcmp(prog, spawner_daemons[i]) == 0)
			return true;
	}
	return false;
}

/* Double fork; returns the daemon's pid (reparented to cnh) or -errno. */
static int32_t spawner_fork(pid_t parent, const char *exe, char *const argv[], int fd, int stats_fd)
{
	int32_t pid = -ECHILD;
	int p[2], status;
	pid_t mid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	mid = fork();
	if (mid < 0) {
		pid = -errno;
		close(p[0]);
		close(p[1]);
		return pid;
	}
	if (mid == 0) {
		pid_t self = getpid(), d = fork();
		int32_t v = d < 0 ? -errno : d;

		if (d == 0)
			daemon_child_exec(fd, stats_fd, parent, self, exe, argv);
		_exit(write(p[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
	}
	close(p[1]);
	do {
		n = read(p[0], &pid, sizeof(pid));
	} while (n < 0 && errno == EINTR);
	if (n != sizeof(pid))
		pid = -ECHILD;
	close(p[0]);
	/* After this the daemon is cnh's child (see the top of the file). */
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	return pid;
}

/* Check one received request and start the daemon; pid or -errno for the reply. */
static int32_t spawner_handle(pid_t parent, char *buf, size_t len, const int *fds, int nfds)
{
	char *argv[SPAWNER_MAX_ARGS + 1];
	char exe[4096];
	const char *prog;
	size_t off = 0;
	int argc = 0, r;

	if (nfds != SPAWNER_FDS || len == 0 || buf[len - 1] != '\0')
		return -EINVAL;
	prog = buf;
	off = strlen(prog) + 1;
	while (off < len) {
		if (argc == SPAWNER_MAX_ARGS)
			return -E2BIG;
		argv[argc++] = buf + off;
		off += strlen(buf + off) + 1;
	}
	argv[argc] = NULL;
	if (argc == 0)
		return -EINVAL;
	if (!spawner_name_ok(prog)) {
		log_warn(SPAWNER_TAG, "refusing to start '%.64s': not a cnh daemon's name", prog);
		return -EPERM;
	}
	r = daemon_find(prog, exe, sizeof(exe));
	if (r < 0)
		return r;
	return spawner_fork(parent, exe, argv, fds[0], fds[1]);
}

/* Serve requests until cnh closes its end; never returns. */
static __attribute__((noreturn)) void spawner_main(int sock, pid_t parent)
{
	char buf[SPAWNER_MSG_MAX];

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, "cnh-spawner");
	log_set_ident("cnh-spawner");
	/* waitpid on the intermediates; replies use MSG_NOSIGNAL. */
	signal(SIGCHLD, SIG_DFL);
	spawner_close_fds(sock);
	for (;;) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int) * SPAWNER_FDS_ROOM)];
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
		};
		int fds[SPAWNER_FDS_ROOM], nfds = 0;
		bool bad = false;
		int32_t reply;
		ssize_t n;

		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* cnh is gone */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
				bad = true;
				continue;
			}
			for (size_t i = 0; i < k && nfds < SPAWNER_FDS_ROOM; i++)
				memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		}
		if (msg.msg_flags & MSG_TRUNC)
			reply = -E2BIG;
		else if (bad || (msg.msg_flags & MSG_CTRUNC))
			reply = -EINVAL;
		else
			reply = spawner_handle(parent, buf, (size_t)n, fds, nfds);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (send(sock, &reply, sizeof(reply), MSG_NOSIGNAL) != sizeof(reply))
			_exit(0);
	}
}

/* ---- cnh's side ---- */

int spawner_start(void)
{
	pid_t parent = getpid(), pid;
	struct sigaction sa;
	int sv[2], r;

	if (spawner.pid > 0)
		return -EALREADY;
	/* Orphaned descendants come to us: the daemons the spawner double-forks. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -errno;
	/*
	 * An ignored SIGCHLD (kept across exec from whoever started cnh) makes
	 * the kernel reap children itself: cnh would never see a daemon's exit
	 * (libev's signalfd mode keeps the disposition), nor the spawner its
	 * intermediates. A handler (a loop made before us) stays.
	 */
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
		signal(SIGCHLD, SIG_DFL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		spawner_main(sv[1], parent);
	}
	close(sv[1]);
	spawner.fd = sv[0];
	spawner.pid = pid;
	log_debug(SPAWNER_TAG, "spawn helper started (pid %d)", (int)pid);
	return 0;
}

bool spawner_active(void)
{
	return spawner.pid > 0;
}

pid_t spawner_pid(void)
{
	return spawner.pid;
}

/*
 * Stop using a spawner that died or misbehaved. No kill: once libev has
 * reaped it, its pid may be someone else's; closing the socket is enough
 * for a live one to exit.
 */
static int spawner_lost(int r, const char *why)
{
	if (spawner.fd >= 0) {
		log_error(SPAWNER_TAG, "the spawn helper (pid %d) %s: daemons can no longer be started",
			  (int)spawner.pid, why);
		close(spawner.fd);
		spawner.fd = -1;
	}
	return r;
}

void spawner_stop(void)
{
	if (spawner.pid <= 0)
		return;
	if (spawner.fd >= 0) {
		close(spawner.fd);
		spawner.fd = -1;
		/* It exits on EOF; ECHILD: libev reaped it already. */
		while (waitpid(spawner.pid, NULL, 0) < 0 && errno == EINTR)
			;
	} else {
		(void)waitpid(spawner.pid, NULL, WNOHANG);
	}
	spawner.pid = 0;
}

/* prog then argv, NUL-terminated, into buf; the length or -E2BIG. */
static ssize_t spawner_pack(char *buf, size_t len, const char *prog, char *const argv[])
{
	size_t off = 0;

	for (int i = -1; i < 0 || argv[i]; i++) {
		const char *s = i < 0 ? prog : argv[i];
		size_t n = strlen(s) + 1;

		if (i >= SPAWNER_MAX_ARGS || n > len - off)
			return -E2BIG;
		memcpy(buf + off, s, n);
		off += n;
	}
	return (ssize_t)off;
}

int spawner_spawn(const char *prog, char *const argv[], int fd, int stats_fd, pid_t *ret_pid)
{
	char buf[SPAWNER_MSG_MAX];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * SPAWNER_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = buf };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct pollfd p = { .events = POLLIN };
	struct cmsghdr *c;
	int32_t reply;
	ssize_t n;
	int r;

	if (spawner.fd < 0)
		return -EPIPE;
	n = spawner_pack(buf, sizeof(buf), prog, argv);
	if (n < 0)
		return (int)n;
	iov.iov_len = (size_t)n;
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * SPAWNER_FDS);
	memcpy(CMSG_DATA(c), (int[]){ fd, stats_fd }, sizeof(int) * SPAWNER_FDS);
	do {
		n = sendmsg(spawner.fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return spawner_lost(-EPIPE, "is gone");
	p.fd = spawner.fd;
	do {
		r = poll(&p, 1, SPAWNER_TIMEOUT_MS);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return spawner_lost(-errno, "cannot be polled");
	if (r == 0)
		return spawner_lost(-ETIMEDOUT, "does not answer");
	do {
		n = recv(spawner.fd, &reply, sizeof(reply), 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return spawner_lost(-EPIPE, "is gone");
	if (n != sizeof(reply) || reply == 0)
		return spawner_lost(-EPROTO, "sent a malformed reply");
	if (reply < 0)
		return reply;
	*ret_pid = reply;
	return 0;
}
