/* SPDX-License-Identifier: Apache-2.0 */
/* The vhost-user front-end against a scripted fake back-end on a socketpair. */
#include <criterion/criterion.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/log.h"
#include "fake_backend.h"
#include "vmm/memory.h"
#include "vmm/vhost_user/blk.h"
#include "vmm/vhost_user/frontend.h"

#define BIT(n) (1ULL << (n))
#define REGION_SIZE MiB(1)

static char err[256];

static void blk_fake(struct fake_backend *f)
{
	struct virtio_blk_config *c = (struct virtio_blk_config *)f->config;

	fake_init(f);
	f->features |= BIT(VIRTIO_BLK_F_MQ) | BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_RING_F_EVENT_IDX) |
		       BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_F_RING_PACKED) | BIT(38) /* NOTIFICATION_DATA */ |
		       BIT(VIRTIO_BLK_F_SCSI);
	c->capacity = 2048;
	c->num_queues = 3;
	c->blk_size = 512;
}

static int connect_fake(struct fake_backend *f, struct vhost_user_fe **fe, uint16_t max_queues)
{
	struct vhost_user_fe_params p = {
		.name = "test0", .type = &vhost_user_blk_type, .max_queues = max_queues,
		.queue_size = 128, .timeout_ms = 2000,
	};
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_start(f, sv[1]);
	err[0] = '\0';
	return vhost_user_fe_new_fd(sv[0], &p, fe, err, sizeof(err));
}

/* Two memfd-backed regions, as gm_init makes them (below and above the hole). */
static void mem_init(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
	gm->n = 2;
	for (unsigned int i = 0; i < 2; i++) {
		struct gm_region *r = &gm->regions[i];

		r->gpa = i ? GiB(4) : 0;
		r->size = REGION_SIZE;
		r->fd = memfd_create("guest", MFD_CLOEXEC);
		r->fd_offset = i ? 4096 : 0;
		cr_assert(r->fd >= 0);
		cr_assert_eq(ftruncate(r->fd, REGION_SIZE + 4096), 0);
		r->hva = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, (off_t)r->fd_offset);
		cr_assert_neq(r->hva, MAP_FAILED);
	}
	gm->ram_size = 2 * REGION_SIZE;
}

static void mem_fini(struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->n; i++) {
		munmap(gm->regions[i].hva, REGION_SIZE);
		close(gm->regions[i].fd);
	}
}

static ino_t ino_of(int fd)
{
	struct stat st;

	cr_assert_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

static void queues_init(struct virtio_queue_state *q, unsigned int n)
{
	memset(q, 0, n * sizeof(*q));
	for (unsigned int i = 0; i < n; i++) {
		q[i].kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q[i].call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	q[0].enabled = true;
	q[0].size = 64;
	q[0].desc = 0x1000;
	q[0].avail = 0x2000;
	q[0].used = GiB(4) + 0x3000;
}

static void queues_fini(struct virtio_queue_state *q, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		close(q[i].kick_fd);
		close(q[i].call_fd);
	}
}

static uint64_t efd_value(int fd)
{
	eventfd_t v = 0;

	(void)eventfd_read(fd, &v);
	return v;
}

Test(frontend, handshake_features_queues_config)
{
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	uint64_t cap = 0;
	uint16_t nq = 0;
	static const uint32_t expect[] = {
		VHOST_USER_GET_FEATURES, VHOST_USER_GET_PROTOCOL_FEATURES, VHOST_USER_SET_PROTOCOL_FEATURES,
		VHOST_USER_SET_OWNER, VHOST_USER_GET_QUEUE_NUM, VHOST_USER_GET_MAX_MEM_SLOTS,
		VHOST_USER_GET_CONFIG,
	};

	blk_fake(&f);
	f.protocol |= BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ) | BIT(VHOST_USER_PROTOCOL_F_PAGEFAULT);
	cr_assert_eq(connect_fake(&f, &fe, 2), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->device_id, 2);
	cr_assert_eq(dev->num_queues, 2, "min(GET_QUEUE_NUM 4, config 3, user 2)");
	cr_assert_eq(dev->queue_max_size, 128);
	cr_assert_eq(dev->config_size, offsetof(struct virtio_blk_config, max_discard_sectors));
	cr_assert_eq(dev->ops->get_features(dev),
		     BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_BLK_F_MQ) | BIT(VIRTIO_BLK_F_FLUSH) |
			     BIT(VIRTIO_RING_F_EVENT_IDX),
		     "offered %#llx", (unsigned long long)dev->ops->get_features(dev));
	cr_assert_eq(vhost_user_fe_protocol_features(fe), VHOST_USER_FE_PROTOCOL_FEATURES);
	dev->ops->config_read(dev, 0, &cap, sizeof(cap));
	cr_assert_eq(cap, 2048);
	dev->ops->config_read(dev, offsetof(struct virtio_blk_config, num_queues), &nq, sizeof(nq));
	cr_assert_eq(nq, 2, "the guest sees the transport's queue count");
	vhost_user_fe_free(fe);
	fake_join(&f);

	cr_assert_eq(f.n, ARRAY_SIZE(expect), "%u messages", f.n);
	for (unsigned int i = 0; i < ARRAY_SIZE(expect); i++)
		cr_assert_eq(f.log[i].hdr.request, expect[i], "message %u is %s", i,
			     vhost_user_request_name(f.log[i].hdr.request));
	cr_assert_eq(f.log[2].payload.u64, VHOST_USER_FE_PROTOCOL_FEATURES, "only what cnh uses");
	cr_assert(f.log[3].hdr.flags & VHOST_USER_FLAG_NEED_REPLY, "SET_OWNER asks for an ack");
	cr_assert_not(f.log[2].hdr.flags & VHOST_USER_FLAG_NEED_REPLY);
	cr_assert_not(f.protocol_error);
}

