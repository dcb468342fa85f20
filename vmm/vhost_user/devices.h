/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM's virtio devices, built from the configuration: one vhost-user
 * front-end per --disk, --net, --fs, --pmem, --vsock, --rng and --console,
 * each with a spawned and supervised daemon (cnh-blk, cnh-net, ...; its end
 * of a socketpair is --fd 3; it gets cnh's --seccomp and --sandbox-level)
 * or a connection to an external back-end.
 *
 * --pmem files are mapped here (MAP_SHARED, or MAP_PRIVATE with
 * discard_writes) for the machine's lifetime; each boot places the windows
 * (vhost_user_devices_place_pmem) and registers them as KVM memory slots.
 */
#ifndef CNH_VMM_VHOST_USER_DEVICES_H
#define CNH_VMM_VHOST_USER_DEVICES_H

#include <ev.h>
#include <stddef.h>

#include "common/util.h"
#include "vmm/config.h"
#include "vmm/vhost_user/frontend.h"
#include "vmm/vhost_user/fs.h"
#include "vmm/vhost_user/net.h"
#include "vmm/vhost_user/pmem.h"
#include "vmm/vhost_user/vsock.h"
#include "vmm/virtio/virtio_dev.h"

#define VHOST_USER_SET_MAX CONFIG_MAX_VIRTIO_DEVS

struct vhost_user_fe;
struct daemon;

/* One --pmem file mapping and the guest-physical window it gets. */
struct vhost_user_pmem_region {
	void *hva;     /* mmap of the file */
	uint64_t size; /* multiple of 2 MiB */
	uint64_t gpa;  /* 0 until placed */
};

struct vhost_user_set {
	unsigned int ndevs;
	struct vhost_user_fe_notify notify; /* given to every front-end */
	/* disks, nets, rng, fs, pmem, vsock, console, each in option order; live until _free */
	struct virtio_dev *devs[VHOST_USER_SET_MAX];
	unsigned int npmem;
	struct vhost_user_pmem_region pmem[CONFIG_MAX_PMEM]; /* in --pmem order */
	/* private */
	enum sc_mode seccomp;                   /* forwarded to spawned daemons */
	enum config_sandbox_level sandbox_level; /* likewise */
	struct vhost_user_set_entry {
		struct vhost_user_fe *fe;
		struct daemon *daemon; /* NULL for an external back-end */
		union {
			struct vhost_user_net_arg net;
			struct vhost_user_fs_arg fs;
			struct vhost_user_vsock_arg vsock;
			struct vhost_user_pmem_arg pmem;
		} arg;
		int pmem_index; /* -1 unless a pmem device */
	} ents[VHOST_USER_SET_MAX];
};

/*
 * Spawn the daemons and connect every device of cfg. loop must be libev's
 * default loop (daemon exits, backend request channels and broken-ring
 * eventfds are watched there); notify (may be NULL) gets every device's
 * config-change and needs-reset events on it. On failure everything
 * started is stopped again and err holds a one-line reason.
 * *ret may be an empty set (no devices configured).
 */
int vhost_user_devices_create(const struct vm_config *cfg, struct ev_loop *loop,
			      const struct vhost_user_fe_notify *notify, struct vhost_user_set **ret,
			      char *err, size_t errlen) __must_check;
/* Close every connection, terminate and reap every daemon, unmap pmem. Accepts NULL. */
void vhost_user_devices_free(struct vhost_user_set *set);

/*
 * The counters line ({"name": value, ...}) of the daemon serving dev (one
 * of set->devs) within timeout_ms (daemon_query_stats). -ENOENT: dev is
 * not in set or has an external back-end (no counters channel).
 */
int vhost_user_devices_query_stats(struct vhost_user_set *set, const struct virtio_dev *dev, int timeout_ms,
				   char *buf, size_t len) __must_check;

/*
 * Place the pmem windows at the top of the 64-bit PCI window [base,
 * base + size), downward in --pmem order, 2 MiB aligned, and make each
 * device's config {start, size} say so. BARs are allocated upward from
 * base; the windows may take at most half of it (-ENOSPC). Idempotent.
 */
int vhost_user_devices_place_pmem(struct vhost_user_set *set, uint64_t base, uint64_t size) __must_check;

/* devices_pmem.c: map one --pmem file (size checks as Cloud Hypervisor). */
int vhost_user_pmem_map(const struct pmem_config *pc, struct vhost_user_pmem_region *ret, char *err,
			size_t errlen) __must_check;
void vhost_user_pmem_unmap(struct vhost_user_pmem_region *r);

#endif
