/* SPDX-License-Identifier: Apache-2.0 */
/* The VMM process: devices, the main loop, the machine's lifecycle. */
#include "vmm/vm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "common/log.h"
#include "devices/acpi_pm.h"
#include "devices/ged.h"
#include "devices/i8042.h"
#include "devices/post.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "vmm/console.h"
#include "vmm/daemon.h"
#include "vmm/event.h"
#include "vmm/vhost_user/devices.h"
#include "vmm/layout.h"
#include "vmm/trace.h"
#include "vmm/pci/virtio_pci.h"

#define TAG "vmm"

/* devices/ cannot include vmm/layout.h: keep its copies of the ACPI registers in step. */
_Static_assert(ACPI_PM_REG_SLEEP_CONTROL == ACPI_PM_SLEEP_CONTROL, "sleep control offset");
_Static_assert(ACPI_PM_REG_SLEEP_STATUS == ACPI_PM_SLEEP_STATUS, "sleep status offset");
_Static_assert(ACPI_PM_REG_RESET == ACPI_PM_RESET, "reset register offset");
_Static_assert(ACPI_PM_RESET_VALUE == ACPI_RESET_VALUE, "reset value");
_Static_assert(ACPI_PM_SLP_TYP_S5 == ACPI_SLP_TYP_S5, "S5 sleep type");

/* ---- interrupt lines and platform events, as seen by devices/ ---- */

static void vmm_irq_set_level(struct irq_line *line, bool level)
{
	struct vmm_irq *irq = container_of(line, struct vmm_irq, line);
	struct vmm *vmm = irq->vmm;

	pthread_rwlock_rdlock(&vmm->irq_lock);
	if (vmm->irq_vm_fd >= 0) {
		struct kvm_irq_level l = { .irq = irq->gsi, .level = level };

		if (ioctl(vmm->irq_vm_fd, KVM_IRQ_LINE, &l) < 0)
			log_debug(TAG, "KVM_IRQ_LINE gsi %u: %s", irq->gsi, strerror(errno));
	}
	pthread_rwlock_unlock(&vmm->irq_lock);
}

static struct irq_line *vmm_ctx_irq(struct dev_ctx *ctx, unsigned int gsi)
{
	struct vmm *vmm = container_of(ctx, struct vmm, ctx);

	if (gsi >= VMM_MAX_GSI)
		return NULL;
	return &vmm->irqs[gsi].line;
}

static void vmm_ctx_platform_event(struct dev_ctx *ctx, enum platform_event ev)
{
	struct vmm *vmm = container_of(ctx, struct vmm, ctx);

	if (ev == PLATFORM_POWEROFF)
		trace_point(TRACE_GUEST_POWEROFF);
	vmm_post_event(vmm, ev == PLATFORM_POWEROFF ? VMM_EVENT_POWEROFF : VMM_EVENT_REBOOT);
}

void vmm_post_event(struct vmm *vmm, enum vmm_event ev)
{
	pthread_mutex_lock(&vmm->event_lock);
	/* A crash or power-off outranks a reboot requested at the same time. */
	if (ev > vmm->event)
		vmm->event = ev;
	/* Stop guest execution now: the requesting vCPU must not run on. */
	if (vmm->vm)
		vm_kick_all(vmm->vm);
	pthread_mutex_unlock(&vmm->event_lock);
	ev_async_send(vmm->loop, &vmm->event_async);
}

/* Make vm the current machine: interrupts from devices go to it. */
static void vmm_attach_vm(struct vmm *vmm, struct vm *vm)
{
	pthread_mutex_lock(&vmm->event_lock);
	vmm->vm = vm;
	pthread_mutex_unlock(&vmm->event_lock);
	pthread_rwlock_wrlock(&vmm->irq_lock);
	vmm->irq_vm_fd = vm ? vm->kvm.vm_fd : -1;
	pthread_rwlock_unlock(&vmm->irq_lock);
}

/* ---- events: virtio device activations and resets, daemon exits ---- */

/* A vCPU thread activated or reset a device: the main loop reports it. */
static void vmm_virtio_changed(void *opaque)
{
	struct vmm *vmm = opaque;

	ev_async_send(vmm->loop, &vmm->event_async);
}

