/* SPDX-License-Identifier: Apache-2.0 */
/* Serial console back-ends. See console.h. */
#include "vmm/console.h"

#include <ev.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

#include "devices/serial.h"

#define CONSOLE_IN_BUF 4096
/* Retry period while the guest has not drained the RX FIFO. */
#define CONSOLE_RETRY_S 0.002

struct console {
	struct console_config cfg;
	struct ev_loop *loop;
	struct serial *serial;

	/* Output side, shared with vCPU threads (console_tx). */
	pthread_mutex_t out_lock;
	int out_fd;    /* where output goes; -1 to drop. Owned unless tty. */
	int client_fd; /* socket mode: the connected client, -1 when none */

	int in_fd;     /* tty: stdin (not owned); pty: the master (= out_fd) */
	int listen_fd; /* socket mode */
	int slave_fd;  /* pty mode: held open so the master never sees EIO */
	bool socket_bound;
	bool raw_set;
	struct termios saved_termios;

	ev_io in_io;     /* on in_fd or client_fd */
	ev_io listen_io; /* socket mode, while no client is connected */
	ev_timer retry;  /* feeding pending input while the FIFO is full */
	bool in_open;    /* in_io has a valid fd to watch */

	uint8_t pending[CONSOLE_IN_BUF];
	size_t pend_off, pend_len;
};

/* ---- parser ---- */

static const char *const console_mode_names[] = {
	[CONSOLE_OFF] = "off",   [CONSOLE_NULL] = "null",     [CONSOLE_TTY] = "tty",
	[CONSOLE_FILE] = "file", [CONSOLE_SOCKET] = "socket", [CONSOLE_PTY] = "pty",
};

const char *console_mode_name(enum console_mode mode)
{
	if ((unsigned int)mode >= ARRAY_SIZE(console_mode_names))
		return "?";
	return console_mode_names[mode];
}

static int console_err(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, arg);
	return -EINVAL;
}

int console_parse(const char *spec, struct console_config *ret, char *err, size_t errlen)
{
	static const char expected[] = "off, null, tty, pty, file=PATH or socket=PATH";
	struct console_config cfg;
	const char *eq, *val;
	size_t klen, max;
	unsigned int i;

	if (!spec || !*spec)
		return console_err(err, errlen, "empty serial mode (expected %s)", expected);
	memset(&cfg, 0, sizeof(cfg));
	eq = strchr(spec, '=');
	klen = eq ? (size_t)(eq - spec) : strlen(spec);
	for (i = 0; i < ARRAY_SIZE(console_mode_names); i++) {
		if (strlen(console_mode_names[i]) == klen &&
		    strncmp(spec, console_mode_names[i], klen) == 0)
			break;
	}
	if (i == ARRAY_SIZE(console_mode_names)) {
		if (err && errlen)
			snprintf(err, errlen, "unknown serial mode '%.*s' (expected %s)",
				 (int)MIN(klen, 64), spec, expected);
		return -EINVAL;
	}
	cfg.mode = (enum console_mode)i;
	if (cfg.mode != CONSOLE_FILE && cfg.mode != CONSOLE_SOCKET) {
		if (eq)
			return console_err(err, errlen, "serial mode '%s' takes no value",
					   console_mode_names[i]);
		*ret = cfg;
		return 0;
	}
	val = eq ? eq + 1 : "";
	if (!*val)
		return console_err(err, errlen, "serial mode '%s' needs a path (%s=PATH)",
				   console_mode_names[i]);
	max = cfg.mode == CONSOLE_SOCKET ? sizeof(((struct sockaddr_un *)NULL)->sun_path)
					 : sizeof(cfg.path);
	if (strlen(val) >= max)
		return console_err(err, errlen, "serial %s path is too long",
				   console_mode_names[i]);
	memcpy(cfg.path, val, strlen(val) + 1);
	*ret = cfg;
	return 0;
}

/* ---- output (vCPU threads) ---- */

