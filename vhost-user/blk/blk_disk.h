/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backing store of cnh-blk: a raw file or a block device, its geometry,
 * and the virtio-blk feature bits and config space derived from it.
 */
#ifndef CNH_BLK_DISK_H
#define CNH_BLK_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_blk.h>

#include "common/util.h"
#include "vhost-user/blk/blk_req.h"

#define BLK_MAX_QUEUES 16u
#define BLK_MAX_QUEUE_SIZE 1024u
#define BLK_DEF_QUEUE_SIZE 128u
/* Per-segment limit for DISCARD and WRITE_ZEROES: 2 GiB - 4 KiB (4 KiB aligned). */
#define BLK_MAX_DWZ_SECTORS 0x3ffff8u
/* Requests larger than this cannot be bounced for O_DIRECT (IOERR instead). */
#define BLK_BOUNCE_MAX (4u << 20)

struct blk_disk_opts {
	const char *path;
	const char *serial;   /* NULL: derived from the file's identity */
	bool readonly;
	bool direct;
	unsigned int num_queues;
	unsigned int queue_size;
};

struct blk_disk {
	int fd;
	bool is_bdev;
	bool readonly;
	bool direct;
	uint64_t capacity;     /* 512-byte sectors */
	uint32_t blk_size;     /* logical block size reported to the guest */
	uint32_t phys_size;    /* physical block size (topology) */
	uint32_t mem_align;    /* O_DIRECT buffer alignment */
	unsigned int num_queues;
	unsigned int queue_size;
	char serial[BLK_ID_BYTES];
	struct blk_limits lim;
};

/*
 * Open and size the backing store. Validates num_queues (1..16) and
 * queue_size (power of two, 2..1024). On error a one-line message is left in
 * err. The disk is closed with blk_disk_fini().
 */
int blk_disk_open(struct blk_disk *d, const struct blk_disk_opts *o,
		  char *err, size_t errlen) __must_check;
void blk_disk_fini(struct blk_disk *d);

/* Virtio feature bits offered (including VHOST_USER_F_PROTOCOL_FEATURES). */
uint64_t blk_disk_features(const struct blk_disk *d);
/* The little-endian config space the guest reads. */
void blk_disk_config(const struct blk_disk *d, struct virtio_blk_config *cfg);

/* Feature names, for --print-capabilities; NULL-terminated. */
extern const char *const blk_disk_feature_names[];

#endif
