/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-console's device: virtio-console (device id 3) with
 * VIRTIO_CONSOLE_F_SIZE and EMERG_WRITE, one port, both queues run on the
 * control loop. The host side (console_io.h) is watched on the same loop;
 * a terminal size change (SIGWINCH for tty, a 500 ms poll for a pty)
 * updates cols/rows and sends VHOST_USER_BACKEND_CONFIG_CHANGE_MSG when
 * the front-end gave a backend channel.
 */
#ifndef CNH_CONSOLE_H
#define CNH_CONSOLE_H

#include <ev.h>

#include "vhost-user/console/console_io.h"
#include "vhost-user/console/console_port.h"
#include "vhost-user/lib/vu.h"

#define CONSOLE_WINSZ_POLL_S 0.5

struct console_dev {
	struct vu_dev vu;
	struct ev_loop *loop;
	struct console_port port;
	struct console_io io;
	ev_io in_io;        /* input (pty, tty, socket client) */
	bool in_full;       /* in_io stopped: the pending buffer is full */
	ev_io listen_io;    /* socket mode */
	ev_timer winsz;     /* pty size poll */
	ev_signal winch;    /* tty size changes */
	uint64_t config_changes; /* CONFIG_CHANGE_MSG sent */
};

extern const struct vu_dev_ops console_ops;

/* Open the host side and start watching it. 0 or -errno with a message in err. */
int console_dev_init(struct console_dev *c, struct ev_loop *loop, const struct console_io_opts *o,
		     char *err, size_t err_len) __must_check;
void console_dev_fini(struct console_dev *c);
/* Re-read the terminal size; on a change update the config and notify the front-end. */
void console_dev_check_size(struct console_dev *c);

#endif
