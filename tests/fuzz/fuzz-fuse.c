/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-fs's FUSE engine on a hostile request stream: the input is a sequence
 * of FUSE requests (each sized by its own header's len, bounded by what is
 * left), handled by one session over a fresh shared directory. After each
 * input, a sibling directory outside the share must be untouched: the
 * guest never reaches outside the shared directory, whatever it sends.
 */
#include <fcntl.h>
#include <ftw.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "vhost-user/fs/fuse_session.h"

static char base[64];
static char shared[96], outside[96], secret[128];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

static void setup_once(void)
{
	int fd;

	if (base[0])
		return;
	strcpy(base, "/tmp/cnh-fuzz-fuse-XXXXXX");
	if (!mkdtemp(base))
		abort();
	snprintf(shared, sizeof(shared), "%s/shared", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	if (mkdir(shared, 0755) < 0 || mkdir(outside, 0755) < 0)
		abort();
	fd = open(secret, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "outside-secret", 14) != 14)
		abort();
	close(fd);
}

/* The sibling directory holds exactly the secret, unchanged. */
static void check_outside(void)
{
	struct stat st;
	char buf[32];
	int fd = open(secret, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		abort();
	n = read(fd, buf, sizeof(buf));
	if (fstat(fd, &st) < 0 || n != 14 || memcmp(buf, "outside-secret", 14) || st.st_nlink != 1 ||
	    (st.st_mode & 07777) != 0644)
		abort();
	close(fd);
	if (stat(outside, &st) < 0 || st.st_nlink != 2)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t reply[FUSE_SESSION_REPLY_MAX];
	struct fuse_session_opts o = { .cache = FUSE_CACHE_NONE };
	struct fuse_session s;
	size_t off = 0;
	int root, proc;

	setup_once();
	root = open(shared, O_PATH | O_DIRECTORY | O_CLOEXEC);
	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || proc < 0 || fuse_session_init(&s, root, proc, &o) < 0)
		abort();
	for (int i = 0; i < 32 && size - off >= sizeof(struct fuse_in_header); i++) {
		struct fuse_in_header h;
		size_t len, cut;
		uint8_t *req;

		memcpy(&h, data + off, sizeof(h));
		/* The header's len decides the slice, within what is left (a lie stays a lie inside). */
		len = h.len < sizeof(h) ? sizeof(h) : h.len;
		len = MIN(len, size - off);
		req = malloc(len);
		if (!req)
			abort();
		memcpy(req, data + off, len);
		cut = len / 2;
		{
			struct iovec out[2] = { { req, cut }, { req + cut, len - cut } };
			struct iovec in[2] = { { reply, 64 }, { reply + 64, sizeof(reply) - 64 } };
			uint32_t n = fuse_session_handle(&s, out, 2, in, 2);

			if (n > sizeof(reply))
				abort();
		}
		free(req);
		off += len;
	}
	fuse_session_fini(&s);
	check_outside();
	nftw(shared, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
