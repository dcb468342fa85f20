/* SPDX-License-Identifier: Apache-2.0 */
/* Namespaces, capabilities, rlimits and no_new_privs for the daemons (vu_sandbox.h). */
#include "vhost-user/lib/vu_sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

/* The directory the empty root is mounted on before pivot_root (private to our namespace). */
#define VU_SANDBOX_MNT_POINT "/tmp"

int vu_sandbox_parse_level(const char *s, enum vu_sandbox_level *ret)
{
	if (strcmp(s, "none") == 0)
		*ret = VU_SANDBOX_LEVEL_NONE;
	else if (strcmp(s, "basic") == 0)
		*ret = VU_SANDBOX_LEVEL_BASIC;
	else
		return -EINVAL;
	return 0;
}

static void vu_sandbox_note(char *buf, size_t len, const char *what)
{
	size_t n = strlen(buf);

	if (n < len)
		snprintf(buf + n, len - n, "%s%s", n ? ", " : "", what);
}

static int vu_sandbox_fail(char *err, size_t err_len, int e, const char *step)
{
	snprintf(err, err_len, "sandbox: %s: %s", step, strerror(-e));
	return e;
}

/* Threads in this process from /proc/self/status, or 0 when unknown. */
static unsigned int vu_sandbox_threads(void)
{
	char line[128];
	unsigned int n = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %u", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* The highest open fd, or -errno. */
static int vu_sandbox_max_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int max = -1;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (*end == '\0' && end != e->d_name && v > max && v <= INT32_MAX)
			max = (int)v;
	}
	closedir(d);
	return max;
}

static int vu_sandbox_setrlimit(int res, rlim_t v)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return -errno;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
		v = rl.rlim_max; /* only ever lowered */
	rl.rlim_cur = rl.rlim_max = v;
	return setrlimit(res, &rl) < 0 ? -errno : 0;
}

static int vu_sandbox_rlimits(const struct vu_sandbox_policy *p, struct vu_sandbox_result *res, char *err,
			      size_t err_len)
{
	int r = vu_sandbox_setrlimit(RLIMIT_CORE, 0);

	if (r < 0)
		return vu_sandbox_fail(err, err_len, r, "RLIMIT_CORE");
	vu_sandbox_note(res->applied, sizeof(res->applied), "RLIMIT_CORE 0");
	if (p->flags & VU_SANDBOX_NPROC0) {
		r = vu_sandbox_setrlimit(RLIMIT_NPROC, 0);
		if (r < 0)
			return vu_sandbox_fail(err, err_len, r, "RLIMIT_NPROC");
		vu_sandbox_note(res->applied, sizeof(res->applied), "RLIMIT_NPROC 0");
	}
	if (p->nofile_headroom) {
		char buf[48];
		int max = vu_sandbox_max_fd();

		if (max < 0)
			return vu_sandbox_fail(err, err_len, max, "listing /proc/self/fd");
		res->nofile = (unsigned long)max + 1 + p->nofile_headroom;
		r = vu_sandbox_setrlimit(RLIMIT_NOFILE, res->nofile);
		if (r < 0)
			return vu_sandbox_fail(err, err_len, r, "RLIMIT_NOFILE");
		snprintf(buf, sizeof(buf), "RLIMIT_NOFILE %lu", res->nofile);
		vu_sandbox_note(res->applied, sizeof(res->applied), buf);
	}
	return 0;
}

/*
 * The binds, checked before anything changes: each canonical (so that the
 * mount point inside is the directory the caller names), not "/" (that
 * would be the host tree again), a directory, and none inside another
 * (creating the inner mount point would write into the outer bound host
 * directory). Returns how many, or -errno with err set.
 */
