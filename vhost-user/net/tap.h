/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tap back-end: one queue fd per queue pair on a multi-queue tap
 * (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE), opened by name
 * through /dev/net/tun (which creates the tap if it does not exist) or
 * starting from a passed fd. Addresses, MTU and the link state are set with
 * the classic SIOCSIF* ioctls on an AF_INET socket.
 */
#ifndef CNH_NET_TAP_H
#define CNH_NET_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"
#include "vhost-user/net/net_hdr.h"

struct tap {
	char name[IFNAMSIZ];
	unsigned int nqueues;
	int fds[NET_MAX_PAIRS];  /* owned, O_CLOEXEC | O_NONBLOCK */
	bool vnet_hdr;           /* every queue has IFF_VNET_HDR */
	bool created;            /* did not exist before we opened it */
};

struct tap_opts {
	const char *name;        /* may be NULL with fd >= 0 */
	int fd;                  /* passed queue fd (taken), or -1 */
	unsigned int nqueues;    /* 1..NET_MAX_PAIRS */
	const char *ip, *mask;   /* NULL: leave the address alone */
	unsigned int mtu;        /* 0: leave it */
};

/* Open (or create) the tap and its queues; on failure err holds one line. 0 or -errno. */
int tap_open(struct tap *t, const struct tap_opts *o, char *err, size_t err_len) __must_check;
/* Close every queue fd. Accepts a zeroed or half-built tap. */
void tap_close(struct tap *t);
/* TUNSETVNETHDRSZ on every queue. 0 or -errno. */
int tap_set_vnet_hdr_len(struct tap *t, unsigned int len) __must_check;
/* TUNSETOFFLOAD (TUN_F_*), device-wide. 0 or -errno. */
int tap_set_offload(struct tap *t, unsigned int offloads) __must_check;
/* Attach (true) or detach queue q from the device (TUNSETQUEUE). 0 or -errno. */
int tap_queue_attach(struct tap *t, unsigned int q, bool attach) __must_check;
/* The interface MTU, or -errno. */
int tap_get_mtu(const struct tap *t) __must_check;

#endif
