/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-pmem: the virtio-pmem device (virtio 1.2, 5.19; device id 27).
 *
 * The VMM maps the backing file into a guest-physical window and fills in
 * the config space {start, size} itself; this daemon only serves the one
 * request queue: each struct virtio_pmem_req {le32 type} is answered with
 * struct virtio_pmem_resp {le32 ret}, 0 when a FLUSH made the file durable
 * (fdatasync on the daemon's own fd), PMEM_RESP_EIO otherwise.
 *
 * The queue runs on the control loop (ops->queue_kick): requests are rare
 * and each is one fdatasync.
 */
#ifndef CNH_PMEM_H
#define CNH_PMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"
#include "vhost-user/lib/vu.h"

#define PMEM_VIRTIO_ID 27
#define PMEM_REQ_TYPE_FLUSH 0u
#define PMEM_RESP_OK 0u
#define PMEM_RESP_EIO 0xffffffffu /* -1 as le32 */
#define PMEM_REQ_BYTES 4u
#define PMEM_RESP_BYTES 4u
#define PMEM_NUM_QUEUES 1u
#define PMEM_MAX_QUEUE_SIZE 256u

struct pmem_opts {
	const char *path;     /* --file */
	bool discard_writes;  /* --discard-writes: the VMM maps the file privately */
};

struct pmem_file {
	int fd;               /* O_RDONLY: fdatasync needs no write access; -1 = none */
	uint64_t size;        /* bytes, > 0 */
	bool discard_writes;  /* flush is a no-op that succeeds */
};

/*
 * Open and check o->path: it must exist, be a regular file and not be empty.
 * 0, or -errno with a one-line message in err.
 */
int pmem_file_open(struct pmem_file *f, const struct pmem_opts *o, char *err, size_t err_len) __must_check;
/* Close the fd. Accepts a zeroed-then-fd=-1 or closed file. */
void pmem_file_fini(struct pmem_file *f);
/* Make the file's data durable. 0 or -errno (EIO, EINVAL for an fd that cannot sync, ...). */
int pmem_file_flush(const struct pmem_file *f) __must_check;

/*
 * Answer one popped chain: the response goes into the first PMEM_RESP_BYTES
 * device-writable bytes; *ret_written is what to push. Short or unknown
 * requests get PMEM_RESP_EIO. -EPROTO when there is no room for the
 * response (nothing written): the driver broke the queue.
 */
int pmem_req_handle(const struct pmem_file *f, const struct vu_elem *e, uint32_t *ret_written) __must_check;

/*
 * Pop, answer and push every available request of vq, then notify. A chain
 * without room for a response marks the queue broken. elem must hold at
 * least vq's size iovecs. Returns the number of requests answered.
 */
unsigned int pmem_queue_process(const struct pmem_file *f, struct vu_virtq *vq, struct vu_elem *elem);

struct pmem_dev {
	struct vu_dev vu;
	struct pmem_file file;
	struct vu_elem *elem; /* PMEM_MAX_QUEUE_SIZE iovecs */
};

extern const struct vu_dev_ops pmem_ops;
extern const char *const pmem_feature_names[];

#endif
