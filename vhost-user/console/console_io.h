/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-console's host side: where the guest's output goes and where input
 * for the guest comes from.
 *
 *	null         output dropped, no input
 *	tty          stdout / stdin (stdin raw while it is a terminal)
 *	pty          a new pseudo-terminal (raw); its path in io->pty_path
 *	file=PATH    output appended to PATH (truncated at start), no input
 *	socket=PATH  a unix stream socket at PATH; one client at a time gets
 *	             the output and sends input; output is dropped without one
 *
 * Writes never block the loop for pty and socket (the rest of a write that
 * would block is dropped and counted); stdout and files are written fully.
 */
#ifndef CNH_CONSOLE_IO_H
#define CNH_CONSOLE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <termios.h>

#include "common/util.h"

enum console_mode {
	CONSOLE_NULL,
	CONSOLE_TTY,
	CONSOLE_PTY,
	CONSOLE_FILE,
	CONSOLE_SOCKET,
};

struct console_io_opts {
	enum console_mode mode;
	const char *path; /* file= / socket= */
};

struct console_io {
	enum console_mode mode;
	int out_fd;      /* output; -1: dropped (null, socket without a client) */
	int in_fd;       /* input; -1: none */
	int listen_fd;   /* socket mode */
	int pty_peer;    /* pty mode: the slave side, kept open so the master never reads EIO */
	char pty_path[64];
	const char *sock_path;
	bool tty_raw;
	struct termios tty_saved;
	uint64_t dropped; /* output bytes dropped */
};

/* Parse --output. 0 or -EINVAL with a message in err. */
int console_io_parse(const char *arg, struct console_io_opts *ret, char *err, size_t err_len) __must_check;
/* Open the back-end. 0 or -errno with a message in err; io is closed on failure. */
int console_io_open(struct console_io *io, const struct console_io_opts *o, char *err,
		    size_t err_len) __must_check;
/* Close everything, restore the terminal, remove the socket. Accepts a zeroed io. */
void console_io_close(struct console_io *io);

/* Write the guest's output (a console_out_fn; opaque is the struct console_io). */
void console_io_write(void *opaque, const void *buf, size_t len);
/* Read input: bytes, 0 at end of input, -EAGAIN when nothing is there, -errno. */
ssize_t console_io_read(struct console_io *io, void *buf, size_t len);

/* Socket mode: accept a pending client (in_fd/out_fd). -EBUSY (new one closed) when one is connected. */
int console_io_accept(struct console_io *io) __must_check;
/* Socket mode: the client went away: close it. */
void console_io_drop_client(struct console_io *io);

/* Terminal size of the pty / tty: 0, or -ENOTTY when the mode has none. */
int console_io_winsize(const struct console_io *io, uint16_t *ret_cols, uint16_t *ret_rows) __must_check;

#endif
