/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM's seccomp tables, one per thread role. Each rule says why the
 * role needs it. The lists come from what the code calls (glibc, libev,
 * jansson, ASan included) and were checked by running the whole suite in
 * log mode and reading the kernel's audit records (type=1326).
 *
 * Filters stack: a thread created after its creator loaded a filter runs
 * under both. vCPU threads created by the main loop (vm.boot, reboot) thus
 * need their syscalls in the main table too; the main table is a superset
 * of the other two.
 *
 * No table allows execve (nor fork/vfork): the back-end daemons are
 * started by the spawn helper (vmm/spawner.h), forked before any filter,
 * so no filter here has to cover a daemon's start-up. Sanitizer builds add
 * their own needs (common/seccomp.c).
 */
#include "vmm/seccomp.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <termios.h>

/* What any thread of the process does: memory, locks, time, logging, exit. */
#define VMM_SC_COMMON                                                                              \
	SC_ALLOW(futex),            /* pthread mutexes and condition variables */               \
	SC_ALLOW(mmap),             /* malloc arenas, ASan shadow */                             \
	SC_ALLOW(munmap),                                                                          \
	SC_ALLOW(mprotect),         /* malloc arena growth, thread stacks */                     \
	SC_ALLOW(madvise),          /* free() trimming, thread exit */                           \
	SC_ALLOW(mremap),           /* realloc of large blocks */                                \
	SC_ALLOW(brk),              /* malloc */                                                 \
	SC_ALLOW(clock_gettime),    /* libev time, log timestamps, trace points */               \
	SC_ALLOW(clock_nanosleep),  /* short waits (park, retry loops) */                        \
	SC_ALLOW(nanosleep),                                                                       \
	SC_ALLOW(gettimeofday),                                                                    \
	SC_ALLOW(getpid),           /* logging, libev */                                         \
	SC_ALLOW(gettid),           /* ASan, logging */                                          \
	SC_ALLOW(write),            /* log lines on stderr, eventfd signalling, console */       \
	SC_ALLOW(writev),           /* stdio */                                                  \
	SC_ALLOW(read),             /* eventfds, sockets */                                      \
	SC_ALLOW(close),                                                                           \
	SC_ALLOW(rt_sigprocmask),   /* pthread_sigmask, libev */                                 \
	SC_ALLOW(rt_sigreturn),     /* return from the SIGUSR1 kick handler */                   \
	SC_ALLOW(sigaltstack),      /* ASan at thread start/exit */                              \
	SC_ALLOW(sched_yield),      /* spin locks in glibc and ASan */                           \
	SC_ALLOW(sched_getaffinity), /* sysconf(_SC_NPROCESSORS_ONLN) in libraries */            \
	SC_ALLOW(getrandom),        /* malloc tcache randomization at thread start */            \
	SC_ALLOW(rseq),             /* glibc registers restartable sequences per thread */       \
	SC_ALLOW(set_robust_list),                                                                 \
	SC_ALLOW(exit),             /* thread exit */                                            \
	SC_ALLOW(exit_group),       /* process exit */                                           \
	SC_ALLOW(tgkill),           /* pthread_kill (vCPU kick), abort() */                       \
	SC_ALLOW(getuid),                                                                          \
	SC_ALLOW(prctl),            /* ASan, pthread_setname_np */                                \
	SC_ALLOW(fstat),            /* stdio */                                                  \
	SC_ALLOW(newfstatat),                                                                      \
	SC_ALLOW(lseek),                                                                           \
	SC_ALLOW(readlink),         /* ASan symbolization of a report */                         \
	SC_ALLOW(poll),                                                                            \
	SC_ALLOW(ppoll)

/*
 * Threads that open nothing (vCPU, API): a library that tries gets EACCES
 * instead of killing the VM, and a parser or device bug does not become a
 * file-access primitive. Sanitizer builds allow openat (common/seccomp.c).
 */
#define VMM_SC_NO_FILES SC_ERRNO(open, EACCES), SC_ERRNO(openat, EACCES)

