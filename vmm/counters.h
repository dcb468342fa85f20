/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What vm.counters reports from the VMM's side:
 * - per virtio device, what the VMM sees of it (the data path goes
 *   KVM <-> back-end and never reaches us): activations (DRIVER_OK),
 *   failed activations, resets, features negotiations, device
 *   configuration reads and writes. struct counters_virtio wraps a device
 *   and counts its ops on their way from the transport to the device;
 * - per vCPU, KVM's own statistics (KVM_GET_STATS_FD): exits, io_exits,
 *   mmio_exits, ...
 */
#ifndef CNH_VMM_COUNTERS_H
#define CNH_VMM_COUNTERS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "vmm/virtio/virtio_dev.h"

struct counters_virtio {
	struct virtio_dev dev;     /* what the transport sees: inner's ids and sizes */
	struct virtio_dev *inner;  /* the device; not owned */
	/* Called after an activation or a reset, on the calling (vCPU) thread. */
	void (*changed)(void *opaque);
	void *opaque;
	atomic_uint_fast64_t activations, activate_failures, resets, features_set;
	atomic_uint_fast64_t config_reads, config_writes;
	/* Main loop only: how many activations/resets were reported as events. */
	uint64_t seen_activations, seen_resets;
};

/* Wrap inner (not owned); changed may be NULL. */
void counters_virtio_init(struct counters_virtio *c, struct virtio_dev *inner,
			  void (*changed)(void *opaque), void *opaque);
/* Copy inner's ids and sizes again (after its configuration changed). */
void counters_virtio_sync(struct counters_virtio *c);

/* The counters of a wrapped device: names[i] = values[i]; returns the count (<= max). */
#define COUNTERS_VIRTIO_N 6
size_t counters_virtio_get(const struct counters_virtio *c, const char **names, uint64_t *values);

/* The KVM per-vCPU statistics vm.counters reports, in this order. */
#define COUNTERS_KVM_VCPU_N 7
extern const char *const counters_kvm_vcpu_names[COUNTERS_KVM_VCPU_N];

/*
 * A statistics fd for a VM or vCPU fd (KVM_GET_STATS_FD, O_CLOEXEC), or
 * -errno (-ENOTTY: the kernel has none). A vCPU's must be opened before
 * its thread enters KVM_RUN: vCPU ioctls wait for a running vCPU.
 */
int counters_kvm_stats_fd(int kvm_fd) __must_check;
/*
 * Read KVM binary statistics from a statistics fd:
 * values[i] gets the statistic called names[i] (its first element), 0 when
 * KVM has none of that name. Returns how many were found, or -errno
 * (-ENOTTY: the kernel has no binary statistics).
 */
int counters_kvm_read(int stats_fd, const char *const *names, size_t n, uint64_t *values) __must_check;

#endif
