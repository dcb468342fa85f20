/* SPDX-License-Identifier: Apache-2.0 */
/* Message dispatch driven by a scripted front-end over a socketpair. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "vhost-user/lib/vu.h"

#define DEV_FEATURE (1ULL << 5)
#define MEM_SIZE MiB(1)
#define MEM_UVA 0x7f0000000000ULL
#define RING_GPA 0x1000ULL

struct test_dev {
	struct vu_dev vu;
	int starts, stops, kicks, resets;
	int last_start, last_stop;
	uint64_t acked;
	uint8_t config[16];
	bool stopped_while_running_ok;
	/* fake loop adapter */
	int watched_fd;
	vu_watch_cb watch_cb;
	void *watch_opaque;
};

static struct test_dev td;
static int sv[2] = { -1, -1 };
static int memfd = -1;

static struct test_dev *to_td(struct vu_dev *d)
{
	return container_of(d, struct test_dev, vu);
}

static uint64_t t_get_features(struct vu_dev *d)
{
	return DEV_FEATURE;
}

static int t_set_features(struct vu_dev *d, uint64_t f)
{
	to_td(d)->acked = f;
	return 0;
}

static int t_get_config(struct vu_dev *d, uint8_t *buf, uint32_t off, uint32_t len)
{
	if (off + len > sizeof(td.config))
		return -EINVAL;
	memcpy(buf, to_td(d)->config + off, len);
	return 0;
}

static int t_set_config(struct vu_dev *d, const uint8_t *buf, uint32_t off, uint32_t len, uint32_t flags)
{
	if (off + len > sizeof(td.config))
		return -EINVAL;
	memcpy(to_td(d)->config + off, buf, len);
	return 0;
}

static int t_queue_start(struct vu_dev *d, unsigned int q)
{
	cr_assert(vu_virtq_mapped(vu_dev_queue(d, q)), "rings mapped before queue_start");
	to_td(d)->starts++;
	to_td(d)->last_start = (int)q;
	return 0;
}

static void t_queue_stop(struct vu_dev *d, unsigned int q)
{
	to_td(d)->stops++;
	to_td(d)->last_stop = (int)q;
}

static void t_queue_kick(struct vu_dev *d, unsigned int q)
{
	to_td(d)->kicks++;
}

static void t_reset(struct vu_dev *d)
{
	to_td(d)->resets++;
}

static const struct vu_dev_ops t_ops = {
	.get_features = t_get_features,
	.set_features = t_set_features,
	.get_config = t_get_config,
	.set_config = t_set_config,
	.queue_start = t_queue_start,
	.queue_stop = t_queue_stop,
	.reset = t_reset,
};

static const struct vu_dev_ops t_ops_kick = {
	.get_features = t_get_features,
	.queue_start = t_queue_start,
	.queue_stop = t_queue_stop,
	.queue_kick = t_queue_kick,
};

static int t_watch(struct vu_dev *d, int fd, unsigned int events, vu_watch_cb cb, void *opaque)
{
	to_td(d)->watched_fd = fd;
	to_td(d)->watch_cb = cb;
	to_td(d)->watch_opaque = opaque;
	return 0;
}

static void t_unwatch(struct vu_dev *d, int fd)
{
	cr_assert_eq(fd, to_td(d)->watched_fd);
	to_td(d)->watched_fd = -1;
}

static const struct vu_watch_ops t_watch_ops = { t_watch, t_unwatch };

static void init_dev(const struct vu_dev_ops *ops)
{
	memset(&td, 0, sizeof(td));
	td.watched_fd = -1;
	memcpy(td.config, "0123456789abcdef", 16);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(vu_dev_init(&td.vu, ops, 2, 256, sv[1]), 0);
	sv[1] = -1; /* owned by the dev */
	vu_dev_set_watch(&td.vu, &t_watch_ops, NULL);
	memfd = memfd_create("guest", MFD_CLOEXEC);
	cr_assert_geq(memfd, 0);
	cr_assert_eq(ftruncate(memfd, MEM_SIZE), 0);
}

