/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/daemon.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "common/log.h"
#include "vmm/spawner.h"

#define DAEMON_TAG "daemon"
/* How long a spawner's grandchild waits to be adopted by cnh: 100 us polls, 5 s. */
#define DAEMON_ADOPT_POLLS 50000

struct daemon {
	ev_child child;
	struct ev_loop *loop;
	char name[32];
	char prog[64];
	pid_t pid;
	int stats_fd; /* our end of the counters channel */
	bool exited;
	bool stopping;
	struct timespec stop_time;
	daemon_exit_fn on_exit;
	void *opaque;
};

static bool daemon_exec_ok(const char *path)
{
	return access(path, X_OK) == 0;
}

static int daemon_try(char *buf, size_t len, const char *dir, const char *rel, const char *prog)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, rel, prog);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return daemon_exec_ok(buf) ? 0 : -ENOENT;
}

int daemon_find(const char *prog, char *buf, size_t len)
{
	const char *env = getenv("CNH_DAEMON_DIR");
	char self[PATH_MAX], rel[96];
	const char *path;
	ssize_t n;

	if (strchr(prog, '/'))
		return -EINVAL;
	if (env && *env)
		return daemon_try(buf, len, env, "", prog);

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (daemon_try(buf, len, self, "", prog) == 0)
				return 0;
			/* Build tree: vmm/cnh and vhost-user/blk/cnh-blk. */
			if (strncmp(prog, "cnh-", 4) == 0) {
				snprintf(rel, sizeof(rel), "../vhost-user/%s/", prog + 4);
				if (daemon_try(buf, len, self, rel, prog) == 0)
					return 0;
			}
		}
	}
	path = getenv("PATH");
	while (path && *path) {
		const char *end = strchrnul(path, ':');
		char dir[PATH_MAX];
		size_t dl = (size_t)(end - path);

		if (dl > 0 && dl < sizeof(dir)) {
			memcpy(dir, path, dl);
			dir[dl] = '\0';
			if (daemon_try(buf, len, dir, "", prog) == 0)
				return 0;
		}
		path = *end ? end + 1 : end;
	}
	return -ENOENT;
}

static void daemon_log_exit(const struct daemon *d, int wstatus)
{
	if (WIFEXITED(wstatus))
		log_warn(DAEMON_TAG, "%s: %s (pid %d) exited with status %d", d->name, d->prog, (int)d->pid,
			 WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		log_warn(DAEMON_TAG, "%s: %s (pid %d) killed by signal %d (%s)", d->name, d->prog,
			 (int)d->pid, WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
}

static void daemon_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct daemon *d = container_of(w, struct daemon, child);

	if (WIFSTOPPED(w->rstatus) || WIFCONTINUED(w->rstatus))
		return;
	ev_child_stop(loop, w);
	d->exited = true;
	if (d->stopping)
		return;
	daemon_log_exit(d, w->rstatus);
	if (d->on_exit)
		d->on_exit(d, w->rstatus, d->opaque);
}

/*
 * Between fork and exec: one writev, no stdio or malloc. Without it a
 * daemon that cannot run (a script's interpreter missing, a noexec mount)
 * shows only as a handshake failure and exit status 127.
 */
static void daemon_exec_failed(const char *exe, int err)
{
	static const char head[] = "cnh[" DAEMON_TAG "]: error: cannot execute ";
	const char *why = strerrordesc_np(err);
	struct iovec v[] = {
		{ (void *)head, sizeof(head) - 1 },
		{ (void *)exe, strlen(exe) },
		{ ": ", 2 },
		{ (void *)(why ? why : "error"), strlen(why ? why : "error") },
		{ "\n", 1 },
	};

	(void)!writev(STDERR_FILENO, v, ARRAY_SIZE(v));
}

void daemon_child_exec(int fd, int stats_fd, pid_t parent, pid_t via, const char *exe,
		       char *const argv[])
{
	int hi_fd, hi_stats, polls = 0;
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++) {
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	}
	/*
	 * From the spawner, the parent is first the intermediate process (via),
	 * which exits at once: PDEATHSIG set before the move to cnh would fire
	 * then. Any parent other than via and cnh means that cnh died: give up.
	 */
	while (via > 0 && getppid() == via) {
		if (++polls == DAEMON_ADOPT_POLLS)
			_exit(127);
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 }, NULL);
	}
	/* The check after the prctl catches a cnh that died just before it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	setpgid(0, 0);
	/* Out of the way first: either may sit on the other's target number. */
	hi_fd = fcntl(fd, F_DUPFD_CLOEXEC, DAEMON_STATS_FD + 1);
	hi_stats = fcntl(stats_fd, F_DUPFD_CLOEXEC, DAEMON_STATS_FD + 1);
	if (hi_fd < 0 || hi_stats < 0)
		_exit(127);
	/* dup2 clears FD_CLOEXEC */
	if (dup2(hi_fd, DAEMON_CHILD_FD) < 0 || dup2(hi_stats, DAEMON_STATS_FD) < 0)
		_exit(127);
	/* Everything above stdio and the two sockets goes. */
	if (syscall(SYS_close_range, DAEMON_STATS_FD + 1, ~0U, 0) < 0) {
		for (int i = DAEMON_STATS_FD + 1; i < 65536; i++)
			close(i);
	}
	execv(exe, argv);
	daemon_exec_failed(exe, errno);
	_exit(127);
}