void console_tx(void *console, const uint8_t *buf, size_t len)
{
	struct console *c = console;
	ssize_t n;
	int r;

	if (!c || !buf || len == 0)
		return;
	pthread_mutex_lock(&c->out_lock);
	switch (c->cfg.mode) {
	case CONSOLE_TTY:
	case CONSOLE_FILE:
		r = write_full(c->out_fd, buf, len);
		(void)r; /* nowhere to report a console write error */
		break;
	case CONSOLE_SOCKET:
	case CONSOLE_PTY: {
		int fd = c->cfg.mode == CONSOLE_SOCKET ? c->client_fd : c->out_fd;

		while (fd >= 0 && len > 0) {
			if (c->cfg.mode == CONSOLE_SOCKET)
				n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			else
				n = write(fd, buf, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* EAGAIN or a dead peer: drop the rest */
			buf += n;
			len -= (size_t)n;
		}
		break;
	}
	default:
		break;
	}
	pthread_mutex_unlock(&c->out_lock);
}

/* ---- input (main loop) ---- */

static void console_resume_input(struct console *c)
{
	if (c->in_open && !ev_is_active(&c->in_io))
		ev_io_start(c->loop, &c->in_io);
}

/* Push pending input into the FIFO; throttle reading while some is left. */
static void console_feed(struct console *c)
{
	while (c->pend_off < c->pend_len) {
		size_t n = serial_rx(c->serial, c->pending + c->pend_off, c->pend_len - c->pend_off);

		if (n == 0)
			break;
		c->pend_off += n;
	}
	if (c->pend_off < c->pend_len) {
		ev_io_stop(c->loop, &c->in_io);
		if (!ev_is_active(&c->retry))
			ev_timer_start(c->loop, &c->retry);
		return;
	}
	c->pend_off = c->pend_len = 0;
	ev_timer_stop(c->loop, &c->retry);
	console_resume_input(c);
}

static void console_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	console_feed(container_of(w, struct console, retry));
}

/* Socket client gone: close it and listen again. */
static void console_drop_client(struct console *c)
{
	ev_io_stop(c->loop, &c->in_io);
	c->in_open = false;
	pthread_mutex_lock(&c->out_lock);
	closep(&c->client_fd);
	pthread_mutex_unlock(&c->out_lock);
	ev_io_start(c->loop, &c->listen_io);
}

static void console_in_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct console *c = container_of(w, struct console, in_io);
	ssize_t n;

	n = read(w->fd, c->pending, sizeof(c->pending));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF or error: this input is finished. */
		if (c->cfg.mode == CONSOLE_SOCKET) {
			console_drop_client(c);
		} else {
			ev_io_stop(loop, w);
			c->in_open = false;
		}
		return;
	}
	c->pend_off = 0;
	c->pend_len = (size_t)n;
	console_feed(c);
}

static void console_listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct console *c = container_of(w, struct console, listen_io);
	int fd;

	fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return; /* EAGAIN, ECONNABORTED, EMFILE...: try again later */
	pthread_mutex_lock(&c->out_lock);
	c->client_fd = fd;
	pthread_mutex_unlock(&c->out_lock);
	/* One client at a time: others wait in the backlog. */
	ev_io_stop(loop, w);
	ev_io_set(&c->in_io, fd, EV_READ);
	c->in_open = true;
	if (c->serial && c->pend_len == 0)
		ev_io_start(loop, &c->in_io);
}

/* ---- setup ---- */

static int console_open_tty(struct console *c)
{
	struct termios t;

	c->out_fd = STDOUT_FILENO;
	c->in_fd = STDIN_FILENO;
	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &c->saved_termios) < 0)
		return -errno;
	t = c->saved_termios;
	cfmakeraw(&t);
	t.c_oflag = c->saved_termios.c_oflag; /* keep output processing (\n -> \r\n) */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return -errno;
	c->raw_set = true;
	return 0;
}

