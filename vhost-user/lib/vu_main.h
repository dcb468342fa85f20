/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every cnh vhost-user daemon shares: the back-end program conventions
 * of vhost-user.rst (--socket-path, --fd, --print-capabilities) plus
 * --listen-fd (an inherited listening socket; systemd socket activation
 * through LISTEN_FDS/LISTEN_PID selects it by itself), --stats-fd (the
 * counters side channel, vu_stats.h), --log-level, --help and --version,
 * and a runner serving one front-end at a time on a libev loop until
 * SIGTERM/SIGINT. No daemonizing.
 *
 *	static const struct vu_main_opt blk_opts[] = {
 *		VU_MAIN_OPT_STR("path", "FILE", "disk image", struct blk_opts, path),
 *		VU_MAIN_OPT_FLAG("readonly", "refuse writes", struct blk_opts, readonly),
 *		VU_MAIN_OPT_CALL("serial", "ID", "GET_ID string", blk_opt_serial),
 *	};
 *	static const struct vu_main_info info = { .prog = "cnh-blk", .type = "block",
 *		.summary = "vhost-user block device", .opts = blk_opts,
 *		.nopts = ARRAY_SIZE(blk_opts) };
 *
 *	int main(int argc, char **argv) {
 *		struct vu_main_args a;
 *		int r = vu_main_parse(&info, &blk, argc, argv, &a);
 *		if (r) return r > 0 ? 0 : 1;
 *		... open the image ...
 *		struct vu_main_dev md = { &blk.vu, &blk_ops, 1, 256, NULL, NULL };
 *		return vu_main_run(&a, NULL, &md) ? 1 : 0;
 *	}
 */
#ifndef CNH_VHOST_USER_LIB_VU_MAIN_H
#define CNH_VHOST_USER_LIB_VU_MAIN_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/seccomp.h"
#include "vhost-user/lib/vu.h"
#include "vhost-user/lib/vu_sandbox.h"
#include "vhost-user/lib/vu_stats.h"

#define VU_MAIN_MAX_OPTS 32

/* How the library stores an option that has no parse function. */
enum vu_main_opt_kind {
	VU_MAIN_KIND_CALL,  /* parse() does it */
	VU_MAIN_KIND_STR,   /* const char * at off: the argument itself */
	VU_MAIN_KIND_FLAG,  /* bool at off: true */
	VU_MAIN_KIND_UINT,  /* unsigned int at off: a number in min..max (vu_main_parse_uint) */
};

/* A daemon-specific long option. */
struct vu_main_opt {
	const char *name;  /* without "--" */
	const char *arg;   /* argument name shown by --help ("FILE"); NULL: a flag */
	const char *help;
	/* arg is NULL for flags. 0 or -errno with a one-line message in err. */
	int (*parse)(void *ctx, const char *arg, char *err, size_t err_len);
	/* Without parse: the field of ctx the library writes (VU_MAIN_OPT_STR() and the like). */
	enum vu_main_opt_kind kind;
	size_t off;
	unsigned int min, max;
};