/* Without a spawner: fork and exec here. The daemon's pid or -errno. */
static pid_t daemon_fork(const char *prog, char *const argv[], int fd, int stats_fd)
{
	char exe[PATH_MAX];
	pid_t parent = getpid(), pid;
	int r;

	if (strchr(prog, '/')) {
		snprintf(exe, sizeof(exe), "%s", prog);
	} else {
		r = daemon_find(prog, exe, sizeof(exe));
		if (r < 0)
			return r;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		daemon_child_exec(fd, stats_fd, parent, 0, exe, argv);
	return pid;
}

int daemon_spawn(struct ev_loop *loop, const char *prog, char *const argv[], const char *name,
		 daemon_exit_fn on_exit, void *opaque, int *ret_fd, struct daemon **ret)
{
	struct daemon *d;
	const char *base;
	pid_t pid;
	int sv[2], st[2], r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		free(d);
		return r;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st) < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		free(d);
		return r;
	}
	d->stats_fd = st[0];
	d->loop = loop;
	d->on_exit = on_exit;
	d->opaque = opaque;
	snprintf(d->name, sizeof(d->name), "%s", name);
	base = strrchr(prog, '/');
	snprintf(d->prog, sizeof(d->prog), "%s", base ? base + 1 : prog);

	/* Never both ways: once started, the spawner is the only way (see vmm/spawner.h). */
	if (spawner_active()) {
		r = spawner_spawn(prog, argv, sv[1], st[1], &pid);
		if (r == 0)
			r = pid;
	} else {
		r = daemon_fork(prog, argv, sv[1], st[1]);
	}
	close(sv[1]);
	close(st[1]);
	if (r < 0) {
		close(sv[0]);
		close(st[0]);
		free(d);
		return r;
	}
	d->pid = r;
	/*
	 * Before the loop runs again: a daemon that already died is a zombie
	 * whose SIGCHLD libev handles in the loop, and finds this watcher then.
	 */
	ev_child_init(&d->child, daemon_child_cb, d->pid, 0);
	ev_child_start(loop, &d->child);
	log_debug(DAEMON_TAG, "%s: started %s (pid %d)", d->name, prog, (int)d->pid);
	*ret_fd = sv[0];
	*ret = d;
	return 0;
}

pid_t daemon_pid(const struct daemon *d)
{
	return d->pid;
}

static long daemon_ms_since(const struct timespec *t);

int daemon_query_stats(struct daemon *d, int timeout_ms, char *buf, size_t len)
{
	struct timespec start;
	size_t off = 0;
	char junk[256];
	ssize_t n;

	if (len == 0)
		return -EMSGSIZE;
	/* A late answer to an earlier query. */
	while ((n = recv(d->stats_fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
		;
	if (n == 0)
		return -EPIPE;
	if (send(d->stats_fd, "?", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = d->stats_fd, .events = POLLIN };
		long left = timeout_ms - daemon_ms_since(&start);
		char *nl;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = recv(d->stats_fd, buf + off, len - 1 - off, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		off += (size_t)n;
		buf[off] = '\0';
		nl = memchr(buf, '\n', off);
		if (nl) {
			*nl = '\0';
			return 0;
		}
		if (off == len - 1)
			return -EMSGSIZE;
	}
}

/* Reap without blocking; true once the process is gone. */
static bool daemon_reap(struct daemon *d)
{
	int status;
	pid_t p;

	if (d->exited)
		return true;
	do {
		p = waitpid(d->pid, &status, WNOHANG);
	} while (p < 0 && errno == EINTR);
	/* ECHILD: libev reaped it and the callback has not run yet. */
	if (p == d->pid || (p < 0 && errno == ECHILD)) {
		d->exited = true;
		ev_child_stop(d->loop, &d->child);
		return true;
	}
	return false;
}

bool daemon_running(struct daemon *d)
{
	return !daemon_reap(d);
}

void daemon_stop(struct daemon *d)
{
	if (!d || d->stopping)
		return;
	d->stopping = true;
	clock_gettime(CLOCK_MONOTONIC, &d->stop_time);
	if (!daemon_reap(d))
		kill(d->pid, SIGTERM);
}

static long daemon_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

void daemon_free(struct daemon *d)
{
	int status;

	if (!d)
		return;
	daemon_stop(d);
	while (!daemon_reap(d) && daemon_ms_since(&d->stop_time) < DAEMON_GRACE_MS)
		nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
	if (!d->exited) {
		log_warn(DAEMON_TAG, "%s: %s (pid %d) ignored SIGTERM; killing it", d->name, d->prog,
			 (int)d->pid);
		kill(d->pid, SIGKILL);
		while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
			;
		d->exited = true;
	}
	ev_child_stop(d->loop, &d->child);
	if (d->stats_fd >= 0)
		close(d->stats_fd);
	free(d);
}