static int console_open_file(struct console *c)
{
	c->out_fd = open(c->cfg.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
	return c->out_fd < 0 ? -errno : 0;
}

/* Remove a socket left at path by a dead VMM; never anything else. */
static int console_unlink_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE; /* somebody is listening there */
	return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int console_open_socket(struct console *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	if (strlen(c->cfg.path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, c->cfg.path, strlen(c->cfg.path) + 1);
	r = console_unlink_stale(&sa);
	if (r < 0)
		return r;
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return -errno;
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	c->socket_bound = true;
	if (listen(c->listen_fd, 1) < 0)
		return -errno;
	return 0;
}

static int console_open_pty(struct console *c)
{
	char name[128];
	struct termios t;
	int fd;

	fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	c->out_fd = fd;
	c->in_fd = fd;
	if (grantpt(fd) < 0 || unlockpt(fd) < 0)
		return -errno;
	if (ptsname_r(fd, name, sizeof(name)) != 0)
		return -errno;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		if (tcsetattr(fd, TCSANOW, &t) < 0)
			return -errno;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return -errno;
	c->slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave_fd < 0)
		return -errno;
	/* The user must learn the name; this is the one line the brief asks for. */
	fprintf(stderr, "cnh: serial console on %s\n", name);
	return 0;
}

int console_new(const struct console_config *cfg, struct ev_loop *loop, struct console **ret)
{
	struct console *c;
	int r = 0;

	if (!cfg || !ret || (unsigned int)cfg->mode >= ARRAY_SIZE(console_mode_names))
		return -EINVAL;
	if (!loop && (cfg->mode == CONSOLE_TTY || cfg->mode == CONSOLE_SOCKET ||
		      cfg->mode == CONSOLE_PTY))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->cfg.path[sizeof(c->cfg.path) - 1] = '\0';
	c->loop = loop;
	pthread_mutex_init(&c->out_lock, NULL);
	c->out_fd = c->client_fd = c->in_fd = c->listen_fd = c->slave_fd = -1;
	ev_io_init(&c->in_io, console_in_cb, -1, EV_READ);
	ev_io_init(&c->listen_io, console_listen_cb, -1, EV_READ);
	ev_timer_init(&c->retry, console_retry_cb, CONSOLE_RETRY_S, CONSOLE_RETRY_S);

	switch (cfg->mode) {
	case CONSOLE_TTY:
		r = console_open_tty(c);
		break;
	case CONSOLE_FILE:
		r = console_open_file(c);
		break;
	case CONSOLE_SOCKET:
		r = console_open_socket(c);
		break;
	case CONSOLE_PTY:
		r = console_open_pty(c);
		break;
	default:
		break;
	}
	if (r < 0)
		goto fail;
	if (c->in_fd >= 0) {
		ev_io_set(&c->in_io, c->in_fd, EV_READ);
		c->in_open = true;
	}
	if (c->listen_fd >= 0)
		ev_io_set(&c->listen_io, c->listen_fd, EV_READ);
	*ret = c;
	return 0;
fail:
	console_free(c);
	return r;
}

void console_attach(struct console *c, struct serial *s)
{
	if (!c || !s || c->serial)
		return;
	c->serial = s;
	if (c->listen_fd >= 0)
		ev_io_start(c->loop, &c->listen_io);
	console_resume_input(c);
}

int console_client_fd(struct console *c)
{
	int fd;

	if (!c)
		return -1;
	pthread_mutex_lock(&c->out_lock);
	fd = c->client_fd;
	pthread_mutex_unlock(&c->out_lock);
	return fd;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (c->loop) {
		ev_io_stop(c->loop, &c->in_io);
		ev_io_stop(c->loop, &c->listen_io);
		ev_timer_stop(c->loop, &c->retry);
	}
	if (c->raw_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved_termios);
	if (c->cfg.mode != CONSOLE_TTY)
		closep(&c->out_fd); /* file or pty master; stdout is not ours */
	closep(&c->client_fd);
	closep(&c->slave_fd);
	closep(&c->listen_fd);
	if (c->socket_bound)
		unlink(c->cfg.path);
	pthread_mutex_destroy(&c->out_lock);
	free(c);
}
