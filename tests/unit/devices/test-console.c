/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <ev.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#include "devices/serial.h"
#include "tests/fakes/fake_dev_ctx.h"
#include "vmm/console.h"

/* ---- parser ---- */

Test(console_parse, simple_modes)
{
	struct console_config cfg;
	char err[256];

	cr_assert_eq(console_parse("tty", &cfg, err, sizeof(err)), 0);
	cr_assert_eq(cfg.mode, CONSOLE_TTY);
	cr_assert_eq(console_parse("off", &cfg, err, sizeof(err)), 0);
	cr_assert_eq(cfg.mode, CONSOLE_OFF);
	cr_assert_eq(console_parse("null", &cfg, err, sizeof(err)), 0);
	cr_assert_eq(cfg.mode, CONSOLE_NULL);
	cr_assert_eq(console_parse("pty", &cfg, err, sizeof(err)), 0);
	cr_assert_eq(cfg.mode, CONSOLE_PTY);
	cr_assert_str_eq(cfg.path, "");
	cr_assert_str_eq(console_mode_name(CONSOLE_SOCKET), "socket");
}

Test(console_parse, paths)
{
	struct console_config cfg;
	char err[256];

	cr_assert_eq(console_parse("file=/tmp/a,b=c", &cfg, err, sizeof(err)), 0);
	cr_assert_eq(cfg.mode, CONSOLE_FILE);
	cr_assert_str_eq(cfg.path, "/tmp/a,b=c", "the path is taken verbatim");
	cr_assert_eq(console_parse("socket=/run/x.sock", &cfg, err, sizeof(err)), 0);
	cr_assert_eq(cfg.mode, CONSOLE_SOCKET);
	cr_assert_str_eq(cfg.path, "/run/x.sock");
}

