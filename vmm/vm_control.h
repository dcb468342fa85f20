/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM's side of the API state machine (vmm/vm_api.c): the operations
 * vm.create, vm.boot, vm.shutdown, ... carry out on the machine. The command
 * line boots through the same path, as if it had sent vm.create + vm.boot.
 */
#ifndef CNH_VMM_VM_CONTROL_H
#define CNH_VMM_VM_CONTROL_H

#include "vmm/config.h"
#include "vmm/vm.h"
#include "vmm/vm_api.h"

struct vm_control {
	struct vmm *vmm;
	const struct vm_config *base; /* the command line: process-wide settings */
	struct vm_config cfg;         /* the machine's, built from api.cfg at boot */
	bool have_cfg;
	struct vm_api api;
	char (*vcpu_names)[16]; /* vm.counters' "vcpuN" keys, until the next call */
	struct json_t *dev_stats; /* vm.counters' daemon answers (their keys), until the next call */
};

void vm_control_init(struct vm_control *ctl, struct vmm *vmm, const struct vm_config *base);
void vm_control_fini(struct vm_control *ctl);
/*
 * Boot the machine the command line describes (--kernel ...): the API then
 * reports it as Running. err gets a one-line reason on failure.
 */
int vm_control_boot_cmdline(struct vm_control *ctl, char *err, size_t errlen) __must_check;

extern const struct vm_control_ops vm_control_ops;

#endif
