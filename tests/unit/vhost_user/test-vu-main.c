/* SPDX-License-Identifier: Apache-2.0 */
/* Daemon conventions: command line and the per-connection runner. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhost-user/lib/vu_main.h"

struct opt_ctx {
	const char *path;
	bool ro;
	const char *name;      /* the library stores these three */
	bool direct;
	unsigned int queues;
};

static int opt_path(void *ctx, const char *arg, char *err, size_t len)
{
	if (!*arg) {
		snprintf(err, len, "empty path");
		return -EINVAL;
	}
	((struct opt_ctx *)ctx)->path = arg;
	return 0;
}

static int opt_ro(void *ctx, const char *arg, char *err, size_t len)
{
	cr_assert_null(arg);
	((struct opt_ctx *)ctx)->ro = true;
	return 0;
}

static const struct vu_main_opt opts[] = {
	VU_MAIN_OPT_CALL("path", "FILE", "image", opt_path),
	VU_MAIN_OPT_CALL("readonly", NULL, "read-only", opt_ro),
	VU_MAIN_OPT_STR("name", "NAME", "a name", struct opt_ctx, name),
	VU_MAIN_OPT_FLAG("direct", "a flag", struct opt_ctx, direct),
	VU_MAIN_OPT_UINT("queues", "N", "a count", struct opt_ctx, queues, 1, 16),
};

static const char *const features[] = { "read-only", "blk-file", NULL };

static const struct vu_main_info info = {
	.prog = "cnh-test", .summary = "test daemon", .type = "block", .features = features,
	.opts = opts, .nopts = ARRAY_SIZE(opts),
};

static int parse(struct opt_ctx *c, struct vu_main_args *a, int argc, const char **argv)
{
	return vu_main_parse(&info, c, argc, (char **)argv, a);
}

Test(vu_main, socket_path_and_device_options)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--socket-path", "/tmp/x.sock", "--path", "/img", "--readonly" };

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 0);
	cr_assert_str_eq(a.socket_path, "/tmp/x.sock");
	cr_assert_eq(a.fd, -1);
	cr_assert_eq(a.listen_fd, -1);
	cr_assert_str_eq(c.path, "/img");
	cr_assert(c.ro);
}

/* STR, FLAG and UINT options need no parse function: the library writes ctx's field. */
Test(vu_main, library_stored_options)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--fd", "3", "--name", "n0", "--direct", "--queues", "16" };
	const char *lowest[] = { "cnh-test", "--fd", "3", "--queues", "1" };

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 0);
	cr_assert_str_eq(c.name, "n0");
	cr_assert(c.direct);
	cr_assert_eq(c.queues, 16);
	cr_assert_null(c.path);
	cr_assert_not(c.ro);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(lowest), lowest), 0);
	cr_assert_eq(c.queues, 1);
}

Test(vu_main, library_uint_out_of_range, .init = cr_redirect_stderr)
{
	struct opt_ctx c = { .queues = 5 };
	struct vu_main_args a;
	const char *high[] = { "cnh-test", "--fd", "3", "--queues", "17" };
	const char *low[] = { "cnh-test", "--fd", "3", "--queues", "0" };
	const char *word[] = { "cnh-test", "--fd", "3", "--queues", "x" };

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(high), high), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(low), low), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(word), word), -EINVAL);
	cr_assert_eq(c.queues, 5, "written on failure");
	fflush(stderr);
	cr_assert_stderr_eq_str("cnh-test: --queues: expected a number in 1..16, not '17'\n"
				"cnh-test: --queues: expected a number in 1..16, not '0'\n"
				"cnh-test: --queues: expected a number in 1..16, not 'x'\n");
}

Test(vu_main, fd)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--fd", "3" };

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 0);
	cr_assert_null(a.socket_path);
	cr_assert_eq(a.fd, 3);
	cr_assert_eq(a.listen_fd, -1);
}

Test(vu_main, listen_fd)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--listen-fd", "7" };

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 0);
	cr_assert_null(a.socket_path);
	cr_assert_eq(a.fd, -1);
	cr_assert_eq(a.listen_fd, 7);
}

