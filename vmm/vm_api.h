/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API endpoints and the VM state machine (Cloud Hypervisor's):
 *
 *   NotCreated --vm.create--> Created --vm.boot--> Running <--pause/resume--> Paused
 *   Running|Paused --vm.shutdown--> Shutdown --vm.boot--> Running
 *   any --vm.delete--> NotCreated (a running VM is shut down first)
 *
 * An action the state does not allow is 409 Conflict with a message. The
 * VM configuration lives here (struct api_vm_config); the VMM acts through
 * struct vm_control_ops, implemented in vm.c and faked in the unit tests.
 * Everything here runs on the main loop's thread.
 *
 * Devices: with the VM Created or Shutdown, vm.add-* and vm.remove-device
 * edit the configuration (cold plug, applied at the next boot: 204). With
 * the VM Running or Paused they call the hot-plug op; while it is NULL the
 * answer is 409 "hotplug is not supported yet".
 */
#ifndef CNH_VMM_VM_API_H
#define CNH_VMM_VM_API_H

#include <stddef.h>

#include "ipc/api.h"
#include "vmm/api.h"

/*
 * VMM operations. Each returns 0 or -errno with a one-line message in err;
 * the status answered is 400 for -EINVAL, 404 for -ENOENT, 409 for
 * -EEXIST/-EBUSY/-EALREADY/-EOPNOTSUPP, else 500. The state machine has
 * already checked the state; an op that fails leaves the state unchanged.
 */
struct vm_control_ops {
	/* Check a configuration that vm.create will keep (files readable, host limits). Optional. */
	int (*create)(void *opaque, const struct api_vm_config *cfg, char *err, size_t errlen);
	/* Build the VM from cfg (devices included) and start the vCPUs. */
	int (*boot)(void *opaque, const struct api_vm_config *cfg, char *err, size_t errlen);
	/* Stop the vCPUs and free the VM (not the VMM). */
	int (*shutdown)(void *opaque, char *err, size_t errlen);
	/* Reset: tear down and boot again from the same configuration. */
	int (*reboot)(void *opaque, char *err, size_t errlen);
	/* Signal the ACPI power button (GED) to the guest. */
	int (*power_button)(void *opaque, char *err, size_t errlen);
	/* Stop / restart the vCPUs without tearing anything down. */
	int (*pause)(void *opaque, char *err, size_t errlen);
	int (*resume)(void *opaque, char *err, size_t errlen);
	/* Optional: the guest RAM actually allocated; NULL: the configured size. */
	int (*info)(void *opaque, uint64_t *ret_memory_actual_size);
	/*
	 * Optional: counters as a malloc'd array (freed by the caller; strings
	 * must stay valid until the next call). NULL: {}.
	 */
	int (*counters)(void *opaque, struct api_counter **ret, size_t *ret_n);
	/* Stop the VM if any and leave the main loop once this handler returns. */
	void (*shutdown_vmm)(void *opaque);
	/* Hot plug into a running VM. NULL: 409 "hotplug is not supported yet". */
	int (*add_disk)(void *opaque, const struct api_disk *d, char *err, size_t errlen);
	int (*add_net)(void *opaque, const struct api_net *n, char *err, size_t errlen);
	int (*add_fs)(void *opaque, const struct api_fs *f, char *err, size_t errlen);
	int (*add_pmem)(void *opaque, const struct api_pmem *p, char *err, size_t errlen);
	int (*add_vsock)(void *opaque, const struct api_vsock *v, char *err, size_t errlen);
	int (*remove_device)(void *opaque, const char *id, char *err, size_t errlen);
};

struct vm_api {
	const struct vm_control_ops *ops;
	void *opaque;
	enum api_vm_state state;
	struct api_vm_config cfg; /* meaningful unless NotCreated */
};

void vm_api_init(struct vm_api *a, const struct vm_control_ops *ops, void *opaque);
void vm_api_fini(struct vm_api *a);

/*
 * For a VM configured on the command line: adopt cfg (ownership moves,
 * also on failure) as if vm.create had run, in state Created, or Running
 * when the VMM booted it already. Ids are assigned; duplicates are -EINVAL.
 */
int vm_api_adopt(struct vm_api *a, struct api_vm_config *cfg, enum api_vm_state state, char *err,
		 size_t errlen) __must_check;
/* The VMM reports what the guest did: power-off -> Shutdown, for example. */
void vm_api_set_state(struct vm_api *a, enum api_vm_state state);

/* The route table for api_server_new(); opaque is the struct vm_api. */
const struct api_route *vm_api_routes(size_t *ret_n);

#endif