Test(frontend, config_cache_and_write)
{
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	uint8_t wce = 1, v = 0;
	uint32_t b;
	int first;

	blk_fake(&f);
	cr_assert_eq(connect_fake(&f, &fe, 1), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	dev->ops->config_read(dev, 20, &b, 4);
	dev->ops->config_read(dev, 0, &b, 4);
	cr_assert_eq(fake_find(&f, VHOST_USER_GET_CONFIG, 7), -1, "reads come from the cache");
	dev->ops->config_write(dev, offsetof(struct virtio_blk_config, wce), &wce, 1);
	f.config[offsetof(struct virtio_blk_config, wce)] = 1;
	dev->ops->config_read(dev, offsetof(struct virtio_blk_config, wce), &v, 1);
	cr_assert_eq(v, 1, "re-read after a write");
	/* Out of range: zeroes, no message. */
	b = 0xdeadbeef;
	dev->ops->config_read(dev, dev->config_size - 2, &b, 4);
	cr_assert_eq(b, 0);
	vhost_user_fe_free(fe);
	fake_join(&f);
	first = fake_find(&f, VHOST_USER_SET_CONFIG, 0);
	cr_assert_geq(first, 0);
	cr_assert_eq(f.log[first].payload.config.offset, offsetof(struct virtio_blk_config, wce));
	cr_assert_eq(f.log[first].payload.config.size, 1);
	cr_assert_eq(f.log[first].payload.config.region[0], 1);
	cr_assert_eq(fake_find(&f, VHOST_USER_GET_CONFIG, (unsigned int)first), first + 1);
	cr_assert_eq(f.n, (unsigned int)first + 2);
}

/* Check the activate sequence from index at; returns the index after it. */
static unsigned int check_activate(struct fake_backend *f, unsigned int at, const struct guest_mem *gm,
				   const struct virtio_queue_state *q, uint64_t features)
{
	static const uint32_t expect[] = {
		VHOST_USER_SET_FEATURES, VHOST_USER_SET_MEM_TABLE, VHOST_USER_GET_INFLIGHT_FD,
		VHOST_USER_SET_INFLIGHT_FD, VHOST_USER_SET_VRING_NUM, VHOST_USER_SET_VRING_ADDR,
		VHOST_USER_SET_VRING_BASE, VHOST_USER_SET_VRING_CALL, VHOST_USER_SET_VRING_KICK,
		VHOST_USER_SET_VRING_ENABLE, VHOST_USER_SET_STATUS,
	};
	const struct fake_entry *e = &f->log[at];

	cr_assert_geq(f->n, at + ARRAY_SIZE(expect));
	for (unsigned int i = 0; i < ARRAY_SIZE(expect); i++) {
		cr_assert_eq(e[i].hdr.request, expect[i], "message %u is %s", at + i,
			     vhost_user_request_name(e[i].hdr.request));
		if (expect[i] != VHOST_USER_GET_INFLIGHT_FD)
			cr_assert(e[i].hdr.flags & VHOST_USER_FLAG_NEED_REPLY, "%s without NEED_REPLY",
				  vhost_user_request_name(expect[i]));
	}
	cr_assert_eq(e[0].payload.u64, features | BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	/* memory table: one region per guest region, the right fds */
	cr_assert_eq(e[1].payload.memory.nregions, 2);
	cr_assert_eq(e[1].nfds, 2);
	for (unsigned int i = 0; i < 2; i++) {
		const struct vhost_user_mem_region *r = &e[1].payload.memory.regions[i];

		cr_assert_eq(r->guest_phys_addr, gm->regions[i].gpa);
		cr_assert_eq(r->memory_size, gm->regions[i].size);
		cr_assert_eq(r->userspace_addr, (uintptr_t)gm->regions[i].hva);
		cr_assert_eq(r->mmap_offset, gm->regions[i].fd_offset);
		cr_assert_eq(e[1].ino[i], ino_of(gm->regions[i].fd), "region %u fd", i);
	}
	cr_assert_eq(e[2].payload.inflight.num_queues, 2);
	cr_assert_eq(e[2].payload.inflight.queue_size, 128);
	cr_assert_eq(e[3].nfds, 1);
	cr_assert_eq(e[3].ino[0], f->inflight_ino, "SET_INFLIGHT_FD returns the back-end's fd");
	cr_assert_eq(e[3].payload.inflight.mmap_size, 4096);
	cr_assert_eq(e[4].payload.state.index, 0);
	cr_assert_eq(e[4].payload.state.num, 64);
	cr_assert_eq(e[5].payload.addr.index, 0);
	cr_assert_eq(e[5].payload.addr.desc_user_addr, (uintptr_t)gm->regions[0].hva + 0x1000);
	cr_assert_eq(e[5].payload.addr.avail_user_addr, (uintptr_t)gm->regions[0].hva + 0x2000);
	cr_assert_eq(e[5].payload.addr.used_user_addr, (uintptr_t)gm->regions[1].hva + 0x3000);
	cr_assert_eq(e[6].payload.state.num, 0);
	cr_assert_eq(e[7].payload.u64, 0);
	cr_assert_eq(e[7].nfds, 1);
	cr_assert_eq(e[8].payload.u64, 0);
	cr_assert_eq(e[8].nfds, 1);
	/* the fake wrote 1000+idx to the call fd it got and 100+idx to the kick fd */
	cr_assert_eq(efd_value(q[0].call_fd), 1000);
	cr_assert_eq(efd_value(q[0].kick_fd), 100);
	cr_assert_eq(e[9].payload.state.num, 1);
	cr_assert_eq(e[10].payload.u64, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
						VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	return at + ARRAY_SIZE(expect);
}

static unsigned int check_reset(struct fake_backend *f, unsigned int at)
{
	static const uint32_t expect[] = {
		VHOST_USER_SET_VRING_ENABLE, VHOST_USER_GET_VRING_BASE, VHOST_USER_RESET_DEVICE,
		VHOST_USER_SET_STATUS,
	};
	const struct fake_entry *e = &f->log[at];

	cr_assert_geq(f->n, at + ARRAY_SIZE(expect));
	for (unsigned int i = 0; i < ARRAY_SIZE(expect); i++)
		cr_assert_eq(e[i].hdr.request, expect[i], "message %u is %s", at + i,
			     vhost_user_request_name(e[i].hdr.request));
	cr_assert_eq(e[0].payload.state.num, 0);
	cr_assert_eq(e[1].payload.state.index, 0);
	cr_assert_eq(e[3].payload.u64, 0);
	return at + ARRAY_SIZE(expect);
}

Test(frontend, activate_reset_reboot)
{
	struct virtio_queue_state q[2];
	struct guest_mem gm, gm2;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	uint64_t features = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX);
	unsigned int at;

	blk_fake(&f);
	cr_assert_eq(connect_fake(&f, &fe, 2), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->ops->set_features(dev, features | BIT(VIRTIO_F_RING_PACKED)), -EINVAL,
		     "not offered");
	cr_assert_eq(dev->ops->set_features(dev, features), 0);
	mem_init(&gm);
	queues_init(q, 2); /* queue 1 stays disabled */
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), 0);
	at = check_activate(&f, 7, &gm, q, features);
	cr_assert_eq(f.n, at, "nothing for the disabled queue");
	dev->ops->reset(dev);
	at = check_reset(&f, at);
	cr_assert_eq(f.n, at);

	/* Reboot: new memory, new table. */
	mem_init(&gm2);
	cr_assert_eq(dev->ops->set_features(dev, features), 0);
	cr_assert_eq(dev->ops->activate(dev, &gm2, q, 2), 0);
	at = check_activate(&f, at, &gm2, q, features);
	cr_assert_neq(f.log[at - 10].ino[0], ino_of(gm.regions[0].fd));
	dev->ops->reset(dev);
	at = check_reset(&f, at);
	cr_assert_not(vhost_user_fe_is_broken(fe));
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_eq(f.n, at);
	cr_assert_not(f.protocol_error);
	queues_fini(q, 2);
	mem_fini(&gm);
	mem_fini(&gm2);
}