static void vmm_emit_device_events(struct vmm *vmm)
{
	for (unsigned int i = 0; i < vmm->nvirtio_devs; i++) {
		struct counters_virtio *c = &vmm->vcount[i];
		uint64_t act = atomic_load(&c->activations), rst = atomic_load(&c->resets);

		/* In order of their likely occurrence; several of each are reported one by one. */
		for (; c->seen_resets < rst && c->seen_resets < c->seen_activations; c->seen_resets++)
			event_monitor_emit_id(vmm->events, "virtio-device", "reset", c->dev.name);
		for (; c->seen_activations < act; c->seen_activations++)
			event_monitor_emit_id(vmm->events, "virtio-device", "activated", c->dev.name);
		for (; c->seen_resets < rst; c->seen_resets++)
			event_monitor_emit_id(vmm->events, "virtio-device", "reset", c->dev.name);
	}
}

static void vmm_daemon_exited(struct ev_loop *loop, ev_child *w, int revents)
{
	struct vmm *vmm = w->data;
	unsigned int i = (unsigned int)(w - vmm->daemon_watch);
	struct virtio_dev *dev;
	int st = w->rstatus;

	(void)revents;
	if (WIFSTOPPED(st) || WIFCONTINUED(st))
		return;
	ev_child_stop(loop, w);
	vmm->daemon_watch_pid[i] = 0;
	if (!vmm->vu_devices || i >= vmm->vu_devices->ndevs)
		return;
	dev = vmm->vu_devices->devs[i];
	/* vmm/daemon.c logged the exit; the guest learns that its device is gone. */
	log_error(TAG, "%s: back-end daemon gone; the device needs a reset", dev->name);
	event_monitor_emit(vmm->events, "daemon", "daemon-exited",
			   json_pack("{s:s,s:i,s:i,s:i}", "id", dev->name, "pid", (int)w->rpid,
				     "status", WIFEXITED(st) ? WEXITSTATUS(st) : -1, "signal",
				     WIFSIGNALED(st) ? WTERMSIG(st) : 0));
	vmm_virtio_needs_reset(vmm, dev);
}

/* A front-end's event, on the main loop: CONFIG_CHANGE_MSG or a broken ring. */
static void vmm_vu_notify(void *opaque, struct virtio_dev *dev, enum vhost_user_fe_event ev)
{
	struct vmm *vmm = opaque;

	if (ev == VHOST_USER_FE_CONFIG_CHANGED)
		vmm_virtio_config_changed(vmm, dev);
	else
		vmm_virtio_needs_reset(vmm, dev);
}

/* Watch the spawned daemons next to vmm/daemon.c's own watcher (libev calls both). */
static void vmm_watch_daemons(struct vmm *vmm)
{
	const struct vhost_user_set *set = vmm->vu_devices;

	for (unsigned int i = 0; set && i < set->ndevs && i < VMM_MAX_VIRTIO_DEVS; i++) {
		if (!set->ents[i].daemon)
			continue;
		vmm->daemon_watch_pid[i] = daemon_pid(set->ents[i].daemon);
		ev_child_init(&vmm->daemon_watch[i], vmm_daemon_exited, vmm->daemon_watch_pid[i], 0);
		vmm->daemon_watch[i].data = vmm;
		ev_child_start(vmm->loop, &vmm->daemon_watch[i]);
	}
}

/* Before the daemons are stopped on purpose: their exits are not news. */
static void vmm_unwatch_daemons(struct vmm *vmm)
{
	for (unsigned int i = 0; i < VMM_MAX_VIRTIO_DEVS; i++) {
		if (vmm->daemon_watch_pid[i]) {
			ev_child_stop(vmm->loop, &vmm->daemon_watch[i]);
			vmm->daemon_watch_pid[i] = 0;
		}
	}
}

/* vm.counters reads KVM's per-vCPU statistics through fds opened before the vCPUs run. */
static void vmm_close_vcpu_stats(struct vmm *vmm)
{
	for (unsigned int i = 0; i < vmm->nvcpu_stats; i++)
		if (vmm->vcpu_stats_fds[i] >= 0)
			close(vmm->vcpu_stats_fds[i]);
	free(vmm->vcpu_stats_fds);
	vmm->vcpu_stats_fds = NULL;
	vmm->nvcpu_stats = 0;
}

