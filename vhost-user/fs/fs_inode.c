/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhost-user/fs/fs_inode.h"

/* Buckets at first; the hash doubles with the slot array after that. */
#define FS_INODE_HASH_BITS_MIN 8u

static uint32_t fs_inode_bucket(const struct fs_inodes *t, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino ^ (uint64_t)dev * 0xff51afd7ed558ccdull) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> (64 - t->hash_bits)); /* the top bits mix in every input bit */
}

static void fs_inode_hash_add(struct fs_inodes *t, uint32_t slot)
{
	uint32_t b = fs_inode_bucket(t, t->v[slot].dev, t->v[slot].ino);

	t->v[slot].hnext = t->hash[b];
	t->hash[b] = slot + 1;
}

static void fs_inode_hash_del(struct fs_inodes *t, uint32_t slot)
{
	uint32_t *p = &t->hash[fs_inode_bucket(t, t->v[slot].dev, t->v[slot].ino)];

	while (*p && *p != slot + 1)
		p = &t->v[*p - 1].hnext;
	if (*p)
		*p = t->v[slot].hnext;
}

/*
 * Keep at least as many buckets as slots, so that a chain holds about one
 * node however many inodes the guest keeps looked up. Without memory for
 * the bigger hash the old one stays: still correct, only slower.
 */
static void fs_inodes_rehash(struct fs_inodes *t)
{
	unsigned int bits = t->hash_bits;
	uint32_t *hash;

	while ((1u << bits) < t->cap)
		bits++;
	if (bits == t->hash_bits && t->hash)
		return;
	hash = calloc(1u << bits, sizeof(*hash));
	if (!hash)
		return;
	free(t->hash);
	t->hash = hash;
	t->hash_bits = bits;
	for (uint32_t s = 0; s < t->n; s++)
		if (t->v[s].fd >= 0)
			fs_inode_hash_add(t, s);
}

