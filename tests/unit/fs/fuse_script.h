/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: a FUSE session on a fresh temporary directory and a fake
 * queue that sends one scripted request (header + opcode struct + names or
 * data, optionally split over several buffers) and returns the reply.
 */
#ifndef CNH_TEST_FUSE_SCRIPT_H
#define CNH_TEST_FUSE_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "vhost-user/fs/fuse_session.h"

struct fscript {
	struct fuse_session s;
	char root[256];    /* the shared dir */
	char outside[256]; /* a sibling dir the guest must never reach */
	uint64_t unique;
	uint8_t reply[FUSE_SESSION_REPLY_MAX];
	uint32_t reply_len;
};

void fscript_setup(struct fscript *t);
void fscript_teardown(struct fscript *t);

/* Send opcode on nodeid with body (opcode struct then args); reply in t->reply. Returns error (<= 0), or 1 when there was no reply. */
int fscript_req(struct fscript *t, uint32_t opcode, uint64_t nodeid, const void *body, size_t len);
/* The same, with the header's len field set to hdr_len (a lie) and reply room limited. */
int fscript_req_raw(struct fscript *t, const void *req, size_t len, size_t reply_room);
/* Pointer to the reply payload. */
static inline void *fscript_payload(struct fscript *t)
{
	return t->reply + sizeof(struct fuse_out_header);
}

/* INIT with minor 31. */
void fscript_init(struct fscript *t);
/* LOOKUP name under parent: nodeid or the negative error. */
int64_t fscript_lookup(struct fscript *t, uint64_t parent, const char *name);
/* Build "struct + name\0 [+ name2\0]" into buf; returns its length. */
size_t fscript_body(void *buf, const void *st, size_t st_len, const char *n1, const char *n2);

/* Host helpers. */
void fscript_write_file(const char *dir, const char *name, const char *content);
int fscript_read_file(const char *dir, const char *name, char *buf, size_t len);

#endif