static void set_activation(long pid, const char *fds)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", pid);
	cr_assert_eq(setenv("LISTEN_PID", buf, 1), 0);
	cr_assert_eq(setenv("LISTEN_FDS", fds, 1), 0);
	cr_assert_eq(setenv("LISTEN_FDNAMES", "cnh-test.socket", 1), 0);
}

Test(vu_main, socket_activation_uses_fd_3)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--path", "/img" };

	set_activation(getpid(), "1");
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 0);
	cr_assert_eq(a.listen_fd, 3);
	cr_assert_eq(a.fd, -1);
	cr_assert_null(a.socket_path);
	cr_assert_null(getenv("LISTEN_PID"), "children must not inherit the activation");
	cr_assert_null(getenv("LISTEN_FDS"));
	cr_assert_null(getenv("LISTEN_FDNAMES"));
}

Test(vu_main, socket_activation_not_ours, .init = cr_redirect_stderr)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test" };

	/* Another process's sockets (LISTEN_PID is a different pid). */
	set_activation(getpid() + 1, "1");
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), -EINVAL);
	cr_assert_not_null(getenv("LISTEN_PID"), "not ours: left alone");
	/* Ours, but no socket passed. */
	set_activation(getpid(), "0");
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), -EINVAL);
}

Test(vu_main, explicit_socket_beats_activation)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--socket-path", "/tmp/y.sock" };

	set_activation(getpid(), "1");
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 0);
	cr_assert_str_eq(a.socket_path, "/tmp/y.sock");
	cr_assert_eq(a.listen_fd, -1);
}

Test(vu_main, usage_errors, .init = cr_redirect_stderr)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *none[] = { "cnh-test" };
	const char *both[] = { "cnh-test", "--fd", "3", "--socket-path", "/s" };
	const char *badfd[] = { "cnh-test", "--fd", "x" };
	const char *unknown[] = { "cnh-test", "--fd", "3", "--bogus" };
	const char *baddev[] = { "cnh-test", "--fd", "3", "--path", "" };
	const char *extra[] = { "cnh-test", "--fd", "3", "stray" };
	const char *both_listen[] = { "cnh-test", "--fd", "3", "--listen-fd", "4" };
	const char *listen_path[] = { "cnh-test", "--listen-fd", "4", "--socket-path", "/s" };
	const char *badlisten[] = { "cnh-test", "--listen-fd", "-1" };

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(none), none), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(both), both), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(badfd), badfd), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(unknown), unknown), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(baddev), baddev), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(extra), extra), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(both_listen), both_listen), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(listen_path), listen_path), -EINVAL);
	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(badlisten), badlisten), -EINVAL);
}

Test(vu_main, print_capabilities, .init = cr_redirect_stdout)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--print-capabilities" };

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 1);
	fflush(stdout);
	cr_assert_stdout_eq_str("{\n  \"type\": \"block\",\n  \"features\": [\"read-only\", \"blk-file\"]\n}\n");
}

Test(vu_main, help_lists_device_options, .init = cr_redirect_stdout)
{
	struct opt_ctx c = { 0 };
	struct vu_main_args a;
	const char *argv[] = { "cnh-test", "--help" };
	char buf[4096] = { 0 };
	FILE *f;

	cr_assert_eq(parse(&c, &a, ARRAY_SIZE(argv), argv), 1);
	fflush(stdout);
	f = cr_get_redirected_stdout();
	cr_assert_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
	cr_assert_not_null(strstr(buf, "--path FILE"));
	cr_assert_not_null(strstr(buf, "--readonly"));
	cr_assert_not_null(strstr(buf, "--queues N"));
	cr_assert_not_null(strstr(buf, "--direct "));
	cr_assert_not_null(strstr(buf, "--socket-path PATH"));
	cr_assert_not_null(strstr(buf, "--print-capabilities"));
}

struct run_dev {
	struct vu_dev vu;
	int connects, disconnects;
};

static struct run_dev rd;

static uint64_t r_features(struct vu_dev *d)
{
	return 1ULL << 7;
}

static const struct vu_dev_ops r_ops = { .get_features = r_features };

