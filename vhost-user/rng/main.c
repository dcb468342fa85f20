/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-rng: the vhost-user virtio-rng daemon. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/opts.h"
#include "vhost-user/lib/vu_main.h"
#include "vhost-user/rng/rng.h"

struct rng_opts {
	uint64_t rate;  /* bytes per second, 0: unlimited */
	uint64_t burst; /* 0: default */
};

static int rng_opt_u64(const char *arg, uint64_t *ret, const char *name, char *err, size_t err_len)
{
	uint64_t v;

	if (parse_u64(arg, &v) < 0 || v > RNG_RATE_MAX) {
		snprintf(err, err_len, "--%s must be a number of bytes up to %llu", name,
			 (unsigned long long)RNG_RATE_MAX);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int rng_opt_rate(void *ctx, const char *arg, char *err, size_t err_len)
{
	return rng_opt_u64(arg, &((struct rng_opts *)ctx)->rate, "rate", err, err_len);
}

static int rng_opt_burst(void *ctx, const char *arg, char *err, size_t err_len)
{
	return rng_opt_u64(arg, &((struct rng_opts *)ctx)->burst, "burst", err, err_len);
}

static const struct vu_main_opt rng_main_opts[] = {
	VU_MAIN_OPT_CALL("rate", "BYTES_PER_SECOND", "limit the entropy handed out (default 0: unlimited)",
			 rng_opt_rate),
	VU_MAIN_OPT_CALL("burst", "BYTES",
			 "bytes that may be taken at once under --rate (default: max(rate, 64 KiB))",
			 rng_opt_burst),
};

static const struct vu_main_info rng_main_info = {
	.prog = "cnh-rng",
	.summary = "vhost-user virtio-rng back-end (getrandom, optional rate limit)",
	.type = "rng",
	.opts = rng_main_opts,
	.nopts = ARRAY_SIZE(rng_main_opts),
};

/* seccomp: this daemon's additions to the library's base table (vu_seccomp.c). */
static const struct sc_rule rng_main_seccomp[] = {
	SC_ALLOW(getrandom),                /* the entropy source */
};

int main(int argc, char **argv)
{
	struct rng_opts o = { 0, 0 };
	struct rng_dev rng = { 0 };
	struct vu_main_args a;
	struct ev_loop *loop;
	int r;

	r = vu_main_parse(&rng_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop) {
		log_error("rng", "cannot create the event loop");
		return 1;
	}
	r = rng_dev_init(&rng, loop, o.rate, o.burst);
	if (r < 0) {
		log_error("rng", "cannot set up the device: %s", strerror(-r));
		return 1;
	}
	if (o.rate)
		log_info("rng", "rate limit %llu bytes/s, burst %llu bytes", (unsigned long long)o.rate,
			 (unsigned long long)rng.q.bucket.burst);

	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){
		VU_SANDBOX_MNT | VU_SANDBOX_NET | VU_SANDBOX_NPROC0, 128 });
	if (r < 0) {
		rng_dev_fini(&rng);
		return 1;
	}

	struct vu_main_dev md = {
		.dev = &rng.vu,
		.ops = &rng_ops,
		.num_queues = 1,
		.max_queue_size = RNG_QUEUE_SIZE,
		.seccomp_rules = rng_main_seccomp,
		.seccomp_nrules = ARRAY_SIZE(rng_main_seccomp),
		.seccomp_role = "rng-control",
	};
	r = vu_main_run(&a, loop, &md);
	log_info("rng", "served %llu requests, %llu bytes", (unsigned long long)rng.q.requests,
		 (unsigned long long)rng.q.bytes);
	rng_dev_fini(&rng);
	return r < 0 ? 1 : 0;
}
