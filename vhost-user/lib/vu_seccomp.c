/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The base table every daemon thread gets. Checked by running the suite in
 * log mode and reading the kernel's audit records (type=1326).
 */
#include "vhost-user/lib/vu_seccomp.h"

#include <fcntl.h>
#include <sys/ioctl.h>

static const struct sc_rule vu_seccomp_base[] = {
	/* memory: malloc, the guest memory table (SET_MEM_TABLE mmap/munmap), ASan */
	SC_ALLOW(mmap),
	SC_ALLOW(munmap),
	SC_ALLOW(mprotect),
	SC_ALLOW(madvise),
	SC_ALLOW(mremap),
	SC_ALLOW(brk),
	/* vhost-user messages: fds arrive and leave through SCM_RIGHTS */
	SC_ALLOW(recvmsg),
	SC_ALLOW(sendmsg),
	SC_ALLOW(recvfrom),
	SC_ALLOW(sendto),
	SC_ALLOW(read),            /* kick eventfds, libev's eventfd, stdin */
	SC_ALLOW(write),           /* call eventfds, log lines on stderr */
	SC_ALLOW(writev),          /* stdio */
	SC_ALLOW(close),           /* fds replaced by SET_VRING_KICK/CALL, memory regions */
	SC_ALLOW(accept4),         /* --socket-path: the next front-end after a disconnect */
	SC_ALLOW(shutdown),
	SC_ALLOW(getsockopt),
	SC_ALLOW(eventfd2),        /* worker ev_async, io_uring completions */
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
	/* libev */
	SC_ALLOW(epoll_create1),
	SC_ALLOW(epoll_ctl),
	SC_ALLOW(epoll_wait),
	SC_ALLOW(epoll_pwait),
	SC_ALLOW(poll),
	SC_ALLOW(ppoll),
	SC_ALLOW(signalfd4),
	SC_ALLOW(rt_sigaction),    /* ev_signal for SIGTERM/SIGINT */
	SC_ALLOW(rt_sigprocmask),
	SC_ALLOW(rt_sigreturn),
	SC_ALLOW(pipe2),
	/* threads and locks */
	SC_ALLOW(futex),
	SC_ALLOW(clone),           /* workers started on a connection */
	SC_ALLOW(clone3),
	SC_ALLOW(set_robust_list),
	SC_ALLOW(rseq),
	SC_ALLOW(sigaltstack),     /* ASan */
	SC_ALLOW(sched_yield),
	SC_ALLOW(sched_getaffinity),
	SC_ALLOW(getrandom),       /* malloc tcache at thread start */
	SC_ALLOW(prctl),           /* ASan, thread names */
	SC_ALLOW(gettid),
	SC_ALLOW(getpid),
	SC_ALLOW(tgkill),          /* abort(), pthread_kill */
	SC_ALLOW(exit),
	SC_ALLOW(exit_group),
	/* time */
	SC_ALLOW(clock_gettime),
	SC_ALLOW(clock_nanosleep),
	SC_ALLOW(nanosleep),
	SC_ALLOW(gettimeofday),
	/* ASan report symbolization */
	SC_ALLOW(readlink),
	SC_ALLOW(openat),
	SC_ALLOW(open),
};

int vu_seccomp_load(const char *role, const struct sc_rule *extra, size_t nextra, enum sc_mode mode,
		    char *err, size_t errlen)
{
	struct sc_table t[2] = { { vu_seccomp_base, ARRAY_SIZE(vu_seccomp_base) }, { extra, nextra } };
	int r;

	r = seccomp_load_tables(t, extra ? 2 : 1, mode, err, errlen);
	if (r < 0)
		return r;
	if (mode != SC_MODE_OFF)
		seccomp_selftest(role);
	return 0;
}

int vu_seccomp_load_base(enum sc_mode mode, char *err, size_t errlen)
{
	return vu_seccomp_load("vu-base", NULL, 0, mode, err, errlen);
}
