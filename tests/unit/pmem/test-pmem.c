/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-pmem: backing-file checks, flush errors, requests on chains and on fake queues. */
#include <criterion/criterion.h>
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fakes/fake_guest_mem.h"
#include "vhost-user/pmem/pmem.h"

#define GPA 0x10000ULL
#define SIZE MiB(1)
#define UVA 0x7f0000000000ULL
#define NUM 8
#define BUF (GPA + 0x20000)

static char path[64];

static void mkfile(size_t bytes)
{
	int fd;

	strcpy(path, "/var/tmp/cnh-pmem-test-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)bytes), 0);
	close(fd);
}

static void rmfile(void)
{
	if (path[0])
		unlink(path);
	path[0] = 0;
}

static int open_path(const char *p, struct pmem_file *f, char *err, size_t n)
{
	struct pmem_opts o = { .path = p };

	f->fd = -1;
	return pmem_file_open(f, &o, err, n);
}

TestSuite(pmem_file, .fini = rmfile);

Test(pmem_file, regular_file_opens_with_its_size)
{
	struct pmem_file f;
	char err[128] = "";

	mkfile(3 * 4096);
	cr_assert_eq(open_path(path, &f, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(f.fd, 0);
	cr_assert_eq(f.size, 3 * 4096);
	cr_assert_eq(fcntl(f.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	cr_assert_eq(pmem_file_flush(&f), 0);
	pmem_file_fini(&f);
	cr_assert_eq(f.fd, -1);
	pmem_file_fini(&f); /* twice is fine */
}

Test(pmem_file, refuses_missing_directory_empty_fifo)
{
	struct pmem_file f;
	char err[128];
	char fifo[80];

	cr_assert_eq(open_path(NULL, &f, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--file"), "%s", err);
	cr_assert_eq(open_path("/nonexistent/cnh-pmem", &f, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "cannot open"), "%s", err);
	cr_assert_eq(open_path("/var/tmp", &f, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	mkfile(0);
	cr_assert_eq(open_path(path, &f, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "empty"), "%s", err);
	/* A FIFO must be refused, not block the open. */
	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(open_path(fifo, &f, err, sizeof(err)), -EINVAL);
	unlink(fifo);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	cr_assert_eq(f.fd, -1, "nothing is written on failure");
}

Test(pmem_file, flush_errors)
{
	int p[2];
	struct pmem_file f = { .fd = -1, .size = 1 };

	cr_assert_eq(pmem_file_flush(&f), -EBADF);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	f.fd = p[0]; /* a pipe cannot be synced: EINVAL */
	cr_assert_eq(pmem_file_flush(&f), -EINVAL);
	f.discard_writes = true; /* nothing to sync: always succeeds */
	cr_assert_eq(pmem_file_flush(&f), 0);
	close(p[0]);
	close(p[1]);
}

/* A chain built from local buffers, as vu_virtq_pop would return it. */
struct chain {
	struct vu_elem *e;
	uint8_t out[16];
	uint8_t in[16];
};

static void chain_init(struct chain *c, const size_t *outs, unsigned int nout, const size_t *ins,
		       unsigned int nin)
{
	size_t off = 0;

	c->e = vu_elem_new(8);
	cr_assert_not_null(c->e);
	memset(c->in, 0xee, sizeof(c->in));
	c->e->out_num = nout;
	c->e->in_num = nin;
	c->e->out_sg = c->e->sg;
	c->e->in_sg = c->e->sg + nout;
	for (unsigned int i = 0; i < nout; i++, off += outs[i - 1]) {
		c->e->out_sg[i] = (struct iovec){ c->out + off, outs[i] };
		c->e->out_len += outs[i];
	}
	off = 0;
	for (unsigned int i = 0; i < nin; i++, off += ins[i - 1]) {
		c->e->in_sg[i] = (struct iovec){ c->in + off, ins[i] };
		c->e->in_len += ins[i];
	}
}

static void set_type(struct chain *c, uint32_t type)
{
	uint32_t le = htole32(type);

	memcpy(c->out, &le, sizeof(le));
}

static uint32_t resp(const struct chain *c)
{
	uint32_t le;

	memcpy(&le, c->in, sizeof(le));
	return le32toh(le);
}

static struct pmem_file good_file(void)
{
	struct pmem_file f;
	char err[128];

	mkfile(4096);
	cr_assert_eq(open_path(path, &f, err, sizeof(err)), 0, "%s", err);
	return f;
}

TestSuite(pmem_req, .fini = rmfile);

Test(pmem_req, flush_ok_and_unknown_type)
{
	struct pmem_file f = good_file();
	struct chain c;
	uint32_t w = 99;

	chain_init(&c, (size_t[]){ 4 }, 1, (size_t[]){ 4 }, 1);
	set_type(&c, PMEM_REQ_TYPE_FLUSH);
	cr_assert_eq(pmem_req_handle(&f, c.e, &w), 0);
	cr_assert_eq(w, PMEM_RESP_BYTES);
	cr_assert_eq(resp(&c), PMEM_RESP_OK);

	set_type(&c, 1);
	cr_assert_eq(pmem_req_handle(&f, c.e, &w), 0);
	cr_assert_eq(resp(&c), PMEM_RESP_EIO);
	set_type(&c, 0x100); /* only the low byte is zero: not a flush */
	cr_assert_eq(pmem_req_handle(&f, c.e, &w), 0);
	cr_assert_eq(resp(&c), PMEM_RESP_EIO);
	vu_elem_free(c.e);
	pmem_file_fini(&f);
}

Test(pmem_req, split_buffers_and_extra_bytes)
{
	struct pmem_file f = good_file();
	struct chain c;
	uint32_t w = 0;

	/* Type split 1+3 across two readable buffers, response 3+5 across two writable ones. */
	chain_init(&c, (size_t[]){ 1, 3 }, 2, (size_t[]){ 3, 5 }, 2);
	set_type(&c, PMEM_REQ_TYPE_FLUSH);
	memset(c.in, 0xaa, sizeof(c.in));
	cr_assert_eq(pmem_req_handle(&f, c.e, &w), 0);
	cr_assert_eq(w, PMEM_RESP_BYTES);
	cr_assert_eq(resp(&c), PMEM_RESP_OK);
	cr_assert_eq(c.in[4], 0xaa, "only the response is written");
	vu_elem_free(c.e);
	pmem_file_fini(&f);
}

Test(pmem_req, short_request_gets_eio)
{
	struct pmem_file f = good_file();
	struct chain c, d;
	uint32_t w = 0;

	chain_init(&c, (size_t[]){ 2 }, 1, (size_t[]){ 4 }, 1);
	set_type(&c, PMEM_REQ_TYPE_FLUSH);
	cr_assert_eq(pmem_req_handle(&f, c.e, &w), 0);
	cr_assert_eq(resp(&c), PMEM_RESP_EIO);
	/* No readable part at all. */
	chain_init(&d, NULL, 0, (size_t[]){ 4 }, 1);
	cr_assert_eq(pmem_req_handle(&f, d.e, &w), 0);
	cr_assert_eq(resp(&d), PMEM_RESP_EIO);
	vu_elem_free(c.e);
	vu_elem_free(d.e);
	pmem_file_fini(&f);
}

Test(pmem_req, no_room_for_the_response)
{
	struct pmem_file f = good_file();
	struct chain c, d;
	uint32_t w = 77;

	chain_init(&c, (size_t[]){ 4 }, 1, NULL, 0);
	set_type(&c, PMEM_REQ_TYPE_FLUSH);
	cr_assert_eq(pmem_req_handle(&f, c.e, &w), -EPROTO);
	chain_init(&d, (size_t[]){ 4 }, 1, (size_t[]){ 1, 2 }, 2);
	set_type(&d, PMEM_REQ_TYPE_FLUSH);
	cr_assert_eq(pmem_req_handle(&f, d.e, &w), -EPROTO);
	cr_assert_eq(w, 77, "nothing to push");
	cr_assert_eq(d.in[0], 0xee, "nothing written");
	vu_elem_free(c.e);
	vu_elem_free(d.e);
	pmem_file_fini(&f);
}

Test(pmem_req, failing_flush_gets_eio)
{
	struct pmem_file f = { .fd = -1, .size = 4096 };
	struct chain c;
	uint32_t w = 0;
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	f.fd = p[1];
	chain_init(&c, (size_t[]){ 4 }, 1, (size_t[]){ 4 }, 1);
	set_type(&c, PMEM_REQ_TYPE_FLUSH);
	cr_assert_eq(pmem_req_handle(&f, c.e, &w), 0);
	cr_assert_eq(w, PMEM_RESP_BYTES);
	cr_assert_eq(resp(&c), PMEM_RESP_EIO);
	vu_elem_free(c.e);
	close(p[0]);
	close(p[1]);
}

/* The request queue in fake guest memory, walked by the real virtq code. */
static struct fake_guest_mem g;
static struct vu_virtq vq;
static struct fake_vring r;
static struct vu_elem *e;

static void q_setup(void)
{
	cr_assert_eq(fake_guest_mem_init(&g, GPA, SIZE, UVA), 0);
	cr_assert_eq(fake_vring_init(&r, &g, &vq, NUM, GPA), 0);
	e = vu_elem_new(NUM);
	cr_assert_not_null(e);
}

static void q_teardown(void)
{
	vu_elem_free(e);
	vu_virtq_close_fds(&vq);
	fake_guest_mem_fini(&g);
	rmfile();
}

/* Request at slot i: type at BUF + 0x100 * i, response right after it. */
static void q_req(uint16_t head, uint32_t type, uint32_t out_len, uint32_t in_len)
{
	uint64_t req = BUF + 0x100 * head, rsp = req + 0x80;
	uint32_t le = htole32(type);

	memcpy(fake_gpa(&g, req), &le, sizeof(le));
	memset(fake_gpa(&g, rsp), 0xee, 8);
	if (in_len) {
		fake_desc(&r, head, req, out_len, VIRTQ_DESC_F_NEXT, (uint16_t)(head + 1));
		fake_desc(&r, (uint16_t)(head + 1), rsp, in_len, VIRTQ_DESC_F_WRITE, 0);
	} else {
		fake_desc(&r, head, req, out_len, 0, 0);
	}
	fake_avail_add(&r, head);
}

static uint32_t q_resp(uint16_t head)
{
	uint32_t le;

	memcpy(&le, fake_gpa(&g, BUF + 0x100 * head + 0x80), sizeof(le));
	return le32toh(le);
}

TestSuite(pmem_queue, .init = q_setup, .fini = q_teardown);

Test(pmem_queue, answers_every_request)
{
	struct pmem_file f = good_file();

	q_req(0, PMEM_REQ_TYPE_FLUSH, 4, 4);
	q_req(2, 7, 4, 4);
	q_req(4, PMEM_REQ_TYPE_FLUSH, 2, 4);
	cr_assert_eq(pmem_queue_process(&f, &vq, e), 3);
	cr_assert_eq(r.used->idx, 3);
	cr_assert_eq(r.used->ring[0].id, 0);
	cr_assert_eq(r.used->ring[0].len, 4);
	cr_assert_eq(r.used->ring[1].id, 2);
	cr_assert_eq(r.used->ring[2].id, 4);
	cr_assert_eq(q_resp(0), PMEM_RESP_OK);
	cr_assert_eq(q_resp(2), PMEM_RESP_EIO);
	cr_assert_eq(q_resp(4), PMEM_RESP_EIO);
	cr_assert_not(vq.broken);
	cr_assert_eq(pmem_queue_process(&f, &vq, e), 0, "ring empty");
	pmem_file_fini(&f);
}

Test(pmem_queue, chain_without_response_breaks_the_queue)
{
	struct pmem_file f = good_file();

	q_req(0, PMEM_REQ_TYPE_FLUSH, 4, 4);
	q_req(2, PMEM_REQ_TYPE_FLUSH, 4, 0); /* no device-writable buffer */
	q_req(4, PMEM_REQ_TYPE_FLUSH, 4, 4);
	cr_assert_eq(pmem_queue_process(&f, &vq, e), 1);
	cr_assert(vq.broken);
	cr_assert_eq(r.used->idx, 1, "only the good request completed");
	cr_assert_eq(q_resp(0), PMEM_RESP_OK);
	cr_assert_eq(q_resp(4), 0xeeeeeeeeu, "nothing after the bad chain is served");
	cr_assert_eq(pmem_queue_process(&f, &vq, e), 0, "a broken queue stays broken");
	pmem_file_fini(&f);
}

Test(pmem_queue, flush_failure_reported_per_request)
{
	struct pmem_file f = { .fd = -1, .size = 4096 };

	q_req(0, PMEM_REQ_TYPE_FLUSH, 4, 4);
	cr_assert_eq(pmem_queue_process(&f, &vq, e), 1);
	cr_assert_eq(q_resp(0), PMEM_RESP_EIO);
	cr_assert_not(vq.broken, "an I/O error is not a protocol error");
}