/* The vCPU ioctls: KVM_RUN and the state the exit handlers and dumps read. */
#define VMM_SC_VCPU_IOCTLS                                                                         \
	SC_ALLOW_ARG(ioctl, 1, KVM_RUN),                                                           \
	SC_ALLOW_ARG(ioctl, 1, KVM_GET_REGS),   /* crash dump, vm.info */                          \
	SC_ALLOW_ARG(ioctl, 1, KVM_GET_SREGS),                                                     \
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_REGS),   /* reset through the i8042 / ACPI path */         \
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_SREGS),                                                     \
	SC_ALLOW_ARG(ioctl, 1, KVM_GET_LAPIC),                                                     \
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_LAPIC),                                                     \
	/* vm-fd ioctls issued while emulating a device on the vCPU thread */                    \
	SC_ALLOW_ARG(ioctl, 1, KVM_IRQ_LINE),   /* legacy IRQs (UART, RTC, GED) */                 \
	SC_ALLOW_ARG(ioctl, 1, KVM_IRQFD),      /* virtio-pci: MSI-X vector set-up */              \
	SC_ALLOW_ARG(ioctl, 1, KVM_IOEVENTFD),  /* virtio-pci: queue enable / BAR move */          \
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_GSI_ROUTING), /* MSI-X table writes */                     \
	SC_ALLOW_ARG(ioctl, 1, KVM_SIGNAL_MSI),                                                    \
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_USER_MEMORY_REGION) /* PCI BAR mapping changes */

/*
 * vCPU threads. Device emulation runs here: PIO/MMIO exits reach the UART,
 * RTC, PCI config space and virtio-pci registers; at DRIVER_OK the vhost-user
 * front-end talks to its back-end from this thread (sendmsg/recvmsg/poll,
 * eventfds it creates for kick/call).
 */
static const struct sc_rule vmm_sc_vcpu[] = {
	VMM_SC_COMMON,
	VMM_SC_VCPU_IOCTLS,
	SC_ALLOW(sendmsg),   /* vhost-user requests with fds (SCM_RIGHTS) */
	SC_ALLOW(recvmsg),   /* vhost-user replies */
	SC_ALLOW(sendto),
	SC_ALLOW(recvfrom),
	SC_ALLOW(eventfd2),  /* kick/call eventfds made when a queue starts */
	SC_ALLOW(dup),
	SC_ALLOW(fcntl),
	SC_ALLOW(pread64),
	SC_ALLOW(pwrite64),
	SC_THREADS_ONLY,      /* pthread_create: seen from a device harness on the vCPU thread */
	VMM_SC_NO_FILES,
};

/* The REST API thread: accept, read requests, write replies, hand calls to the main loop. */
static const struct sc_rule vmm_sc_api[] = {
	VMM_SC_COMMON,
	SC_ALLOW(accept4),     /* new API clients */
	SC_ALLOW(recvfrom),
	SC_ALLOW(sendto),
	SC_ALLOW(sendmsg),
	SC_ALLOW(recvmsg),
	SC_ALLOW(shutdown),
	SC_ALLOW(epoll_wait),  /* libev */
	SC_ALLOW(epoll_pwait),
	SC_ALLOW(epoll_ctl),
	SC_ALLOW_ARG(fcntl, 1, F_GETFL), /* non-blocking client sockets */
	SC_ALLOW_ARG(fcntl, 1, F_SETFL),
	SC_ALLOW_ARG(fcntl, 1, F_GETFD),
	SC_ALLOW_ARG(fcntl, 1, F_SETFD),
	SC_ALLOW_ARG(ioctl, 1, FIONBIO),
	VMM_SC_NO_FILES,
};

/*
 * The main loop: creates and destroys machines (vm.boot, reboot), so it
 * opens /dev/kvm and memfds, maps guest RAM, creates vCPU threads, serves
 * the console and event monitor and supervises the daemons. It does not
 * start them: it sends the spawn helper a request (sendmsg with the
 * daemon's two fds) and gets back a pid that is its child; it keeps kill
 * and wait4 to stop and reap them.
 */