static int vu_sandbox_check_binds(const struct vu_sandbox_policy *p, const char *const *binds, char *err,
				  size_t err_len)
{
	unsigned int n;

	if (!binds)
		return 0;
	if (!(p->flags & VU_SANDBOX_MNT)) {
		snprintf(err, err_len, "sandbox: directories to bind need a mount namespace");
		return -EINVAL;
	}
	for (n = 0; binds[n]; n++) {
		const char *b = binds[n];
		char *real;
		struct stat st;
		bool same;

		if (n == VU_SANDBOX_MAX_BINDS) {
			snprintf(err, err_len, "sandbox: more than %u directories to bind", VU_SANDBOX_MAX_BINDS);
			return -E2BIG;
		}
		if (strcmp(b, "/") == 0) {
			snprintf(err, err_len, "sandbox: cannot bind / into the empty root (use a directory of its own,"
				 " or --sandbox-level none)");
			return -EINVAL;
		}
		real = realpath(b, NULL);
		if (!real)
			return vu_sandbox_fail(err, err_len, -errno, b);
		same = strcmp(real, b) == 0;
		free(real);
		if (!same) {
			snprintf(err, err_len, "sandbox: bind %s: not a canonical path (relative, or a symlink, . or .. in it)",
				 b);
			return -EINVAL;
		}
		if (stat(b, &st) < 0)
			return vu_sandbox_fail(err, err_len, -errno, b);
		if (!S_ISDIR(st.st_mode))
			return vu_sandbox_fail(err, err_len, -ENOTDIR, b);
		for (unsigned int i = 0; i < n; i++) {
			const char *a = binds[i];
			size_t la = strlen(a), lb = strlen(b), l = MIN(la, lb);

			if (strncmp(a, b, l) == 0 && (la == lb || (la < lb ? b : a)[l] == '/')) {
				snprintf(err, err_len, "sandbox: binds %s and %s overlap", a, b);
				return -EINVAL;
			}
		}
	}
	return (int)n;
}

/* mkdir -p of the canonical absolute path, relative to the current directory (the new root). */
static int vu_sandbox_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path + 1);
	for (char *c = buf;; c++) {
		char saved = *c;

		if (saved != '/' && saved != '\0')
			continue;
		*c = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (!saved)
			return 0;
		*c = saved;
	}
}

/*
 * Bind the directory open as fd (taken from the pre-pivot tree) at path in
 * the new root, the current directory: its mount point and every parent
 * are created now, while the root is still writable.
 */