static void vmm_open_vcpu_stats(struct vmm *vmm, struct vm *vm)
{
	vmm_close_vcpu_stats(vmm);
	vmm->vcpu_stats_fds = calloc(vm->ncpus ? vm->ncpus : 1, sizeof(int));
	if (!vmm->vcpu_stats_fds)
		return; /* counters are optional: none for this boot */
	vmm->nvcpu_stats = vm->ncpus;
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		int fd = counters_kvm_stats_fd(vm->vcpus[i].fd);

		vmm->vcpu_stats_fds[i] = fd < 0 ? -1 : fd;
	}
}

/* Start the vCPUs of vm (the current one). */
static int vmm_start_vm(struct vmm *vmm, struct vm *vm)
{
	vmm_open_vcpu_stats(vmm, vm);
	return vm_start(vm);
}

static void vmm_stop_vm(struct vmm *vmm)
{
	struct vm *vm = vmm->vm;

	if (!vm)
		return;
	vmm_attach_vm(vmm, NULL);
	vm_free(vm);
	vmm_close_vcpu_stats(vmm);
	/* The transports reset their devices: report it while the devices are still known. */
	vmm_emit_device_events(vmm);
}

/* ---- devices ---- */

static int vmm_add_device(struct vmm *vmm, struct bus *bus, uint64_t base, uint64_t len,
			  struct device *dev, char *err, size_t errlen)
{
	int r = bus_register(bus, base, len, dev);

	if (r < 0) {
		snprintf(err, errlen, "%s: cannot map at 0x%llx: %s", dev->ops->name,
			 (unsigned long long)base, strerror(-r));
		return r;
	}
	return 0;
}

static void vmm_track_device(struct vmm *vmm, struct device *dev)
{
	vmm->devices[vmm->ndevices++] = dev;
}

static int vmm_create_devices(struct vmm *vmm, char *err, size_t errlen)
{
	const struct vm_config *cfg = vmm->cfg;
	uint64_t low = MIN(cfg->mem_size, LAYOUT_PCI_HOLE_START);
	struct device *dev;
	int r;

	r = console_new(&cfg->serial, vmm->loop, &vmm->console);
	if (r < 0) {
		snprintf(err, errlen, "serial console: %s", strerror(-r));
		return r;
	}
	/* --serial off: no UART at all, as in Cloud Hypervisor; null keeps it and drops output. */
	if (cfg->serial.mode != CONSOLE_OFF) {
		r = serial_new(&vmm->ctx, IRQ_SERIAL_COM1, console_tx, vmm->console, &vmm->serial);
		if (r < 0)
			goto nomem;
		vmm_track_device(vmm, serial_device(vmm->serial));
		console_attach(vmm->console, vmm->serial);
		r = vmm_add_device(vmm, &vmm->pio, PORT_SERIAL_COM1, PORT_SERIAL_LEN,
				   serial_device(vmm->serial), err, errlen);
		if (r < 0)
			return r;
	}

	r = rtc_new(&vmm->ctx, low, cfg->mem_size - low, NULL, &dev);
	if (r < 0)
		goto nomem;
	vmm_track_device(vmm, dev);
	r = vmm_add_device(vmm, &vmm->pio, PORT_RTC, PORT_RTC_LEN, dev, err, errlen);
	if (r < 0)
		return r;

	r = i8042_new(&vmm->ctx, &dev);
	if (r < 0)
		goto nomem;
	vmm_track_device(vmm, dev);
	r = vmm_add_device(vmm, &vmm->pio, PORT_I8042_DATA, 1, dev, err, errlen);
	if (r < 0)
		return r;
	r = vmm_add_device(vmm, &vmm->pio, PORT_I8042_CMD, 1, i8042_cmd_device(dev), err, errlen);
	if (r < 0)
		return r;

	r = acpi_pm_new(&vmm->ctx, &dev);
	if (r < 0)
		goto nomem;
	vmm_track_device(vmm, dev);
	r = vmm_add_device(vmm, &vmm->pio, PORT_ACPI_PM, PORT_ACPI_PM_LEN, dev, err, errlen);
	if (r < 0)
		return r;

	r = ged_new(&vmm->ctx, IRQ_GED, &vmm->ged);
	if (r < 0)
		goto nomem;
	vmm_track_device(vmm, ged_device(vmm->ged));
	r = vmm_add_device(vmm, &vmm->mmio, LAYOUT_GED_START, LAYOUT_GED_SIZE, ged_device(vmm->ged),
			   err, errlen);
	if (r < 0)
		return r;

	r = post_new(&vmm->ctx, trace_post, NULL, &dev);
	if (r < 0)
		goto nomem;
	vmm_track_device(vmm, dev);
	return vmm_add_device(vmm, &vmm->pio, PORT_POST, 1, dev, err, errlen);
nomem:
	snprintf(err, errlen, "creating legacy devices: %s", strerror(-r));
	return r;
}

