/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhost-user/fs/fs_inode.h"

#define FS_INODE_HASH 4096u

static uint32_t fs_inode_bucket(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (uint32_t)(h >> 40) % FS_INODE_HASH;
}

static int fs_inodes_grow(struct fs_inodes *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 256;
	struct fs_inode *v;

	if (t->cap >= FS_MAX_INODES)
		return -ENFILE;
	cap = MIN(cap, FS_MAX_INODES);
	v = realloc(t->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->v = v;
	t->cap = cap;
	return 0;
}

static void fs_inode_hash_add(struct fs_inodes *t, uint32_t slot)
{
	uint32_t b = fs_inode_bucket(t->v[slot].dev, t->v[slot].ino);

	t->v[slot].hnext = t->hash[b];
	t->hash[b] = slot + 1;
}

static void fs_inode_hash_del(struct fs_inodes *t, uint32_t slot)
{
	uint32_t *p = &t->hash[fs_inode_bucket(t->v[slot].dev, t->v[slot].ino)];

	while (*p && *p != slot + 1)
		p = &t->v[*p - 1].hnext;
	if (*p)
		*p = t->v[slot].hnext;
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
	t->hash = calloc(FS_INODE_HASH, sizeof(*t->hash));
	if (!t->hash) {
		r = -ENOMEM;
		goto fail;
	}
	r = fs_inodes_grow(t);
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

int fs_inode_ref(struct fs_inodes *t, int fd, const struct stat *st, struct fs_inode **ret)
{
	uint32_t b = fs_inode_bucket(st->st_dev, st->st_ino);
	uint32_t slot;
	int r;

	for (uint32_t s = t->hash[b]; s; s = t->v[s - 1].hnext) {
		struct fs_inode *i = &t->v[s - 1];

		if (i->dev == st->st_dev && i->ino == st->st_ino) {
			close(fd);
			i->nlookup++;
			*ret = i;
			return 0;
		}
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
	h->v = NULL;
	h->cap = 0;
}

int64_t fs_handle_add(struct fs_handles *h, int fd, DIR *dir)
{
	uint32_t i;

	for (i = 0; i < h->cap; i++)
		if (h->v[i].fd < 0)
			break;
	if (i == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 64;
		struct fs_handle *v;

		if (h->cap >= FS_MAX_HANDLES)
			goto full;
		v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			goto full;
		for (uint32_t j = h->cap; j < cap; j++)
			v[j] = (struct fs_handle){ .fd = -1 };
		h->v = v;
		h->cap = cap;
	}
	h->v[i].fd = dir ? dirfd(dir) : fd;
	h->v[i].dir = dir;
	return (int64_t)i + 1;
full:
	if (dir)
		closedir(dir);
	else
		close(fd);
	return -ENFILE;
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
	return 0;
}
