/* SPDX-License-Identifier: Apache-2.0 */
/* The vhost-user library's base seccomp role: what daemons share is allowed, the rest kills. */
#include <criterion/criterion.h>
#include <signal.h>
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