static int vu_sandbox_bind(int fd, const char *path, char *err, size_t err_len)
{
	char src[32];
	const char *step;
	int r;

	r = vu_sandbox_mkdirs(path);
	if (r < 0) {
		snprintf(err, err_len, "sandbox: creating the mount point %s: %s", path, strerror(-r));
		return r;
	}
	/* Through the fd: the empty root's tmpfs may hide the path by now. */
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	step = "binding (is /proc mounted?)";
	if (mount(src, path + 1, NULL, MS_BIND, NULL) < 0)
		goto fail;
	step = "making it nosuid, nodev, noexec";
	if (mount(NULL, path + 1, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		goto fail;
	return 0;
fail:
	r = -errno;
	snprintf(err, err_len, "sandbox: %s %s: %s", step, path, strerror(-r));
	return r;
}

/*
 * In a fresh mount namespace: an empty read-only tmpfs becomes /, the host
 * tree is detached; the nbinds binds are the only host directories left,
 * bound at their own paths.
 */
static int vu_sandbox_empty_root(const char *const *binds, unsigned int nbinds, char *err, size_t err_len)
{
	int fds[VU_SANDBOX_MAX_BINDS];
	unsigned int inodes = 16;
	char opts[64];
	const char *step;
	int r = 0;

	for (unsigned int i = 0; i < nbinds; i++)
		fds[i] = -1;
	step = "making mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	/* Opened in this namespace: a bind's source must be one of its mounts. */
	for (unsigned int i = 0; i < nbinds; i++) {
		fds[i] = open(binds[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fds[i] < 0) {
			r = vu_sandbox_fail(err, err_len, -errno, binds[i]);
			goto out;
		}
		for (const char *c = binds[i]; *c; c++)
			inodes += *c == '/'; /* one directory per component */
	}
	step = "mounting the empty root";
	snprintf(opts, sizeof(opts), "size=16k,nr_inodes=%u,mode=0755", inodes);
	if (mount("cnh-sandbox", VU_SANDBOX_MNT_POINT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		goto fail;
	step = "entering the empty root";
	if (chdir(VU_SANDBOX_MNT_POINT) < 0)
		goto fail;
	for (unsigned int i = 0; i < nbinds; i++) {
		r = vu_sandbox_bind(fds[i], binds[i], err, err_len);
		if (r < 0)
			goto out;
	}
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * LeakSanitizer reads /proc/self/maps at exit. The host's proc, bound
	 * with its submounts: a user namespace may not mount a proc of its own
	 * (the pid namespace belongs to the host's), nor bind it without them.
	 */
	step = "binding proc for the sanitizer";
	if (mkdir("proc", 0555) < 0 || mount("/proc", "proc", NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, "proc", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		goto fail;
#endif
	step = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		goto fail;
	step = "detaching the host tree";
	if (umount2(".", MNT_DETACH) < 0)
		goto fail;
	step = "chdir /";
	if (chdir("/") < 0)
		goto fail;
	/* The binds are mounts of their own: they stay writable. */
	step = "remounting the root read-only";
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		goto fail;
	goto out;
fail:
	r = vu_sandbox_fail(err, err_len, -errno, step);
out:
	for (unsigned int i = 0; i < nbinds; i++)
		closep(&fds[i]);
	return r;
}

/* Whether capability cap is in this process's effective set. */
static bool vu_sandbox_has_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

static int vu_sandbox_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

/*
 * Just after unshare(CLONE_NEWUSER): map uid and gid (our effective ids,
 * read before it: unmapped they read as the overflow id) to themselves and
 * nothing else, so that file ownership and access checks stay what they
 * were (the kernel checks the same host ids), and other ids show as the
 * overflow id. setgroups is denied first: the kernel requires it before an
 * unprivileged gid_map (dropping a supplementary group would otherwise
 * escape a permission that denies that group).
 */
static int vu_sandbox_map_ids(uid_t uid, gid_t gid, struct vu_sandbox_result *res, char *err, size_t err_len)
{
	char map[48];
	int r;

	r = vu_sandbox_write_file("/proc/self/setgroups", "deny");
	if (r < 0 && r != -ENOENT) /* ENOENT: before Linux 3.19, nothing to deny */
		return vu_sandbox_fail(err, err_len, r, "denying setgroups in the user namespace");
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned int)gid, (unsigned int)gid);
	r = vu_sandbox_write_file("/proc/self/gid_map", map);
	if (r < 0)
		return vu_sandbox_fail(err, err_len, r, "writing the user namespace's gid_map");
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned int)uid, (unsigned int)uid);
	r = vu_sandbox_write_file("/proc/self/uid_map", map);
	if (r < 0)
		return vu_sandbox_fail(err, err_len, r, "writing the user namespace's uid_map");
	snprintf(map, sizeof(map), "user namespace (uid %u mapped)", (unsigned int)uid);
	vu_sandbox_note(res->applied, sizeof(res->applied), map);
	return 0;
}

/* Errors meaning "the kernel or the policy around us refuses this namespace": skipped, not fatal. */
static bool vu_sandbox_ns_refused(int r)
{
	return r == -EPERM || r == -EACCES || r == -EINVAL || r == -ENOSYS || r == -ENOSPC || r == -EUSERS;
}

/*
 * Whether to create a user namespace first: only without CAP_SYS_ADMIN
 * (an ordinary user; systemd's User=/DynamicUser=), where it is what makes
 * the mount and network namespaces possible at all, and never with
 * VU_SANDBOX_KEEP_CAPS: capabilities held in a new user namespace are
 * worthless on the host, and cnh-fs keeps them to switch credentials.
 *
 * Not with CAP_SYS_ADMIN (root): the identity map could only map uid 0 to
 * itself, so the process keeps the same host ids and, with every capability
 * dropped next, the same (DAC-only) access either way; only the namespace
 * owning the dropped capabilities would change, and those are gone. A map
 * to another host uid would make files owned by arbitrary uids (blk and
 * pmem images, vsock's directory) unreachable for no gain.
 *
 * Two cases where writing the maps would fail once the namespace exists
 * (too late to go back) are not tried; ret_why says which: euid 0 without
 * CAP_SETFCAP (a container without CAP_SYS_ADMIN) may not map uid 0 (Linux
 * 5.12 on), and a process that is not dumpable (it changed its ids without
 * exec, or runs a binary with file capabilities) sees its /proc/self files
 * owned by root.
 */
static bool vu_sandbox_want_userns(const struct vu_sandbox_policy *p, const char **ret_why)
{
	*ret_why = NULL;
	if ((p->flags & VU_SANDBOX_KEEP_CAPS) || vu_sandbox_has_cap(CAP_SYS_ADMIN))
		return false;
	if (geteuid() == 0 && !vu_sandbox_has_cap(CAP_SETFCAP))
		*ret_why = "mapping uid 0 needs CAP_SETFCAP";
	else if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1)
		*ret_why = "the process is not dumpable";
	return !*ret_why;
}

/* binds: nbinds directories checked by vu_sandbox_check_binds. */
static int vu_sandbox_namespaces(const struct vu_sandbox_policy *p, const char *const *binds, int nbinds,
				 struct vu_sandbox_result *res, char *err, size_t err_len)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int flags = 0, r;
	const char *nouserns;
	char why[96];
	bool userns;

	if (p->flags & VU_SANDBOX_MNT)
		flags |= CLONE_NEWNS;
	if (p->flags & VU_SANDBOX_NET)
		flags |= CLONE_NEWNET;
	if (!flags)
		return 0;
	if (access(VU_SANDBOX_MNT_POINT, F_OK) < 0 && (flags & CLONE_NEWNS)) {
		vu_sandbox_note(res->skipped, sizeof(res->skipped), "mount namespace (no " VU_SANDBOX_MNT_POINT ")");
		flags &= ~CLONE_NEWNS;
		if (!flags)
			return 0;
	}
	/*
	 * The user namespace alone first, then the others inside it: a kernel
	 * that lets us create one but not use it (AppArmor's
	 * restrict_unprivileged_userns leaves it without capabilities) refuses
	 * the second unshare, a skip like any other; the identity map and the
	 * capabilities dropped next leave the daemon as it was.
	 */
	userns = vu_sandbox_want_userns(p, &nouserns);
	if (userns && unshare(CLONE_NEWUSER) < 0) {
		r = -errno;
		if (!vu_sandbox_ns_refused(r))
			return vu_sandbox_fail(err, err_len, r, "unshare(CLONE_NEWUSER)");
		nouserns = strerror(-r);
	}
	if (nouserns) {
		snprintf(why, sizeof(why), "namespaces (needs CAP_SYS_ADMIN, or a user namespace: %s)", nouserns);
		vu_sandbox_note(res->skipped, sizeof(res->skipped), why);
		return 0;
	}
	if (userns) {
		r = vu_sandbox_map_ids(uid, gid, res, err, err_len);
		if (r < 0)
			return r;
	}
	if (unshare(flags) < 0) {
		r = -errno;
		if (!vu_sandbox_ns_refused(r))
			return vu_sandbox_fail(err, err_len, r, "unshare");
		vu_sandbox_note(res->skipped, sizeof(res->skipped),
				userns ? "namespaces (refused inside the user namespace)"
				: r == -EPERM ? "namespaces (needs CAP_SYS_ADMIN)" : "namespaces (not supported)");
		return 0;
	}
	if (flags & CLONE_NEWNET)
		vu_sandbox_note(res->applied, sizeof(res->applied), "network namespace");
	if (flags & CLONE_NEWNS) {
		r = vu_sandbox_empty_root(binds, (unsigned int)nbinds, err, err_len);
		if (r < 0)
			return r;
		res->nbound = (unsigned int)nbinds;
		vu_sandbox_note(res->applied, sizeof(res->applied),
				nbinds ? "mount namespace with an empty root and bound directories"
				       : "mount namespace with an empty root");
	}
	return 0;
}

static int vu_sandbox_drop_caps(struct vu_sandbox_result *res, char *err, size_t err_len)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	bool bounding = true;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return vu_sandbox_fail(err, err_len, -errno, "clearing the ambient set");
	for (int c = 0; c <= 63; c++) {
		int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

		if (in < 0)
			break; /* past CAP_LAST_CAP */
		if (!in)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno != EPERM)
				return vu_sandbox_fail(err, err_len, -errno, "dropping the bounding set");
			bounding = false; /* no CAP_SETPCAP: the bounding set stays (no_new_privs covers exec) */
			break;
		}
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return vu_sandbox_fail(err, err_len, -errno, "capset");
	vu_sandbox_note(res->applied, sizeof(res->applied), "capabilities dropped");
	if (!bounding)
		vu_sandbox_note(res->skipped, sizeof(res->skipped), "bounding set (needs CAP_SETPCAP)");
	return 0;
}

int vu_sandbox_apply(const struct vu_sandbox_policy *p, const char *const *binds, struct vu_sandbox_result *res,
		     char *err, size_t err_len)
{
	unsigned int threads = vu_sandbox_threads();
	int nbinds, r;

	memset(res, 0, sizeof(*res));
	if (threads > 1) {
		snprintf(err, err_len, "sandbox: %u threads are running (apply it before any thread starts)",
			 threads);
		return -EBUSY;
	}
	nbinds = vu_sandbox_check_binds(p, binds, err, err_len);
	if (nbinds < 0)
		return nbinds;
	r = vu_sandbox_rlimits(p, res, err, err_len);
	if (r < 0)
		return r;
	r = vu_sandbox_namespaces(p, binds, nbinds, res, err, err_len);
	if (r < 0)
		return r;
	if (!(p->flags & VU_SANDBOX_KEEP_CAPS)) {
		r = vu_sandbox_drop_caps(res, err, err_len);
		if (r < 0)
			return r;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vu_sandbox_fail(err, err_len, -errno, "PR_SET_NO_NEW_PRIVS");
	vu_sandbox_note(res->applied, sizeof(res->applied), "no_new_privs");
	return 0;
}