Test(frontend, bad_queues_rejected_without_messages)
{
	struct virtio_queue_state q[2];
	struct guest_mem gm;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;

	blk_fake(&f);
	cr_assert_eq(connect_fake(&f, &fe, 2), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->ops->set_features(dev, BIT(VIRTIO_F_VERSION_1)), 0);
	mem_init(&gm);
	queues_init(q, 2);
	q[0].size = 48;
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), -EINVAL, "size not a power of two");
	q[0].size = 256;
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), -EINVAL, "size above queue_max_size");
	q[0].size = 64;
	q[0].desc = REGION_SIZE - 512; /* the table runs past the region */
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), -EINVAL);
	q[0].desc = 0x1008;
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), -EINVAL, "descriptor table not 16-aligned");
	q[0].desc = 0x1000;
	q[0].avail = 0x2001;
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), -EINVAL, "avail ring not 2-aligned");
	q[0].avail = 0x2000;
	q[0].used += 2;
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 2), -EINVAL, "used ring not 4-aligned");
	q[0].used -= 2;
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 3), -EINVAL, "more queues than offered");
	cr_assert_not(vhost_user_fe_is_broken(fe));
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_eq(f.n, 7, "only the handshake");
	queues_fini(q, 2);
	mem_fini(&gm);
}

