/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serial console back-ends, Cloud Hypervisor's --serial modes:
 *   off          no serial device (the VMM skips creating it; output dropped)
 *   null         a serial device whose output is dropped, no input
 *   tty          output to stdout, input from stdin (raw mode when a tty)
 *   file=PATH    output appended to PATH, no input
 *   socket=PATH  a listening unix socket, one client at a time, both ways
 *   pty          a new pseudo-terminal, announced on stderr
 *
 * Threads: console_new/attach/free and the watchers run on the main loop's
 * thread; console_tx runs on vCPU threads (it never touches libev). Stop
 * the vCPUs before console_free().
 */
#ifndef CNH_VMM_CONSOLE_H
#define CNH_VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "common/util.h"

enum console_mode {
	CONSOLE_OFF = 0,
	CONSOLE_NULL,
	CONSOLE_TTY,
	CONSOLE_FILE,
	CONSOLE_SOCKET,
	CONSOLE_PTY,
};

#define CONSOLE_PATH_MAX 4096

struct console_config {
	enum console_mode mode;
	char path[CONSOLE_PATH_MAX]; /* file= and socket= only, else "" */
};

struct console;
struct serial;
struct ev_loop;

/*
 * Parse a --serial value. On error returns -EINVAL and writes a one-line
 * message to err (unknown mode, missing or too long path). Pure.
 */
int console_parse(const char *spec, struct console_config *ret, char *err,
		  size_t errlen) __must_check;
/* "off", "tty", ... */
const char *console_mode_name(enum console_mode mode);

/*
 * Open the back-end: opens the file, binds the socket (replacing a stale
 * socket at PATH, refusing to replace anything else), opens the pty (and
 * prints "cnh: serial console on /dev/pts/N" on stderr) or puts stdin in
 * raw mode. loop is the main loop; watchers start at console_attach().
 */
int console_new(const struct console_config *cfg, struct ev_loop *loop,
		struct console **ret) __must_check;
/* Start feeding input to s (serial_rx). s must outlive the console's use. */
void console_attach(struct console *c, struct serial *s);
/*
 * Serial output callback (serial_new's tx with opaque = the console).
 * Never blocks on socket or pty peers: output is dropped when nobody
 * listens or the peer is slow. tty and file writes are blocking.
 */
void console_tx(void *console, const uint8_t *buf, size_t len);
/* Stop watchers, restore the terminal, close fds, remove the socket. NULL ok. */
void console_free(struct console *c);

/* For tests: the connected socket client's fd, -1 when none. */
int console_client_fd(struct console *c);

#endif
