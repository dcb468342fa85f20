/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vm_control.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/config_api.h"
#include "vmm/daemon.h"
#include "vmm/event.h"
#include "vmm/vhost_user/devices.h"

#define TAG "control"

static void vm_control_forget(struct vm_control *ctl)
{
	if (ctl->have_cfg)
		config_fini(&ctl->cfg);
	ctl->have_cfg = false;
}

/* The guest powered off or crashed: the machine is gone, tell the state machine. */
static void vm_control_machine_stopped(struct vmm *vmm, enum vmm_event why)
{
	struct vm_control *ctl = vmm->api;

	(void)why;
	vm_api_set_state(&ctl->api, API_VM_SHUTDOWN);
	vm_control_forget(ctl);
}

static void ctl_event(struct vm_control *ctl, const char *event)
{
	event_monitor_emit(ctl->vmm->events, "vm", event, NULL);
}

static int ctl_create(void *opaque, const struct api_vm_config *cfg, char *err, size_t errlen)
{
	struct vm_control *ctl = opaque;
	struct vm_config c;
	int r;

	/* Everything a boot would reject without touching KVM: refuse it now. */
	r = config_from_api(cfg, ctl->base, &c, err, errlen);
	if (r < 0)
		return r;
	if (access(c.kernel, R_OK) < 0) {
		snprintf(err, errlen, "payload.kernel: %s: %s", c.kernel, strerror(errno));
		r = -EINVAL;
	} else if (c.initramfs && access(c.initramfs, R_OK) < 0) {
		snprintf(err, errlen, "payload.initramfs: %s: %s", c.initramfs, strerror(errno));
		r = -EINVAL;
	}
	config_fini(&c);
	if (r == 0)
		ctl_event(ctl, "created");
	return r;
}

static int ctl_boot(void *opaque, const struct api_vm_config *cfg, char *err, size_t errlen)
{
	struct vm_control *ctl = opaque;
	int r;

	vm_control_forget(ctl);
	r = config_from_api(cfg, ctl->base, &ctl->cfg, err, errlen);
	if (r < 0)
		return r;
	ctl->have_cfg = true;
	ctl_event(ctl, "booting");
	r = vmm_machine_create(ctl->vmm, &ctl->cfg, err, errlen);
	if (r == 0)
		r = vmm_machine_start(ctl->vmm, err, errlen);
	if (r == 0)
		ctl_event(ctl, "booted");
	if (r < 0) {
		event_monitor_emit(ctl->vmm->events, "vm", "boot-failed", json_pack("{s:s}", "error", err));
		vmm_machine_destroy(ctl->vmm);
		vm_control_forget(ctl);
		/* A configuration the host cannot run is the client's problem, not ours. */
		if (r != -ENOMEM && r != -EEXIST)
			r = -EINVAL;
	}
	return r;
}

static int ctl_shutdown(void *opaque, char *err, size_t errlen)
{
	struct vm_control *ctl = opaque;

	(void)err;
	(void)errlen;
	ctl_event(ctl, "shutting-down");
	vmm_machine_destroy(ctl->vmm);
	vm_control_forget(ctl);
	ctl_event(ctl, "shutdown");
	return 0;
}

static int ctl_reboot(void *opaque, char *err, size_t errlen)
{
	struct vm_control *ctl = opaque;

	if (!ctl->vmm->vm) {
		snprintf(err, errlen, "the VM is not running");
		return -EBUSY;
	}
	vmm_post_event(ctl->vmm, VMM_EVENT_REBOOT);
	return 0;
}

static int ctl_power_button(void *opaque, char *err, size_t errlen)
{
	struct vm_control *ctl = opaque;
	int r = vmm_power_button(ctl->vmm);

	if (r == 0)
		ctl_event(ctl, "power-button");
	if (r < 0)
		snprintf(err, errlen, "the VM is not running");
	return r == -ENOENT ? -EBUSY : r;
}

