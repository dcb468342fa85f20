/* SPDX-License-Identifier: Apache-2.0 */
#include "common/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int seccomp_parse_mode(const char *s, enum sc_mode *ret)
{
	if (!strcmp(s, "true") || !strcmp(s, "on") || !strcmp(s, "enforce"))
		*ret = SC_MODE_ENFORCE;
	else if (!strcmp(s, "false") || !strcmp(s, "off"))
		*ret = SC_MODE_OFF;
	else if (!strcmp(s, "log"))
		*ret = SC_MODE_LOG;
	else
		return -EINVAL;
	return 0;
}

const char *seccomp_mode_name(enum sc_mode mode)
{
	switch (mode) {
	case SC_MODE_OFF:
		return "false";
	case SC_MODE_LOG:
		return "log";
	case SC_MODE_ENFORCE:
		return "true";
	}
	return "?";
}

static int seccomp_add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, char *err, size_t errlen)
{
	int nr = seccomp_syscall_resolve_name(r->name);
	int ret;

	if (nr == __NR_SCMP_ERROR) {
		snprintf(err, errlen, "seccomp: unknown syscall %s", r->name);
		return -EINVAL;
	}
	if (r->errnum < 0 || r->errnum > 4095 || (r->errnum && r->arg != SC_NO_ARG))
		ret = -EINVAL;
	else if (r->errnum)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint16_t)r->errnum), nr, 0);
	else if (r->arg == SC_NO_ARG)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	else if (r->arg > 5)
		ret = -EINVAL;
	else if (r->mask)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				       SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ, r->mask, r->value));
	else
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_CMP(r->arg, SCMP_CMP_EQ, r->value));
	if (ret < 0)
		snprintf(err, errlen, "seccomp: rule for %s: %s", r->name, strerror(-ret));
	return ret;
}

/*
 * Sanitizer builds only: LeakSanitizer stops the process with a ptrace'd
 * helper thread at exit, ASan reads /proc/self/maps. Never in release builds.
 */
#if defined(__SANITIZE_ADDRESS__)
static const struct sc_rule seccomp_sanitizer_rules[] = {
	SC_ALLOW(ptrace), SC_ALLOW(wait4), SC_ALLOW(getppid), SC_ALLOW(getdents64), SC_ALLOW(getdents),
	SC_ALLOW_MASKED(clone, 0, CLONE_VM, CLONE_VM), /* the tracer thread shares memory; fork would not */
	SC_ALLOW(openat), SC_ALLOW(readlink), SC_ALLOW(sched_getaffinity),
	SC_ALLOW(sigaltstack), SC_ALLOW(prctl), SC_ALLOW(mmap), SC_ALLOW(munmap), SC_ALLOW(mprotect),
	SC_ALLOW(madvise), SC_ALLOW(close), SC_ALLOW(read), SC_ALLOW(write), SC_ALLOW(sched_yield),
	SC_ALLOW(futex), SC_ALLOW(exit), SC_ALLOW(exit_group), SC_ALLOW(gettid), SC_ALLOW(getpid),
	SC_ALLOW(rt_sigprocmask), SC_ALLOW(rt_sigaction), SC_ALLOW(fstat), SC_ALLOW(newfstatat),
	SC_ALLOW(pipe2), SC_ALLOW(dup2), SC_ALLOW(execve), SC_ALLOW(tgkill), SC_ALLOW(waitid),
};
#endif

int seccomp_load_tables(const struct sc_table *tables, size_t ntables, enum sc_mode mode, char *err,
			size_t errlen)
{
	scmp_filter_ctx ctx;
	int ret;

	if (mode == SC_MODE_OFF)
		return 0;
	ctx = seccomp_init(mode == SC_MODE_ENFORCE ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_LOG);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot create a filter");
		return -ENOMEM;
	}
	/* libseccomp sets no_new_privs itself on load (SCMP_FLTATR_CTL_NNP), say it anyway. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (ret < 0) {
		snprintf(err, errlen, "seccomp: no_new_privs: %s", strerror(-ret));
		goto out;
	}
	for (size_t t = 0; t < ntables; t++)
		for (size_t i = 0; i < tables[t].n; i++) {
			ret = seccomp_add_rule(ctx, &tables[t].rules[i], err, errlen);
			if (ret < 0)
				goto out;
		}
#if defined(__SANITIZE_ADDRESS__)
	/* A table's own rule for the same call (an errno answer) stays: -EEXIST. */
	for (size_t i = 0; i < ARRAY_SIZE(seccomp_sanitizer_rules); i++) {
		ret = seccomp_add_rule(ctx, &seccomp_sanitizer_rules[i], err, errlen);
		if (ret < 0 && ret != -EEXIST)
			goto out;
	}
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		ret = -errno;
		snprintf(err, errlen, "seccomp: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		goto out;
	}
	ret = seccomp_load(ctx);
	if (ret < 0)
		snprintf(err, errlen, "seccomp: loading the filter: %s", strerror(-ret));
out:
	seccomp_release(ctx);
	return ret;
}

int seccomp_load_table(const struct sc_rule *rules, size_t n, enum sc_mode mode, char *err, size_t errlen)
{
	struct sc_table t = { rules, n };

	return seccomp_load_tables(&t, 1, mode, err, errlen);
}

void seccomp_selftest(const char *role)
{
	const char *want = getenv("CNH_SECCOMP_SELFTEST");
	size_t n = strlen(role);

	if (!want || strncmp(want, role, n))
		return;
	/* syslog(SYSLOG_ACTION_SIZE_BUFFER): read-only, in no table. */
	if (!want[n])
		(void)!syscall(SYS_syslog, 10, NULL, 0);
	/* A process the way fork() makes one (clone without CLONE_THREAD); a child that lives leaves. */
	else if (!strcmp(want + n, "-fork") && syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0) == 0)
		_exit(0);
	/* For roles that may open nothing: an open that works ends the process with 97. */
	else if (!strcmp(want + n, "-open") && syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY) >= 0)
		_exit(97);
}
