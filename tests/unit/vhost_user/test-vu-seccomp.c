/* SPDX-License-Identifier: Apache-2.0 */
/* The vhost-user library's seccomp roles: what daemons share is allowed, the rest kills. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vhost-user/lib/vu_seccomp.h"

static int t_child(enum sc_mode mode, const char *selftest)
{
	int status = 0;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char err[128];
		uint64_t v = 1;
		int fd;

		if (selftest)
			setenv("CNH_SECCOMP_SELFTEST", selftest, 1);
		if (vu_seccomp_load_base(mode, err, sizeof(err)) < 0)
			_exit(10);
		/* A kick/call round trip and a memory-table style mapping. */
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0 || write(fd, &v, sizeof(v)) != sizeof(v) || read(fd, &v, sizeof(v)) != sizeof(v))
			_exit(11);
		close(fd);
		free(malloc(1 << 20));
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

Test(vu_seccomp, base_allows_the_library_paths)
{
	int st = t_child(SC_MODE_ENFORCE, NULL);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

Test(vu_seccomp, base_selftest_kills_in_enforce_mode)
{
	int st = t_child(SC_MODE_ENFORCE, "vu-base");

	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status 0x%x", st);
}

Test(vu_seccomp, base_selftest_survives_in_log_mode)
{
	int st = t_child(SC_MODE_LOG, "vu-base");

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

/*
 * The worker role: the every-thread table only. A worker never creates fds
 * (eventfd2 is the control thread's), but its loop's eventfds and malloc work.
 */
static int t_worker_child(bool make_fd)
{
	int status = 0, fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pid_t pid;

	cr_assert_geq(fd, 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char err[128];
		uint64_t v = 1;

		if (vu_seccomp_load_worker("t-worker", NULL, 0, SC_MODE_ENFORCE, err, sizeof(err)) < 0)
			_exit(10);
		if (write(fd, &v, sizeof(v)) != sizeof(v) || read(fd, &v, sizeof(v)) != sizeof(v))
			_exit(11);
		free(malloc(1 << 20));
		if (make_fd)
			(void)!eventfd(0, EFD_CLOEXEC);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	close(fd);
	return status;
}

Test(vu_seccomp, worker_allows_its_loop_and_memory)
{
	int st = t_worker_child(false);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

Test(vu_seccomp, worker_cannot_create_fds)
{
	int st = t_worker_child(true);

	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status 0x%x", st);
}
