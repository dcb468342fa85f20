/* SPDX-License-Identifier: Apache-2.0 */
/* Command line and main loop shared by every vhost-user daemon. */
#include "vhost-user/lib/vu_main.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/opts.h"
#include "vhost-user/lib/vu_ev.h"
#include "vhost-user/lib/vu_seccomp.h"

#define VU_MAIN_TAG "main"

enum {
	VU_OPT_SOCKET_PATH = 1000,
	VU_OPT_FD,
	VU_OPT_LISTEN_FD,
	VU_OPT_PRINT_CAPS,
	VU_OPT_LOG_LEVEL,
	VU_OPT_HELP,
	VU_OPT_VERSION,
	VU_OPT_SECCOMP,
	VU_OPT_STATS_FD,
	VU_OPT_SANDBOX,
	VU_OPT_DEVICE = 2000, /* + index in info->opts */
};

static const struct {
	const char *name, *arg, *help;
	int val;
} vu_main_base_opts[] = {
	{ "socket-path", "PATH", "listen on a unix socket at PATH, one front-end at a time", VU_OPT_SOCKET_PATH },
	{ "fd", "N", "serve the already-connected socket N", VU_OPT_FD },
	{ "listen-fd", "N", "accept on the inherited listening socket N (socket activation: LISTEN_FDS)",
	  VU_OPT_LISTEN_FD },
	{ "stats-fd", "N", "answer counter queries on the connected socket N (one JSON line per query)",
	  VU_OPT_STATS_FD },
	{ "print-capabilities", NULL, "print the back-end capabilities as JSON and exit", VU_OPT_PRINT_CAPS },
	{ "log-level", "LEVEL", "error, warn, info (default) or debug", VU_OPT_LOG_LEVEL },
	{ "seccomp", "MODE", "true (default): a forbidden syscall kills the daemon; log; false", VU_OPT_SECCOMP },
	{ "sandbox-level", "LEVEL", "basic (default): this daemon's namespaces, capabilities and rlimits (docs/security.md); none",
	  VU_OPT_SANDBOX },
	{ "help", NULL, "show this help and exit", VU_OPT_HELP },
	{ "version", NULL, "show the version and exit", VU_OPT_VERSION },
};

static void vu_main_usage_line(FILE *f, const char *name, const char *arg, const char *help)
{
	/* "--name ARG" padded to one column whether or not there is an ARG. */
	fprintf(f, "  --%s%s%-*s %s\n", name, arg ? " " : "", (int)(26 - strlen(name) + (arg ? 0 : 1)),
		arg ? arg : "", help ? help : "");
}

static void vu_main_usage(const struct vu_main_info *info, FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS] (--socket-path PATH | --fd N | --listen-fd N)\n", info->prog);
	if (info->summary)
		fprintf(f, "%s\n", info->summary);
	fprintf(f, "\nOptions:\n");
	for (unsigned int i = 0; i < info->nopts; i++)
		vu_main_usage_line(f, info->opts[i].name, info->opts[i].arg, info->opts[i].help);
	for (unsigned int i = 0; i < ARRAY_SIZE(vu_main_base_opts); i++)
		vu_main_usage_line(f, vu_main_base_opts[i].name, vu_main_base_opts[i].arg,
				   vu_main_base_opts[i].help);
}

static void vu_main_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void vu_main_print_caps(const struct vu_main_info *info)
{
	printf("{\n  \"type\": ");
	vu_main_json_string(stdout, info->type ? info->type : "");
	if (info->features) {
		printf(",\n  \"features\": [");
		for (unsigned int i = 0; info->features[i]; i++) {
			printf(i ? ", " : "");
			vu_main_json_string(stdout, info->features[i]);
		}
		printf("]");
	}
	printf("\n}\n");
}

static int vu_main_parse_fd(const struct vu_main_info *info, const char *opt, const char *arg, int *ret_fd)
{
	uint64_t v;

	if (parse_u64(arg, &v) < 0 || v > INT32_MAX) {
		fprintf(stderr, "%s: --%s: not a file descriptor: %s\n", info->prog, opt, arg);
		return -EINVAL;
	}
	*ret_fd = (int)v;
	return 0;
}

