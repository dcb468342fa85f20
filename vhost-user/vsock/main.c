/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-vsock: the vhost-user virtio-vsock daemon (hybrid unix-socket scheme). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

static const struct vu_main_opt vsock_main_opts[] = {
	VU_MAIN_OPT_CALL("cid", "N", "the guest's context id (3..4294967294), required", vsock_opt_cid),
	VU_MAIN_OPT_CALL("guest-cid", "N", "same as --cid", vsock_opt_cid),
	VU_MAIN_OPT_CALL("uds-path", "PATH",
			 "host unix socket: CONNECT <port> in, guest connections to <PATH>_<port>, required",
			 vsock_opt_uds_path),
	VU_MAIN_OPT_UINT("max-connections", "N", "concurrent streams, 1..65536 (default 1024)",
			 struct vsock_opts, max_conns, 1, VSOCK_MAX_CONNS_LIMIT),
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

/*
 * The mount namespace shows only --uds-path's directory, bound at its real
 * path: the sockets are named through that path (relative names and
 * symlinks resolved) so that PATH and PATH_<port> mean the same inside.
 * *ret_dir is malloc'ed.
 */
static int vsock_resolve_uds(const char *path, char *ret_path, size_t len, char **ret_dir)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char dir[PATH_MAX], *real;

	if (!*base)
		return -EISDIR;
	/* "/x" -> "/", "a/b/x" -> "a/b", "x" -> "." (the option bounds path). */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
	real = realpath(dir, NULL);
	if (!real)
		return -errno;
	if ((size_t)snprintf(ret_path, len, "%s/%s", strcmp(real, "/") ? real : "", base) >= len) {
		free(real);
		return -ENAMETOOLONG;
	}
	*ret_dir = real;
	return 0;
}

int main(int argc, char **argv)
{
	static struct vsock_dev v;
	struct vsock_opts o = { .max_conns = VSOCK_DEF_MAX_CONNS };
	struct ev_loop *loop;
	struct vu_main_args a;
	char uds[sizeof(v.mux.uds_path)], *uds_dir = NULL;
	int r;

	r = vu_main_parse(&vsock_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	if (!o.cid || !o.uds_path) {
		fprintf(stderr, "cnh-vsock: --cid and --uds-path are required\n");
		return 1;
	}
	r = vsock_resolve_uds(o.uds_path, uds, sizeof(uds), &uds_dir);
	if (r < 0) {
		log_error("vsock", "--uds-path %s: %s", o.uds_path,
			  r == -ENAMETOOLONG ? "its real path is too long for a unix socket" : strerror(-r));
		return 1;
	}
	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop) {
		log_error("vsock", "cannot create the event loop");
		goto fail_dir;
	}
	r = vsock_mux_init(&v.mux, loop, o.cid, uds, o.max_conns, VSOCK_QUEUE_SIZE);
	if (r < 0) {
		log_error("vsock", "cannot listen on %s: %s", uds, strerror(-r));
		goto fail_dir;
	}
	log_info("vsock", "guest cid %llu, host socket %s, at most %u streams", (unsigned long long)o.cid,
		 uds, o.max_conns);

	/*
	 * Guest-initiated streams connect to <uds-path>_<port> at run time:
	 * that directory alone stays visible in the empty root, read-write so
	 * that the socket is removed at exit. A network namespace does not
	 * matter to AF_UNIX path sockets. Headroom: one fd per stream.
	 */
	a.sandbox_binds = (const char *const[]){ uds_dir, NULL };
	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){ VU_SANDBOX_MNT | VU_SANDBOX_NET | VU_SANDBOX_NPROC0,
							    128 + o.max_conns });
	if (r < 0) {
		vsock_mux_fini(&v.mux);
		goto fail_dir;
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
	free(uds_dir);
	return r < 0 ? 1 : 0;
fail_dir:
	free(uds_dir);
	return 1;
}