static void setup(void)
{
	init_dev(&t_ops);
}

static void teardown(void)
{
	vu_dev_fini(&td.vu);
	closep(&sv[0]);
	closep(&sv[1]);
	closep(&memfd);
}

TestSuite(dispatch, .init = setup, .fini = teardown);

static void send_req(uint32_t req, uint32_t flags, const void *payload, uint32_t size, const int *fds,
		     unsigned int nfds)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, req);
	m.hdr.flags |= flags;
	m.hdr.size = size;
	if (size)
		memcpy(&m.payload, payload, size);
	for (unsigned int i = 0; i < nfds; i++)
		m.fds[i] = fds[i];
	m.nfds = nfds;
	cr_assert_eq(vhost_user_send(sv[0], &m), 0);
}

static int roundtrip(uint32_t req, uint32_t flags, const void *payload, uint32_t size, const int *fds,
		     unsigned int nfds)
{
	send_req(req, flags, payload, size, fds, nfds);
	return vu_dispatch(&td.vu);
}

static void expect_ok(uint32_t req, const void *payload, uint32_t size)
{
	cr_assert_eq(roundtrip(req, 0, payload, size, NULL, 0), 0, "%s failed", vhost_user_request_name(req));
}

static void recv_reply(uint32_t req, struct vhost_user_msg *r)
{
	cr_assert_eq(vhost_user_recv(sv[0], r), 0);
	cr_assert_eq(r->hdr.request, req);
	cr_assert(r->hdr.flags & VHOST_USER_FLAG_REPLY);
	cr_assert_eq(r->hdr.flags & VHOST_USER_VERSION_MASK, VHOST_USER_VERSION);
	cr_assert_eq(vhost_user_msg_validate(r, VHOST_USER_FROM_FRONTEND), 0);
}

static uint64_t get_u64(uint32_t req)
{
	struct vhost_user_msg r;

	cr_assert_eq(roundtrip(req, 0, NULL, 0, NULL, 0), 0);
	recv_reply(req, &r);
	cr_assert_eq(r.hdr.size, 8);
	return r.payload.u64;
}

static void set_u64(uint32_t req, uint64_t v)
{
	expect_ok(req, &v, sizeof(v));
}

/* Nothing is waiting on the front-end's side of the socket. */
static void assert_no_reply(void)
{
	char c;

	cr_assert_eq(recv(sv[0], &c, 1, MSG_DONTWAIT), -1);
	cr_assert_eq(errno, EAGAIN);
}

static void handshake(bool protocol)
{
	uint64_t f = get_u64(VHOST_USER_GET_FEATURES);

	cr_assert(f & DEV_FEATURE);
	cr_assert(f & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES));
	cr_assert(f & (1ULL << VIRTQ_F_EVENT_IDX));
	cr_assert(f & (1ULL << VIRTQ_F_INDIRECT_DESC));
	cr_assert_not(f & (1ULL << VIRTQ_F_RING_PACKED));
	expect_ok(VHOST_USER_SET_OWNER, NULL, 0);
	if (protocol) {
		uint64_t p = get_u64(VHOST_USER_GET_PROTOCOL_FEATURES);

		cr_assert(p & (1ULL << VHOST_USER_PROTOCOL_F_MQ));
		cr_assert(p & (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK));
		cr_assert(p & (1ULL << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS));
		cr_assert_not(p & (1ULL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD));
		cr_assert_not(p & (1ULL << VHOST_USER_PROTOCOL_F_LOG_SHMFD));
		set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, p);
		cr_assert_eq(get_u64(VHOST_USER_GET_QUEUE_NUM), 2);
	} else {
		f &= ~(1ULL << VHOST_USER_F_PROTOCOL_FEATURES);
	}
	set_u64(VHOST_USER_SET_FEATURES, f);
	cr_assert_eq(td.vu.features, f);
	if (td.vu.ops->set_features)
		cr_assert_eq(td.acked, f);
}

