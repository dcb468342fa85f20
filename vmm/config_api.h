/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One machine configuration, two spellings: the command line (struct
 * vm_config) and the REST API's VmConfig (struct api_vm_config). Every boot
 * goes through the API form, so these two conversions are the only places
 * that know both. Pure.
 */
#ifndef CNH_VMM_CONFIG_API_H
#define CNH_VMM_CONFIG_API_H

#include "ipc/api.h"
#include "vmm/config.h"

/*
 * Build the machine part of ret from a; process-wide settings (log level,
 * KVM device, tracing, API socket, seccomp, sandbox level) come from base. Kernel, initramfs and
 * cmdline point into a (a must outlive ret); disk strings are copied and
 * freed by config_fini(). Devices cnh cannot build yet (net, fs, pmem,
 * vsock) are -EOPNOTSUPP with the field named in err.
 */
int config_from_api(const struct api_vm_config *a, const struct vm_config *base,
		    struct vm_config *ret, char *err, size_t errlen) __must_check;
/* The VmConfig of a command-line configuration (all strings copied). */
int config_to_api(const struct vm_config *c, struct api_vm_config *ret) __must_check;

#endif
