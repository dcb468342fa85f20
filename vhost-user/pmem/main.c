/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-pmem: the vhost-user virtio-pmem daemon (answers the guest's flushes). */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "vhost-user/lib/vu_main.h"
#include "vhost-user/pmem/pmem.h"

static const struct vu_main_opt pmem_main_opts[] = {
	VU_MAIN_OPT_STR("file", "FILE", "backing file the VMM maps (regular, not empty; required)",
			struct pmem_opts, path),
	VU_MAIN_OPT_FLAG("discard-writes", "the VMM maps the file privately: flushes succeed without syncing",
			 struct pmem_opts, discard_writes),
};

static const struct vu_main_info pmem_main_info = {
	.prog = "cnh-pmem",
	.summary = "vhost-user virtio-pmem back-end (flush requests -> fdatasync of the backing file)",
	.type = "pmem",
	.features = pmem_feature_names,
	.opts = pmem_main_opts,
	.nopts = ARRAY_SIZE(pmem_main_opts),
};

/* seccomp: this daemon's additions to the library's base table (vu_seccomp.c). */
static const struct sc_rule pmem_main_seccomp[] = {
	SC_ALLOW(fdatasync),                /* VIRTIO_PMEM_REQ_TYPE_FLUSH */
	SC_ALLOW(fsync),
	SC_ALLOW(msync),
};

int main(int argc, char **argv)
{
	struct pmem_dev p = { .file = { .fd = -1 } };
	struct pmem_opts o = { 0 };
	struct vu_main_args a;
	char err[256] = "";
	int r;

	r = vu_main_parse(&pmem_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	r = pmem_file_open(&p.file, &o, err, sizeof(err));
	if (r < 0) {
		log_error("pmem", "%s", err);
		return 1;
	}
	p.elem = vu_elem_new(PMEM_MAX_QUEUE_SIZE);
	if (!p.elem) {
		log_error("pmem", "out of memory");
		pmem_file_fini(&p.file);
		return 1;
	}
	log_info("pmem", "%s: %llu bytes%s", o.path, (unsigned long long)p.file.size,
		 o.discard_writes ? ", writes discarded" : "");

	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){
		VU_SANDBOX_MNT | VU_SANDBOX_NET | VU_SANDBOX_NPROC0, 128 });
	if (r < 0) {
		vu_elem_free(p.elem);
		pmem_file_fini(&p.file);
		return 1;
	}

	struct vu_main_dev md = {
		.dev = &p.vu,
		.ops = &pmem_ops,
		.num_queues = PMEM_NUM_QUEUES,
		.max_queue_size = PMEM_MAX_QUEUE_SIZE,
		.seccomp_rules = pmem_main_seccomp,
		.seccomp_nrules = ARRAY_SIZE(pmem_main_seccomp),
		.seccomp_role = "pmem-control",
	};
	r = vu_main_run(&a, NULL, &md);
	vu_elem_free(p.elem);
	pmem_file_fini(&p.file);
	return r < 0 ? 1 : 0;
}
