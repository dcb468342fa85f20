/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhost-user/fs/fs_sandbox.h"

int fs_sandbox_parse(const char *s, enum fs_sandbox *ret)
{
	if (strcmp(s, "none") == 0)
		*ret = FS_SANDBOX_NONE;
	else if (strcmp(s, "chroot") == 0)
		*ret = FS_SANDBOX_CHROOT;
	else if (strcmp(s, "namespace") == 0)
		*ret = FS_SANDBOX_NAMESPACE;
	else
		return -EINVAL;
	return 0;
}

const char *fs_sandbox_name(enum fs_sandbox m)
{
	static const char *const names[] = { "none", "chroot", "namespace" };

	return (unsigned int)m < ARRAY_SIZE(names) ? names[m] : "?";
}

static int fs_sandbox_chroot(int root, char *err, size_t err_len)
{
	if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		int e = -errno;

		snprintf(err, err_len, "chroot into the shared directory: %s", strerror(-e));
		return e;
	}
	return 0;
}

static int fs_sandbox_namespace(const char *dir, char *err, size_t err_len)
{
	const char *step;

	step = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail;
	step = "making mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	step = "bind-mounting the shared directory";
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		goto fail;
	step = "chdir";
	if (chdir(dir) < 0)
		goto fail;
	step = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		goto fail;
	step = "detaching the old root";
	if (umount2(".", MNT_DETACH) < 0)
		goto fail;
	step = "chdir /";
	if (chdir("/") < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, err_len, "namespace sandbox: %s: %s", step, strerror(errno));
	return -errno;
}

/*
 * Capabilities a root cnh-fs keeps: what serving files as their owners needs
 * (chown, permission overrides, setfsuid/setfsgid, whiteouts, file caps in
 * xattrs). Everything else leaves the effective, permitted, inheritable and
 * bounding sets. The kernel clears the file-system ones from the effective
 * set while fsuid is not 0 and restores them when it is 0 again.
 */
static const int fs_sandbox_keep_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID,
	CAP_SETGID, CAP_SETUID, CAP_MKNOD, CAP_SETFCAP,
};

static int fs_sandbox_drop_caps(char *err, size_t err_len)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	uint64_t keep = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fs_sandbox_keep_caps); i++)
		keep |= 1ull << fs_sandbox_keep_caps[i];
	for (int c = 0; c <= 63; c++) {
		if (keep & (1ull << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
			snprintf(err, err_len, "dropping capability %d from the bounding set: %s", c, strerror(errno));
			return -errno;
		}
	}
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		snprintf(err, err_len, "capset: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int fs_sandbox_enter(const char *dir, enum fs_sandbox mode, int *ret_root, int *ret_proc,
		     char *err, size_t err_len)
{
	int root = -1, proc = -1, r;

	root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		r = -errno;
		snprintf(err, err_len, "shared directory %s: %s", dir, strerror(-r));
		goto fail;
	}
	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0) {
		r = -errno;
		snprintf(err, err_len, "/proc/self/fd: %s (is /proc mounted?)", strerror(-r));
		goto fail;
	}
	if (mode != FS_SANDBOX_NONE && geteuid() != 0) {
		r = -EPERM;
		snprintf(err, err_len, "--sandbox %s needs root (use --sandbox none)", fs_sandbox_name(mode));
		goto fail;
	}
	if (mode == FS_SANDBOX_CHROOT) {
		r = fs_sandbox_chroot(root, err, err_len);
		if (r < 0)
			goto fail;
	} else if (mode == FS_SANDBOX_NAMESPACE) {
		r = fs_sandbox_namespace(dir, err, err_len);
		if (r < 0)
			goto fail;
		/* The new root is the bind mount: serve that one. */
		close(root);
		root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0) {
			r = -errno;
			snprintf(err, err_len, "reopening / in the sandbox: %s", strerror(-r));
			goto fail;
		}
	}
	if (geteuid() == 0) {
		r = fs_sandbox_drop_caps(err, err_len);
		if (r < 0)
			goto fail;
	}
	/* Nothing we exec (nothing) may gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		snprintf(err, err_len, "PR_SET_NO_NEW_PRIVS: %s", strerror(-r));
		goto fail;
	}
	*ret_root = root;
	*ret_proc = proc;
	return 0;
fail:
	closep(&root);
	closep(&proc);
	return r;
}

int fs_sandbox_accept_one(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, fd, r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, err_len, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		goto fail_errno;
	unlink(path);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(lfd, 1) < 0)
		goto fail_errno;
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		goto fail_errno;
	close(lfd);
	unlink(path);
	return fd;
fail_errno:
	r = -errno;
	snprintf(err, err_len, "socket %s: %s", path, strerror(-r));
	if (lfd >= 0)
		close(lfd);
	return r;
}
