/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-console: the vhost-user virtio-console daemon. */
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <string.h>

#include "common/log.h"
#include "vhost-user/console/console.h"
#include "vhost-user/lib/vu_main.h"

static int console_opt_output(void *ctx, const char *arg, char *err, size_t err_len)
{
	return console_io_parse(arg, ctx, err, err_len);
}

static const struct vu_main_opt console_main_opts[] = {
	VU_MAIN_OPT_CALL("output", "MODE", "tty, pty, null (default), file=PATH or socket=PATH",
			 console_opt_output),
};

static const char *const console_feature_names[] = { "size", "emerg-write", NULL };

static const struct vu_main_info console_main_info = {
	.prog = "cnh-console",
	.summary = "vhost-user virtio-console back-end (tty, pty, file, unix socket)",
	.type = "console",
	.features = console_feature_names,
	.opts = console_main_opts,
	.nopts = ARRAY_SIZE(console_main_opts),
};

/* seccomp: this daemon's additions to the library's base table (vu_seccomp.c). */
static const struct sc_rule console_main_seccomp[] = {
	SC_ALLOW_ARG(ioctl, 1, TCSETS),     /* raw mode on a host tty */
	SC_ALLOW_ARG(ioctl, 1, TCSETSW),
	SC_ALLOW_ARG(ioctl, 1, TIOCGWINSZ), /* console size for the config space */
	SC_ALLOW(readv),
};

int main(int argc, char **argv)
{
	static struct console_dev con; /* zeroed */
	struct console_io_opts o = { CONSOLE_NULL, NULL };
	struct vu_main_args a;
	struct ev_loop *loop;
	char err[256] = "";
	int r;

	r = vu_main_parse(&console_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop) {
		log_error("console", "cannot create the event loop");
		return 1;
	}
	r = console_dev_init(&con, loop, &o, err, sizeof(err));
	if (r < 0) {
		log_error("console", "%s", err);
		return 1;
	}
	if (o.mode == CONSOLE_PTY)
		fprintf(stderr, "cnh-console: console on %s\n", con.io.pty_path);

	/* The output (file, pty, tty, socket) is open: an empty root is enough. */
	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){
		VU_SANDBOX_MNT | VU_SANDBOX_NET | VU_SANDBOX_NPROC0, 128 });
	if (r < 0) {
		console_dev_fini(&con);
		return 1;
	}

	struct vu_main_dev md = {
		.dev = &con.vu,
		.ops = &console_ops,
		.num_queues = CONSOLE_NUM_QUEUES,
		.max_queue_size = CONSOLE_QUEUE_SIZE,
		.seccomp_rules = console_main_seccomp,
		.seccomp_nrules = ARRAY_SIZE(console_main_seccomp),
		.seccomp_role = "console-control",
	};
	r = vu_main_run(&a, loop, &md);
	log_info("console", "guest wrote %llu bytes, read %llu; %llu output and %llu input bytes dropped",
		 (unsigned long long)con.port.tx_bytes, (unsigned long long)con.port.rx_bytes,
		 (unsigned long long)con.io.dropped, (unsigned long long)con.port.dropped);
	console_dev_fini(&con);
	return r < 0 ? 1 : 0;
}