/* Double *v (elements of size bytes; first when empty) up to max. 0, -ENFILE at max, -ENOMEM. */
static int fs_array_grow(void **v, uint32_t *cap, uint32_t first, uint32_t max, size_t size)
{
	uint32_t n = *cap ? *cap * 2 : first;
	void *p;

	if (*cap >= max)
		return -ENFILE;
	n = MIN(n, max);
	p = realloc(*v, (size_t)n * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

static int fs_inodes_grow(struct fs_inodes *t)
{
	void *v = t->v;
	int r = fs_array_grow(&v, &t->cap, 1u << FS_INODE_HASH_BITS_MIN, FS_MAX_INODES, sizeof(*t->v));

	t->v = v;
	if (r == 0)
		fs_inodes_rehash(t);
	return r;
}

int fs_inodes_init(struct fs_inodes *t, int root_fd)
{
	struct stat st;
	int r;

	memset(t, 0, sizeof(*t));
	if (fstat(root_fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	t->hash_bits = FS_INODE_HASH_BITS_MIN;
	r = fs_inodes_grow(t);
	if (r == 0 && !t->hash)
		r = -ENOMEM;
	if (r < 0)
		goto fail;
	t->v[0] = (struct fs_inode){ .fd = root_fd, .dev = st.st_dev, .ino = st.st_ino,
				     .type = st.st_mode & S_IFMT, .nlookup = 1 };
	t->n = 1;
	t->live = 1;
	t->next_gen = 1;
	fs_inode_hash_add(t, 0);
	return 0;
fail:
	close(root_fd);
	fs_inodes_fini(t);
	return r;
}

static void fs_inode_free(struct fs_inodes *t, uint32_t slot)
{
	struct fs_inode *i = &t->v[slot];

	fs_inode_hash_del(t, slot);
	closep(&i->fd);
	i->nlookup = 0;
	i->fnext = t->free;
	t->free = slot + 1;
	t->live--;
}

void fs_inodes_reset(struct fs_inodes *t)
{
	for (uint32_t s = 1; s < t->n; s++)
		if (t->v[s].fd >= 0)
			fs_inode_free(t, s);
}

void fs_inodes_fini(struct fs_inodes *t)
{
	for (uint32_t s = 0; s < t->n; s++)
		closep(&t->v[s].fd);
	free(t->v);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}

struct fs_inode *fs_inode_get(struct fs_inodes *t, uint64_t nodeid)
{
	if (nodeid == 0 || nodeid > t->n)
		return NULL;
	if (t->v[nodeid - 1].fd < 0)
		return NULL;
	return &t->v[nodeid - 1];
}

struct fs_inode *fs_inode_find(struct fs_inodes *t, dev_t dev, ino_t ino)
{
	for (uint32_t s = t->hash[fs_inode_bucket(t, dev, ino)]; s; s = t->v[s - 1].hnext) {
		struct fs_inode *i = &t->v[s - 1];

		if (i->dev == dev && i->ino == ino)
			return i;
	}
	return NULL;
}

int fs_inode_ref(struct fs_inodes *t, int fd, const struct stat *st, struct fs_inode **ret)
{
	struct fs_inode *i = fs_inode_find(t, st->st_dev, st->st_ino);
	uint32_t slot;
	int r;

	if (i) {
		close(fd);
		i->nlookup++;
		*ret = i;
		return 0;
	}
	if (t->free) {
		slot = t->free - 1;
		t->free = t->v[slot].fnext;
	} else {
		if (t->n == t->cap) {
			r = fs_inodes_grow(t);
			if (r < 0) {
				close(fd);
				return r;
			}
		}
		slot = t->n++;
	}
	t->v[slot] = (struct fs_inode){ .fd = fd, .dev = st->st_dev, .ino = st->st_ino,
					.type = st->st_mode & S_IFMT, .nlookup = 1,
					.generation = t->next_gen++ };
	fs_inode_hash_add(t, slot);
	t->live++;
	*ret = &t->v[slot];
	return 0;
}

void fs_inode_unref(struct fs_inodes *t, uint64_t nodeid, uint64_t n)
{
	struct fs_inode *i = fs_inode_get(t, nodeid);

	if (!i || nodeid == 1)
		return;
	if (n >= i->nlookup)
		fs_inode_free(t, (uint32_t)(nodeid - 1));
	else
		i->nlookup -= n;
}

void fs_handles_init(struct fs_handles *h)
{
	h->v = NULL;
	h->cap = 0;
	h->free = 0;
}

static void fs_handle_close(struct fs_handle *e)
{
	if (e->dir)
		closedir(e->dir);
	else
		closep(&e->fd);
	e->dir = NULL;
	e->fd = -1;
}

void fs_handles_fini(struct fs_handles *h)
{
	for (uint32_t i = 0; i < h->cap; i++)
		fs_handle_close(&h->v[i]);
	free(h->v);
	fs_handles_init(h);
}

/* Double the handle array; the new slots go on the free list, lowest first. */
static int fs_handles_grow(struct fs_handles *h)
{
	uint32_t old = h->cap;
	void *v = h->v;
	int r = fs_array_grow(&v, &h->cap, 64, FS_MAX_HANDLES, sizeof(*h->v));

	h->v = v;
	if (r < 0)
		return r;
	for (uint32_t j = h->cap; j-- > old;) {
		h->v[j] = (struct fs_handle){ .fd = -1, .fnext = h->free };
		h->free = j + 1;
	}
	return 0;
}

int64_t fs_handle_add(struct fs_handles *h, int fd, DIR *dir)
{
	uint32_t i;

	if (!h->free && fs_handles_grow(h) < 0) {
		if (dir)
			closedir(dir);
		else
			close(fd);
		return -ENFILE;
	}
	i = h->free - 1;
	h->free = h->v[i].fnext;
	h->v[i].fd = dir ? dirfd(dir) : fd;
	h->v[i].dir = dir;
	return (int64_t)i + 1;
}

struct fs_handle *fs_handle_get(struct fs_handles *h, uint64_t fh)
{
	if (fh == 0 || fh > h->cap || h->v[fh - 1].fd < 0)
		return NULL;
	return &h->v[fh - 1];
}

int fs_handle_del(struct fs_handles *h, uint64_t fh)
{
	struct fs_handle *e = fs_handle_get(h, fh);

	if (!e)
		return -EBADF;
	fs_handle_close(e);
	e->fnext = h->free;
	h->free = (uint32_t)fh;
	return 0;
}
