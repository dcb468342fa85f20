/* SPDX-License-Identifier: Apache-2.0 */
/* cnh-net: the vhost-user net device daemon (tap back-end). */
#include <linux/if_tun.h>
#include <stdio.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/random.h>

#include "common/log.h"
#include "vhost-user/lib/vu_main.h"
#include "vhost-user/net/net.h"

struct net_main_opts {
	struct tap_opts tap;
	bool have_mac;
	uint8_t mac[NET_ETH_ALEN];
	unsigned int num_queues, queue_size;
};

static int net_opt_tap_fd(void *ctx, const char *arg, char *err, size_t err_len)
{
	unsigned int fd = 0;
	int r = vu_main_parse_uint(arg, 0, 1 << 20, &fd, err, err_len);

	if (r == 0)
		((struct net_main_opts *)ctx)->tap.fd = (int)fd;
	return r;
}

static int net_opt_mac(void *ctx, const char *arg, char *err, size_t err_len)
{
	struct net_main_opts *o = ctx;

	if (net_parse_mac(arg, o->mac) < 0 || (o->mac[0] & 1)) {
		snprintf(err, err_len, "--mac: '%s' is not a unicast MAC (aa:bb:cc:dd:ee:ff)", arg);
		return -EINVAL;
	}
	o->have_mac = true;
	return 0;
}

static int net_opt_num_queues(void *ctx, const char *arg, char *err, size_t err_len)
{
	struct net_main_opts *o = ctx;
	int r = vu_main_parse_uint(arg, 2, 2 * NET_MAX_PAIRS, &o->num_queues, err, err_len);

	if (r == 0 && o->num_queues % 2) {
		snprintf(err, err_len, "--num-queues counts data queues, two per pair: must be even");
		return -EINVAL;
	}
	return r;
}

static int net_opt_queue_size(void *ctx, const char *arg, char *err, size_t err_len)
{
	struct net_main_opts *o = ctx;
	int r = vu_main_parse_uint(arg, 2, NET_MAX_QUEUE_SIZE, &o->queue_size, err, err_len);

	if (r == 0 && (o->queue_size & (o->queue_size - 1))) {
		snprintf(err, err_len, "--queue-size must be a power of two");
		return -EINVAL;
	}
	return r;
}

static const struct vu_main_opt net_main_opts[] = {
	VU_MAIN_OPT_STR("tap", "NAME", "tap interface (created if missing; needs CAP_NET_ADMIN then)",
			struct net_main_opts, tap.name),
	VU_MAIN_OPT_CALL("tap-fd", "N", "an open tap queue fd to use for pair 0 (taken)", net_opt_tap_fd),
	VU_MAIN_OPT_CALL("mac", "MAC", "guest MAC address (default: random, locally administered)",
			 net_opt_mac),
	VU_MAIN_OPT_STR("ip", "A", "IPv4 address for the tap (brings it up)", struct net_main_opts, tap.ip),
	VU_MAIN_OPT_STR("mask", "M", "IPv4 netmask for --ip", struct net_main_opts, tap.mask),
	VU_MAIN_OPT_UINT("mtu", "N", "tap MTU, also offered to the guest (VIRTIO_NET_F_MTU)",
			 struct net_main_opts, tap.mtu, 68, 65535),
	VU_MAIN_OPT_CALL("num-queues", "N", "data virtqueues, two per pair, 2..32 (default 2)",
			 net_opt_num_queues),
	VU_MAIN_OPT_CALL("queue-size", "N", "largest queue size, power of two 2..1024 (default 256)",
			 net_opt_queue_size),
};

static const char *const net_feature_names[] = { "mq", "mrg-rxbuf", "csum", "tso", "ctrl-vq", NULL };

static const struct vu_main_info net_main_info = {
	.prog = "cnh-net",
	.summary = "vhost-user virtio-net back-end (multi-queue tap)",
	.type = "net",
	.features = net_feature_names,
	.opts = net_main_opts,
	.nopts = ARRAY_SIZE(net_main_opts),
};

/*
 * seccomp, the control role (net-control): this daemon's additions to the
 * library's tables (vu_seccomp.c). Tap frames are the workers' (net.c,
 * net_worker_seccomp); the control thread configures the tap.
 */
