/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-console: the port's queues, pending input, config space; the host side's modes. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/fakes/fake_guest_mem.h"
#include "vhost-user/console/console_io.h"
#include "vhost-user/console/console_port.h"

#define GPA 0x10000ULL
#define SIZE MiB(1)
#define UVA 0x7f0000000000ULL
#define NUM 8
#define BUF (GPA + 0x20000)

static struct fake_guest_mem g;
static struct vu_virtq rxq, txq;
static struct fake_vring rr, tr;
static struct console_port p;
static char out[8192];
static size_t out_len;

static void t_out(void *opaque, const void *buf, size_t len)
{
	cr_assert_leq(out_len + len, sizeof(out));
	memcpy(out + out_len, buf, len);
	out_len += len;
}

static void setup(void)
{
	cr_assert_eq(fake_guest_mem_init(&g, GPA, SIZE, UVA), 0);
	cr_assert_eq(fake_vring_init(&rr, &g, &rxq, NUM, GPA), 0);
	cr_assert_eq(fake_vring_init(&tr, &g, &txq, NUM, GPA + 0x8000), 0);
	cr_assert_eq(console_port_init(&p, 80, 25), 0);
	out_len = 0;
}

static void teardown(void)
{
	console_port_fini(&p);
	vu_virtq_close_fds(&rxq);
	vu_virtq_close_fds(&txq);
	fake_guest_mem_fini(&g);
}

TestSuite(console_port, .init = setup, .fini = teardown);

Test(console_port, tx_chains_go_to_the_output)
{
	memcpy(fake_gpa(&g, BUF), "hello ", 6);
	memcpy(fake_gpa(&g, BUF + 0x100), "world\n", 6);
	fake_desc(&tr, 0, BUF, 6, VIRTQ_DESC_F_NEXT, 1);
	fake_desc(&tr, 1, BUF + 0x100, 6, 0, 0);
	fake_avail_add(&tr, 0);
	fake_desc(&tr, 2, BUF, 5, 0, 0);
	fake_avail_add(&tr, 2);
	p.txq = &txq;
	cr_assert_eq(console_port_drain_tx(&p, t_out, NULL), 17);
	cr_assert_eq(out_len, 17);
	cr_assert_eq(memcmp(out, "hello world\nhello", 17), 0);
	cr_assert_eq(tr.used->idx, 2);
	cr_assert_eq(tr.used->ring[0].len, 0, "transmit buffers are not written");
	cr_assert_eq(p.tx_bytes, 17);
}

Test(console_port, tx_stopped_queue_does_nothing)
{
	fake_desc(&tr, 0, BUF, 6, 0, 0);
	fake_avail_add(&tr, 0);
	cr_assert_eq(console_port_drain_tx(&p, t_out, NULL), 0);
	cr_assert_eq(tr.used->idx, 0);
}

Test(console_port, input_waits_for_receive_buffers)
{
	uint8_t *b = fake_gpa(&g, BUF);

	cr_assert_eq(console_port_input(&p, "abc", 3), 3, "queued while the queue is stopped");
	cr_assert_eq(p.len, 3);
	p.rxq = &rxq;
	cr_assert_eq(console_port_flush_rx(&p), 0, "no buffer posted");
	cr_assert_eq(p.len, 3);
	fake_desc(&rr, 0, BUF, 2, VIRTQ_DESC_F_WRITE, 0);
	fake_desc(&rr, 1, BUF + 0x100, 64, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&rr, 0);
	fake_avail_add(&rr, 1);
	cr_assert_eq(console_port_flush_rx(&p), 3);
	cr_assert_eq(rr.used->idx, 2);
	cr_assert_eq(rr.used->ring[0].len, 2);
	cr_assert_eq(rr.used->ring[1].len, 1);
	cr_assert_eq(memcmp(b, "ab", 2), 0);
	cr_assert_eq(b[0x100], 'c');
	cr_assert_eq(p.len, 0);
	/* More input with no buffers left stays pending; a new buffer takes it at once. */
	cr_assert_eq(console_port_input(&p, "xyz", 3), 3);
	cr_assert_eq(rr.used->idx, 2);
	fake_desc(&rr, 2, BUF + 0x200, 64, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&rr, 2);
	cr_assert_eq(console_port_flush_rx(&p), 3);
	cr_assert_eq(memcmp(b + 0x200, "xyz", 3), 0);
	cr_assert_eq(p.rx_bytes, 6);
}

