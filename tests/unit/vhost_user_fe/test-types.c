/* SPDX-License-Identifier: Apache-2.0 */
/* The net, fs, vsock, pmem, rng and console device types against the scripted fake back-end. */
#include <criterion/criterion.h>
#include <endian.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pmem.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_backend.h"
#include "vmm/vhost_user/console.h"
#include "vmm/vhost_user/fs.h"
#include "vmm/vhost_user/net.h"
#include "vmm/vhost_user/pmem.h"
#include "vmm/vhost_user/rng.h"
#include "vmm/vhost_user/vsock.h"

#define BIT(n) (1ULL << (n))

static char err[256];

static struct vhost_user_fe *connect_type(struct fake_backend *f, const struct vhost_user_fe_type *t,
					  const void *arg, uint16_t max_queues, uint64_t vmm_features)
{
	struct vhost_user_fe_params p = {
		.name = "t0", .type = t, .max_queues = max_queues, .queue_size = 256,
		.timeout_ms = 2000, .type_arg = arg, .vmm_features = vmm_features,
	};
	struct vhost_user_fe *fe = NULL;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_start(f, sv[1]);
	cr_assert_eq(vhost_user_fe_new_fd(sv[0], &p, &fe, err, sizeof(err)), 0, "%s", err);
	return fe;
}

static void done(struct fake_backend *f, struct vhost_user_fe *fe)
{
	vhost_user_fe_free(fe);
	fake_join(f);
}

Test(types, net_mac_queues_ctrl)
{
	struct vhost_user_net_arg arg = { .mac = { 0x52, 0x54, 0, 1, 2, 3 }, .mtu = 9000 };
	struct virtio_net_config c;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *d;
	uint64_t feat;

	fake_init(&f);
	f.queue_num = 2; /* queue pairs */
	f.features |= BIT(VIRTIO_NET_F_MQ) | BIT(VIRTIO_NET_F_CTRL_VQ) | BIT(VIRTIO_NET_F_STATUS) |
		      BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_ANNOUNCE);
	fe = connect_type(&f, &vhost_user_net_type, &arg, 8, vhost_user_net_vmm_features(&arg));
	d = vhost_user_fe_dev(fe);
	cr_assert_eq(d->device_id, 1);
	cr_assert_eq(d->num_queues, 5, "2 pairs + control queue, got %u", d->num_queues);
	feat = d->ops->get_features(d);
	cr_assert(feat & BIT(VIRTIO_NET_F_MAC));
	cr_assert(feat & BIT(VIRTIO_NET_F_MTU));
	cr_assert(feat & BIT(VIRTIO_NET_F_MQ));
	cr_assert_not(feat & BIT(VIRTIO_NET_F_GUEST_ANNOUNCE));
	d->ops->config_read(d, 0, &c, 12);
	cr_assert_arr_eq(c.mac, arg.mac, 6);
	cr_assert_eq(le16toh(c.status), VIRTIO_NET_S_LINK_UP);
	cr_assert_eq(le16toh(c.max_virtqueue_pairs), 2);
	cr_assert_eq(le16toh(c.mtu), 9000);
	done(&f, fe);
}

Test(types, net_without_mq_one_pair)
{
	struct vhost_user_net_arg arg = { .mac = { 2, 0, 0, 0, 0, 1 } };
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *d;

	fake_init(&f);
	f.features |= BIT(VIRTIO_NET_F_MQ); /* MQ without CTRL_VQ is dropped */
	fe = connect_type(&f, &vhost_user_net_type, &arg, 8, vhost_user_net_vmm_features(&arg));
	d = vhost_user_fe_dev(fe);
	cr_assert_eq(d->num_queues, 2);
	cr_assert_not(d->ops->get_features(d) & BIT(VIRTIO_NET_F_MQ));
	cr_assert_not(d->ops->get_features(d) & BIT(VIRTIO_NET_F_MTU));
	done(&f, fe);
}

Test(types, fs_tag_and_request_queues)
{
	struct vhost_user_fs_arg arg = { .tag = "myfs" };
	struct virtio_fs_config c;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *d;

	fake_init(&f);
	f.protocol &= ~BIT(VHOST_USER_PROTOCOL_F_CONFIG); /* as virtiofsd */
	f.queue_num = 3;
	fe = connect_type(&f, &vhost_user_fs_type, &arg, 1 + 4, 0);
	d = vhost_user_fe_dev(fe);
	cr_assert_eq(d->device_id, 26);
	cr_assert_eq(d->num_queues, 3);
	d->ops->config_read(d, 0, &c, sizeof(c));
	cr_assert_str_eq((char *)c.tag, "myfs");
	cr_assert_eq(le32toh(c.num_request_queues), 2);
	done(&f, fe);
}

Test(types, vsock_cid)
{
	struct vhost_user_vsock_arg arg = { .cid = 0x123456789ULL };
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *d;
	uint64_t cid;

	fake_init(&f);
	fe = connect_type(&f, &vhost_user_vsock_type, &arg, 3, 0);
	d = vhost_user_fe_dev(fe);
	cr_assert_eq(d->device_id, 19);
	cr_assert_eq(d->num_queues, 3);
	d->ops->config_read(d, 0, &cid, sizeof(cid));
	cr_assert_eq(le64toh(cid), 0x123456789ULL);
	done(&f, fe);
}

Test(types, pmem_window_and_invalidate)
{
	struct vhost_user_pmem_arg arg = { .size = MiB(4) };
	struct virtio_pmem_config c;
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *d;

	fake_init(&f);
	fe = connect_type(&f, &vhost_user_pmem_type, &arg, 1, 0);
	d = vhost_user_fe_dev(fe);
	cr_assert_eq(d->device_id, 27);
	cr_assert_eq(d->num_queues, 1);
	arg.start = GiB(100);
	vhost_user_fe_config_invalidate(fe);
	d->ops->config_read(d, 0, &c, sizeof(c));
	cr_assert_eq(le64toh(c.start), GiB(100));
	cr_assert_eq(le64toh(c.size), MiB(4));
	done(&f, fe);
}

Test(types, rng_and_console)
{
	struct fake_backend f;
	struct vhost_user_fe *fe;
	struct virtio_dev *d;

	fake_init(&f);
	fe = connect_type(&f, &vhost_user_rng_type, NULL, 1, 0);
	d = vhost_user_fe_dev(fe);
	cr_assert_eq(d->device_id, 4);
	cr_assert_eq(d->num_queues, 1);
	cr_assert_eq(d->config_size, 0);
	done(&f, fe);
	fake_init(&f);
	f.features |= BIT(0); /* VIRTIO_CONSOLE_F_SIZE */
	fe = connect_type(&f, &vhost_user_console_type, NULL, 2, 0);
	d = vhost_user_fe_dev(fe);
	cr_assert_eq(d->device_id, 3);
	cr_assert_eq(d->num_queues, 2);
	cr_assert_eq(d->config_size, 4);
	done(&f, fe);
}
