/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-blk: the vhost-user block device daemon. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "vhost-user/blk/blk.h"
#include "vhost-user/lib/vu_main.h"

static int blk_opt_serial(void *ctx, const char *arg, char *err, size_t err_len)
{
	if (strlen(arg) > BLK_ID_BYTES) {
		snprintf(err, err_len, "--serial is at most %u bytes", BLK_ID_BYTES);
		return -EINVAL;
	}
	((struct blk_disk_opts *)ctx)->serial = arg;
	return 0;
}

static const struct vu_main_opt blk_main_opts[] = {
	VU_MAIN_OPT_STR("path", "FILE", "disk image: a raw file or a block device", struct blk_disk_opts,
			path),
	VU_MAIN_OPT_STR("blk-file", "FILE", "same as --path (vhost-user.rst convention)",
			struct blk_disk_opts, path),
	VU_MAIN_OPT_FLAG("readonly", "serve the disk read-only (VIRTIO_BLK_F_RO)", struct blk_disk_opts,
			 readonly),
	VU_MAIN_OPT_FLAG("read-only", "same as --readonly", struct blk_disk_opts, readonly),
	VU_MAIN_OPT_FLAG("direct", "open with O_DIRECT (bypass the host page cache)", struct blk_disk_opts,
			 direct),
	VU_MAIN_OPT_UINT("num-queues", "N", "request queues, 1..16 (default 1)", struct blk_disk_opts,
			 num_queues, 1, BLK_MAX_QUEUES),
	VU_MAIN_OPT_UINT("queue-size", "N", "largest queue size, power of two 2..1024 (default 128)",
			 struct blk_disk_opts, queue_size, 2, BLK_MAX_QUEUE_SIZE),
	VU_MAIN_OPT_CALL("serial", "ID",
			 "GET_ID string, at most 20 bytes (default: from the file's identity)",
			 blk_opt_serial),
};

/* The control thread: base table plus the I/O it may do outside a worker. */
static const struct sc_rule blk_main_seccomp[] = {
	SC_ALLOW(pread64),   /* GET_ID / config reads */
	SC_ALLOW(fsync),     /* at exit */
	SC_ALLOW(fdatasync),
};

static const struct vu_main_info blk_main_info = {
	.prog = "cnh-blk",
	.summary = "vhost-user virtio-blk back-end (raw file or block device, io_uring)",
	.type = "block",
	.features = blk_disk_feature_names,
	.opts = blk_main_opts,
	.nopts = ARRAY_SIZE(blk_main_opts),
};

int main(int argc, char **argv)
{
	static struct blk_dev blk; /* large; zeroed */
	struct blk_disk_opts o = { .num_queues = 1, .queue_size = BLK_DEF_QUEUE_SIZE };
	struct vu_main_args a;
	char err[256] = "";
	int r;

	r = vu_main_parse(&blk_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	blk.seccomp = a.seccomp;
	r = blk_disk_open(&blk.disk, &o, err, sizeof(err));
	if (r < 0) {
		log_error("blk", "%s", err);
		return 1;
	}
	/* Before the workers start: the image is open, nothing else is opened later. */
	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){ VU_SANDBOX_MNT | VU_SANDBOX_NET, 128 });
	if (r < 0) {
		blk_disk_fini(&blk.disk);
		return 1;
	}
	r = blk_dev_start(&blk);
	if (r < 0) {
		log_error("blk", "cannot start the I/O workers: %s", strerror(-r));
		blk_disk_fini(&blk.disk);
		return 1;
	}
	log_info("blk", "%s: %llu sectors, blk_size %u, %u queue(s) of %u on %u worker(s)%s%s",
		 o.path, (unsigned long long)blk.disk.capacity, blk.disk.blk_size, o.num_queues,
		 o.queue_size, blk.nworkers, o.readonly ? ", read-only" : "",
		 o.direct ? ", O_DIRECT" : "");

	struct vu_main_dev md = {
		.dev = &blk.vu,
		.ops = &blk_ops,
		.num_queues = o.num_queues,
		.max_queue_size = (uint16_t)o.queue_size,
		.seccomp_rules = blk_main_seccomp,
		.seccomp_nrules = ARRAY_SIZE(blk_main_seccomp),
		.seccomp_role = "blk-control",
		.stats = &blk.stats,
	};
	r = vu_main_run(&a, NULL, &md);
	blk_dev_stop(&blk);
	blk_disk_fini(&blk.disk);
	return r < 0 ? 1 : 0;
}
