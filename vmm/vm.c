/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/log.h"
#include "vmm/acpi/acpi.h"
#include "vmm/layout.h"
#include "vmm/trace.h"
#include "vmm/pci/pci.h"
#include "vmm/pci/pci_kvm.h"
#include "vmm/pci/virtio_pci.h"
#include "vmm/vhost_user/devices.h"

#define TAG "vm"

void vm_kick_all(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	atomic_store(&vm->stopping, true);
	/* Parked (paused) vCPUs wake up and see stopping. */
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpus[i]);
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

void vm_free(struct vm *vm)
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
	pthread_mutex_destroy(&vm->pause_lock);
	pthread_cond_destroy(&vm->pause_cond);
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
int vm_add_virtio(struct vm *vm, unsigned int n, char *err, size_t errlen)
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

/*
 * --pmem windows: the files the machine mapped, placed at the top of the
 * 64-bit PCI window (docs/design.md) and registered as KVM memory slots
 * after the RAM slots.
 */
static int vm_setup_pmem(struct vm *vm, char *err, size_t errlen)
{
	struct vhost_user_set *set = vm->vmm->vu_devices;
	int r;

	if (!set || !set->npmem)
		return 0;
	r = vhost_user_devices_place_pmem(set, vm->mmio64_base, LAYOUT_PCI_MMIO64_SIZE);
	if (r < 0) {
		snprintf(err, errlen, "pmem: the windows do not fit in the 64-bit PCI window");
		return r;
	}
	if (vm->mem.n + set->npmem > vm->kvm.nr_memslots) {
		snprintf(err, errlen, "KVM offers %u memory slots, need %u", vm->kvm.nr_memslots,
			 vm->mem.n + set->npmem);
		return -ENOSPC;
	}
	for (unsigned int i = 0; i < set->npmem; i++) {
		const struct vhost_user_pmem_region *p = &set->pmem[i];

		r = kvm_set_memslot(&vm->kvm, vm->mem.n + i, p->gpa, p->size, p->hva);
		if (r < 0) {
			snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (pmem %u): %s", i, strerror(-r));
			return r;
		}
	}
	return 0;
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

int vm_new(struct vmm *vmm, struct vm **ret, char *err, size_t errlen)
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
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
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
	r = vm_setup_pmem(vm, err, errlen);
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

int vm_start(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		int r = vcpu_start(&vm->vcpus[i]);

		if (r < 0)
			return r;
	}
	return 0;
}


/*
 * Park every vCPU outside KVM_RUN and wait until all are parked: guest
 * state is then stable (snapshot, migration, vm.pause).
 */
void vm_pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = true;
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->parked < vm->ncpus && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = false;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_vcpu_park_if_paused(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	if (vm->paused && !atomic_load(&vm->stopping)) {
		vm->parked++;
		pthread_cond_broadcast(&vm->pause_cond);
		while (vm->paused && !atomic_load(&vm->stopping))
			pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
		vm->parked--;
	}
	pthread_mutex_unlock(&vm->pause_lock);
}
