/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp filters from commented rule tables, one table per thread role
 * (see docs/security.md). A rule allows one syscall, optionally only when
 * one argument equals a value (ioctl request numbers, fcntl commands,
 * socket families) or has given bits (clone flags); several rules for one
 * syscall are alternatives. A rule may instead fail a syscall with an
 * errno (clone3 -> ENOSYS, so that glibc falls back to clone, whose flags
 * a filter can see).
 *
 *	static const struct sc_rule vcpu_rules[] = {
 *		SC_ALLOW(futex),                         // pthread locks
 *		SC_ALLOW_ARG(ioctl, 1, KVM_RUN),         // the vCPU loop
 *	};
 *	r = seccomp_load_table(vcpu_rules, ARRAY_SIZE(vcpu_rules), mode, err, sizeof(err));
 *
 * The filter applies to the calling thread and to the threads and processes
 * it creates afterwards (and survives execve): load it inside the thread,
 * just before its loop, after spawning what must not inherit it.
 *
 * Built as its own library (cnh-seccomp, common/meson.build) because it
 * links libseccomp while common/ proper stays libc-only.
 */
#ifndef CNH_COMMON_SECCOMP_H
#define CNH_COMMON_SECCOMP_H

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

enum sc_mode {
	SC_MODE_OFF = 0,  /* no filter (zeroed configs stay unfiltered) */
	SC_MODE_LOG,      /* violations are allowed and logged by the kernel (audit type=1326) */
	SC_MODE_ENFORCE,  /* violations kill the whole process with SIGSYS */
};

#define SC_NO_ARG 0xff

struct sc_rule {
	const char *name; /* syscall name as libseccomp knows it ("ioctl") */
	uint8_t arg;      /* argument index 0..5 compared, SC_NO_ARG: any */
	uint64_t value;
	uint64_t mask;    /* 0: arg == value; else (arg & mask) == value */
	int errnum;       /* 0: allow; else the call fails with this errno (never killed) */
};

#define SC_ALLOW(sys) { #sys, SC_NO_ARG, 0, 0, 0 }
#define SC_ALLOW_ARG(sys, idx, val) { #sys, (idx), (uint64_t)(val), 0, 0 }
/* Allowed when (argument idx & mask) == val; mask must not be 0. */
#define SC_ALLOW_MASKED(sys, idx, mask, val) { #sys, (idx), (uint64_t)(val), (uint64_t)(mask), 0 }
/* Fails with errno e instead of being allowed or killed. */
#define SC_ERRNO(sys, e) { #sys, SC_NO_ARG, 0, 0, (e) }

/* A table and its length, for a role built from several tables (base + additions). */
struct sc_table {
	const struct sc_rule *rules;
	size_t n;
};

/*
 * Threads but no processes: clone only with CLONE_THREAD (pthread_create's
 * flags always have it, fork's never do). clone3 passes its flags in
 * memory a filter cannot read, so it fails with ENOSYS, on which glibc
 * falls back to clone.
 */
#define SC_THREADS_ONLY                                                                            \
	SC_ALLOW_MASKED(clone, 0, CLONE_THREAD, CLONE_THREAD), SC_ERRNO(clone3, ENOSYS)

/* "true" / "false" / "log" (also on/off/enforce) -> mode. -EINVAL otherwise. */
int seccomp_parse_mode(const char *s, enum sc_mode *ret) __must_check;
const char *seccomp_mode_name(enum sc_mode mode);

/*
 * Set no_new_privs and load one filter allowing the union of the tables'
 * rules; any other syscall is killed (enforce) or logged (log). Off: does
 * nothing. Unknown syscall names are an error. 0 or -errno with a one-line
 * message in err.
 */
int seccomp_load_tables(const struct sc_table *tables, size_t ntables, enum sc_mode mode, char *err,
			size_t errlen) __must_check;
int seccomp_load_table(const struct sc_rule *rules, size_t n, enum sc_mode mode, char *err,
		       size_t errlen) __must_check;

/*
 * Test hook: when the environment variable CNH_SECCOMP_SELFTEST equals
 * role, issue a syscall no table allows (syslog SIZE_BUFFER, harmless);
 * when it equals "<role>-fork", make a process as fork() does (clone
 * without CLONE_THREAD; a child that lives _exits at once); "<role>-open"
 * opens /proc/self/status and _exits with 97 if that worked. Called right
 * after a role's filter is loaded; the tests expect SIGSYS in enforce mode
 * and survival in log mode.
 */
void seccomp_selftest(const char *role);

#endif
