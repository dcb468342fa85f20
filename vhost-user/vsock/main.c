/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-vsock: the vhost-user virtio-vsock daemon (hybrid unix-socket scheme). */
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

#include "common/log.h"
#include "common/opts.h"
#include "vhost-user/lib/vu_main.h"
#include "vhost-user/vsock/vsock.h"

struct vsock_opts {
	uint64_t cid;
	const char *uds_path;
	unsigned int max_conns;
};

static int vsock_opt_cid(void *ctx, const char *arg, char *err, size_t err_len)
{
	uint64_t v;

	if (parse_u64(arg, &v) < 0 || v < VSOCK_MIN_GUEST_CID || v > VSOCK_MAX_GUEST_CID) {
		snprintf(err, err_len, "the guest CID must be a number in %u..%llu", VSOCK_MIN_GUEST_CID,
			 VSOCK_MAX_GUEST_CID);
		return -EINVAL;
	}
	((struct vsock_opts *)ctx)->cid = v;
	return 0;
}

static int vsock_opt_uds_path(void *ctx, const char *arg, char *err, size_t err_len)
{
	if (!arg[0] || strlen(arg) > 96) {
		snprintf(err, err_len, "the socket path must be 1..96 bytes (room for _<port>)");
		return -EINVAL;
	}
	((struct vsock_opts *)ctx)->uds_path = arg;
	return 0;
}

static int vsock_opt_max_conns(void *ctx, const char *arg, char *err, size_t err_len)
{
	uint64_t v;

	if (parse_u64(arg, &v) < 0 || v < 1 || v > VSOCK_MAX_CONNS_LIMIT) {
		snprintf(err, err_len, "must be a number in 1..%u", VSOCK_MAX_CONNS_LIMIT);
		return -EINVAL;
	}
	((struct vsock_opts *)ctx)->max_conns = (unsigned int)v;
	return 0;
}

static const struct vu_main_opt vsock_main_opts[] = {
	{ "cid", "N", "the guest's context id (3..4294967294), required", vsock_opt_cid },
	{ "guest-cid", "N", "same as --cid", vsock_opt_cid },
	{ "uds-path", "PATH", "host unix socket: CONNECT <port> in, guest connections to <PATH>_<port>, required",
	  vsock_opt_uds_path },
	{ "max-connections", "N", "concurrent streams, 1..65536 (default 1024)", vsock_opt_max_conns },
};

static const struct vu_main_info vsock_main_info = {
	.prog = "cnh-vsock",
	.summary = "vhost-user virtio-vsock back-end (Firecracker/Cloud Hypervisor hybrid unix sockets)",
	.type = "vsock",
	.opts = vsock_main_opts,
	.nopts = ARRAY_SIZE(vsock_main_opts),
};

/* seccomp: this daemon's additions to the library's base table (vu_seccomp.c). */
static const struct sc_rule vsock_main_seccomp[] = {
	SC_ALLOW_ARG(socket, 0, AF_UNIX),   /* host-side streams: connect to PATH_<port> */
	SC_ALLOW(connect),
	SC_ALLOW(bind),                     /* listening sockets for host-initiated streams */
	SC_ALLOW(listen),
	SC_ALLOW(setsockopt),
	SC_ALLOW(getsockname),
};

int main(int argc, char **argv)
{
	static struct vsock_dev v;
	struct vsock_opts o = { .max_conns = VSOCK_DEF_MAX_CONNS };
	struct ev_loop *loop;
	struct vu_main_args a;
	int r;

	r = vu_main_parse(&vsock_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	if (!o.cid || !o.uds_path) {
		fprintf(stderr, "cnh-vsock: --cid and --uds-path are required\n");
		return 1;
	}
	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop) {
		log_error("vsock", "cannot create the event loop");
		return 1;
	}
	r = vsock_mux_init(&v.mux, loop, o.cid, o.uds_path, o.max_conns, VSOCK_QUEUE_SIZE);
	if (r < 0) {
		log_error("vsock", "cannot listen on %s: %s", o.uds_path, strerror(-r));
		return 1;
	}
	log_info("vsock", "guest cid %llu, host socket %s, at most %u streams", (unsigned long long)o.cid,
		 o.uds_path, o.max_conns);

	/*
	 * No mount namespace: guest-initiated streams connect to
	 * <uds-path>_<port> at run time. A network namespace does not matter
	 * to AF_UNIX path sockets. Headroom: one fd per stream.
	 */
	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){ VU_SANDBOX_NET | VU_SANDBOX_NPROC0,
							    128 + o.max_conns });
	if (r < 0) {
		vsock_mux_fini(&v.mux);
		return 1;
	}

	struct vu_main_dev md = {
		.dev = &v.vu,
		.ops = &vsock_ops,
		.num_queues = VSOCK_NUM_QUEUES,
		.max_queue_size = VSOCK_QUEUE_SIZE,
		.connected = vsock_dev_connected,
		.disconnected = vsock_dev_disconnected,
		.seccomp_rules = vsock_main_seccomp,
		.seccomp_nrules = ARRAY_SIZE(vsock_main_seccomp),
		.seccomp_role = "vsock-control",
	};
	r = vu_main_run(&a, loop, &md);
	vsock_mux_fini(&v.mux);
	return r < 0 ? 1 : 0;
}
