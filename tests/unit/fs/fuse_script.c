/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse_script.h"

void fscript_setup(struct fscript *t)
{
	char base[] = "/tmp/cnh-fs-test-XXXXXX";
	struct fuse_session_opts o = { .cache = FUSE_CACHE_NONE };
	int root, proc;

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(mkdtemp(base));
	snprintf(t->root, sizeof(t->root), "%s/shared", base);
	snprintf(t->outside, sizeof(t->outside), "%s/outside", base);
	cr_assert_eq(mkdir(t->root, 0755), 0);
	cr_assert_eq(mkdir(t->outside, 0755), 0);
	fscript_write_file(t->outside, "secret", "outside-secret");
	root = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert(root >= 0 && proc >= 0);
	cr_assert_eq(fuse_session_init(&t->s, root, proc, &o), 0);
}

void fscript_teardown(struct fscript *t)
{
	char cmd[600];

	fuse_session_fini(&t->s);
	/* base = dirname(root) */
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strrchr(t->root, '/') - t->root), t->root);
	cr_assert_eq(system(cmd), 0);
}

int fscript_req_raw(struct fscript *t, const void *req, size_t len, size_t reply_room)
{
	/* Split the request over two buffers and the reply over two, like a real chain. */
	size_t cut = len / 2;
	uint8_t *copy = malloc(len ? len : 1);
	struct iovec out[2] = { { copy, cut }, { copy + cut, len - cut } };
	size_t rcut = reply_room > 24 ? 24 : reply_room;
	struct iovec in[2] = { { t->reply, rcut }, { t->reply + rcut, reply_room - rcut } };
	struct fuse_out_header oh;

	cr_assert_leq(reply_room, sizeof(t->reply));
	memcpy(copy, req, len);
	memset(t->reply, 0xee, sizeof(t->reply));
	t->reply_len = fuse_session_handle(&t->s, out, 2, in, 2);
	free(copy);
	if (t->reply_len == 0)
		return 1;
	cr_assert_geq(t->reply_len, sizeof(oh));
	memcpy(&oh, t->reply, sizeof(oh));
	cr_assert_eq(oh.len, t->reply_len, "header len %u, written %u", oh.len, t->reply_len);
	cr_assert_leq(oh.len, reply_room);
	if (oh.error == 0)
		return 0;
	cr_assert_eq(oh.len, sizeof(oh));
	return oh.error;
}

int fscript_req(struct fscript *t, uint32_t opcode, uint64_t nodeid, const void *body, size_t len)
{
	size_t total = sizeof(struct fuse_in_header) + len;
	uint8_t *buf = calloc(1, total);
	struct fuse_in_header h = {
		.len = (uint32_t)total, .opcode = opcode, .unique = ++t->unique, .nodeid = nodeid,
	};
	struct fuse_out_header oh;
	int r;

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	r = fscript_req_raw(t, buf, total, sizeof(t->reply));
	free(buf);
	if (r != 1) {
		memcpy(&oh, t->reply, sizeof(oh));
		cr_assert_eq(oh.unique, h.unique);
	}
	return r;
}

void fscript_init(struct fscript *t)
{
	struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 65536,
				   .flags = FUSE_DO_READDIRPLUS | FUSE_MAX_PAGES };

	cr_assert_eq(fscript_req(t, FUSE_INIT, 0, &in, sizeof(in)), 0);
}

size_t fscript_body(void *buf, const void *st, size_t st_len, const char *n1, const char *n2)
{
	uint8_t *p = buf;
	size_t off = 0;

	if (st_len)
		memcpy(p, st, st_len);
	off = st_len;
	if (n1) {
		memcpy(p + off, n1, strlen(n1) + 1);
		off += strlen(n1) + 1;
	}
	if (n2) {
		memcpy(p + off, n2, strlen(n2) + 1);
		off += strlen(n2) + 1;
	}
	return off;
}

int64_t fscript_lookup(struct fscript *t, uint64_t parent, const char *name)
{
	struct fuse_entry_out e;
	int r = fscript_req(t, FUSE_LOOKUP, parent, name, strlen(name) + 1);

	if (r < 0)
		return r;
	cr_assert_eq(r, 0);
	memcpy(&e, fscript_payload(t), sizeof(e));
	return (int64_t)e.nodeid;
}

void fscript_write_file(const char *dir, const char *name, const char *content)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(content, f);
	fclose(f);
}

int fscript_read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[600];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}