static void vmm_reset_devices(struct vmm *vmm)
{
	for (unsigned int i = 0; i < vmm->ndevices; i++)
		device_reset(vmm->devices[i]);
}

/* ---- the main loop ---- */

void vmm_quit(struct vmm *vmm, int code)
{
	vmm->exit_code = code;
	ev_break(vmm->loop, EVBREAK_ALL);
}

/* The machine stopped on its own: end the process, or keep serving the API. */
static void vmm_machine_stopped(struct vmm *vmm, enum vmm_event why)
{
	int code = why == VMM_EVENT_CRASH ? 1 : 0;

	vmm_machine_destroy(vmm);
	event_monitor_emit(vmm->events, "vm", why == VMM_EVENT_CRASH ? "crashed" : "shutdown", NULL);
	if (vmm->on_machine_stopped)
		vmm->on_machine_stopped(vmm, why);
	if (!vmm->keep_running)
		vmm_quit(vmm, code);
}

static void vmm_reboot(struct vmm *vmm)
{
	char err[256];
	struct vm *vm;
	int r;

	log_info(TAG, "guest reboot");
	event_monitor_emit(vmm->events, "vm", "rebooting", NULL);
	vmm_stop_vm(vmm);
	/* Requests the old vCPUs made while stopping belong to the old boot. */
	pthread_mutex_lock(&vmm->event_lock);
	vmm->event = VMM_EVENT_NONE;
	pthread_mutex_unlock(&vmm->event_lock);
	vmm_reset_devices(vmm);
	r = vm_new(vmm, &vm, err, sizeof(err));
	if (r < 0) {
		log_error(TAG, "reboot failed: %s", err);
		vmm_machine_stopped(vmm, VMM_EVENT_CRASH);
		return;
	}
	vmm_attach_vm(vmm, vm);
	vmm->boots++;
	r = vmm_start_vm(vmm, vm);
	if (r < 0) {
		log_error(TAG, "reboot failed: starting vCPUs: %s", strerror(-r));
		vmm_machine_stopped(vmm, VMM_EVENT_CRASH);
		return;
	}
	event_monitor_emit(vmm->events, "vm", "rebooted", NULL);
}

static void vmm_on_event(struct ev_loop *loop, ev_async *w, int revents)
{
	struct vmm *vmm = container_of(w, struct vmm, event_async);
	enum vmm_event ev;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&vmm->event_lock);
	ev = vmm->event;
	vmm->event = VMM_EVENT_NONE;
	pthread_mutex_unlock(&vmm->event_lock);
	vmm_emit_device_events(vmm);
	if (!vmm->vm)
		return; /* a late request from a machine already gone */

	switch (ev) {
	case VMM_EVENT_NONE:
		return;
	case VMM_EVENT_POWEROFF:
		log_info(TAG, "guest powered off");
		vmm_machine_stopped(vmm, ev);
		return;
	case VMM_EVENT_CRASH:
		log_error(TAG, "guest stopped on a fatal vCPU exit");
		vmm_machine_stopped(vmm, ev);
		return;
	case VMM_EVENT_REBOOT:
		vmm_reboot(vmm);
		return;
	}
}

static void vmm_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct vmm *vmm = w->data;

	(void)loop;
	(void)revents;
	log_info(TAG, "%s: stopping the VM", strsignal(w->signum));
	event_monitor_emit(vmm->events, "vmm", "signal",
			   json_pack("{s:i,s:s}", "signal", w->signum, "name", sigabbrev_np(w->signum)));
	/* An ordered stop that was asked for: vCPUs joined, devices, daemons and console closed. */
	if (vmm_machine_exists(vmm)) {
		vmm_machine_destroy(vmm);
		event_monitor_emit(vmm->events, "vm", "shutdown", NULL);
	}
	vmm_quit(vmm, 0);
}