static void mem_table(void)
{
	struct vhost_user_memory m = { .nregions = 1 };

	m.regions[0] = (struct vhost_user_mem_region){ 0, MEM_SIZE, MEM_UVA, 0 };
	cr_assert_eq(roundtrip(VHOST_USER_SET_MEM_TABLE, 0, &m, 8 + sizeof(m.regions[0]), &memfd, 1), 0);
	cr_assert_eq(td.vu.mem.nregions, 1);
}

static void vring_setup(unsigned int q, uint32_t base)
{
	struct vhost_user_vring_state s = { q, 16 };
	struct vhost_user_vring_addr a = {
		.index = q,
		.desc_user_addr = MEM_UVA + RING_GPA + q * 0x1000,
		.avail_user_addr = MEM_UVA + RING_GPA + q * 0x1000 + 0x100,
		.used_user_addr = MEM_UVA + RING_GPA + q * 0x1000 + 0x200,
	};

	expect_ok(VHOST_USER_SET_VRING_NUM, &s, sizeof(s));
	expect_ok(VHOST_USER_SET_VRING_ADDR, &a, sizeof(a));
	s.num = base;
	expect_ok(VHOST_USER_SET_VRING_BASE, &s, sizeof(s));
}

static void send_fd(uint32_t req, unsigned int q, int fd)
{
	uint64_t v = q;

	cr_assert_eq(roundtrip(req, 0, &v, 8, &fd, 1), 0);
	close(fd);
}

Test(dispatch, handshake_and_queue_start_on_enable)
{
	struct vhost_user_vring_state en = { 0, 1 };
	struct vhost_user_msg r;

	handshake(true);
	mem_table();
	vring_setup(0, 5);
	send_fd(VHOST_USER_SET_VRING_CALL, 0, eventfd(0, EFD_CLOEXEC));
	send_fd(VHOST_USER_SET_VRING_KICK, 0, eventfd(0, EFD_CLOEXEC));
	cr_assert_eq(td.starts, 0, "protocol features negotiated: disabled until SET_VRING_ENABLE");
	expect_ok(VHOST_USER_SET_VRING_ENABLE, &en, sizeof(en));
	cr_assert_eq(td.starts, 1);
	cr_assert_eq(td.last_start, 0);
	cr_assert(vu_dev_queue(&td.vu, 0)->event_idx);
	cr_assert_eq(vu_dev_queue(&td.vu, 0)->last_avail_idx, 5);
	cr_assert_geq(vu_dev_queue(&td.vu, 0)->kick_fd, 0);
	cr_assert_geq(vu_dev_queue(&td.vu, 0)->call_fd, 0);

	vu_dev_queue(&td.vu, 0)->last_avail_idx = 9; /* the device consumed 4 */
	en.num = 0;
	cr_assert_eq(roundtrip(VHOST_USER_GET_VRING_BASE, 0, &en, sizeof(en), NULL, 0), 0);
	recv_reply(VHOST_USER_GET_VRING_BASE, &r);
	cr_assert_eq(r.payload.state.index, 0);
	cr_assert_eq(r.payload.state.num, 9);
	cr_assert_eq(td.stops, 1, "GET_VRING_BASE stops the queue");
	cr_assert_eq(td.last_stop, 0);
	cr_assert_eq(vu_dev_queue(&td.vu, 0)->kick_fd, -1);
	assert_no_reply();
}

Test(dispatch, kick_starts_queue_without_protocol_features)
{
	handshake(false);
	mem_table();
	vring_setup(1, 0);
	cr_assert_eq(td.starts, 0);
	send_fd(VHOST_USER_SET_VRING_KICK, 1, eventfd(0, EFD_CLOEXEC));
	cr_assert_eq(td.starts, 1);
	cr_assert_eq(td.last_start, 1);
}

Test(dispatch, nofd_kick_starts_polling_queue)
{
	uint64_t v = 0 | VHOST_USER_VRING_NOFD_MASK;

	handshake(false);
	mem_table();
	vring_setup(0, 0);
	expect_ok(VHOST_USER_SET_VRING_KICK, &v, 8);
	cr_assert_eq(td.starts, 1);
	cr_assert_eq(vu_dev_queue(&td.vu, 0)->kick_fd, -1);
}