/* Run an activate against a fault; the device must end up broken (or refused). */
static void fault_activate(uint32_t req, unsigned int nth, enum fake_fault fault, int expect_r,
			   bool expect_broken)
{
	struct virtio_queue_state q[1];
	struct guest_mem gm;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	uint64_t cap = 0;

	log_set_level(LOG_LVL_ERROR);
	blk_fake(&f);
	f.fault_request = req;
	f.fault_nth = nth;
	f.fault = fault;
	cr_assert_eq(connect_fake(&f, &fe, 1), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->ops->set_features(dev, BIT(VIRTIO_F_VERSION_1)), 0);
	mem_init(&gm);
	queues_init(q, 1);
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 1), expect_r, "%s fault %d", vhost_user_request_name(req),
		     fault);
	cr_assert_eq(vhost_user_fe_is_broken(fe), expect_broken);
	dev->ops->reset(dev); /* must not crash or hang */
	if (expect_broken) {
		cr_assert_eq(dev->ops->activate(dev, &gm, q, 1), -EIO, "stays broken");
		cr_assert_eq(dev->ops->set_features(dev, BIT(VIRTIO_F_VERSION_1)), -EIO);
	}
	dev->ops->config_read(dev, 0, &cap, sizeof(cap));
	cr_assert_eq(cap, 2048, "config still answers from the cache");
	vhost_user_fe_free(fe);
	fake_join(&f);
	queues_fini(q, 1);
	mem_fini(&gm);
}

Test(frontend, peer_closes_mid_activate)
{
	fault_activate(VHOST_USER_SET_VRING_ADDR, 1, FAKE_CLOSE, -EIO, true);
}

Test(frontend, wrong_reply_id)
{
	fault_activate(VHOST_USER_SET_MEM_TABLE, 1, FAKE_WRONG_ID, -EIO, true);
}

Test(frontend, short_reply)
{
	fault_activate(VHOST_USER_GET_INFLIGHT_FD, 1, FAKE_SHORT, -EIO, true);
}

Test(frontend, ack_without_reply_flag)
{
	fault_activate(VHOST_USER_SET_VRING_KICK, 1, FAKE_NO_REPLY_FLAG, -EIO, true);
}

Test(frontend, nack_refuses_without_breaking)
{
	fault_activate(VHOST_USER_SET_MEM_TABLE, 1, FAKE_NACK, -EIO, false);
}

Test(frontend, short_vring_base_on_reset)
{
	struct virtio_queue_state q[1];
	struct guest_mem gm;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;

	log_set_level(LOG_LVL_ERROR);
	blk_fake(&f);
	f.fault_request = VHOST_USER_GET_VRING_BASE;
	f.fault = FAKE_SHORT;
	cr_assert_eq(connect_fake(&f, &fe, 1), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->ops->set_features(dev, BIT(VIRTIO_F_VERSION_1)), 0);
	mem_init(&gm);
	queues_init(q, 1);
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 1), 0);
	dev->ops->reset(dev);
	cr_assert(vhost_user_fe_is_broken(fe));
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 1), -EIO);
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_eq(fake_find(&f, VHOST_USER_RESET_DEVICE, 0), -1, "nothing after the bad reply");
	queues_fini(q, 1);
	mem_fini(&gm);
}

