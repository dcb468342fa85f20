/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KVM capabilities the VMM depends on, with their names, so that a host
 * lacking one is reported as "KVM lacks KVM_CAP_X" before any VM exists.
 */
#ifndef CNH_VMM_X86_KVM_CAPS_H
#define CNH_VMM_X86_KVM_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

struct x86_kvm_cap {
	int cap;          /* KVM_CAP_* */
	const char *name; /* "KVM_CAP_*" */
	const char *why;  /* what cnh uses it for */
};

/* The table of required capabilities; *ret_n = its length. */
const struct x86_kvm_cap *x86_kvm_caps_required(size_t *ret_n);

/*
 * KVM_GET_API_VERSION must be 12 and every required capability present
 * (KVM_CHECK_EXTENSION > 0) on kvm_fd (/dev/kvm or a VM fd).
 * 0; -ENOTSUP with *ret_missing naming the first missing one (or
 * "KVM_API_VERSION 12"); -errno when the ioctl itself fails.
 */
int x86_kvm_caps_check(int kvm_fd, const char **ret_missing) __must_check;

/* KVM_CHECK_EXTENSION result (> 0 present, 0 absent) or -errno. */
int x86_kvm_cap_value(int kvm_fd, int cap);

#endif