Test(dispatch, queue_without_rings_does_not_start)
{
	uint64_t v = 0 | VHOST_USER_VRING_NOFD_MASK;

	handshake(false);
	mem_table();
	/* No SET_VRING_NUM/ADDR: cannot start, the connection is dropped (no REPLY_ACK). */
	cr_assert_lt(roundtrip(VHOST_USER_SET_VRING_KICK, 0, &v, 8, NULL, 0), 0);
	cr_assert_eq(td.starts, 0);
}

Test(dispatch, reply_ack)
{
	struct vhost_user_vring_state s = { 0, 16 };
	struct vhost_user_msg r;

	handshake(true);
	cr_assert_eq(roundtrip(VHOST_USER_SET_VRING_NUM, VHOST_USER_FLAG_NEED_REPLY, &s, sizeof(s), NULL, 0), 0);
	recv_reply(VHOST_USER_SET_VRING_NUM, &r);
	cr_assert_eq(r.hdr.size, 8);
	cr_assert_eq(r.payload.u64, 0, "success acked");

	s.num = 3; /* not a power of two */
	cr_assert_eq(roundtrip(VHOST_USER_SET_VRING_NUM, VHOST_USER_FLAG_NEED_REPLY, &s, sizeof(s), NULL, 0), 0,
		     "a failed request with REPLY_ACK keeps the connection");
	recv_reply(VHOST_USER_SET_VRING_NUM, &r);
	cr_assert_neq(r.payload.u64, 0, "failure acked");

	s.index = 2; /* no such queue */
	s.num = 16;
	cr_assert_eq(roundtrip(VHOST_USER_SET_VRING_NUM, VHOST_USER_FLAG_NEED_REPLY, &s, sizeof(s), NULL, 0), 0);
	recv_reply(VHOST_USER_SET_VRING_NUM, &r);
	cr_assert_neq(r.payload.u64, 0);

	/* Requests with their own reply get only that. */
	cr_assert_eq(roundtrip(VHOST_USER_GET_FEATURES, VHOST_USER_FLAG_NEED_REPLY, NULL, 0, NULL, 0), 0);
	recv_reply(VHOST_USER_GET_FEATURES, &r);
	cr_assert(r.payload.u64 & DEV_FEATURE);
	assert_no_reply();

	/* Unsupported request with NEED_REPLY: a failure ack, not a crash. */
	{
		int fd = eventfd(0, EFD_CLOEXEC);

		cr_assert_eq(roundtrip(VHOST_USER_SET_LOG_FD, VHOST_USER_FLAG_NEED_REPLY, NULL, 0, &fd, 1), 0);
		close(fd);
		recv_reply(VHOST_USER_SET_LOG_FD, &r);
		cr_assert_neq(r.payload.u64, 0);
	}
}

Test(dispatch, no_ack_without_reply_ack_feature)
{
	struct vhost_user_vring_state s = { 0, 16 };

	handshake(false);
	cr_assert_eq(roundtrip(VHOST_USER_SET_VRING_NUM, VHOST_USER_FLAG_NEED_REPLY, &s, sizeof(s), NULL, 0), 0);
	assert_no_reply();
	s.num = 3;
	cr_assert_lt(roundtrip(VHOST_USER_SET_VRING_NUM, 0, &s, sizeof(s), NULL, 0), 0, "failure drops");
}

Test(dispatch, malformed_size_drops)
{
	uint32_t v = 1;

	cr_assert_eq(roundtrip(VHOST_USER_SET_FEATURES, 0, &v, sizeof(v), NULL, 0), -EPROTO);
}

Test(dispatch, unknown_request_drops)
{
	cr_assert_eq(roundtrip(200, 0, NULL, 0, NULL, 0), -EPROTO);
}

Test(dispatch, bad_version_drops)
{
	struct vhost_user_hdr h = { VHOST_USER_GET_FEATURES, 2, 0 };

	cr_assert_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	cr_assert_eq(vu_dispatch(&td.vu), -EPROTO);
}