static const struct sc_rule vmm_sc_main[] = {
	VMM_SC_COMMON,
	VMM_SC_VCPU_IOCTLS,
	/* machine creation */
	SC_ALLOW_ARG(ioctl, 1, KVM_GET_API_VERSION),
	SC_ALLOW_ARG(ioctl, 1, KVM_CREATE_VM),
	SC_ALLOW_ARG(ioctl, 1, KVM_CHECK_EXTENSION),
	SC_ALLOW_ARG(ioctl, 1, KVM_GET_VCPU_MMAP_SIZE),
	SC_ALLOW_ARG(ioctl, 1, KVM_GET_SUPPORTED_CPUID),
	SC_ALLOW_ARG(ioctl, 1, KVM_CREATE_IRQCHIP),
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_TSS_ADDR),
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_IDENTITY_MAP_ADDR),
	SC_ALLOW_ARG(ioctl, 1, KVM_CREATE_VCPU),
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_CPUID2),
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_MSRS),
	SC_ALLOW_ARG(ioctl, 1, KVM_SET_FPU),
	SC_ALLOW_ARG(ioctl, 1, KVM_GET_STATS_FD),  /* vm.counters */
	/* console: terminal modes, pty allocation */
	SC_ALLOW_ARG(ioctl, 1, TCGETS),
	SC_ALLOW_ARG(ioctl, 1, TCSETS),
	SC_ALLOW_ARG(ioctl, 1, TIOCGPTN),
	SC_ALLOW_ARG(ioctl, 1, TIOCSPTLCK),
	SC_ALLOW_ARG(ioctl, 1, TIOCGWINSZ),
	SC_ALLOW_ARG(ioctl, 1, FIONBIO),
	SC_ALLOW(open),           /* /dev/kvm, kernel/initramfs images, serial/console files */
	SC_ALLOW(openat),
	SC_ALLOW(memfd_create),   /* guest RAM */
	SC_ALLOW(ftruncate),
	SC_ALLOW(fallocate),
	SC_ALLOW(eventfd2),       /* irqfd/ioeventfd, libev async */
	SC_ALLOW(signalfd4),      /* libev EVFLAG_SIGNALFD */
	SC_ALLOW(rt_sigaction),
	SC_ALLOW(kill),           /* stopping daemons (SIGTERM, then SIGKILL) */
	SC_ALLOW(wait4),          /* reaping daemons (ev_child, daemon_free) and the spawn helper */
	SC_ALLOW(waitid),
	SC_THREADS_ONLY,           /* vCPU threads on vm.boot / reboot; no process */
	SC_ALLOW(seccomp),        /* those vCPU threads load their own filter on top of this one */
	SC_ALLOW(dup),
	SC_ALLOW(fcntl),
	SC_ALLOW(socket),         /* vhost-user sockets, API socket, console socket */
	SC_ALLOW(socketpair),     /* each daemon's vhost-user and counters channels */
	SC_ALLOW(connect),
	SC_ALLOW(bind),
	SC_ALLOW(listen),
	SC_ALLOW(accept4),
	SC_ALLOW(getsockopt),
	SC_ALLOW(setsockopt),
	SC_ALLOW(getsockname),
	SC_ALLOW(sendmsg),        /* also spawn requests with the daemon's fds */
	SC_ALLOW(recvmsg),
	SC_ALLOW(sendto),
	SC_ALLOW(recvfrom),       /* also the spawn helper's reply */
	SC_ALLOW(shutdown),
	SC_ALLOW(epoll_create1),  /* libev */
	SC_ALLOW(epoll_wait),
	SC_ALLOW(epoll_pwait),
	SC_ALLOW(epoll_ctl),
	SC_ALLOW(pread64),
	SC_ALLOW(pwrite64),
	SC_ALLOW(readv),
	SC_ALLOW(access),         /* daemon_find: the "cannot find cnh-blk" message */
	SC_ALLOW(faccessat),
	SC_ALLOW(faccessat2),
	SC_ALLOW(unlink),         /* stale sockets */
	SC_ALLOW(unlinkat),
	SC_ALLOW(statx),
	SC_ALLOW(stat),
	SC_ALLOW(lstat),
	SC_ALLOW(getcwd),
	SC_ALLOW(umask),
	SC_ALLOW(uname),
	SC_ALLOW(fsync),
	SC_ALLOW(prlimit64),
	SC_ALLOW(sysinfo),        /* sysconf(_SC_PHYS_PAGES): memory size checks */
};

int vmm_seccomp_load(enum vmm_seccomp_role role, enum sc_mode mode, char *err, size_t errlen)
{
	static const char *const names[] = { "main", "api", "vcpu" };
	const struct sc_rule *rules;
	size_t n;
	int r;

	switch (role) {
	case VMM_SECCOMP_MAIN:
		rules = vmm_sc_main;
		n = ARRAY_SIZE(vmm_sc_main);
		break;
	case VMM_SECCOMP_API:
		rules = vmm_sc_api;
		n = ARRAY_SIZE(vmm_sc_api);
		break;
	case VMM_SECCOMP_VCPU:
		rules = vmm_sc_vcpu;
		n = ARRAY_SIZE(vmm_sc_vcpu);
		break;
	default:
		return -EINVAL;
	}
	r = seccomp_load_table(rules, n, mode, err, errlen);
	if (r < 0)
		return r;
	if (mode != SC_MODE_OFF)
		seccomp_selftest(names[role]);
	return 0;
}
