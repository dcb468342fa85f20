/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM's virtio devices, built from the configuration: one vhost-user
 * front-end per --disk, with a spawned and supervised cnh-blk for path=
 * disks or a connection to an external back-end for vhost_user=true.
 */
#ifndef CNH_VMM_VHOST_USER_DEVICES_H
#define CNH_VMM_VHOST_USER_DEVICES_H

#include <ev.h>
#include <stddef.h>

#include "common/util.h"
#include "vmm/config.h"
#include "vmm/virtio/virtio_dev.h"

#define VHOST_USER_SET_MAX CONFIG_MAX_DISKS

struct vhost_user_fe;
struct daemon;

struct vhost_user_set {
	unsigned int ndevs;
	struct virtio_dev *devs[VHOST_USER_SET_MAX]; /* in --disk order; live until _free */
	/* private */
	struct vhost_user_set_entry {
		struct vhost_user_fe *fe;
		struct daemon *daemon; /* NULL for an external back-end */
	} ents[VHOST_USER_SET_MAX];
};

/*
 * Spawn the daemons and connect every device of cfg. loop must be libev's
 * default loop (daemon exits are watched there). On failure everything
 * started is stopped again and err holds a one-line reason.
 * *ret may be an empty set (no devices configured).
 */
int vhost_user_devices_create(const struct vm_config *cfg, struct ev_loop *loop,
			      struct vhost_user_set **ret, char *err, size_t errlen) __must_check;
/* Close every connection, terminate and reap every daemon. Accepts NULL. */
void vhost_user_devices_free(struct vhost_user_set *set);

#endif
