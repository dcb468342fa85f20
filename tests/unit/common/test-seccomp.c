/* SPDX-License-Identifier: Apache-2.0 */
/* common/seccomp: modes, table loading, kill vs log, and the vhost-user base role. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/seccomp.h"

/* Enough for a child to call a few syscalls and _exit. */
static const struct sc_rule t_rules[] = {
	SC_ALLOW(exit_group),
	SC_ALLOW(exit),
	SC_ALLOW(getppid),
	SC_ALLOW_ARG(prctl, 0, PR_GET_NO_NEW_PRIVS),
	SC_ALLOW_ARG(fcntl, 1, F_GETFD), /* argument-equality rule (fcntl: not in sanitizer builds' extras) */
	SC_ALLOW_MASKED(eventfd2, 1, EFD_CLOEXEC, EFD_CLOEXEC), /* masked rule: any flags with CLOEXEC */
	SC_ERRNO(uname, ENOSYS),          /* errno rule */
};

/* Fork; the child loads t_rules in mode then runs fn. Returns the wait status. */
static int t_child(enum sc_mode mode, int (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char err[128];

		if (seccomp_load_table(t_rules, ARRAY_SIZE(t_rules), mode, err, sizeof(err)) < 0)
			_exit(10);
		_exit(fn());
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static int t_forbidden(void)
{
	(void)!syscall(SYS_syslog, 10, NULL, 0);
	return 0;
}

static int t_allowed(void)
{
	(void)getppid();
	(void)fcntl(0, F_GETFD);
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 3;
}

static int t_wrong_arg(void)
{
	/* fcntl is allowed only with F_GETFD. */
	(void)fcntl(0, F_GETFL);
	return 0;
}

Test(seccomp, parse_mode)
{
	enum sc_mode m;

	cr_assert_eq(seccomp_parse_mode("true", &m), 0);
	cr_assert_eq(m, SC_MODE_ENFORCE);
	cr_assert_eq(seccomp_parse_mode("false", &m), 0);
	cr_assert_eq(m, SC_MODE_OFF);
	cr_assert_eq(seccomp_parse_mode("log", &m), 0);
	cr_assert_eq(m, SC_MODE_LOG);
	cr_assert_eq(seccomp_parse_mode("yes please", &m), -EINVAL);
	cr_assert_str_eq(seccomp_mode_name(SC_MODE_LOG), "log");
}

Test(seccomp, enforce_kills_the_process_with_sigsys)
{
	int st = t_child(SC_MODE_ENFORCE, t_forbidden);

	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status 0x%x", st);
}

Test(seccomp, enforce_allows_the_table_and_sets_no_new_privs)
{
	int st = t_child(SC_MODE_ENFORCE, t_allowed);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

Test(seccomp, enforce_compares_the_argument)
{
	int st = t_child(SC_MODE_ENFORCE, t_wrong_arg);

	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status 0x%x", st);
}

static int t_masked_ok(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	return fd >= 0 ? 0 : 4;
}

static int t_masked_missing_bit(void)
{
	(void)eventfd(0, EFD_NONBLOCK);
	return 0;
}

static int t_errno(void)
{
	struct utsname u;
	long r = syscall(SYS_uname, &u);

	return r == -1 && errno == ENOSYS ? 0 : 5;
}

Test(seccomp, masked_rule_needs_the_bits)
{
	int st = t_child(SC_MODE_ENFORCE, t_masked_ok);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "with the bit: status 0x%x", st);
	st = t_child(SC_MODE_ENFORCE, t_masked_missing_bit);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "without it: status 0x%x", st);
}

Test(seccomp, errno_rule_fails_the_call_and_lives)
{
	int st = t_child(SC_MODE_ENFORCE, t_errno);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

Test(seccomp, errno_rule_with_an_argument_is_refused)
{
	static const struct sc_rule bad[] = { { "uname", 0, 1, 0, EPERM } };
	char err[128] = "";
	int status = 0;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(seccomp_load_table(bad, 1, SC_MODE_ENFORCE, err, sizeof(err)) == -EINVAL ? 0 : 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(seccomp, log_mode_only_logs)
{
	int st = t_child(SC_MODE_LOG, t_forbidden);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

Test(seccomp, off_loads_nothing)
{
	int st = t_child(SC_MODE_OFF, t_forbidden);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

Test(seccomp, unknown_syscall_name_is_an_error)
{
	static const struct sc_rule bad[] = { SC_ALLOW(no_such_syscall) };
	char err[128] = "";
	int status = 0;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(seccomp_load_table(bad, 1, SC_MODE_ENFORCE, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "no_such_syscall") ? 0 : 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
