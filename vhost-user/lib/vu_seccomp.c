/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's tables: what every daemon thread does (vu_seccomp_thread)
 * and what only the control thread does on top (vu_seccomp_control: the
 * vhost-user socket, accepting, starting workers, signals). Checked by
 * running the suite in log mode and reading the kernel's audit records
 * (type=1326; comm= names the thread).
 */
#include "vhost-user/lib/vu_seccomp.h"

#include <fcntl.h>
#include <sys/ioctl.h>

/*
 * Every thread, after its filter: the loop, locks, memory, log lines, dying.
 * Thread start (set_robust_list, rseq, malloc arena set-up, the thread
 * name) happens before a worker loads its filter; the sanitizers' needs
 * come from common/seccomp.c in sanitizer builds only.
 */
static const struct sc_rule vu_seccomp_thread[] = {
	/* memory: malloc arenas, the guest memory table's mappings */
	SC_ALLOW(mmap),
	SC_ALLOW(munmap),
	SC_ALLOW(mprotect),
	SC_ALLOW(madvise),         /* also glibc freeing an exiting thread's stack */
	SC_ALLOW(mremap),
	SC_ALLOW(brk),
	SC_ALLOW(read),            /* kick eventfds, libev's ev_async eventfd */
	SC_ALLOW(write),           /* call eventfds, ev_async wake-ups, log lines on stderr */
	SC_ALLOW(writev),          /* stdio */
	/* libev's epoll backend: waiting, (un)watching kick fds (loops are made on the control thread) */
	SC_ALLOW(epoll_ctl),
	SC_ALLOW(epoll_wait),
	SC_ALLOW(epoll_pwait),
	/*
	 * An event for a kick fd the front-end replaced (same number, new
	 * file) makes libev rebuild its epoll set: a new epoll fd, the old one
	 * closed. Also the io_uring and its eventfd at a worker's teardown.
	 */
	SC_ALLOW(epoll_create1),
	SC_ALLOW(close),
	SC_ALLOW(rt_sigprocmask),  /* glibc blocks signals in an exiting thread */
	SC_ALLOW(rt_sigreturn),
	SC_ALLOW(futex),           /* pthread mutexes and conditions (vu_worker calls) */
	SC_ALLOW(gettid),          /* abort(): raise() */
	SC_ALLOW(getpid),
	SC_ALLOW(tgkill),
	SC_ALLOW(exit),
	SC_ALLOW(exit_group),
	SC_ALLOW(clock_gettime),   /* libev's clock when the vDSO cannot serve it */
	SC_ALLOW(gettimeofday),
};

/* The control thread on top: the vhost-user protocol, accepting, workers. */
static const struct sc_rule vu_seccomp_control[] = {
	/* vhost-user messages: fds arrive and leave through SCM_RIGHTS */
	SC_ALLOW(recvmsg),
	SC_ALLOW(sendmsg),
	SC_ALLOW(recvfrom),
	SC_ALLOW(sendto),
	SC_ALLOW(accept4),         /* --socket-path: the next front-end after a disconnect */
	SC_ALLOW(shutdown),
	SC_ALLOW(getsockopt),
	SC_ALLOW(eventfd2),        /* worker ev_async (loops are made here), io_uring completions */
	SC_ALLOW(fstat),           /* memory region size checks, stdio */
	SC_ALLOW(newfstatat),
	SC_ALLOW(lseek),
	SC_ALLOW(unlink),          /* --socket-path removed at exit */
	SC_ALLOW(unlinkat),
	SC_ALLOW_ARG(fcntl, 1, F_GETFL),   /* non-blocking sockets and eventfds */
	SC_ALLOW_ARG(fcntl, 1, F_SETFL),
	SC_ALLOW_ARG(fcntl, 1, F_GETFD),
	SC_ALLOW_ARG(fcntl, 1, F_SETFD),   /* close-on-exec on received fds */
	SC_ALLOW_ARG(fcntl, 1, F_DUPFD_CLOEXEC),
	SC_ALLOW_ARG(ioctl, 1, FIONBIO),
	SC_ALLOW_ARG(ioctl, 1, TCGETS),    /* isatty() in stdio/logging */
	/* libev: the loop's backend choice, signal watchers (fds replaced by SET_VRING_KICK/CALL
	 * and memory regions are closed with the every-thread close) */
	SC_ALLOW(poll),
	SC_ALLOW(ppoll),
	SC_ALLOW(signalfd4),
	SC_ALLOW(rt_sigaction),    /* ev_signal for SIGTERM/SIGINT */
	SC_ALLOW(pipe2),
	/* threads (a worker started after this filter runs its start-up under it; blk and net start theirs before), no processes */
	SC_THREADS_ONLY,
	SC_ALLOW(set_robust_list),
	SC_ALLOW(rseq),
	SC_ALLOW(getrandom),       /* malloc tcache at thread start */
	SC_ALLOW(prctl),           /* thread names */
	SC_ALLOW(sched_getaffinity),
	SC_ALLOW(sched_yield),
	SC_ALLOW(sigaltstack),     /* ASan */
	SC_ALLOW(clock_nanosleep),
	SC_ALLOW(nanosleep),
	/* ASan report symbolization */
	SC_ALLOW(readlink),
	SC_ALLOW(openat),
	SC_ALLOW(open),
};

/* Load the union of t on the calling thread, then the selftest hook for role. */
static int vu_seccomp_load_role(const char *role, const struct sc_table *t, size_t n,
				enum sc_mode mode, char *err, size_t errlen)
{
	int r = seccomp_load_tables(t, n, mode, err, errlen);

	if (r < 0)
		return r;
	if (mode != SC_MODE_OFF)
		seccomp_selftest(role);
	return 0;
}

int vu_seccomp_load(const char *role, const struct sc_rule *extra, size_t nextra, enum sc_mode mode,
		    char *err, size_t errlen)
{
	const struct sc_table t[] = {
		{ vu_seccomp_thread, ARRAY_SIZE(vu_seccomp_thread) },
		{ vu_seccomp_control, ARRAY_SIZE(vu_seccomp_control) },
		{ extra, extra ? nextra : 0 },
	};

	return vu_seccomp_load_role(role, t, ARRAY_SIZE(t), mode, err, errlen);
}

int vu_seccomp_load_worker(const char *role, const struct sc_rule *extra, size_t nextra,
			   enum sc_mode mode, char *err, size_t errlen)
{
	const struct sc_table t[] = {
		{ vu_seccomp_thread, ARRAY_SIZE(vu_seccomp_thread) },
		{ extra, extra ? nextra : 0 },
	};

	return vu_seccomp_load_role(role, t, ARRAY_SIZE(t), mode, err, errlen);
}

int vu_seccomp_load_base(enum sc_mode mode, char *err, size_t errlen)
{
	return vu_seccomp_load("vu-base", NULL, 0, mode, err, errlen);
}