Test(dispatch, reply_flag_from_front_end_drops)
{
	uint64_t v = 0;

	cr_assert_eq(roundtrip(VHOST_USER_SET_FEATURES, VHOST_USER_FLAG_REPLY, &v, 8, NULL, 0), -EPROTO);
}

Test(dispatch, fd_on_request_without_fds_drops_and_closes)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 0;

	/* The codec refuses the extra fd; the fd must not leak into the daemon. */
	cr_assert_lt(roundtrip(VHOST_USER_SET_FEATURES, 0, &v, 8, &fd, 1), 0);
	close(fd);
}

Test(dispatch, truncated_message_and_eof)
{
	struct vhost_user_hdr h = { VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, 8 };

	cr_assert_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	shutdown(sv[0], SHUT_WR);
	cr_assert_lt(vu_dispatch(&td.vu), 0);
	cr_assert_eq(vu_dispatch(&td.vu), -ECONNRESET);
}

Test(dispatch, unsupported_without_ack_drops)
{
	uint64_t v = 1500;

	cr_assert_eq(roundtrip(VHOST_USER_NET_SET_MTU, 0, &v, 8, NULL, 0), -EOPNOTSUPP);
}

Test(dispatch, set_features_rejects_unoffered)
{
	uint64_t v = 1ULL << 26; /* VHOST_F_LOG_ALL: not offered */

	cr_assert_lt(roundtrip(VHOST_USER_SET_FEATURES, 0, &v, 8, NULL, 0), 0);
}

Test(dispatch, config_space)
{
	struct vhost_user_config c = { .offset = 4, .size = 4 };
	struct vhost_user_msg r;

	handshake(true);
	cr_assert_eq(roundtrip(VHOST_USER_GET_CONFIG, 0, &c, VHOST_USER_CONFIG_HDR_SIZE + 4, NULL, 0), 0);
	recv_reply(VHOST_USER_GET_CONFIG, &r);
	cr_assert_eq(r.payload.config.size, 4);
	cr_assert_eq(memcmp(r.payload.config.region, "4567", 4), 0);

	memcpy(c.region, "WXYZ", 4);
	expect_ok(VHOST_USER_SET_CONFIG, &c, VHOST_USER_CONFIG_HDR_SIZE + 4);
	cr_assert_eq(memcmp(td.config, "0123WXYZ89", 10), 0);

	c.offset = 14; /* beyond the device's 16 bytes: empty reply */
	cr_assert_eq(roundtrip(VHOST_USER_GET_CONFIG, 0, &c, VHOST_USER_CONFIG_HDR_SIZE + 4, NULL, 0), 0);
	recv_reply(VHOST_USER_GET_CONFIG, &r);
	cr_assert_eq(r.payload.config.size, 0);
	cr_assert_eq(r.hdr.size, VHOST_USER_CONFIG_HDR_SIZE);
}

Test(dispatch, status)
{
	handshake(true);
	set_u64(VHOST_USER_SET_STATUS, 0xf);
	cr_assert_eq(get_u64(VHOST_USER_GET_STATUS), 0xf);
}

Test(dispatch, mem_slots_and_regions)
{
	struct vhost_user_mem_single m = { 0, { 0, MEM_SIZE / 2, MEM_UVA, 0 } };
	struct vhost_user_mem_single m2 = { 0, { MEM_SIZE / 2, MEM_SIZE / 2, MEM_UVA + MEM_SIZE / 2, MEM_SIZE / 2 } };

	handshake(true);
	cr_assert_eq(get_u64(VHOST_USER_GET_MAX_MEM_SLOTS), VU_MEM_MAX_SLOTS);
	cr_assert_eq(roundtrip(VHOST_USER_ADD_MEM_REG, 0, &m, sizeof(m), &memfd, 1), 0);
	cr_assert_eq(roundtrip(VHOST_USER_ADD_MEM_REG, 0, &m2, sizeof(m2), &memfd, 1), 0);
	cr_assert_eq(td.vu.mem.nregions, 2);
	cr_assert_not_null(vu_mem_translate(&td.vu.mem, VU_ADDR_GPA, MEM_SIZE - 1, 1));
	cr_assert_eq(roundtrip(VHOST_USER_REM_MEM_REG, 0, &m2, sizeof(m2), NULL, 0), 0);
	cr_assert_eq(td.vu.mem.nregions, 1);
	cr_assert_null(vu_mem_translate(&td.vu.mem, VU_ADDR_GPA, MEM_SIZE - 1, 1));
	cr_assert_lt(roundtrip(VHOST_USER_REM_MEM_REG, 0, &m2, sizeof(m2), NULL, 0), 0, "not there any more");
}

