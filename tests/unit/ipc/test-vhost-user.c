/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc/vhost_user.h"

static int sv[2];

static void setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

TestSuite(vhost_user, .init = setup, .fini = teardown);

Test(vhost_user, round_trip_u64)
{
	struct vhost_user_msg m, r;

	vhost_user_msg_init(&m, VHOST_USER_SET_FEATURES);
	m.hdr.size = 8;
	m.payload.u64 = 0x140000000ULL;
	cr_assert_eq(vhost_user_send(sv[0], &m), 0);
	cr_assert_eq(vhost_user_recv(sv[1], &r), 0);
	cr_assert_eq(r.hdr.request, VHOST_USER_SET_FEATURES);
	cr_assert_eq(r.payload.u64, 0x140000000ULL);
	cr_assert_eq(r.nfds, 0);
	cr_assert_eq(vhost_user_msg_validate(&r, VHOST_USER_FROM_FRONTEND), 0);
	cr_assert_str_eq(vhost_user_request_name(r.hdr.request), "SET_FEATURES");
}

Test(vhost_user, mem_table_with_fds)
{
	struct vhost_user_msg m, r;
	struct stat a, b;
	int fd = memfd_create("t", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	vhost_user_msg_init(&m, VHOST_USER_SET_MEM_TABLE);
	m.payload.memory.nregions = 2;
	m.payload.memory.regions[0] = (struct vhost_user_mem_region){ 0, 4096, 0x7f0000000000, 0 };
	m.payload.memory.regions[1] = (struct vhost_user_mem_region){ 1ULL << 32, 4096, 0x7f0000100000, 0 };
	m.hdr.size = 8 + 2 * sizeof(struct vhost_user_mem_region);
	m.fds[0] = m.fds[1] = fd;
	m.nfds = 2;
	cr_assert_eq(vhost_user_send(sv[0], &m), 0);
	cr_assert_eq(vhost_user_recv(sv[1], &r), 0);
	cr_assert_eq(r.nfds, 2);
	cr_assert_eq(vhost_user_msg_validate(&r, VHOST_USER_FROM_FRONTEND), 0);
	cr_assert_eq(fstat(fd, &a), 0);
	cr_assert_eq(fstat(r.fds[1], &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino, "the same memfd arrived");
	cr_assert(fcntl(r.fds[0], F_GETFD) & FD_CLOEXEC, "received fds are close-on-exec");
	cr_assert_eq(r.payload.memory.regions[1].guest_phys_addr, 1ULL << 32);

	/* fd count must match the region count. */
	vhost_user_msg_close_fds(&r);
	r.fds[0] = dup(fd);
	r.nfds = 1;
	cr_assert_eq(vhost_user_msg_validate(&r, VHOST_USER_FROM_FRONTEND), -EPROTO);
	r.payload.memory.nregions = 9;
	cr_assert_eq(vhost_user_msg_validate(&r, VHOST_USER_FROM_FRONTEND), -EPROTO);
	r.payload.memory.nregions = 0;
	cr_assert_eq(vhost_user_msg_validate(&r, VHOST_USER_FROM_FRONTEND), -EPROTO);
	vhost_user_msg_close_fds(&r);
	close(fd);
}

Test(vhost_user, rejects_lies)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, 999);
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO, "unknown request");
	vhost_user_msg_init(&m, VHOST_USER_SET_VRING_ADDR);
	m.hdr.size = 8;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO, "short payload");
	vhost_user_msg_init(&m, VHOST_USER_GET_FEATURES);
	m.hdr.flags = 2;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO, "bad version");
	vhost_user_msg_init(&m, VHOST_USER_SET_VRING_KICK);
	m.hdr.size = 8;
	m.payload.u64 = 0; /* claims an fd, carries none */
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO, "missing fd");
	m.payload.u64 = VHOST_USER_VRING_NOFD_MASK | 3;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), 0, "polling mode, no fd");
	m.payload.u64 = 1ULL << 40;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO, "junk high bits");
	vhost_user_msg_init(&m, VHOST_USER_SET_CONFIG);
	m.payload.config.offset = 250;
	m.payload.config.size = 10;
	m.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + 10;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO, "config past 256");
	m.payload.config.offset = 0;
	m.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + 11;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO, "size disagrees");
	m.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + 10;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), 0);
}

Test(vhost_user, recv_rejects_oversize_and_truncation)
{
	struct vhost_user_hdr h = { VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, 1u << 20 };
	struct vhost_user_msg r;

	cr_assert_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	cr_assert_eq(vhost_user_recv(sv[1], &r), -EPROTO, "payload larger than any message");

	h.size = 8;
	cr_assert_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	cr_assert_eq(write(sv[0], "abc", 3), 3);
	shutdown(sv[0], SHUT_WR);
	cr_assert_eq(vhost_user_recv(sv[1], &r), -EPROTO, "EOF inside the payload");
	cr_assert_eq(vhost_user_recv(sv[1], &r), -ECONNRESET, "orderly EOF");
}

Test(vhost_user, replies)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, VHOST_USER_GET_VRING_BASE);
	m.hdr.flags |= VHOST_USER_FLAG_REPLY;
	m.hdr.size = 8;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), 0);
	vhost_user_msg_init(&m, VHOST_USER_GET_CONFIG);
	m.hdr.flags |= VHOST_USER_FLAG_REPLY;
	m.payload.config.offset = 0;
	m.payload.config.size = 60;
	m.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + 60;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), 0);
	m.hdr.size = 500;
	cr_assert_eq(vhost_user_msg_validate(&m, VHOST_USER_FROM_FRONTEND), -EPROTO);
}