Test(console_port, pending_input_is_bounded_and_wraps)
{
	static uint8_t big[CONSOLE_PENDING_MAX + 100];
	uint8_t *b = fake_gpa(&g, BUF);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	cr_assert_eq(console_port_input(&p, big, sizeof(big)), CONSOLE_PENDING_MAX);
	cr_assert_eq(console_port_room(&p), 0);
	cr_assert_eq(p.dropped, 100);
	p.rxq = &rxq;
	fake_desc(&rr, 0, BUF, 1000, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&rr, 0);
	cr_assert_eq(console_port_flush_rx(&p), 1000);
	cr_assert_eq(console_port_room(&p), 1000);
	/* Refill across the end of the ring buffer, then drain all of it in order. */
	cr_assert_eq(console_port_input(&p, big, 500), 500);
	fake_desc(&rr, 1, BUF + 0x2000, 0x2000, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&rr, 1);
	cr_assert_eq(console_port_flush_rx(&p), CONSOLE_PENDING_MAX - 1000 + 500);
	b += 0x2000;
	cr_assert_eq(b[0], (uint8_t)1000);
	cr_assert_eq(b[CONSOLE_PENDING_MAX - 1001], (uint8_t)(CONSOLE_PENDING_MAX - 1));
	cr_assert_eq(b[CONSOLE_PENDING_MAX - 1000], 0, "then the second write's first byte");
	cr_assert_eq(b[CONSOLE_PENDING_MAX - 1000 + 499], (uint8_t)499);
	cr_assert_eq(p.len, 0);
}

Test(console_port, receive_chain_without_writable_buffer)
{
	p.rxq = &rxq;
	fake_desc(&rr, 0, BUF, 8, 0, 0);
	fake_avail_add(&rr, 0);
	fake_desc(&rr, 1, BUF + 0x100, 8, VIRTQ_DESC_F_WRITE, 0);
	fake_avail_add(&rr, 1);
	cr_assert_eq(console_port_input(&p, "q", 1), 1);
	cr_assert_eq(rr.used->idx, 2);
	cr_assert_eq(rr.used->ring[0].len, 0);
	cr_assert_eq(rr.used->ring[1].len, 1);
}