static int vmm_check_host_memory(const struct vm_config *cfg, char *err, size_t errlen)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t host;

	if (pages <= 0 || psize <= 0)
		return 0;
	host = (uint64_t)pages * (uint64_t)psize;
	if (cfg->mem_size > host) {
		snprintf(err, errlen, "--memory size=%llu MiB exceeds the host's %llu MiB of RAM",
			 (unsigned long long)(cfg->mem_size >> 20), (unsigned long long)(host >> 20));
		return -ENOMEM;
	}
	return 0;
}

void vmm_init(struct vmm *vmm, struct ev_loop *loop)
{
	memset(vmm, 0, sizeof(*vmm));
	vmm->loop = loop;
	vmm->irq_vm_fd = -1;
	vmm->ctx.irq = vmm_ctx_irq;
	vmm->ctx.platform_event = vmm_ctx_platform_event;
	for (unsigned int i = 0; i < VMM_MAX_GSI; i++)
		vmm->irqs[i] = (struct vmm_irq){ .line.set_level = vmm_irq_set_level, .vmm = vmm, .gsi = i };
	pthread_rwlock_init(&vmm->irq_lock, NULL);
	pthread_mutex_init(&vmm->event_lock, NULL);
	bus_init(&vmm->pio, "pio");
	bus_init(&vmm->mmio, "mmio");
	ev_async_init(&vmm->event_async, vmm_on_event);
	ev_async_start(loop, &vmm->event_async);
	ev_signal_init(&vmm->sig_term, vmm_on_signal, SIGTERM);
	ev_signal_init(&vmm->sig_int, vmm_on_signal, SIGINT);
	ev_signal_init(&vmm->sig_hup, vmm_on_signal, SIGHUP);
	vmm->sig_term.data = vmm->sig_int.data = vmm->sig_hup.data = vmm;
	ev_signal_start(loop, &vmm->sig_term);
	ev_signal_start(loop, &vmm->sig_int);
	ev_signal_start(loop, &vmm->sig_hup);
	vcpu_signals_init();
}

int vmm_machine_create(struct vmm *vmm, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct vm *vm;
	int r;

	if (vmm->cfg) {
		snprintf(err, errlen, "a machine exists already");
		return -EEXIST;
	}
	vmm->cfg = cfg;
	r = vmm_check_host_memory(cfg, err, errlen);
	if (r < 0)
		goto fail;
	r = vmm_create_devices(vmm, err, errlen);
	if (r < 0)
		goto fail;
	/* Virtio devices: connect to (or spawn) their vhost-user back-ends. */
	r = vhost_user_devices_create(cfg, vmm->loop, &(struct vhost_user_fe_notify){ vmm_vu_notify, vmm },
				      &vmm->vu_devices, err, errlen);
	if (r < 0)
		goto fail;
	for (unsigned int i = 0; i < vmm->vu_devices->ndevs; i++) {
		r = vmm_add_virtio_dev(vmm, vmm->vu_devices->devs[i], err, errlen);
		if (r < 0)
			goto fail;
	}
	vmm_watch_daemons(vmm);
	trace_point(TRACE_DEVICES_CONNECTED);
	r = vm_new(vmm, &vm, err, errlen);
	if (r < 0)
		goto fail;
	vmm_attach_vm(vmm, vm);
	vmm->boots = 1;
	return 0;
fail:
	vmm_machine_destroy(vmm);
	return r;
}

int vmm_machine_start(struct vmm *vmm, char *err, size_t errlen)
{
	int r;

	if (!vmm->vm) {
		snprintf(err, errlen, "no machine to start");
		return -ENOENT;
	}
	r = vmm_start_vm(vmm, vmm->vm);
	if (r < 0)
		snprintf(err, errlen, "starting vCPUs: %s", strerror(-r));
	return r;
}

bool vmm_machine_exists(const struct vmm *vmm)
{
	return vmm->cfg != NULL;
}

