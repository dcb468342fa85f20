/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-fs: the vhost-user virtio-fs daemon serving a host directory over FUSE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "vhost-user/fs/fs.h"
#include "vhost-user/fs/fs_sandbox.h"
#include "vhost-user/lib/vu_main.h"

struct fs_main_opts {
	const char *shared_dir;
	const char *tag;
	enum fuse_cache cache;
	enum fs_sandbox sandbox;
	bool sandbox_set;
	unsigned int num_request_queues;
};

static int fs_opt_tag(void *ctx, const char *arg, char *err, size_t err_len)
{
	if (arg[0] == '\0' || strlen(arg) > FS_TAG_MAX) {
		snprintf(err, err_len, "--tag must be 1..%u bytes", FS_TAG_MAX);
		return -EINVAL;
	}
	((struct fs_main_opts *)ctx)->tag = arg;
	return 0;
}

static int fs_opt_cache(void *ctx, const char *arg, char *err, size_t err_len)
{
	struct fs_main_opts *o = ctx;

	if (strcmp(arg, "none") == 0)
		o->cache = FUSE_CACHE_NONE;
	else if (strcmp(arg, "auto") == 0)
		o->cache = FUSE_CACHE_AUTO;
	else if (strcmp(arg, "always") == 0)
		o->cache = FUSE_CACHE_ALWAYS;
	else {
		snprintf(err, err_len, "--cache must be none, auto or always");
		return -EINVAL;
	}
	return 0;
}

static int fs_opt_sandbox(void *ctx, const char *arg, char *err, size_t err_len)
{
	struct fs_main_opts *o = ctx;

	if (fs_sandbox_parse(arg, &o->sandbox) < 0) {
		snprintf(err, err_len, "--sandbox must be chroot, namespace or none");
		return -EINVAL;
	}
	o->sandbox_set = true;
	return 0;
}

static int fs_opt_queues(void *ctx, const char *arg, char *err, size_t err_len)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*arg == '\0' || *end || v < 1 || v > FS_MAX_REQUEST_QUEUES) {
		snprintf(err, err_len, "--num-request-queues must be 1..%u", FS_MAX_REQUEST_QUEUES);
		return -EINVAL;
	}
	((struct fs_main_opts *)ctx)->num_request_queues = (unsigned int)v;
	return 0;
}

static const struct vu_main_opt fs_main_opts[] = {
	VU_MAIN_OPT_STR("shared-dir", "DIR", "directory to share with the guest (required)",
			struct fs_main_opts, shared_dir),
	VU_MAIN_OPT_CALL("tag", "TAG", "mount tag the guest sees, at most 36 bytes (required)", fs_opt_tag),
	VU_MAIN_OPT_CALL("cache", "MODE", "none (default, direct I/O), auto (1 s) or always (keep caches)",
			 fs_opt_cache),
	VU_MAIN_OPT_CALL("sandbox", "MODE", "namespace (default as root), chroot or none (default otherwise)",
			 fs_opt_sandbox),
	VU_MAIN_OPT_CALL("num-request-queues", "N", "request queues, 1..8 (default 1)", fs_opt_queues),
};

static const char *const fs_feature_names[] = { "tag", "cache", "sandbox", NULL };

static const struct vu_main_info fs_main_info = {
	.prog = "cnh-fs",
	.summary = "vhost-user virtio-fs back-end (a host directory over FUSE)",
	.type = "fs",
	.features = fs_feature_names,
	.opts = fs_main_opts,
	.nopts = ARRAY_SIZE(fs_main_opts),
};

/* A new front-end starts a new FUSE session. */
static void fs_main_disconnected(struct vu_dev *dev)
{
	struct fs_dev *f = container_of(dev, struct fs_dev, vu);

	fs_handles_fini(&f->fuse.handles);
	fs_inodes_reset(&f->fuse.inodes);
	f->fuse.initialized = false;
}

