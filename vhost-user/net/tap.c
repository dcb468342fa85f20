/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhost-user/net/tap.h"

#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)

/* Open one queue of the tap called name with flags. fd or -errno. */
static int tap_open_queue(const char *name, short flags)
{
	struct ifreq ifr = { 0 };
	int fd, r;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = flags;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int tap_ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		r = -errno;
	close(s);
	return r;
}

static int tap_set_addr(const struct tap *t, unsigned long req, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return -EINVAL;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return tap_ifreq_ioctl(req, &ifr);
}

static int tap_up(const struct tap *t)
{
	struct ifreq ifr = { 0 };
	int r;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	r = tap_ifreq_ioctl(SIOCGIFFLAGS, &ifr);
	if (r < 0)
		return r;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return tap_ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

int tap_get_mtu(const struct tap *t)
{
	struct ifreq ifr = { 0 };
	int r;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	r = tap_ifreq_ioctl(SIOCGIFMTU, &ifr);
	return r < 0 ? r : ifr.ifr_mtu;
}

static int tap_set_mtu(const struct tap *t, unsigned int mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	return tap_ifreq_ioctl(SIOCSIFMTU, &ifr);
}

/* Take a passed fd: learn its name and flags. */
static int tap_adopt(struct tap *t, int fd, char *err, size_t err_len)
{
	struct ifreq ifr = { 0 };
	int fl;

	t->fds[0] = fd;
	t->nqueues = 1;
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		snprintf(err, err_len, "--tap-fd %d is not a tap queue: %s", fd, strerror(errno));
		return -EINVAL;
	}
	if (!(ifr.ifr_flags & IFF_TAP) || !(ifr.ifr_flags & IFF_NO_PI)) {
		snprintf(err, err_len, "--tap-fd %d: not a tap with IFF_NO_PI", fd);
		return -EINVAL;
	}
	t->vnet_hdr = ifr.ifr_flags & IFF_VNET_HDR;
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		snprintf(err, err_len, "--tap-fd %d: %s", fd, strerror(errno));
		return -errno;
	}
	return (ifr.ifr_flags & IFF_MULTI_QUEUE) ? 1 : 0;
}

int tap_open(struct tap *t, const struct tap_opts *o, char *err, size_t err_len)
{
	short flags = TAP_FLAGS | (o->nqueues > 1 ? IFF_MULTI_QUEUE : 0);
	unsigned int first = 0;
	int r;

	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < NET_MAX_PAIRS; i++)
		t->fds[i] = -1;
	if (o->nqueues < 1 || o->nqueues > NET_MAX_PAIRS) {
		snprintf(err, err_len, "tap queues must be 1..%u", NET_MAX_PAIRS);
		return -EINVAL;
	}
	if (o->fd >= 0) {
		r = tap_adopt(t, o->fd, err, err_len);
		if (r < 0)
			goto fail;
		if (o->name && strcmp(o->name, t->name)) {
			snprintf(err, err_len, "--tap-fd %d is tap '%s', not '%s'", o->fd, t->name, o->name);
			r = -EINVAL;
			goto fail;
		}
		if (o->nqueues > 1 && r == 0) {
			snprintf(err, err_len, "--tap-fd %d: tap '%s' is not multi-queue", o->fd, t->name);
			r = -EINVAL;
			goto fail;
		}
		first = 1;
	} else {
		if (!o->name || !*o->name || strlen(o->name) >= IFNAMSIZ) {
			snprintf(err, err_len, "--tap NAME (below %u characters) is required", IFNAMSIZ);
			return -EINVAL;
		}
		snprintf(t->name, sizeof(t->name), "%s", o->name);
		t->created = if_nametoindex(o->name) == 0;
		t->vnet_hdr = true;
	}
	for (unsigned int q = first; q < o->nqueues; q++) {
		r = tap_open_queue(t->name, flags);
		if (r == -EINVAL && o->nqueues == 1 && q == 0)
			r = tap_open_queue(t->name, TAP_FLAGS | IFF_MULTI_QUEUE); /* an existing mq tap */
		if (r < 0) {
			snprintf(err, err_len, "tap '%s' queue %u: %s%s", t->name, q, strerror(-r),
				 r == -EINVAL ? " (exists with other flags? multi-queue needed for >1 pair)" :
				 r == -EPERM ? " (needs CAP_NET_ADMIN or a tap owned by this user)" : "");
			goto fail;
		}
		t->fds[q] = r;
		t->nqueues = q + 1;
	}
	if (o->mtu && (r = tap_set_mtu(t, o->mtu)) < 0) {
		snprintf(err, err_len, "tap '%s': MTU %u: %s", t->name, o->mtu, strerror(-r));
		goto fail;
	}
	if (o->ip) {
		r = tap_set_addr(t, SIOCSIFADDR, o->ip);
		if (r == 0 && o->mask)
			r = tap_set_addr(t, SIOCSIFNETMASK, o->mask);
		if (r < 0) {
			snprintf(err, err_len, "tap '%s': address %s/%s: %s", t->name, o->ip,
				 o->mask ? o->mask : "-", strerror(-r));
			goto fail;
		}
	}
	if ((o->ip || t->created) && (r = tap_up(t)) < 0) {
		snprintf(err, err_len, "tap '%s': cannot bring it up: %s", t->name, strerror(-r));
		goto fail;
	}
	return 0;
fail:
	tap_close(t);
	return r;
}

void tap_close(struct tap *t)
{
	for (unsigned int i = 0; i < NET_MAX_PAIRS; i++) {
		if (t->fds[i] >= 0)
			close(t->fds[i]);
		t->fds[i] = -1;
	}
	t->nqueues = 0;
}

int tap_set_vnet_hdr_len(struct tap *t, unsigned int len)
{
	int v = (int)len;

	for (unsigned int q = 0; q < t->nqueues && t->vnet_hdr; q++)
		if (ioctl(t->fds[q], TUNSETVNETHDRSZ, &v) < 0)
			return -errno;
	return 0;
}

int tap_set_offload(struct tap *t, unsigned int offloads)
{
	if (!t->vnet_hdr || t->nqueues == 0)
		return offloads ? -EOPNOTSUPP : 0;
	if (ioctl(t->fds[0], TUNSETOFFLOAD, (unsigned long)offloads) < 0)
		return -errno;
	return 0;
}

int tap_queue_attach(struct tap *t, unsigned int q, bool attach)
{
	struct ifreq ifr = { .ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE };

	if (q >= t->nqueues)
		return -EINVAL;
	if (ioctl(t->fds[q], TUNSETQUEUE, &ifr) < 0)
		return -errno;
	return 0;
}