static int ctl_pause(void *opaque, char *err, size_t errlen)
{
	struct vm_control *ctl = opaque;

	if (!ctl->vmm->vm) {
		snprintf(err, errlen, "the VM is not running");
		return -EBUSY;
	}
	ctl_event(ctl, "pausing");
	vm_pause(ctl->vmm->vm);
	ctl_event(ctl, "paused");
	return 0;
}

static int ctl_resume(void *opaque, char *err, size_t errlen)
{
	struct vm_control *ctl = opaque;

	if (!ctl->vmm->vm) {
		snprintf(err, errlen, "the VM is not running");
		return -EBUSY;
	}
	ctl_event(ctl, "resuming");
	vm_resume(ctl->vmm->vm);
	ctl_event(ctl, "resumed");
	return 0;
}

static int ctl_info(void *opaque, uint64_t *ret_memory_actual_size)
{
	struct vm_control *ctl = opaque;

	*ret_memory_actual_size = ctl->vmm->vm ? ctl->vmm->vm->mem.ram_size : 0;
	return 0;
}

static void ctl_shutdown_vmm(void *opaque)
{
	struct vm_control *ctl = opaque;
	bool had = vmm_machine_exists(ctl->vmm);

	vmm_machine_destroy(ctl->vmm);
	vm_control_forget(ctl);
	if (had)
		ctl_event(ctl, "shutdown");
	vmm_quit(ctl->vmm, 0);
}

/* How long vm.counters waits for each daemon, and how many of its counters it takes. */
#define CTL_STATS_TIMEOUT_MS 200
#define CTL_STATS_MAX 32

/*
 * Ask the daemon behind device i for its counters and append them to c
 * (at most CTL_STATS_MAX, non-negative integers only) as entries of that
 * device. The parsed answer is kept in ctl->dev_stats: its keys are the
 * names. A daemon that does not answer in time, or answers nonsense, adds
 * nothing.
 */
static size_t ctl_daemon_counters(struct vm_control *ctl, unsigned int i, struct api_counter *c)
{
	struct vmm *vmm = ctl->vmm;
	char line[DAEMON_STATS_MAX];
	const char *key;
	json_t *obj, *v;
	size_t n = 0;
	int r;

	r = vhost_user_devices_query_stats(vmm->vu_devices, vmm->vcount[i].inner, CTL_STATS_TIMEOUT_MS, line,
					   sizeof(line));
	if (r < 0) {
		if (r != -ENOENT)
			log_debug(TAG, "%s: no counters from the daemon: %s", vmm->vcount[i].dev.name,
				  strerror(-r));
		return 0;
	}
	obj = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(obj) || json_array_append_new(ctl->dev_stats, obj) < 0) {
		if (obj)
			json_decref(obj);
		log_debug(TAG, "%s: the daemon's counters are not a JSON object", vmm->vcount[i].dev.name);
		return 0;
	}
	json_object_foreach(obj, key, v) {
		if (n == CTL_STATS_MAX)
			break;
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			continue;
		c[n++] = (struct api_counter){ vmm->vcount[i].dev.name, key, (uint64_t)json_integer_value(v) };
	}
	return n;
}

/*
 * vm.counters: "vm" {boots, vcpus}, one entry per virtio device (what the
 * VMM sees of it, vmm/counters.h, plus its daemon's I/O counters) and one
 * per vCPU (KVM's statistics for the current boot). The vCPU names and
 * daemon answers live in ctl until the next call.
 */
