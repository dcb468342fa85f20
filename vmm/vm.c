/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/log.h"
#include "devices/acpi_pm.h"
#include "devices/ged.h"
#include "devices/i8042.h"
#include "devices/post.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "vmm/acpi/acpi.h"
#include "vmm/console.h"
#include "vmm/vhost_user/devices.h"
#include "vmm/layout.h"
#include "vmm/trace.h"
#include "vmm/pci/pci.h"
#include "vmm/pci/pci_kvm.h"
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

static void vm_kick_all(struct vm *vm)
{
	atomic_store(&vm->stopping, true);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpus[i]);
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

/* ---- one boot of the machine ---- */

/* vCPUs stopped: unplug the functions (device reset, fds unbound), then the root. */
static void vm_teardown_pci(struct vm *vm)
{
	for (unsigned int i = VMM_MAX_VIRTIO_DEVS; i-- > 0;) {
		virtio_pci_free(vm->vpci[i]);
		vm->vpci[i] = NULL;
	}
	pci_root_free(vm->pci);
	vm->pci = NULL;
	pci_kvm_free(vm->pci_hv);
	vm->pci_hv = NULL;
}

static void vm_free(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->vcpus) {
		vm_kick_all(vm);
		for (unsigned int i = 0; i < vm->ncpus; i++)
			vcpu_fini(&vm->vcpus[i]);
		free(vm->vcpus);
	}
	vm_teardown_pci(vm);
	kvm_close(&vm->kvm);
	gm_fini(&vm->mem);
	free(vm);
}