int vu_main_parse_uint(const char *arg, unsigned int min, unsigned int max, unsigned int *ret,
		       char *err, size_t err_len)
{
	uint64_t v;

	if (parse_u64(arg, &v) < 0 || v < min || v > max) {
		snprintf(err, err_len, "expected a number in %u..%u, not '%s'", min, max, arg);
		return -EINVAL;
	}
	*ret = (unsigned int)v;
	return 0;
}

/* One daemon option: its parse function, or the library stores it in ctx. */
static int vu_main_opt_apply(const struct vu_main_opt *o, void *ctx, const char *arg, char *err,
			     size_t err_len)
{
	char *field = (char *)ctx + o->off;

	if (o->parse)
		return o->parse(ctx, o->arg ? arg : NULL, err, err_len);
	switch (o->kind) {
	case VU_MAIN_KIND_STR:
		*(const char **)field = arg;
		return 0;
	case VU_MAIN_KIND_FLAG:
		*(bool *)field = true;
		return 0;
	case VU_MAIN_KIND_UINT:
		return vu_main_parse_uint(arg, o->min, o->max, (unsigned int *)field, err, err_len);
	case VU_MAIN_KIND_CALL:
		break;
	}
	return -EINVAL;
}

/*
 * sd_listen_fds(3)'s protocol without libsystemd: true when the service
 * manager passed us at least one socket (from fd 3 on). The variables are
 * removed either way once they name us, so that children do not inherit them.
 */
static bool vu_main_socket_activated(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	uint64_t p, n;

	if (!pid || !fds || parse_u64(pid, &p) < 0 || p != (uint64_t)getpid())
		return false;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return parse_u64(fds, &n) == 0 && n >= 1;
}