Test(dispatch, mem_table_change_restarts_running_queue)
{
	struct vhost_user_vring_state en = { 0, 1 };
	struct vu_virtq *vq;
	void *old_desc;

	handshake(true);
	mem_table();
	vring_setup(0, 0);
	send_fd(VHOST_USER_SET_VRING_KICK, 0, eventfd(0, EFD_CLOEXEC));
	expect_ok(VHOST_USER_SET_VRING_ENABLE, &en, sizeof(en));
	vq = vu_dev_queue(&td.vu, 0);
	old_desc = vq->desc;
	cr_assert_eq(td.starts, 1);
	mem_table();
	cr_assert_eq(td.stops, 1, "stopped before the table changed");
	cr_assert_eq(td.starts, 2, "restarted after");
	cr_assert(vu_virtq_mapped(vq));
	cr_assert_not_null(old_desc);

	/* A new call fd while running: swapped while stopped. */
	send_fd(VHOST_USER_SET_VRING_CALL, 0, eventfd(0, EFD_CLOEXEC));
	cr_assert_eq(td.stops, 2);
	cr_assert_eq(td.starts, 3);

	/* Disable stops, RESET_DEVICE resets. */
	en.num = 0;
	expect_ok(VHOST_USER_SET_VRING_ENABLE, &en, sizeof(en));
	cr_assert_eq(td.stops, 3);
	expect_ok(VHOST_USER_RESET_DEVICE, NULL, 0);
	cr_assert_eq(td.resets, 1);
	cr_assert_eq(vq->kick_fd, -1);
	cr_assert_eq(vq->size, 0);
}

Test(dispatch, vring_changes_refused_while_started)
{
	struct vhost_user_vring_state s = { 0, 32 };

	handshake(false);
	mem_table();
	vring_setup(0, 0);
	send_fd(VHOST_USER_SET_VRING_KICK, 0, eventfd(0, EFD_CLOEXEC));
	cr_assert_lt(roundtrip(VHOST_USER_SET_VRING_NUM, 0, &s, sizeof(s), NULL, 0), 0);
}

Test(dispatch, control_loop_kick)
{
	teardown(); /* again with the queue_kick ops */
	init_dev(&t_ops_kick);
	handshake(false);
	mem_table();
	vring_setup(0, 0);
	send_fd(VHOST_USER_SET_VRING_KICK, 0, eventfd(0, EFD_CLOEXEC));
	cr_assert_eq(td.starts, 1);
	cr_assert_eq(td.watched_fd, vu_dev_queue(&td.vu, 0)->kick_fd, "kick fd watched once started");
	cr_assert_eq(td.kicks, 1, "one pass right after start");
	cr_assert_eq(eventfd_write(td.watched_fd, 1), 0);
	td.watch_cb(&td.vu, td.watched_fd, VU_WATCH_IN, td.watch_opaque);
	cr_assert_eq(td.kicks, 2);
	vu_dev_fini(&td.vu);
	cr_assert_eq(td.watched_fd, -1, "unwatched on fini");
	cr_assert_eq(td.stops, 1);
}

Test(dispatch, init_rejects_bad_arguments)
{
	struct vu_dev d;
	int s[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
	cr_assert_eq(vu_dev_init(&d, &t_ops, 1, 100, s[0]), -EINVAL, "queue size not a power of two");
	cr_assert_eq(fcntl(s[0], F_GETFD), -1, "socket closed on failure");
	vu_dev_fini(&d);
	close(s[1]);
}
