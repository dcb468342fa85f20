/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-fs: the inode table (FUSE nodeid -> O_PATH fd with a lookup count,
 * indexed by (st_dev, st_ino) so that one host inode keeps one nodeid) and
 * the open-handle table (FUSE fh -> fd or DIR stream).
 *
 * nodeid = slot index + 1 (FUSE_ROOT_ID = 1 is the shared directory,
 * never forgotten); a freed slot is reused with a new generation. Both
 * tables are bounded (FS_MAX_INODES, FS_MAX_HANDLES) and O(1) per request:
 * the (dev, ino) hash grows with the slot array (at most one node per
 * bucket on average), freed inode and handle slots are kept on free lists.
 * Single-threaded.
 */
#ifndef CNH_FS_INODE_H
#define CNH_FS_INODE_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/util.h"

#define FS_MAX_INODES (1u << 20)
#define FS_MAX_HANDLES (1u << 16)

struct fs_inode {
	int fd;            /* O_PATH|O_NOFOLLOW; -1 = free slot */
	dev_t dev;
	ino_t ino;
	mode_t type;       /* S_IFMT bits at lookup */
	uint64_t nlookup;  /* lookups the kernel has not forgotten */
	uint64_t generation;
	uint32_t hnext;    /* hash chain: slot + 1, 0 = end */
	uint32_t fnext;    /* free list: slot + 1, 0 = end */
};

struct fs_inodes {
	struct fs_inode *v;
	uint32_t n;        /* slots in use or freed */
	uint32_t cap;
	uint32_t live;
	uint32_t free;     /* free list head: slot + 1 */
	uint32_t *hash;    /* 1 << hash_bits buckets: slot + 1 */
	unsigned int hash_bits;
	uint64_t next_gen;
};

/* Set up the table with the root (fd taken: an O_PATH fd of the shared dir). 0 or -errno. */
int fs_inodes_init(struct fs_inodes *t, int root_fd) __must_check;
/* Close every fd (root included) and free. Accepts a zeroed table. */
void fs_inodes_fini(struct fs_inodes *t);
/* Forget everything but the root (FUSE_DESTROY). */
void fs_inodes_reset(struct fs_inodes *t);

/* The inode for nodeid, or NULL (unknown, freed, 0). */
struct fs_inode *fs_inode_get(struct fs_inodes *t, uint64_t nodeid);
static inline uint64_t fs_inode_id(const struct fs_inodes *t, const struct fs_inode *i)
{
	return (uint64_t)(i - t->v) + 1;
}

/* The live node of (dev, ino), or NULL. Counts nothing. */
struct fs_inode *fs_inode_find(struct fs_inodes *t, dev_t dev, ino_t ino);
/*
 * Count one lookup of (st->st_dev, st->st_ino): the existing node (fd is
 * closed) or a new one owning fd. Returns the node in *ret. 0 or -errno
 * (-ENFILE when the table is full; fd is closed then too).
 */
int fs_inode_ref(struct fs_inodes *t, int fd, const struct stat *st, struct fs_inode **ret) __must_check;
/* Drop n lookups; at zero the node is freed (never the root). */
void fs_inode_unref(struct fs_inodes *t, uint64_t nodeid, uint64_t n);

struct fs_handle {
	int fd;            /* -1 = free */
	DIR *dir;          /* directory stream (owns fd) or NULL */
	uint32_t fnext;    /* free list: slot + 1, 0 = end */
};

struct fs_handles {
	struct fs_handle *v;
	uint32_t cap;
	uint32_t free;     /* free list head: slot + 1 */
};

void fs_handles_init(struct fs_handles *h);
void fs_handles_fini(struct fs_handles *h);
/* Store fd (taken; closed on failure) or dir (taken). Returns fh >= 1 or -errno. */
int64_t fs_handle_add(struct fs_handles *h, int fd, DIR *dir) __must_check;
struct fs_handle *fs_handle_get(struct fs_handles *h, uint64_t fh);
/* Close and free fh. -EBADF if unknown. */
int fs_handle_del(struct fs_handles *h, uint64_t fh) __must_check;

#endif
