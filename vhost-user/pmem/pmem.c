/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhost-user/pmem/pmem.h"

/* --print-capabilities "features": none beyond the conventions. */
const char *const pmem_feature_names[] = { NULL };

static int pmem_err(char *err, size_t err_len, int r, const char *fmt, const char *path)
{
	if (err && err_len) {
		int n = snprintf(err, err_len, fmt, path);

		if (r != -EINVAL && n >= 0 && (size_t)n < err_len)
			snprintf(err + n, err_len - (size_t)n, ": %s", strerror(-r));
	}
	return r;
}

int pmem_file_open(struct pmem_file *f, const struct pmem_opts *o, char *err, size_t err_len)
{
	struct stat st;
	int fd, r;

	if (!o->path || !o->path[0])
		return pmem_err(err, err_len, -EINVAL, "--file%s is required", "");
	/* O_NONBLOCK: a FIFO must not block the open; it is refused below. */
	fd = open(o->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return pmem_err(err, err_len, -errno, "cannot open %s", o->path);
	if (fstat(fd, &st) < 0) {
		r = pmem_err(err, err_len, -errno, "cannot stat %s", o->path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = pmem_err(err, err_len, -EINVAL, "%s is not a regular file", o->path);
		goto fail;
	}
	if (st.st_size <= 0) {
		r = pmem_err(err, err_len, -EINVAL, "%s is empty", o->path);
		goto fail;
	}
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	f->discard_writes = o->discard_writes;
	return 0;
fail:
	close(fd);
	return r;
}

void pmem_file_fini(struct pmem_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

int pmem_file_flush(const struct pmem_file *f)
{
	if (f->discard_writes)
		return 0; /* the guest's writes never reach the file */
	for (;;) {
		if (fdatasync(f->fd) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Copy up to len bytes from the start of the iovecs; returns the bytes copied. */
static size_t pmem_iov_read(const struct iovec *iov, unsigned int n, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t chunk = MIN(iov[i].iov_len, len - done);

		memcpy((uint8_t *)buf + done, iov[i].iov_base, chunk);
		done += chunk;
	}
	return done;
}

static void pmem_iov_write(const struct iovec *iov, unsigned int n, const void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t chunk = MIN(iov[i].iov_len, len - done);

		memcpy(iov[i].iov_base, (const uint8_t *)buf + done, chunk);
		done += chunk;
	}
}

int pmem_req_handle(const struct pmem_file *f, const struct vu_elem *e, uint32_t *ret_written)
{
	uint32_t type, ret = PMEM_RESP_EIO, le;

	if (e->in_len < PMEM_RESP_BYTES)
		return -EPROTO;
	if (pmem_iov_read(e->out_sg, e->out_num, &type, sizeof(type)) == sizeof(type) &&
	    le32toh(type) == PMEM_REQ_TYPE_FLUSH)
		ret = pmem_file_flush(f) == 0 ? PMEM_RESP_OK : PMEM_RESP_EIO;
	le = htole32(ret);
	pmem_iov_write(e->in_sg, e->in_num, &le, sizeof(le));
	*ret_written = PMEM_RESP_BYTES;
	return 0;
}

unsigned int pmem_queue_process(const struct pmem_file *f, struct vu_virtq *vq, struct vu_elem *elem)
{
	unsigned int n = 0;

	while (vu_virtq_pop(vq, elem) == 0) {
		uint32_t written;

		if (pmem_req_handle(f, elem, &written) < 0) {
			vu_virtq_set_broken(vq, "pmem request without room for the response");
			break;
		}
		vu_virtq_push(vq, elem, written);
		n++;
	}
	vu_virtq_notify(vq);
	return n;
}

static struct pmem_dev *pmem_from_vu(struct vu_dev *dev)
{
	return container_of(dev, struct pmem_dev, vu);
}

static uint64_t pmem_get_features(struct vu_dev *dev)
{
	return 0; /* VIRTIO_PMEM_F_SHMEM_REGION (bit 0) is not offered */
}

static int pmem_queue_start(struct vu_dev *dev, unsigned int qidx)
{
	struct pmem_dev *p = pmem_from_vu(dev);
	struct vu_virtq *vq = vu_dev_queue(dev, qidx);

	if (!vq || qidx >= PMEM_NUM_QUEUES || vu_virtq_size(vq) > PMEM_MAX_QUEUE_SIZE || !p->elem)
		return -EINVAL;
	pmem_queue_process(&p->file, vq, p->elem); /* requests queued before the start */
	return 0;
}

static void pmem_queue_stop(struct vu_dev *dev, unsigned int qidx)
{
	/* Nothing in flight: requests complete inside queue_kick. */
}

static void pmem_queue_kick(struct vu_dev *dev, unsigned int qidx)
{
	struct pmem_dev *p = pmem_from_vu(dev);
	struct vu_virtq *vq = vu_dev_queue(dev, qidx);

	if (vq && qidx < PMEM_NUM_QUEUES && p->elem)
		pmem_queue_process(&p->file, vq, p->elem);
}

const struct vu_dev_ops pmem_ops = {
	.get_features = pmem_get_features,
	.queue_start = pmem_queue_start,
	.queue_stop = pmem_queue_stop,
	.queue_kick = pmem_queue_kick,
};