Test(console_parse, errors)
{
	struct console_config cfg = { .mode = CONSOLE_PTY };
	char err[256];
	char longpath[200];

	cr_assert_eq(console_parse("serial", &cfg, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unknown serial mode 'serial'"), "%s", err);
	cr_assert_eq(cfg.mode, CONSOLE_PTY, "untouched on error");
	cr_assert_eq(console_parse("", &cfg, err, sizeof(err)), -EINVAL);
	cr_assert_eq(console_parse(NULL, &cfg, err, sizeof(err)), -EINVAL);
	cr_assert_eq(console_parse("file", &cfg, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "needs a path"), "%s", err);
	cr_assert_eq(console_parse("file=", &cfg, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "needs a path"), "%s", err);
	cr_assert_eq(console_parse("socket=", &cfg, err, sizeof(err)), -EINVAL);
	cr_assert_eq(console_parse("tty=/dev/tty1", &cfg, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "takes no value"), "%s", err);
	cr_assert_eq(console_parse("ttyx", &cfg, err, sizeof(err)), -EINVAL);
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "socket=/", 8);
	longpath[sizeof(longpath) - 1] = '\0';
	cr_assert_eq(console_parse(longpath, &cfg, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "too long"), "%s", err);
	/* No err buffer is fine too. */
	cr_assert_eq(console_parse("bogus", &cfg, NULL, 0), -EINVAL);
}

/* ---- back-ends ---- */

static char tmpdir[64];

static void tmp_setup(void)
{
	strcpy(tmpdir, "/tmp/cnh-console-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

Test(console, file_mode_appends, .init = tmp_setup, .fini = tmp_teardown)
{
	struct console_config cfg = { .mode = CONSOLE_FILE };
	struct console *c;
	char buf[64];
	int fd;
	ssize_t n;

	tmp_path(cfg.path, sizeof(cfg.path), "out.log");
	cr_assert_eq(console_new(&cfg, NULL, &c), 0);
	console_tx(c, (const uint8_t *)"abc", 3);
	console_tx(c, (const uint8_t *)"def", 3);
	console_free(c);
	cr_assert_eq(console_new(&cfg, NULL, &c), 0);
	console_tx(c, (const uint8_t *)"gh", 2);
	console_free(c);
	fd = open(cfg.path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	cr_assert_eq(n, 8);
	cr_assert_arr_eq(buf, "abcdefgh", 8);
}

Test(console, file_mode_bad_path, .init = tmp_setup, .fini = tmp_teardown)
{
	struct console_config cfg = { .mode = CONSOLE_FILE };
	struct console *c = NULL;

	tmp_path(cfg.path, sizeof(cfg.path), "missing-dir/out.log");
	cr_assert_eq(console_new(&cfg, NULL, &c), -ENOENT);
	cr_assert_null(c);
}

Test(console, null_discards)
{
	struct console_config cfg = { .mode = CONSOLE_NULL };
	struct console *c;

	cr_assert_eq(console_new(&cfg, NULL, &c), 0);
	console_tx(c, (const uint8_t *)"x", 1);
	console_free(c);
	console_free(NULL);
}

/* A guest's view: poll the UART like a driver would. */
struct guest {
	struct fake_dev_ctx f;
	struct serial *s;
	struct device *dev;
	uint8_t got[512];
	size_t n;
};

static uint8_t greg(struct guest *g, uint64_t off)
{
	uint8_t v;

	g->dev->ops->read(g->dev, off, &v, 1);
	return v;
}

static void gwrite(struct guest *g, uint64_t off, uint8_t v)
{
	g->dev->ops->write(g->dev, off, &v, 1);
}

static void guest_drain(struct guest *g)
{
	if (!g)
		return;
	while ((greg(g, SERIAL_LSR) & SERIAL_LSR_DR) && g->n < sizeof(g->got))
		g->got[g->n++] = greg(g, SERIAL_RBR);
}

/* Run the loop (and drain the guest FIFO) until cond holds; false on timeout. */
#define RUN_UNTIL(loop, g, cond)                                  \
	({                                                        \
		bool ok_ = false;                                 \
		for (int i_ = 0; i_ < 3000 && !ok_; i_++) {       \
			ev_run((loop), EVRUN_NOWAIT);             \
			guest_drain(g);                           \
			ok_ = (cond);                             \
			if (!ok_)                                 \
				usleep(1000);                     \
		}                                                 \
		ok_;                                              \
	})

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static bool recv_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

Test(console, socket_round_trip, .init = tmp_setup, .fini = tmp_teardown)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct console_config cfg = { .mode = CONSOLE_SOCKET };
	struct guest g = { .n = 0 };
	struct console *c;
	struct timeval tv = { .tv_sec = 5 };
	uint8_t big[100];
	char buf[16];
	struct stat st;
	int cl;

	fake_dev_ctx_init(&g.f);
	tmp_path(cfg.path, sizeof(cfg.path), "serial.sock");
	cr_assert_eq(console_new(&cfg, loop, &c), 0);
	cr_assert_eq(serial_new(&g.f.ctx, 4, console_tx, c, &g.s), 0);
	g.dev = serial_device(g.s);
	console_attach(c, g.s);
	gwrite(&g, SERIAL_FCR, SERIAL_FCR_ENABLE);

	/* Output with no client is dropped without blocking. */
	gwrite(&g, SERIAL_THR, '!');

	cl = connect_to(cfg.path);
	cr_assert_geq(cl, 0);
	cr_assert_eq(setsockopt(cl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	cr_assert(RUN_UNTIL(loop, NULL, console_client_fd(c) >= 0), "client accepted");

	/* Host -> guest. */
	cr_assert_eq(send(cl, "hello", 5, 0), 5);
	cr_assert(RUN_UNTIL(loop, &g, g.n >= 5));
	cr_assert_arr_eq(g.got, "hello", 5);

	/* Guest -> host. */
	for (const char *p = "world"; *p; p++)
		gwrite(&g, SERIAL_THR, (uint8_t)*p);
	cr_assert(recv_all(cl, buf, 5));
	cr_assert_arr_eq(buf, "world", 5, "the byte sent with no client was dropped");

	/* More than the FIFO holds: throttled, none lost, in order. */
	for (unsigned int i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	g.n = 0;
	cr_assert_eq(send(cl, big, sizeof(big), 0), (ssize_t)sizeof(big));
	cr_assert(RUN_UNTIL(loop, &g, g.n >= sizeof(big)), "got %zu", g.n);
	cr_assert_eq(g.n, sizeof(big));
	cr_assert_arr_eq(g.got, big, sizeof(big));

	/* Client leaves; the next one is served. */
	close(cl);
	cr_assert(RUN_UNTIL(loop, NULL, console_client_fd(c) < 0));
	gwrite(&g, SERIAL_THR, '?'); /* dropped, must not raise SIGPIPE */
	cl = connect_to(cfg.path);
	cr_assert_geq(cl, 0);
	cr_assert_eq(setsockopt(cl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	cr_assert(RUN_UNTIL(loop, NULL, console_client_fd(c) >= 0));
	gwrite(&g, SERIAL_THR, 'k');
	cr_assert(recv_all(cl, buf, 1));
	cr_assert_eq(buf[0], 'k');
	close(cl);

	console_free(c);
	cr_assert_eq(stat(cfg.path, &st), -1, "socket removed at free");
	serial_free(g.s);
	fake_dev_ctx_fini(&g.f);
	ev_loop_destroy(loop);
}

Test(console, socket_stale_and_busy, .init = tmp_setup, .fini = tmp_teardown)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct console_config cfg = { .mode = CONSOLE_SOCKET };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct console *c, *c2;
	int fd;

	tmp_path(cfg.path, sizeof(cfg.path), "s.sock");
	/* A stale socket (bound, nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, cfg.path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	cr_assert_eq(console_new(&cfg, loop, &c), 0);
	/* A live one is not. */
	cr_assert_eq(console_new(&cfg, loop, &c2), -EADDRINUSE);
	console_free(c);
	/* Nor is a regular file. */
	fd = open(cfg.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(console_new(&cfg, loop, &c2), -EEXIST);
	ev_loop_destroy(loop);
}

Test(console, tty_mode_with_pipes)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct console_config cfg = { .mode = CONSOLE_TTY };
	struct guest g = { .n = 0 };
	struct console *c;
	int in[2], out[2], saved_in, saved_out;
	char buf[8];

	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	saved_in = dup(STDIN_FILENO);
	saved_out = dup(STDOUT_FILENO);
	cr_assert_geq(dup2(in[0], STDIN_FILENO), 0);
	cr_assert_geq(dup2(out[1], STDOUT_FILENO), 0);

	fake_dev_ctx_init(&g.f);
	cr_assert_eq(console_new(&cfg, loop, &c), 0);
	cr_assert_eq(serial_new(&g.f.ctx, 4, console_tx, c, &g.s), 0);
	g.dev = serial_device(g.s);
	console_attach(c, g.s);
	cr_assert_eq(write(in[1], "xy", 2), 2);
	cr_assert(RUN_UNTIL(loop, &g, g.n >= 2));
	cr_assert_arr_eq(g.got, "xy", 2);
	gwrite(&g, SERIAL_THR, 'o');
	gwrite(&g, SERIAL_THR, 'k');
	cr_assert_eq(read(out[0], buf, sizeof(buf)), 2);
	cr_assert_arr_eq(buf, "ok", 2);
	/* EOF on stdin stops input without spinning. */
	close(in[1]);
	ev_run(loop, EVRUN_NOWAIT);
	console_free(c);

	dup2(saved_in, STDIN_FILENO);
	dup2(saved_out, STDOUT_FILENO);
	serial_free(g.s);
	fake_dev_ctx_fini(&g.f);
	ev_loop_destroy(loop);
}

Test(console, pty_mode)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct console_config cfg = { .mode = CONSOLE_PTY };
	struct console *c;
	uint8_t junk[4096] = { 0 };

	cr_assert_eq(console_new(&cfg, loop, &c), 0);
	/* Nobody reads the pty: output must be dropped, never block. */
	for (int i = 0; i < 64; i++)
		console_tx(c, junk, sizeof(junk));
	console_free(c);
	ev_loop_destroy(loop);
}

Test(console, tty_raw_mode_restored)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct console_config cfg = { .mode = CONSOLE_TTY };
	struct console *c;
	struct termios t;
	int master, slave, saved_in;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	cr_assert_geq(master, 0);
	cr_assert_eq(grantpt(master), 0);
	cr_assert_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	cr_assert_geq(slave, 0);
	saved_in = dup(STDIN_FILENO);
	cr_assert_geq(dup2(slave, STDIN_FILENO), 0);
	cr_assert_eq(tcgetattr(STDIN_FILENO, &t), 0);
	cr_assert(t.c_lflag & ICANON, "a new pty starts cooked");

	cr_assert_eq(console_new(&cfg, loop, &c), 0);
	cr_assert_eq(tcgetattr(STDIN_FILENO, &t), 0);
	cr_assert_eq(t.c_lflag & (ICANON | ECHO | ISIG), 0, "raw while running");
	cr_assert(t.c_oflag & OPOST, "output processing kept");
	console_free(c);
	cr_assert_eq(tcgetattr(STDIN_FILENO, &t), 0);
	cr_assert(t.c_lflag & ICANON, "restored at free");

	dup2(saved_in, STDIN_FILENO);
	close(slave);
	close(master);
	ev_loop_destroy(loop);
}
