/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-pmem device type (device id 27): one request queue (flushes,
 * answered by the back-end with fsync); config {start, size} (le64) is the
 * guest-physical window the VMM maps the file into (vmm/vhost_user/devices.h
 * places it, vmm/vm.c registers it with KVM each boot).
 */
#ifndef CNH_VMM_VHOST_USER_PMEM_H
#define CNH_VMM_VHOST_USER_PMEM_H

#include "vmm/vhost_user/frontend.h"

struct vhost_user_pmem_arg {
	uint64_t start; /* 0 until placed */
	uint64_t size;
};

extern const struct vhost_user_fe_type vhost_user_pmem_type;

#endif
