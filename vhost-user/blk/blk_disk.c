/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vhost-user/blk/blk_disk.h"

/* VHOST_USER_F_PROTOCOL_FEATURES, as in ipc/vhost_user.h. */
#define BLK_VHOST_USER_F_PROTOCOL_FEATURES 30

/* vhost-user.json's VHostUserBackendBlockFeature values we support. */
const char *const blk_disk_feature_names[] = { "read-only", "blk-file", NULL };

static int blk_disk_err(char *err, size_t errlen, int r, const char *fmt, const char *arg)
{
	if (err && errlen) {
		int n = snprintf(err, errlen, fmt, arg);
		if (r != 0 && n >= 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, ": %s", strerror(-r));
	}
	return r;
}

/* O_DIRECT on a regular file: find the smallest offset alignment that works. */
static uint32_t blk_disk_probe_direct(int fd, uint64_t bytes)
{
	void *buf;
	uint32_t align = BLK_SECTOR_SIZE;

	if (bytes < 4096)
		return align;
	if (posix_memalign(&buf, 4096, 4096) != 0)
		return 4096;
	if (pread(fd, buf, BLK_SECTOR_SIZE, 0) < 0 && errno == EINVAL)
		align = 4096;
	free(buf);
	return align;
}

static void blk_disk_default_serial(struct blk_disk *d, const struct stat *st)
{
	char tmp[64];
	unsigned long long dev = d->is_bdev ? st->st_rdev : st->st_dev;

	/* Stable for the same file across restarts, distinct between files. */
	snprintf(tmp, sizeof(tmp), "%llx-%llx", dev, (unsigned long long)st->st_ino);
	memset(d->serial, 0, sizeof(d->serial));
	memcpy(d->serial, tmp, MIN(strlen(tmp), sizeof(d->serial)));
}

int blk_disk_open(struct blk_disk *d, const struct blk_disk_opts *o, char *err, size_t errlen)
{
	struct stat st;
	int r;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (o->num_queues < 1 || o->num_queues > BLK_MAX_QUEUES)
		return blk_disk_err(err, errlen, -EINVAL, "--num-queues must be 1..16%s", "");
	if (o->queue_size < 2 || o->queue_size > BLK_MAX_QUEUE_SIZE ||
	    (o->queue_size & (o->queue_size - 1)))
		return blk_disk_err(err, errlen, -EINVAL,
				    "--queue-size must be a power of two in 2..1024%s", "");
	if (o->serial && strlen(o->serial) > BLK_ID_BYTES)
		return blk_disk_err(err, errlen, -EINVAL, "--serial is longer than 20 bytes%s", "");
	if (!o->path)
		return blk_disk_err(err, errlen, -EINVAL, "--path is required%s", "");

	d->readonly = o->readonly;
	d->direct = o->direct;
	d->num_queues = o->num_queues;
	d->queue_size = o->queue_size;
	d->fd = open(o->path, (o->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC |
			      (o->direct ? O_DIRECT : 0));
	if (d->fd < 0)
		return blk_disk_err(err, errlen, -errno, "cannot open %s", o->path);
	if (fstat(d->fd, &st) < 0) {
		r = blk_disk_err(err, errlen, -errno, "cannot stat %s", o->path);
		goto fail;
	}
	d->blk_size = BLK_SECTOR_SIZE;
	d->mem_align = BLK_SECTOR_SIZE;
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes;
		int lbs = 0;
		unsigned int pbs = 0;

		d->is_bdev = true;
		if (ioctl(d->fd, BLKGETSIZE64, &bytes) < 0) {
			r = blk_disk_err(err, errlen, -errno, "BLKGETSIZE64 on %s", o->path);
			goto fail;
		}
		d->capacity = bytes >> BLK_SECTOR_SHIFT;
		if (ioctl(d->fd, BLKSSZGET, &lbs) == 0 && lbs >= 512 && lbs <= 65536)
			d->blk_size = (uint32_t)lbs;
		if (ioctl(d->fd, BLKPBSZGET, &pbs) == 0 && pbs >= d->blk_size && pbs <= 65536)
			d->phys_size = pbs;
		d->mem_align = d->blk_size;
	} else if (S_ISREG(st.st_mode)) {
		d->capacity = (uint64_t)st.st_size >> BLK_SECTOR_SHIFT;
		if (o->direct)
			d->blk_size = blk_disk_probe_direct(d->fd, (uint64_t)st.st_size);
	} else {
		r = blk_disk_err(err, errlen, -EINVAL, "%s is neither a file nor a block device",
				 o->path);
		goto fail;
	}
	if (!d->phys_size)
		d->phys_size = d->blk_size;
	if (o->serial) {
		memset(d->serial, 0, sizeof(d->serial));
		memcpy(d->serial, o->serial, strlen(o->serial));
	} else {
		blk_disk_default_serial(d, &st);
	}

	d->lim = (struct blk_limits){
		.capacity = d->capacity,
		.align = o->direct ? d->blk_size : BLK_SECTOR_SIZE,
		.max_discard_sectors = BLK_MAX_DWZ_SECTORS,
		.max_discard_seg = BLK_MAX_SEG,
		.max_wz_sectors = BLK_MAX_DWZ_SECTORS,
		.max_wz_seg = BLK_MAX_SEG,
		.readonly = o->readonly,
		.wz_may_unmap = true,
	};
	return 0;
fail:
	closep(&d->fd);
	return r;
}

void blk_disk_fini(struct blk_disk *d)
{
	if (d)
		closep(&d->fd);
}

uint64_t blk_disk_features(const struct blk_disk *d)
{
	uint64_t f = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_EVENT_IDX) |
		     (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
		     (1ull << BLK_VHOST_USER_F_PROTOCOL_FEATURES) |
		     (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
		     (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_TOPOLOGY);

	if (d->num_queues > 1)
		f |= 1ull << VIRTIO_BLK_F_MQ;
	if (d->readonly)
		f |= 1ull << VIRTIO_BLK_F_RO;
	else
		f |= (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES);
	return f;
}

void blk_disk_config(const struct blk_disk *d, struct virtio_blk_config *cfg)
{
	uint8_t exp = 0;

	while (exp < 15 && (d->blk_size << (exp + 1)) <= d->phys_size)
		exp++;
	memset(cfg, 0, sizeof(*cfg));
	cfg->capacity = htole64(d->capacity);
	cfg->seg_max = htole32(d->queue_size - 2);
	cfg->blk_size = htole32(d->blk_size);
	cfg->physical_block_exp = exp;
	cfg->min_io_size = htole16(1);
	cfg->num_queues = htole16((uint16_t)d->num_queues);
	cfg->max_discard_sectors = htole32(d->lim.max_discard_sectors);
	cfg->max_discard_seg = htole32(d->lim.max_discard_seg);
	cfg->discard_sector_alignment = htole32(d->blk_size >> BLK_SECTOR_SHIFT);
	cfg->max_write_zeroes_sectors = htole32(d->lim.max_wz_sectors);
	cfg->max_write_zeroes_seg = htole32(d->lim.max_wz_seg);
	cfg->write_zeroes_may_unmap = d->lim.wz_may_unmap;
}