/* seccomp: this daemon's additions to the library's base table (vu_seccomp.c). */
static const struct sc_rule fs_main_seccomp[] = {
	SC_ALLOW(openat),                   /* FUSE OPEN/CREATE/LOOKUP below the shared root */
	SC_ALLOW(openat2),
	SC_ALLOW(newfstatat),               /* GETATTR, LOOKUP */
	SC_ALLOW(statx),
	SC_ALLOW(statfs),                   /* STATFS */
	SC_ALLOW(fstatfs),
	SC_ALLOW(getdents64),               /* READDIR */
	SC_ALLOW(pread64),                  /* READ / WRITE */
	SC_ALLOW(pwrite64),
	SC_ALLOW(preadv),
	SC_ALLOW(pwritev),
	SC_ALLOW(mkdirat),                  /* MKDIR, MKNOD, SYMLINK, LINK, UNLINK, RMDIR, RENAME */
	SC_ALLOW(mknodat),
	SC_ALLOW(symlinkat),
	SC_ALLOW(linkat),
	SC_ALLOW(unlinkat),
	SC_ALLOW(renameat),
	SC_ALLOW(renameat2),
	SC_ALLOW(readlinkat),               /* READLINK, /proc/self/fd paths */
	SC_ALLOW(fchmod),                   /* SETATTR */
	SC_ALLOW(fchmodat),
	SC_ALLOW(fchown),
	SC_ALLOW(fchownat),
	SC_ALLOW(ftruncate),
	SC_ALLOW(utimensat),
	SC_ALLOW(fallocate),                /* FALLOCATE */
	SC_ALLOW(fsync),                    /* FSYNC, FSYNCDIR, FLUSH */
	SC_ALLOW(fdatasync),
	SC_ALLOW(flock),                    /* FLOCK */
	SC_ALLOW(fgetxattr),                /* xattr requests */
	SC_ALLOW(fsetxattr),
	SC_ALLOW(flistxattr),
	SC_ALLOW(fremovexattr),
	SC_ALLOW(getxattr),
	SC_ALLOW(setxattr),
	SC_ALLOW(listxattr),
	SC_ALLOW(removexattr),
	SC_ALLOW(lseek),                    /* LSEEK, READDIR offsets */
	SC_ALLOW(copy_file_range),
	SC_ALLOW(name_to_handle_at),
	SC_ALLOW(fchdir),
	SC_ALLOW(setresuid),                /* credentials of the requesting guest user */
	SC_ALLOW(setfsuid),                 /* per-request fs credentials (CREATE, MKDIR...) */
	SC_ALLOW(setfsgid),
	SC_ALLOW(setresgid),
	SC_ALLOW(setgroups),
	SC_ALLOW(getuid),
	SC_ALLOW(getgid),
	SC_ALLOW(geteuid),
	SC_ALLOW(getegid),
	SC_ALLOW(capget),
	SC_ALLOW(capset),
	SC_ALLOW(umask),
	SC_ALLOW(faccessat),                /* ACCESS (through /proc/self/fd) */
	SC_ALLOW(faccessat2),
	SC_ALLOW_ARG(fcntl, 1, F_GETLK),    /* GETLK / SETLK */
	SC_ALLOW_ARG(fcntl, 1, F_SETLK),
	SC_ALLOW_ARG(fcntl, 1, F_SETLKW),
	SC_ALLOW_ARG(fcntl, 1, F_OFD_GETLK),
	SC_ALLOW_ARG(fcntl, 1, F_OFD_SETLK),
	SC_ALLOW_ARG(fcntl, 1, F_OFD_SETLKW),
};

int main(int argc, char **argv)
{
	static struct fs_dev fs; /* zeroed */
	struct fs_main_opts o = { .cache = FUSE_CACHE_NONE, .num_request_queues = 1 };
	struct fuse_session_opts so;
	struct vu_main_args a;
	char err[256] = "";
	int root = -1, proc = -1, r;

	r = vu_main_parse(&fs_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	if (!o.shared_dir || !o.tag) {
		fprintf(stderr, "cnh-fs: --shared-dir and --tag are required\n");
		return 1;
	}
	if (!o.sandbox_set)
		o.sandbox = geteuid() == 0 ? FS_SANDBOX_NAMESPACE : FS_SANDBOX_NONE;
	umask(0); /* the guest kernel applied its umask already */
	/* Every inode the guest holds is an O_PATH fd: allow as many as we may. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("fs", "cannot raise the open file limit: %s", strerror(errno));
	}
	if (a.socket_path && o.sandbox != FS_SANDBOX_NONE) {
		/* The socket lives outside the sandbox: take the front-end first. */
		r = fs_sandbox_accept_one(a.socket_path, err, sizeof(err));
		if (r < 0) {
			log_error("fs", "%s", err);
			return 1;
		}
		a.socket_path = NULL;
		a.fd = r;
	}
	/*
	 * The generic part before fs_sandbox_enter (which needs CAP_SYS_ADMIN
	 * and drops capabilities itself): a network namespace, RLIMIT_CORE,
	 * no_new_privs. RLIMIT_NOFILE stays: every inode the guest looks up
	 * holds an fd.
	 */
	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){ VU_SANDBOX_NET | VU_SANDBOX_KEEP_CAPS, 0 });
	if (r < 0)
		return 1;
	r = fs_sandbox_enter(o.shared_dir, o.sandbox, &root, &proc, err, sizeof(err));
	if (r < 0) {
		log_error("fs", "%s", err);
		return 1;
	}
	so = (struct fuse_session_opts){ .cache = o.cache, .set_fsids = geteuid() == 0 };
	r = fuse_session_init(&fs.fuse, root, proc, &so);
	if (r < 0) {
		log_error("fs", "cannot set up the FUSE session: %s", strerror(-r));
		return 1;
	}
	snprintf(fs.tag, sizeof(fs.tag), "%s", o.tag);
	fs.num_request_queues = o.num_request_queues;
	r = fs_dev_init(&fs);
	if (r < 0) {
		log_error("fs", "out of memory");
		fuse_session_fini(&fs.fuse);
		return 1;
	}
	log_info("fs", "%s as tag '%s', cache %s, sandbox %s, %u request queue(s)", o.shared_dir,
		 o.tag, o.cache == FUSE_CACHE_NONE ? "none" : o.cache == FUSE_CACHE_AUTO ? "auto" : "always",
		 fs_sandbox_name(o.sandbox), o.num_request_queues);

	struct vu_main_dev md = {
		.dev = &fs.vu,
		.ops = &fs_ops,
		.num_queues = 1 + o.num_request_queues,
		.max_queue_size = FS_QUEUE_SIZE,
		.disconnected = fs_main_disconnected,
		.seccomp_rules = fs_main_seccomp,
		.seccomp_nrules = ARRAY_SIZE(fs_main_seccomp),
		.seccomp_role = "fs-control",
	};
	r = vu_main_run(&a, NULL, &md);
	fs_dev_fini(&fs);
	fuse_session_fini(&fs.fuse);
	return r < 0 ? 1 : 0;
}