int vu_main_parse(const struct vu_main_info *info, void *ctx, int argc, char **argv, struct vu_main_args *ret)
{
	struct option longopts[ARRAY_SIZE(vu_main_base_opts) + VU_MAIN_MAX_OPTS + 1];
	struct vu_main_args a = { .socket_path = NULL, .fd = -1, .listen_fd = -1, .seccomp = SC_MODE_ENFORCE,
				  .stats_fd = -1, .sandbox = VU_SANDBOX_LEVEL_BASIC };
	unsigned int n = 0;
	char err[256];
	int c;

	log_set_ident(info->prog);
	if (info->nopts > VU_MAIN_MAX_OPTS) {
		fprintf(stderr, "%s: too many options\n", info->prog);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(vu_main_base_opts); i++)
		longopts[n++] = (struct option){ vu_main_base_opts[i].name,
						 vu_main_base_opts[i].arg ? required_argument : no_argument, NULL,
						 vu_main_base_opts[i].val };
	for (unsigned int i = 0; i < info->nopts; i++)
		longopts[n++] = (struct option){ info->opts[i].name, info->opts[i].arg ? required_argument : no_argument,
						 NULL, VU_OPT_DEVICE + (int)i };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		enum log_level lvl;

		switch (c) {
		case VU_OPT_SOCKET_PATH:
			a.socket_path = optarg;
			break;
		case VU_OPT_FD:
			if (vu_main_parse_fd(info, "fd", optarg, &a.fd) < 0)
				return -EINVAL;
			break;
		case VU_OPT_LISTEN_FD:
			if (vu_main_parse_fd(info, "listen-fd", optarg, &a.listen_fd) < 0)
				return -EINVAL;
			break;
		case VU_OPT_STATS_FD:
			if (vu_main_parse_fd(info, "stats-fd", optarg, &a.stats_fd) < 0)
				return -EINVAL;
			break;
		case VU_OPT_PRINT_CAPS:
			vu_main_print_caps(info);
			return 1;
		case VU_OPT_LOG_LEVEL:
			if (log_parse_level(optarg, &lvl) < 0) {
				fprintf(stderr, "%s: --log-level: unknown level %s\n", info->prog, optarg);
				return -EINVAL;
			}
			log_set_level(lvl);
			break;
		case VU_OPT_SECCOMP:
			if (seccomp_parse_mode(optarg, &a.seccomp) < 0) {
				fprintf(stderr, "%s: --seccomp: expected true, false or log: %s\n", info->prog, optarg);
				return -EINVAL;
			}
			break;
		case VU_OPT_SANDBOX:
			if (vu_sandbox_parse_level(optarg, &a.sandbox) < 0) {
				fprintf(stderr, "%s: --sandbox-level: expected none or basic: %s\n", info->prog, optarg);
				return -EINVAL;
			}
			break;
		case VU_OPT_HELP:
			vu_main_usage(info, stdout);
			return 1;
		case VU_OPT_VERSION:
			printf("%s %s\n", info->prog, CNH_VERSION);
			return 1;
		default:
			if (c >= VU_OPT_DEVICE && c < VU_OPT_DEVICE + (int)info->nopts) {
				const struct vu_main_opt *o = &info->opts[c - VU_OPT_DEVICE];

				err[0] = '\0';
				if (vu_main_opt_apply(o, ctx, optarg, err, sizeof(err)) < 0) {
					fprintf(stderr, "%s: --%s: %s\n", info->prog, o->name, err[0] ? err : "invalid");
					return -EINVAL;
				}
				break;
			}
			fprintf(stderr, "%s: unknown or incomplete option %s\n", info->prog,
				optind > 0 && optind <= argc ? argv[optind - 1] : "?");
			vu_main_usage(info, stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument %s\n", info->prog, argv[optind]);
		return -EINVAL;
	}
	if (!a.socket_path && a.fd < 0 && a.listen_fd < 0 && vu_main_socket_activated())
		a.listen_fd = VU_MAIN_LISTEN_FDS_START;
	if (!!a.socket_path + (a.fd >= 0) + (a.listen_fd >= 0) != 1) {
		fprintf(stderr, "%s: exactly one of --socket-path, --fd and --listen-fd is required"
			" (or socket activation: LISTEN_FDS)\n", info->prog);
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

struct vu_main_state {
	const struct vu_main_dev *md;
	struct ev_loop *loop;
	int listen_fd;
	bool connected;
	ev_io listen_io;
	int stats_fd;
	ev_io stats_io;
	ev_signal sigterm, sigint;
	struct vu_ev vev;
};

static void vu_main_end(struct vu_main_state *st)
{
	if (!st->connected)
		return;
	if (st->md->disconnected)
		st->md->disconnected(st->md->dev);
	vu_dev_fini(st->md->dev);
	vu_ev_detach(&st->vev);
	st->connected = false;
}

static void vu_main_disconnected(struct vu_ev *ev, int err)
{
	struct vu_main_state *st = container_of(ev, struct vu_main_state, vev);

	if (err == -ECONNRESET)
		log_info(VU_MAIN_TAG, "front-end disconnected");
	else
		log_warn(VU_MAIN_TAG, "dropping the front-end connection: %s", strerror(-err));
	vu_main_end(st);
	if (st->listen_fd < 0)
		ev_break(st->loop, EVBREAK_ALL);
	else
		ev_io_start(st->loop, &st->listen_io);
}

/* Serve the connected socket fd (taken). */
static int vu_main_serve(struct vu_main_state *st, int fd)
{
	const struct vu_main_dev *md = st->md;
	int ret;

	ret = vu_dev_init(md->dev, md->ops, md->num_queues, md->max_queue_size, fd);
	if (ret < 0)
		return ret;
	ret = vu_ev_attach(&st->vev, st->loop, md->dev, vu_main_disconnected);
	if (ret < 0)
		goto fini;
	if (md->connected) {
		ret = md->connected(md->dev);
		if (ret < 0)
			goto detach;
	}
	st->connected = true;
	return 0;
detach:
	vu_ev_detach(&st->vev);
fini:
	vu_dev_fini(md->dev);
	return ret;
}

static void vu_main_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct vu_main_state *st = container_of(io, struct vu_main_state, listen_io);
	int fd = accept4(st->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int ret;

	if (fd < 0)
		return;
	ev_io_stop(loop, io);
	log_info(VU_MAIN_TAG, "front-end connected");
	ret = vu_main_serve(st, fd);
	if (ret < 0) {
		log_warn(VU_MAIN_TAG, "cannot serve the front-end: %s", strerror(-ret));
		ev_io_start(loop, io);
	}
}

static void vu_main_stats_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct vu_main_state *st = container_of(io, struct vu_main_state, stats_io);
	int ret = vu_stats_serve(st->md->stats, st->stats_fd);

	if (ret == 0)
		return;
	if (ret != -EPIPE)
		log_warn(VU_MAIN_TAG, "--stats-fd: %s; no more counter queries", strerror(-ret));
	ev_io_stop(loop, io);
}

static void vu_main_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_info(VU_MAIN_TAG, "signal %d, exiting", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static int vu_main_listen(const char *path, int *ret_fd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat stt;
	int fd, ret;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	/* A stale socket from an earlier run is replaced; any other file is not. */
	if (lstat(path, &stt) == 0 && S_ISSOCK(stt.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 1) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*ret_fd = fd;
	return 0;
}

/* Take the inherited listening socket fd: it must be a listening stream socket. */
static int vu_main_adopt(int fd)
{
	int type = 0, listening = 0, flags;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return -errno;
	if (type != SOCK_STREAM || !listening)
		return -EINVAL;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

int vu_main_sandbox(struct vu_main_args *a, const struct vu_sandbox_policy *policy)
{
	struct vu_sandbox_result res;
	char err[160];
	int ret;

	if (a->sandboxed)
		return 0;
	if (a->socket_path && !a->listening) {
		const char *slash = strrchr(a->socket_path, '/');
		char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

		ret = vu_main_listen(a->socket_path, &a->listen_fd);
		if (ret < 0) {
			log_error(VU_MAIN_TAG, "cannot listen on %s: %s", a->socket_path, strerror(-ret));
			return ret;
		}
		/* vu_main_listen bounded the path by sun_path. */
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - a->socket_path) + 1 : 1,
			 slash ? a->socket_path : ".");
		a->sock_name = slash ? slash + 1 : a->socket_path;
		a->sock_dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (a->sock_dirfd < 0) {
			ret = -errno;
			log_error(VU_MAIN_TAG, "%s: %s", dir, strerror(-ret));
			closep(&a->listen_fd);
			return ret;
		}
		a->listening = true;
	}
	if (a->sandbox == VU_SANDBOX_LEVEL_NONE) {
		log_info(VU_MAIN_TAG, "sandbox: none (--sandbox-level none)");
		a->sandboxed = true;
		return 0;
	}
	ret = vu_sandbox_apply(policy, a->sandbox_binds, &res, err, sizeof(err));
	if (ret < 0) {
		log_error(VU_MAIN_TAG, "%s", err);
		return ret;
	}
	log_info(VU_MAIN_TAG, "sandbox: %s", res.applied);
	for (unsigned int i = 0; i < res.nbound; i++)
		log_info(VU_MAIN_TAG, "sandbox: %s bound into the empty root (read-write, nosuid, nodev, noexec)",
			 a->sandbox_binds[i]);
	if (res.skipped[0])
		log_info(VU_MAIN_TAG, "sandbox: not applied: %s", res.skipped);
	a->sandboxed = true;
	return 0;
}

int vu_main_run(const struct vu_main_args *args, struct ev_loop *loop, const struct vu_main_dev *md)
{
	struct vu_main_state st = { .md = md, .listen_fd = -1, .stats_fd = -1 };
	char err[128];
	int ret = 0;

	st.loop = loop ? loop : ev_default_loop(EVFLAG_AUTO);
	if (!st.loop)
		return -ENOMEM;
	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&st.sigterm, vu_main_signal_cb, SIGTERM);
	ev_signal_init(&st.sigint, vu_main_signal_cb, SIGINT);
	ev_signal_start(st.loop, &st.sigterm);
	ev_signal_start(st.loop, &st.sigint);

	if (args->sandbox != VU_SANDBOX_LEVEL_NONE && !args->sandboxed) {
		log_error(VU_MAIN_TAG, "the daemon did not apply its sandbox (vu_main_sandbox)");
		ret = -EINVAL;
		goto out;
	}
	if (args->socket_path || args->listen_fd >= 0) {
		if (args->listening) {
			st.listen_fd = args->listen_fd; /* bound by vu_main_sandbox: closed at out */
			log_info(VU_MAIN_TAG, "listening on %s", args->socket_path);
		} else if (args->socket_path) {
			ret = vu_main_listen(args->socket_path, &st.listen_fd);
			if (ret < 0) {
				log_error(VU_MAIN_TAG, "cannot listen on %s: %s", args->socket_path,
					  strerror(-ret));
				goto out;
			}
			log_info(VU_MAIN_TAG, "listening on %s", args->socket_path);
		} else {
			st.listen_fd = args->listen_fd; /* ours now: closed at out */
			ret = vu_main_adopt(st.listen_fd);
			if (ret < 0) {
				log_error(VU_MAIN_TAG, "--listen-fd %d: %s", args->listen_fd,
					  ret == -EINVAL ? "not a listening stream socket" : strerror(-ret));
				goto out;
			}
			log_info(VU_MAIN_TAG, "accepting on the inherited socket %d", args->listen_fd);
		}
		ev_io_init(&st.listen_io, vu_main_accept_cb, st.listen_fd, EV_READ);
		ev_io_start(st.loop, &st.listen_io);
	} else {
		if (fcntl(args->fd, F_SETFD, FD_CLOEXEC) < 0) {
			ret = -errno;
			log_error(VU_MAIN_TAG, "--fd %d: %s", args->fd, strerror(-ret));
			goto out;
		}
		ret = vu_main_serve(&st, args->fd);
		if (ret < 0) {
			log_error(VU_MAIN_TAG, "cannot serve --fd %d: %s", args->fd, strerror(-ret));
			goto out;
		}
	}
	if (args->stats_fd >= 0) {
		st.stats_fd = args->stats_fd; /* ours now: closed at out */
		if (fcntl(st.stats_fd, F_SETFD, FD_CLOEXEC) < 0) {
			ret = -errno;
			log_error(VU_MAIN_TAG, "--stats-fd %d: %s", args->stats_fd, strerror(-ret));
			vu_main_end(&st);
			goto out;
		}
		ev_io_init(&st.stats_io, vu_main_stats_cb, st.stats_fd, EV_READ);
		ev_io_start(st.loop, &st.stats_io);
	}
	/* The control thread's filter, just before its loop (workers load their own). */
	ret = vu_seccomp_load(md->seccomp_role ? md->seccomp_role : "control", md->seccomp_rules,
			      md->seccomp_nrules, args->seccomp, err, sizeof(err));
	if (ret < 0) {
		log_error(VU_MAIN_TAG, "%s", err);
		vu_main_end(&st);
		goto out;
	}
	ev_run(st.loop, 0);
	vu_main_end(&st);
out:
	if (st.stats_fd >= 0) {
		ev_io_stop(st.loop, &st.stats_io);
		closep(&st.stats_fd);
	}
	if (st.listen_fd >= 0) {
		ev_io_stop(st.loop, &st.listen_io);
		closep(&st.listen_fd);
		if (args->listening)
			unlinkat(args->sock_dirfd, args->sock_name, 0); /* the path may be outside the sandbox */
		else if (args->socket_path)
			unlink(args->socket_path);
	}
	if (args->listening)
		close(args->sock_dirfd);
	ev_signal_stop(st.loop, &st.sigterm);
	ev_signal_stop(st.loop, &st.sigint);
	return ret;
}