Test(frontend, handshake_faults_fail_connect)
{
	static const struct {
		uint32_t req;
		enum fake_fault fault;
	} cases[] = {
		{ VHOST_USER_GET_FEATURES, FAKE_WRONG_ID },
		{ VHOST_USER_GET_FEATURES, FAKE_CLOSE },
		{ VHOST_USER_GET_PROTOCOL_FEATURES, FAKE_SHORT },
		{ VHOST_USER_GET_CONFIG, FAKE_SHORT },
		{ VHOST_USER_GET_QUEUE_NUM, FAKE_NO_REPLY_FLAG },
		{ VHOST_USER_SET_OWNER, FAKE_NACK },
	};

	log_set_level(LOG_LVL_ERROR);
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fake_backend f;
		struct vhost_user_fe *fe = NULL;

		blk_fake(&f);
		f.fault_request = cases[i].req;
		f.fault = cases[i].fault;
		cr_assert_lt(connect_fake(&f, &fe, 1), 0, "case %u connected", i);
		cr_assert_not_null(strstr(err, "test0"), "case %u: '%s'", i, err);
		fake_join(&f);
	}
}

Test(frontend, backend_without_config_or_version1)
{
	struct fake_backend f;
	struct vhost_user_fe *fe = NULL;

	blk_fake(&f);
	f.protocol &= ~BIT(VHOST_USER_PROTOCOL_F_CONFIG);
	cr_assert_eq(connect_fake(&f, &fe, 1), -ENOTSUP);
	cr_assert_not_null(strstr(err, "PROTOCOL_F_CONFIG"), "%s", err);
	fake_join(&f);

	blk_fake(&f);
	f.features &= ~BIT(VIRTIO_F_VERSION_1);
	cr_assert_eq(connect_fake(&f, &fe, 1), -ENOTSUP);
	cr_assert_not_null(strstr(err, "VERSION_1"), "%s", err);
	fake_join(&f);
}

Test(frontend, minimal_backend_no_reply_ack)
{
	struct virtio_queue_state q[1];
	struct guest_mem gm;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;
	int i;

	blk_fake(&f);
	f.protocol = BIT(VHOST_USER_PROTOCOL_F_CONFIG);
	cr_assert_eq(connect_fake(&f, &fe, 4), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	cr_assert_eq(dev->num_queues, 1, "no MQ: one queue");
	cr_assert_eq(dev->ops->set_features(dev, BIT(VIRTIO_F_VERSION_1)), 0);
	mem_init(&gm);
	queues_init(q, 1);
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 1), 0);
	dev->ops->reset(dev);
	vhost_user_fe_free(fe);
	fake_join(&f);
	for (unsigned int k = 0; k < f.n; k++)
		cr_assert_not(f.log[k].hdr.flags & VHOST_USER_FLAG_NEED_REPLY, "%s asks for an ack",
			      vhost_user_request_name(f.log[k].hdr.request));
	cr_assert_eq(fake_find(&f, VHOST_USER_GET_QUEUE_NUM, 0), -1);
	cr_assert_eq(fake_find(&f, VHOST_USER_GET_INFLIGHT_FD, 0), -1);
	cr_assert_eq(fake_find(&f, VHOST_USER_SET_STATUS, 0), -1);
	cr_assert_eq(fake_find(&f, VHOST_USER_RESET_DEVICE, 0), -1);
	cr_assert_eq(fake_find(&f, VHOST_USER_RESET_OWNER, 0), -1);
	i = fake_find(&f, VHOST_USER_GET_VRING_BASE, 0);
	cr_assert_geq(i, 0, "reset still stops the ring");
	queues_fini(q, 1);
	mem_fini(&gm);
}

Test(frontend, mark_broken_from_another_thread)
{
	struct virtio_queue_state q[1];
	struct guest_mem gm;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *dev;

	log_set_level(LOG_LVL_ERROR);
	blk_fake(&f);
	cr_assert_eq(connect_fake(&f, &fe, 1), 0, "%s", err);
	dev = vhost_user_fe_dev(fe);
	vhost_user_fe_mark_broken(fe, "process exited");
	mem_init(&gm);
	queues_init(q, 1);
	cr_assert_eq(dev->ops->set_features(dev, BIT(VIRTIO_F_VERSION_1)), -EIO);
	cr_assert_eq(dev->ops->activate(dev, &gm, q, 1), -EIO);
	vhost_user_fe_free(fe);
	fake_join(&f);
	cr_assert_eq(f.n, 7);
	queues_fini(q, 1);
	mem_fini(&gm);
}