static int vm_setup_memory(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
	int r = gm_init(&vm->mem, cfg->mem_size, cfg->hugepages);

	if (r < 0) {
		snprintf(err, errlen, "cannot allocate %llu MiB of guest memory%s: %s",
			 (unsigned long long)(cfg->mem_size >> 20),
			 cfg->hugepages ? " on 2 MiB hugepages" : "", strerror(-r));
		return r;
	}
	if (vm->mem.n > vm->kvm.nr_memslots) {
		snprintf(err, errlen, "KVM offers %u memory slots, need %u", vm->kvm.nr_memslots, vm->mem.n);
		return -ENOSPC;
	}
	for (unsigned int i = 0; i < vm->mem.n; i++) {
		const struct gm_region *reg = &vm->mem.regions[i];

		r = kvm_set_memslot(&vm->kvm, i, reg->gpa, reg->size, reg->hva);
		if (r < 0) {
			snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION %u: %s", i, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* Plug vmm->virtio_devs[n] in at 00:(n+1).0. */
static int vm_add_virtio(struct vm *vm, unsigned int n, char *err, size_t errlen)
{
	struct virtio_dev *dev = vm->vmm->virtio_devs[n];
	int r;

	r = virtio_pci_new(vm->pci, n + 1, dev, &vm->pci_hv->hv, &vm->mem, &vm->vpci[n]);
	if (r < 0)
		snprintf(err, errlen, "virtio device %s at PCI slot %u: %s", dev->name ? dev->name : "?",
			 n + 1, strerror(-r));
	return r;
}

static int vm_setup_pci(struct vm *vm, char *err, size_t errlen)
{
	struct vmm *vmm = vm->vmm;
	struct pci_root_config pcfg = {
		.ecam_base = LAYOUT_PCI_ECAM_START,
		.ecam_size = LAYOUT_PCI_ECAM_SIZE,
		.pio_base = PORT_PCI_CONFIG,
		.mmio32_base = LAYOUT_PCI_MMIO32_START,
		.mmio32_size = LAYOUT_PCI_MMIO32_SIZE,
		.mmio64_base = layout_pci_mmio64_start(gm_high_end(&vm->mem)),
		.mmio64_size = LAYOUT_PCI_MMIO64_SIZE,
	};
	int r;

	vm->mmio64_base = pcfg.mmio64_base;
	r = pci_kvm_new(vm->kvm.vm_fd, &vm->pci_hv);
	if (r < 0)
		goto fail;
	r = pci_root_new(&pcfg, &vm->pci);
	if (r < 0)
		goto fail;
	r = pci_root_attach(vm->pci, &vmm->mmio, &vmm->pio);
	if (r < 0)
		goto fail;
	for (unsigned int i = 0; i < vmm->nvirtio_devs; i++) {
		r = vm_add_virtio(vm, i, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
fail:
	snprintf(err, errlen, "PCI set-up: %s", strerror(-r));
	return r;
}

static int vm_setup_firmware(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct acpi_config acfg = {
		.ncpus = vm->ncpus,
		.ecam_base = LAYOUT_PCI_ECAM_START,
		.bus_start = 0,
		.bus_end = 255,
		.mmio32_base = LAYOUT_PCI_MMIO32_START,
		.mmio32_size = LAYOUT_PCI_MMIO32_SIZE,
		.mmio64_base = vm->mmio64_base,
		.mmio64_size = LAYOUT_PCI_MMIO64_SIZE,
	};
	struct boot_config bcfg = {
		.kernel_path = cfg->kernel,
		.initramfs_path = cfg->initramfs,
		.cmdline = cfg->cmdline,
	};
	int r;

	r = acpi_build(&vm->mem, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &acfg, &bcfg.rsdp_gpa);
	if (r < 0) {
		snprintf(err, errlen, "building ACPI tables: %s", strerror(-r));
		return r;
	}
	trace_point(TRACE_ACPI_BUILT);
	r = boot_load(&vm->mem, &bcfg, &vm->boot, err, errlen);
	if (r == 0)
		trace_point(TRACE_KERNEL_LOADED);
	return r;
}

static int vm_new(struct vmm *vmm, struct vm **ret, char *err, size_t errlen)
{
	const struct vm_config *cfg = vmm->cfg;
	struct vm *vm;
	int r;

	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->vmm = vmm;
	vm->ncpus = cfg->cpus_boot;
	vm->kvm.sys_fd = vm->kvm.vm_fd = -1;
	r = kvm_open(&vm->kvm, cfg->kvm_path, err, errlen);
	if (r < 0)
		goto fail;
	trace_point(TRACE_KVM_OPEN);
	if (vm->ncpus > vm->kvm.max_vcpus) {
		snprintf(err, errlen, "--cpus boot=%u: KVM supports at most %u vCPUs", vm->ncpus,
			 vm->kvm.max_vcpus);
		r = -EINVAL;
		goto fail;
	}
	r = vm_setup_memory(vm, cfg, err, errlen);
	if (r < 0)
		goto fail;
	trace_point(TRACE_MEMORY_READY);
	r = vm_setup_pci(vm, err, errlen);
	if (r < 0)
		goto fail;
	r = vm_setup_firmware(vm, cfg, err, errlen);
	if (r < 0)
		goto fail;
	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		r = vcpu_init(&vm->vcpus[i], vm, i, err, errlen);
		if (r < 0)
			goto fail;
	}
	/* The BSP starts at the kernel entry; APs wait for INIT-SIPI-SIPI in the kernel's LAPIC. */
	r = vcpu_setup_boot(&vm->vcpus[0], err, errlen);
	if (r < 0)
		goto fail;
	trace_point(TRACE_VCPUS_CREATED);
	*ret = vm;
	return 0;
fail:
	vm_free(vm);
	return r;
}

static int vm_start(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		int r = vcpu_start(&vm->vcpus[i]);

		if (r < 0)
			return r;
	}
	return 0;
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

static void vmm_stop_vm(struct vmm *vmm)
{
	struct vm *vm = vmm->vm;

	if (!vm)
		return;
	vmm_attach_vm(vmm, NULL);
	vm_free(vm);
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

static void vmm_quit(struct vmm *vmm, int code)
{
	vmm->exit_code = code;
	ev_break(vmm->loop, EVBREAK_ALL);
}

static void vmm_on_event(struct ev_loop *loop, ev_async *w, int revents)
{
	struct vmm *vmm = container_of(w, struct vmm, event_async);
	char err[256];
	enum vmm_event ev;
	struct vm *vm;
	int r;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&vmm->event_lock);
	ev = vmm->event;
	vmm->event = VMM_EVENT_NONE;
	pthread_mutex_unlock(&vmm->event_lock);

	switch (ev) {
	case VMM_EVENT_NONE:
		return;
	case VMM_EVENT_POWEROFF:
		log_info(TAG, "guest powered off");
		vmm_stop_vm(vmm);
		vmm_quit(vmm, 0);
		return;
	case VMM_EVENT_CRASH:
		log_error(TAG, "guest stopped on a fatal vCPU exit");
		vmm_stop_vm(vmm);
		vmm_quit(vmm, 1);
		return;
	case VMM_EVENT_REBOOT:
		break;
	}
	log_info(TAG, "guest reboot");
	vmm_stop_vm(vmm);
	/* Requests the old vCPUs made while stopping belong to the old boot. */
	pthread_mutex_lock(&vmm->event_lock);
	vmm->event = VMM_EVENT_NONE;
	pthread_mutex_unlock(&vmm->event_lock);
	vmm_reset_devices(vmm);
	r = vm_new(vmm, &vm, err, sizeof(err));
	if (r < 0) {
		log_error(TAG, "reboot failed: %s", err);
		vmm_quit(vmm, 1);
		return;
	}
	vmm_attach_vm(vmm, vm);
	vmm->boots++;
	r = vm_start(vm);
	if (r < 0) {
		log_error(TAG, "reboot failed: starting vCPUs: %s", strerror(-r));
		vmm_stop_vm(vmm);
		vmm_quit(vmm, 1);
	}
}

static void vmm_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct vmm *vmm = w->data;

	(void)loop;
	(void)revents;
	log_info(TAG, "%s: stopping the VM", strsignal(w->signum));
	/* An ordered stop that was asked for: vCPUs joined, devices and console closed. */
	vmm_stop_vm(vmm);
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

int vmm_init(struct vmm *vmm, const struct vm_config *cfg, struct ev_loop *loop, char *err,
	     size_t errlen)
{
	struct vm *vm;
	int r;

	memset(vmm, 0, sizeof(*vmm));
	vmm->cfg = cfg;
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

	r = vmm_check_host_memory(cfg, err, errlen);
	if (r < 0)
		return r;
	r = vmm_create_devices(vmm, err, errlen);
	if (r < 0)
		return r;
	/* Virtio devices: connect to (or spawn) their vhost-user back-ends. */
	r = vhost_user_devices_create(cfg, loop, &vmm->vu_devices, err, errlen);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < vmm->vu_devices->ndevs; i++) {
		r = vmm_add_virtio_dev(vmm, vmm->vu_devices->devs[i], err, errlen);
		if (r < 0)
			return r;
	}
	trace_point(TRACE_DEVICES_CONNECTED);
	r = vm_new(vmm, &vm, err, errlen);
	if (r < 0)
		return r;
	vmm_attach_vm(vmm, vm);
	vmm->boots = 1;
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
	vmm->virtio_devs[n] = dev;
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
	for (unsigned int i = 0; i < vmm->nvirtio_devs; i++)
		if (vmm->virtio_devs[i] == dev && vmm->vm && vmm->vm->vpci[i])
			virtio_pci_config_changed(vmm->vm->vpci[i]);
}

void vmm_virtio_needs_reset(struct vmm *vmm, struct virtio_dev *dev)
{
	for (unsigned int i = 0; i < vmm->nvirtio_devs; i++)
		if (vmm->virtio_devs[i] == dev && vmm->vm && vmm->vm->vpci[i])
			virtio_pci_needs_reset(vmm->vm->vpci[i]);
}

int vmm_run(struct vmm *vmm)
{
	int r = vm_start(vmm->vm);

	if (r < 0) {
		log_error(TAG, "starting vCPUs: %s", strerror(-r));
		vmm_stop_vm(vmm);
		return 1;
	}
	ev_run(vmm->loop, 0);
	return vmm->exit_code;
}

void vmm_fini(struct vmm *vmm)
{
	if (!vmm)
		return;
	vmm_stop_vm(vmm);
	/* After the VM: the transports reset their devices while the back-ends still listen. */
	vhost_user_devices_free(vmm->vu_devices);
	vmm->vu_devices = NULL;
	vmm->nvirtio_devs = 0;
	for (unsigned int i = vmm->ndevices; i-- > 0;)
		device_destroy(vmm->devices[i]);
	vmm->ndevices = 0;
	console_free(vmm->console);
	vmm->console = NULL;
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