static int ctl_counters(void *opaque, struct api_counter **ret, size_t *ret_n)
{
	struct vm_control *ctl = opaque;
	struct vmm *vmm = ctl->vmm;
	struct vm *vm = vmm->vm;
	unsigned int ncpus = vm ? MIN(vm->ncpus, vmm->nvcpu_stats) : 0;
	size_t max = 2 + (size_t)vmm->nvirtio_devs * (COUNTERS_VIRTIO_N + CTL_STATS_MAX) +
		     (size_t)ncpus * COUNTERS_KVM_VCPU_N;
	struct api_counter *c;
	size_t n = 0;

	free(ctl->vcpu_names);
	ctl->vcpu_names = NULL;
	json_decref(ctl->dev_stats);
	ctl->dev_stats = json_array();
	if (!ctl->dev_stats)
		return -ENOMEM;
	c = calloc(max, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (ncpus) {
		ctl->vcpu_names = calloc(ncpus, sizeof(*ctl->vcpu_names));
		if (!ctl->vcpu_names) {
			free(c);
			return -ENOMEM;
		}
	}
	c[n++] = (struct api_counter){ "vm", "boots", vm ? vmm->boots : 0 };
	c[n++] = (struct api_counter){ "vm", "vcpus", vm ? vm->ncpus : 0 };
	for (unsigned int i = 0; i < vmm->nvirtio_devs; i++) {
		const char *names[COUNTERS_VIRTIO_N];
		uint64_t values[COUNTERS_VIRTIO_N];
		size_t k = counters_virtio_get(&vmm->vcount[i], names, values);

		for (size_t j = 0; j < k; j++)
			c[n++] = (struct api_counter){ vmm->vcount[i].dev.name, names[j], values[j] };
		if (vm)
			n += ctl_daemon_counters(ctl, i, c + n);
	}
	for (unsigned int i = 0; i < ncpus; i++) {
		uint64_t values[COUNTERS_KVM_VCPU_N];

		/* A kernel without binary statistics: no vCPU entries. */
		if (counters_kvm_read(vmm->vcpu_stats_fds[i], counters_kvm_vcpu_names, COUNTERS_KVM_VCPU_N,
				      values) <= 0)
			continue;
		snprintf(ctl->vcpu_names[i], sizeof(ctl->vcpu_names[i]), "vcpu%u", i);
		for (size_t j = 0; j < COUNTERS_KVM_VCPU_N; j++)
			c[n++] = (struct api_counter){ ctl->vcpu_names[i], counters_kvm_vcpu_names[j], values[j] };
	}
	*ret = c;
	*ret_n = n;
	return 0;
}

const struct vm_control_ops vm_control_ops = {
	.create = ctl_create,
	.boot = ctl_boot,
	.shutdown = ctl_shutdown,
	.reboot = ctl_reboot,
	.power_button = ctl_power_button,
	.pause = ctl_pause,
	.resume = ctl_resume,
	.info = ctl_info,
	.counters = ctl_counters,
	.shutdown_vmm = ctl_shutdown_vmm,
};

void vm_control_init(struct vm_control *ctl, struct vmm *vmm, const struct vm_config *base)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->vmm = vmm;
	ctl->base = base;
	vm_api_init(&ctl->api, &vm_control_ops, ctl);
	vmm->api = ctl;
	vmm->on_machine_stopped = vm_control_machine_stopped;
	/* With an API socket the VMM outlives its VM, as the API can boot another. */
	vmm->keep_running = base->has_api;
}

void vm_control_fini(struct vm_control *ctl)
{
	vm_control_forget(ctl);
	free(ctl->vcpu_names);
	ctl->vcpu_names = NULL;
	json_decref(ctl->dev_stats);
	ctl->dev_stats = NULL;
	vm_api_fini(&ctl->api);
}

int vm_control_boot_cmdline(struct vm_control *ctl, char *err, size_t errlen)
{
	struct api_vm_config acfg;
	int r;

	r = config_to_api(ctl->base, &acfg);
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
		return r;
	}
	/* vm_api takes acfg (it frees it on failure too). */
	r = vm_api_adopt(&ctl->api, &acfg, API_VM_CREATED, err, errlen);
	if (r < 0)
		return r;
	r = ctl_boot(ctl, &ctl->api.cfg, err, errlen);
	if (r < 0)
		return r;
	vm_api_set_state(&ctl->api, API_VM_RUNNING);
	return 0;
}
