/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/kvm.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/layout.h"
#include "vmm/x86/kvm_caps.h"

static int kvm_get_supported_cpuid(struct kvm *kvm)
{
	unsigned int n = 128;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(kvm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			kvm->supported_cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG || n >= 4096)
			return -errno;
		n *= 2;
	}
}

int kvm_open(struct kvm *kvm, const char *path, char *err, size_t errlen)
{
	uint64_t identity = LAYOUT_KVM_IDENTITY_MAP;
	const char *missing = NULL;
	int r, v;

	memset(kvm, 0, sizeof(*kvm));
	kvm->sys_fd = -1;
	kvm->vm_fd = -1;
	if (!path)
		path = "/dev/kvm";
	kvm->sys_fd = open(path, O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	r = x86_kvm_caps_check(kvm->sys_fd, &missing);
	if (r < 0) {
		if (r == -ENOTSUP)
			snprintf(err, errlen, "%s: KVM lacks %s", path, missing);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		goto fail;
	}
	kvm->vcpu_mmap_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->vcpu_mmap_size <= 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto fail;
	}
	v = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (v <= 0)
		v = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	kvm->max_vcpus = v > 0 ? (unsigned int)v : 1;
	v = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	kvm->nr_memslots = v > 0 ? (unsigned int)v : 32;

	r = kvm_get_supported_cpuid(kvm);
	if (r < 0) {
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
		goto fail;
	}
	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	/* Intel VMX needs these two pages for real-mode emulation; harmless elsewhere. */
	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)LAYOUT_KVM_TSS) < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto fail;
	}
	if (ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
	    ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
		goto fail;
	}
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	kvm_close(kvm);
	return r;
}

void kvm_close(struct kvm *kvm)
{
	if (!kvm)
		return;
	closep(&kvm->vm_fd);
	closep(&kvm->sys_fd);
	free(kvm->supported_cpuid);
	kvm->supported_cpuid = NULL;
}

int kvm_set_memslot(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	return 0;
}

int kvm_irq_line(struct kvm *kvm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = (uint32_t)level };

	if (ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		return -errno;
	return 0;
}