static int r_connected(struct vu_dev *d)
{
	container_of(d, struct run_dev, vu)->connects++;
	return 0;
}

static void r_disconnected(struct vu_dev *d)
{
	container_of(d, struct run_dev, vu)->disconnects++;
}

Test(vu_main, run_serves_fd_until_hangup)
{
	int sv[2];
	struct vhost_user_msg m, r;
	struct vu_main_args a = { .socket_path = NULL, .fd = -1, .listen_fd = -1 };
	struct vu_main_dev md = { .dev = &rd.vu, .ops = &r_ops, .num_queues = 1, .max_queue_size = 64,
				  .connected = r_connected, .disconnected = r_disconnected };
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	a.fd = sv[1];
	/* The front-end's messages wait in the socket; EOF ends the session. */
	vhost_user_msg_init(&m, VHOST_USER_GET_FEATURES);
	cr_assert_eq(vhost_user_send(sv[0], &m), 0);
	shutdown(sv[0], SHUT_WR);
	cr_assert_eq(vu_main_run(&a, loop, &md), 0);
	cr_assert_eq(vhost_user_recv(sv[0], &r), 0);
	cr_assert(r.payload.u64 & (1ULL << 7));
	cr_assert_eq(rd.connects, 1);
	cr_assert_eq(rd.disconnects, 1);
	cr_assert_eq(rd.vu.sock, -1, "connection closed");
	close(sv[0]);
	ev_loop_destroy(loop);
}

/* After the second front-end leaves, stop like systemd's SIGTERM would. */
static void r_disconnected_stop_after_two(struct vu_dev *d)
{
	if (++container_of(d, struct run_dev, vu)->disconnects == 2)
		raise(SIGTERM);
}

/* A front-end: connects to path, queues GET_FEATURES and its EOF. */
static int frontend_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct vhost_user_msg m;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	vhost_user_msg_init(&m, VHOST_USER_GET_FEATURES);
	cr_assert_eq(vhost_user_send(fd, &m), 0);
	shutdown(fd, SHUT_WR);
	return fd;
}

Test(vu_main, run_accepts_on_inherited_listening_socket)
{
	char dir[] = "/tmp/cnh-vu-main-XXXXXX", path[sizeof(dir) + 16];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct vu_main_args a = { .socket_path = NULL, .fd = -1, .listen_fd = -1 };
	struct vu_main_dev md = { .dev = &rd.vu, .ops = &r_ops, .num_queues = 1, .max_queue_size = 64,
				  .connected = r_connected, .disconnected = r_disconnected_stop_after_two };
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct vhost_user_msg r;
	int lfd, fe[2];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blk.sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	/* What systemd's .socket unit hands over: bound, listening, blocking, no CLOEXEC. */
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	/* Two front-ends wait in the backlog: served one after the other. */
	fe[0] = frontend_connect(path);
	fe[1] = frontend_connect(path);
	a.listen_fd = lfd;
	cr_assert_eq(vu_main_run(&a, loop, &md), 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(vhost_user_recv(fe[i], &r), 0, "front-end %d served", i);
		cr_assert(r.payload.u64 & (1ULL << 7));
		close(fe[i]);
	}
	cr_assert_eq(rd.connects, 2);
	cr_assert_eq(rd.disconnects, 2);
	cr_assert_eq(fcntl(lfd, F_GETFD), -1, "the listening socket was taken and closed");
	cr_assert_eq(access(path, F_OK), 0, "the socket's path belongs to whoever bound it");
	unlink(path);
	rmdir(dir);
	ev_loop_destroy(loop);
}

Test(vu_main, run_refuses_a_connected_socket_as_listen_fd, .init = cr_redirect_stderr)
{
	struct vu_main_args a = { .socket_path = NULL, .fd = -1, .listen_fd = -1 };
	struct vu_main_dev md = { .dev = &rd.vu, .ops = &r_ops, .num_queues = 1, .max_queue_size = 64 };
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	a.listen_fd = sv[1];
	cr_assert_eq(vu_main_run(&a, loop, &md), -EINVAL);
	cr_assert_eq(rd.connects, 0);
	close(sv[0]);
	ev_loop_destroy(loop);
}