/* offsetof(type, field), refused at compile time unless field is a ftype. */
#define VU_MAIN_FIELD(type, field, ftype)                                                          \
	(offsetof(type, field) +                                                                   \
	 0 * sizeof(struct {                                                                       \
		 _Static_assert(__builtin_types_compatible_p(__typeof__(((type *)0)->field), ftype), \
				#type "." #field " is not a " #ftype);                             \
		 int x;                                                                            \
	 }))

/*
 * The entries of vu_main_info.opts: CALL hands the argument to fn(ctx, ...);
 * the others are stored by the library in a field of ctx, a type.
 */
#define VU_MAIN_OPT_CALL(n, a, h, fn) { .name = n, .arg = a, .help = h, .parse = fn }
#define VU_MAIN_OPT_STR(n, a, h, type, field)                                                       \
	{ .name = n, .arg = a, .help = h, .kind = VU_MAIN_KIND_STR,                                \
	  .off = VU_MAIN_FIELD(type, field, const char *) }
#define VU_MAIN_OPT_FLAG(n, h, type, field)                                                         \
	{ .name = n, .help = h, .kind = VU_MAIN_KIND_FLAG, .off = VU_MAIN_FIELD(type, field, bool) }
#define VU_MAIN_OPT_UINT(n, a, h, type, field, lo, hi)                                              \
	{ .name = n, .arg = a, .help = h, .kind = VU_MAIN_KIND_UINT,                               \
	  .off = VU_MAIN_FIELD(type, field, unsigned int), .min = lo, .max = hi }

/*
 * arg as a decimal number in min..max into *ret: 0, or -EINVAL with
 * "expected a number in min..max, not 'arg'" in err (the caller names the
 * option).
 */
int vu_main_parse_uint(const char *arg, unsigned int min, unsigned int max, unsigned int *ret,
		       char *err, size_t err_len) __must_check;

struct vu_main_info {
	const char *prog;              /* "cnh-blk": log ident, --help, --version */
	const char *summary;           /* one line for --help */
	const char *type;              /* --print-capabilities "type" ("block", "net", "fs", ...) */
	const char *const *features;   /* --print-capabilities "features", NULL-terminated; may be NULL */
	const struct vu_main_opt *opts; /* daemon options, at most VU_MAIN_MAX_OPTS */
	unsigned int nopts;
};

/* The first fd systemd passes (sd_listen_fds(3)'s SD_LISTEN_FDS_START). */
#define VU_MAIN_LISTEN_FDS_START 3

struct vu_main_args {
	const char *socket_path; /* --socket-path PATH, or NULL */
	int fd;                  /* --fd N (a connected socket), or -1 */
	int listen_fd;           /* --listen-fd N (a listening socket), or -1 */
	enum sc_mode seccomp;    /* --seccomp true|false|log (default true) */
	int stats_fd;            /* --stats-fd N (a connected socket, vu_stats.h), or -1 */
	enum vu_sandbox_level sandbox; /* --sandbox-level none|basic (default basic) */
	const char *const *sandbox_binds; /* set by the daemon before vu_main_sandbox: the binds of vu_sandbox_apply */
	/* Set by vu_main_sandbox: */
	bool sandboxed;          /* the policy was applied (vu_main_run refuses to run otherwise) */
	bool listening;          /* --socket-path is already bound: listen_fd is it */
	int sock_dirfd;          /* with listening: O_PATH fd of the socket's directory (unlink at exit) */
	const char *sock_name;   /* with listening: the socket's name in sock_dirfd */
};

/*
 * Parse the command line; daemon options go to their parse(ctx, ...).
 * Exactly one of --socket-path / --fd / --listen-fd is required unless an
 * informational option was given. With none of them, socket activation is
 * used when LISTEN_PID is our pid and LISTEN_FDS >= 1: listen_fd becomes
 * fd 3 (further passed fds are ignored) and LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed from the environment (children must not see
 * them). Returns 0: run; 1: something was printed (help, version,
 * capabilities), exit 0; -EINVAL: a usage error was printed on stderr,
 * exit 1.
 */
int vu_main_parse(const struct vu_main_info *info, void *ctx, int argc, char **argv,
		  struct vu_main_args *ret) __must_check;

/*
 * Least privilege (vu_sandbox.h), once per daemon after it opened its
 * resources and before it starts any thread: with --socket-path the socket
 * is bound first (the sandbox may hide the file system), then policy is
 * applied unless --sandbox-level none, keeping a->sandbox_binds visible.
 * What was applied (and each directory bound) is logged once at info
 * level, what the host did not allow (namespaces without CAP_SYS_ADMIN) as
 * a note. 0 or -errno (logged).
 */
int vu_main_sandbox(struct vu_main_args *a, const struct vu_sandbox_policy *policy) __must_check;

/* The device vu_main_run serves: dev is re-initialized for every connection. */
struct vu_main_dev {
	struct vu_dev *dev;
	const struct vu_dev_ops *ops;
	unsigned int num_queues;
	uint16_t max_queue_size;
	/* Optional, after vu_dev_init / before vu_dev_fini of each connection. */
	int (*connected)(struct vu_dev *dev);
	void (*disconnected)(struct vu_dev *dev);
	/*
	 * The daemon's additions to the library's base seccomp table for the
	 * control thread (vu_seccomp.h; NULL: base only) and the role name the
	 * selftest hook matches (NULL: "control").
	 */
	const struct sc_rule *seccomp_rules;
	size_t seccomp_nrules;
	const char *seccomp_role;
	/* The counters --stats-fd reports (NULL: none, the channel answers {}). */
	const struct vu_stats *stats;
};

/*
 * Serve front-ends on loop (NULL: libev's default loop): with
 * --socket-path listen and accept one at a time, the next after each
 * disconnect; with --listen-fd the same on the inherited listening socket
 * (taken: made close-on-exec and non-blocking, closed on return, its path
 * is left alone); with --fd serve that one connection. Returns 0 on
 * SIGTERM/SIGINT or when the --fd connection ends, -errno (logged) when
 * the socket cannot be set up (-EINVAL: --listen-fd is not a listening
 * stream socket, or --sandbox-level basic and vu_main_sandbox was not called). With --stats-fd the channel is served on loop (taken:
 * made close-on-exec, closed on return; its peer closing it only stops the
 * watcher).
 */
int vu_main_run(const struct vu_main_args *args, struct ev_loop *loop, const struct vu_main_dev *md) __must_check;

#endif