static const struct sc_rule net_main_seccomp[] = {
	SC_ALLOW_ARG(ioctl, 1, TUNSETIFF),      /* tap (re)attach */
	SC_ALLOW_ARG(ioctl, 1, TUNGETIFF),
	SC_ALLOW_ARG(ioctl, 1, SIOCGIFFLAGS),   /* link up, MTU (control socket) */
	SC_ALLOW_ARG(ioctl, 1, SIOCSIFFLAGS),
	SC_ALLOW_ARG(ioctl, 1, SIOCGIFMTU),
	SC_ALLOW_ARG(ioctl, 1, SIOCSIFMTU),
	SC_ALLOW_ARG(ioctl, 1, TUNSETOFFLOAD), /* guest offload features (SET_FEATURES) */
	SC_ALLOW_ARG(ioctl, 1, TUNSETVNETHDRSZ),
	SC_ALLOW_ARG(ioctl, 1, TUNSETQUEUE),   /* VQ_PAIRS_SET: attach/detach queues */
};

int main(int argc, char **argv)
{
	static struct net_dev net; /* large; zeroed */
	struct net_main_opts o = { .tap.fd = -1, .num_queues = 2, .queue_size = NET_DEF_QUEUE_SIZE };
	struct vu_main_args a;
	char err[256] = "";
	int r;

	r = vu_main_parse(&net_main_info, &o, argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 1;
	if (!o.tap.name && o.tap.fd < 0) {
		log_error("net", "--tap NAME or --tap-fd N is required");
		return 1;
	}
	if (o.tap.mask && !o.tap.ip) {
		log_error("net", "--mask needs --ip");
		return 1;
	}
	if (!o.have_mac) {
		if (getrandom(o.mac, sizeof(o.mac), 0) != sizeof(o.mac)) {
			log_error("net", "cannot make a random MAC: %s", strerror(errno));
			return 1;
		}
		o.mac[0] = (uint8_t)((o.mac[0] & 0xfe) | 0x02);
	}
	net.p.pairs = o.num_queues / 2;
	memcpy(net.p.mac, o.mac, NET_ETH_ALEN);
	net.queue_size = o.queue_size;
	net.seccomp = a.seccomp;
	o.tap.nqueues = net.p.pairs;
	r = tap_open(&net.tap, &o.tap, err, sizeof(err));
	if (r < 0) {
		log_error("net", "%s", err);
		return 1;
	}
	r = tap_get_mtu(&net.tap);
	net.p.mtu = r > 0 ? (unsigned int)r : 0;
	/*
	 * Before the workers start. The tap is open and never re-opened: no
	 * capability and no file is needed any more, so an empty root. No
	 * network namespace: SIOCGIFMTU and the tap's link live in this one.
	 */
	r = vu_main_sandbox(&a, &(struct vu_sandbox_policy){ VU_SANDBOX_MNT, 128 });
	if (r < 0) {
		tap_close(&net.tap);
		return 1;
	}
	r = net_dev_start(&net);
	if (r < 0) {
		log_error("net", "cannot start the workers: %s", strerror(-r));
		tap_close(&net.tap);
		return 1;
	}
	log_info("net", "tap %s%s: mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, %u pair(s) of %u on %u worker(s)%s",
		 net.tap.name, net.tap.created ? " (created)" : "", o.mac[0], o.mac[1], o.mac[2],
		 o.mac[3], o.mac[4], o.mac[5], net.p.mtu, net.p.pairs, o.queue_size, net.nworkers,
		 net.tap.vnet_hdr ? "" : ", no vnet header (offloads off)");

	struct vu_main_dev md = {
		.dev = &net.vu,
		.ops = &net_ops,
		.num_queues = net_num_vqs(&net),
		.max_queue_size = (uint16_t)o.queue_size,
		.seccomp_rules = net_main_seccomp,
		.seccomp_nrules = ARRAY_SIZE(net_main_seccomp),
		.seccomp_role = "net-control",
		.stats = &net.stats,
	};
	r = vu_main_run(&a, NULL, &md);
	net_dev_stop(&net);
	tap_close(&net.tap);
	return r < 0 ? 1 : 0;
}