void vmm_machine_destroy(struct vmm *vmm)
{
	vmm_stop_vm(vmm);
	vmm_unwatch_daemons(vmm);
	/* After the VM: the transports reset their devices while the back-ends still listen. */
	vhost_user_devices_free(vmm->vu_devices);
	vmm->vu_devices = NULL;
	vmm->nvirtio_devs = 0;
	for (unsigned int i = vmm->ndevices; i-- > 0;)
		device_destroy(vmm->devices[i]);
	vmm->ndevices = 0;
	vmm->serial = NULL;
	vmm->ged = NULL;
	console_free(vmm->console);
	vmm->console = NULL;
	/* Nothing is mapped any more: start the next machine from empty buses. */
	bus_fini(&vmm->pio);
	bus_fini(&vmm->mmio);
	bus_init(&vmm->pio, "pio");
	bus_init(&vmm->mmio, "mmio");
	vmm->cfg = NULL;
	/* Requests from the old vCPUs are void. */
	pthread_mutex_lock(&vmm->event_lock);
	vmm->event = VMM_EVENT_NONE;
	pthread_mutex_unlock(&vmm->event_lock);
}

int vmm_power_button(struct vmm *vmm)
{
	if (!vmm->vm || !vmm->ged)
		return -ENOENT;
	ged_notify(vmm->ged, GED_EVENT_POWER_BUTTON);
	return 0;
}

int vmm_add_virtio_dev(struct vmm *vmm, struct virtio_dev *dev, char *err, size_t errlen)
{
	unsigned int n = vmm->nvirtio_devs;
	int r;

	if (n == VMM_MAX_VIRTIO_DEVS) {
		snprintf(err, errlen, "%s: at most %u virtio devices", dev->name ? dev->name : "?",
			 VMM_MAX_VIRTIO_DEVS);
		return -ENOSPC;
	}
	if (vmm->vm && vmm->vm->ncpus && vmm->vm->vcpus && vmm->vm->vcpus[0].thread_started) {
		snprintf(err, errlen, "%s: virtio devices cannot be added to a running VM",
			 dev->name ? dev->name : "?");
		return -EBUSY;
	}
	/* The transport talks to the counting wrapper, which forwards to dev. */
	counters_virtio_init(&vmm->vcount[n], dev, vmm_virtio_changed, vmm);
	vmm->virtio_devs[n] = &vmm->vcount[n].dev;
	vmm->nvirtio_devs++;
	/* The first VM exists already: plug the device into it too. */
	if (vmm->vm) {
		r = vm_add_virtio(vmm->vm, n, err, errlen);
		if (r < 0) {
			vmm->virtio_devs[n] = NULL;
			vmm->nvirtio_devs--;
			return r;
		}
	}
	return 0;
}

void vmm_virtio_config_changed(struct vmm *vmm, struct virtio_dev *dev)
{
	for (unsigned int i = 0; i < vmm->nvirtio_devs; i++) {
		if (vmm->vcount[i].inner != dev)
			continue;
		counters_virtio_sync(&vmm->vcount[i]);
		if (vmm->vm && vmm->vm->vpci[i])
			virtio_pci_config_changed(vmm->vm->vpci[i]);
	}
}

void vmm_virtio_needs_reset(struct vmm *vmm, struct virtio_dev *dev)
{
	for (unsigned int i = 0; i < vmm->nvirtio_devs; i++)
		if (vmm->vcount[i].inner == dev && vmm->vm && vmm->vm->vpci[i])
			virtio_pci_needs_reset(vmm->vm->vpci[i]);
}

int vmm_run(struct vmm *vmm)
{
	ev_run(vmm->loop, 0);
	return vmm->exit_code;
}

void vmm_fini(struct vmm *vmm)
{
	if (!vmm)
		return;
	vmm_machine_destroy(vmm);
	if (vmm->loop) {
		ev_async_stop(vmm->loop, &vmm->event_async);
		ev_signal_stop(vmm->loop, &vmm->sig_term);
		ev_signal_stop(vmm->loop, &vmm->sig_int);
		ev_signal_stop(vmm->loop, &vmm->sig_hup);
	}
	bus_fini(&vmm->pio);
	bus_fini(&vmm->mmio);
	pthread_rwlock_destroy(&vmm->irq_lock);
	pthread_mutex_destroy(&vmm->event_lock);
}