Test(console_port, broken_receive_ring)
{
	p.rxq = &rxq;
	fake_desc(&rr, 0, BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	fake_avail_add(&rr, 0);
	cr_assert_eq(console_port_input(&p, "q", 1), 1);
	cr_assert_eq(console_port_flush_rx(&p), -EPROTO);
	cr_assert_eq(rr.used->idx, 0);
}

Test(console_port, config_space_and_resize)
{
	uint8_t c[16];

	cr_assert_eq(console_port_get_config(&p, c, 0, 12), 0);
	cr_assert_eq(c[0] | c[1] << 8, 80);
	cr_assert_eq(c[2] | c[3] << 8, 25);
	cr_assert_eq(c[4], 1, "max_nr_ports");
	cr_assert_eq(console_port_get_config(&p, c, 2, 16), 0);
	cr_assert_eq(c[0], 25);
	cr_assert_eq(c[15], 0, "past the struct reads 0");
	cr_assert_eq(console_port_get_config(&p, c, 250, 16), -EINVAL);
	cr_assert_not(console_port_resize(&p, 80, 25));
	cr_assert(console_port_resize(&p, 132, 43));
	cr_assert_eq(console_port_get_config(&p, c, 0, 4), 0);
	cr_assert_eq(c[0] | c[1] << 8, 132);
	cr_assert_eq(c[2] | c[3] << 8, 43);
}

Test(console_port, emergency_write)
{
	uint8_t v[4] = { 'E', 0, 0, 0 };

	cr_assert_eq(console_port_set_config(&p, v, CONSOLE_CFG_EMERG_WR, 4, t_out, NULL), 0);
	cr_assert_eq(out_len, 1);
	cr_assert_eq(out[0], 'E');
	cr_assert_eq(console_port_set_config(&p, v, 0, 4, t_out, NULL), 0, "cols is read-only: ignored");
	cr_assert_eq(p.cfg.cols, 80);
	cr_assert_eq(out_len, 1);
}

Test(console_io, parse)
{
	struct console_io_opts o;
	char err[128];

	cr_assert_eq(console_io_parse("pty", &o, err, sizeof(err)), 0);
	cr_assert_eq(o.mode, CONSOLE_PTY);
	cr_assert_eq(console_io_parse("file=/tmp/x", &o, err, sizeof(err)), 0);
	cr_assert_eq(o.mode, CONSOLE_FILE);
	cr_assert_str_eq(o.path, "/tmp/x");
	cr_assert_eq(console_io_parse("socket=/tmp/s", &o, err, sizeof(err)), 0);
	cr_assert_eq(o.mode, CONSOLE_SOCKET);
	cr_assert_eq(console_io_parse("null", &o, err, sizeof(err)), 0);
	cr_assert_eq(o.mode, CONSOLE_NULL);
	cr_assert_eq(console_io_parse("file=", &o, err, sizeof(err)), -EINVAL);
	cr_assert_eq(console_io_parse("serial", &o, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "serial"));
}

Test(console_io, file_output)
{
	char path[] = "/tmp/cnh-console-test-XXXXXX", buf[32];
	struct console_io_opts o = { CONSOLE_FILE, path };
	struct console_io io;
	char err[128];
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(console_io_open(&io, &o, err, sizeof(err)), 0);
	console_io_write(&io, "abc", 3);
	console_io_write(&io, "def", 3);
	cr_assert_eq(console_io_read(&io, buf, sizeof(buf)), 0, "no input from a file");
	console_io_close(&io);
	cr_assert_eq(read(fd, buf, sizeof(buf)), 6);
	cr_assert_eq(memcmp(buf, "abcdef", 6), 0);
	close(fd);
	unlink(path);
}

Test(console_io, socket_one_client)
{
	char path[64], err[128], buf[64];
	struct console_io_opts o = { CONSOLE_SOCKET, path };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct console_io io;
	int a, b;

	snprintf(path, sizeof(path), "/tmp/cnh-console-test-%d.sock", getpid());
	cr_assert_eq(console_io_open(&io, &o, err, sizeof(err)), 0, "%s", err);
	console_io_write(&io, "lost", 4);
	cr_assert_eq(io.dropped, 4, "output without a client is dropped");
	strcpy(sun.sun_path, path);
	a = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(a, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(console_io_accept(&io), 0);
	b = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(b, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(console_io_accept(&io), -EBUSY);
	cr_assert_gt(read(b, buf, sizeof(buf)), 0, "the second client is told and closed");
	cr_assert_eq(read(b, buf, sizeof(buf)), 0);
	console_io_write(&io, "hi\n", 3);
	cr_assert_eq(read(a, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "hi\n", 3), 0);
	cr_assert_eq(write(a, "in", 2), 2);
	cr_assert_eq(console_io_read(&io, buf, sizeof(buf)), 2);
	cr_assert_eq(console_io_read(&io, buf, sizeof(buf)), -EAGAIN);
	close(a);
	cr_assert_eq(console_io_read(&io, buf, sizeof(buf)), 0, "client gone");
	console_io_drop_client(&io);
	console_io_close(&io);
	cr_assert_neq(access(path, F_OK), 0, "socket removed");
	close(b);
}

Test(console_io, pty)
{
	struct console_io_opts o = { CONSOLE_PTY, NULL };
	struct console_io io;
	char err[128], buf[16];
	uint16_t cols = 1, rows = 1;
	int s;

	cr_assert_eq(console_io_open(&io, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert(!strncmp(io.pty_path, "/dev/pts/", 9), "%s", io.pty_path);
	cr_assert_eq(console_io_read(&io, buf, sizeof(buf)), -EAGAIN, "no EIO without a user");
	cr_assert_eq(console_io_winsize(&io, &cols, &rows), 0);
	s = open(io.pty_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	cr_assert_geq(s, 0);
	console_io_write(&io, "out", 3);
	cr_assert_eq(read(s, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "out", 3), 0);
	cr_assert_eq(write(s, "k", 1), 1);
	usleep(10000);
	cr_assert_eq(console_io_read(&io, buf, sizeof(buf)), 1);
	cr_assert_eq(buf[0], 'k');
	close(s);
	console_io_close(&io);
}
