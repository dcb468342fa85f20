/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/console/console_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int console_io_parse(const char *arg, struct console_io_opts *ret, char *err, size_t err_len)
{
	struct console_io_opts o = { CONSOLE_NULL, NULL };

	if (!strcmp(arg, "null") || !strcmp(arg, "off")) {
		o.mode = CONSOLE_NULL;
	} else if (!strcmp(arg, "tty")) {
		o.mode = CONSOLE_TTY;
	} else if (!strcmp(arg, "pty")) {
		o.mode = CONSOLE_PTY;
	} else if (!strncmp(arg, "file=", 5) && arg[5]) {
		o.mode = CONSOLE_FILE;
		o.path = arg + 5;
	} else if (!strncmp(arg, "socket=", 7) && arg[7]) {
		o.mode = CONSOLE_SOCKET;
		o.path = arg + 7;
		if (strlen(o.path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, err_len, "socket path too long: %s", o.path);
			return -EINVAL;
		}
	} else {
		snprintf(err, err_len, "expected tty, pty, null, file=PATH or socket=PATH, got '%s'", arg);
		return -EINVAL;
	}
	*ret = o;
	return 0;
}

static int console_io_open_pty(struct console_io *io, char *err, size_t err_len)
{
	struct termios t;
	const char *name;

	io->in_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (io->in_fd < 0 || grantpt(io->in_fd) < 0 || unlockpt(io->in_fd) < 0 ||
	    !(name = ptsname(io->in_fd)))
		goto fail;
	snprintf(io->pty_path, sizeof(io->pty_path), "%s", name);
	io->pty_peer = open(io->pty_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (io->pty_peer < 0)
		goto fail;
	/* Raw: the guest's bytes pass through unchanged in both directions. */
	if (tcgetattr(io->pty_peer, &t) == 0) {
		cfmakeraw(&t);
		(void)tcsetattr(io->pty_peer, TCSANOW, &t);
	}
	io->out_fd = io->in_fd;
	return 0;
fail:
	snprintf(err, err_len, "cannot create a pty: %s", strerror(errno));
	return -errno;
}

static int console_io_listen(struct console_io *io, const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	/* A stale socket from an earlier run is replaced; any other file is not. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	io->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (io->listen_fd < 0 || bind(io->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(io->listen_fd, 1) < 0) {
		snprintf(err, err_len, "cannot listen on %s: %s", path, strerror(errno));
		return -errno;
	}
	io->sock_path = path;
	return 0;
}

int console_io_open(struct console_io *io, const struct console_io_opts *o, char *err, size_t err_len)
{
	struct termios t;
	int ret = 0;

	memset(io, 0, sizeof(*io));
	io->out_fd = io->in_fd = io->listen_fd = io->pty_peer = -1;
	io->mode = o->mode;
	switch (o->mode) {
	case CONSOLE_NULL:
		break;
	case CONSOLE_TTY:
		io->out_fd = STDOUT_FILENO;
		io->in_fd = STDIN_FILENO;
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &io->tty_saved) == 0) {
			t = io->tty_saved;
			cfmakeraw(&t);
			t.c_oflag |= OPOST; /* keep \n -> \r\n on the way out */
			if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
				io->tty_raw = true;
		}
		break;
	case CONSOLE_PTY:
		ret = console_io_open_pty(io, err, err_len);
		break;
	case CONSOLE_FILE:
		io->out_fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (io->out_fd < 0) {
			ret = -errno;
			snprintf(err, err_len, "cannot open %s: %s", o->path, strerror(errno));
		}
		break;
	case CONSOLE_SOCKET:
		ret = console_io_listen(io, o->path, err, err_len);
		break;
	}
	if (ret < 0)
		console_io_close(io);
	return ret;
}

void console_io_close(struct console_io *io)
{
	if (io->tty_raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &io->tty_saved);
	io->tty_raw = false;
	if (io->mode != CONSOLE_TTY) {
		if (io->out_fd != io->in_fd)
			closep(&io->out_fd);
		closep(&io->in_fd);
	}
	io->out_fd = io->in_fd = -1;
	closep(&io->listen_fd);
	closep(&io->pty_peer);
	if (io->sock_path)
		unlink(io->sock_path);
	io->sock_path = NULL;
}

void console_io_write(void *opaque, const void *buf, size_t len)
{
	struct console_io *io = opaque;
	const uint8_t *p = buf;

	if (io->out_fd < 0) {
		io->dropped += len;
		return;
	}
	while (len) {
		ssize_t n = io->mode == CONSOLE_SOCKET ? send(io->out_fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT)
						       : write(io->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Would block (nobody reads the pty, a slow client) or gone: drop. */
			io->dropped += len;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

ssize_t console_io_read(struct console_io *io, void *buf, size_t len)
{
	ssize_t n;

	if (io->in_fd < 0)
		return 0;
	do
		n = read(io->in_fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

int console_io_accept(struct console_io *io)
{
	int fd = accept4(io->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (io->in_fd >= 0) {
		static const char busy[] = "cnh-console: another client is connected\r\n";

		(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return -EBUSY;
	}
	io->in_fd = io->out_fd = fd;
	return 0;
}

void console_io_drop_client(struct console_io *io)
{
	if (io->mode != CONSOLE_SOCKET)
		return;
	closep(&io->in_fd);
	io->out_fd = -1;
}

int console_io_winsize(const struct console_io *io, uint16_t *ret_cols, uint16_t *ret_rows)
{
	struct winsize ws;
	int fd;

	if (io->mode == CONSOLE_PTY)
		fd = io->in_fd;
	else if (io->mode == CONSOLE_TTY)
		fd = STDOUT_FILENO;
	else
		return -ENOTTY;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -errno;
	*ret_cols = ws.ws_col;
	*ret_rows = ws.ws_row;
	return 0;
}
