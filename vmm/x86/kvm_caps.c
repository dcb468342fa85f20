/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "vmm/x86/kvm_caps.h"

#define CAP(c, w) { c, #c, w }

static const struct x86_kvm_cap required_caps[] = {
	CAP(KVM_CAP_USER_MEMORY, "guest RAM memslots"),
	CAP(KVM_CAP_IRQCHIP, "in-kernel PIC, IOAPIC and LAPIC"),
	CAP(KVM_CAP_PIT2, "in-kernel PIT"),
	CAP(KVM_CAP_PIT_STATE2, "PIT state"),
	CAP(KVM_CAP_IRQ_ROUTING, "GSI routing for MSI-X"),
	CAP(KVM_CAP_IRQFD, "interrupts from vhost-user back-ends"),
	CAP(KVM_CAP_IOEVENTFD, "virtqueue kicks to vhost-user back-ends"),
	CAP(KVM_CAP_SIGNAL_MSI, "MSI injection"),
	CAP(KVM_CAP_EXT_CPUID, "KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2"),
	CAP(KVM_CAP_SET_TSS_ADDR, "TSS area for real-mode emulation (VMX)"),
	CAP(KVM_CAP_SET_IDENTITY_MAP_ADDR, "identity-map page (VMX)"),
	CAP(KVM_CAP_MP_STATE, "starting application processors"),
	CAP(KVM_CAP_IMMEDIATE_EXIT, "kicking vCPU threads out of KVM_RUN"),
};

const struct x86_kvm_cap *x86_kvm_caps_required(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(required_caps);
	return required_caps;
}

int x86_kvm_cap_value(int kvm_fd, int cap)
{
	int r = ioctl(kvm_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

int x86_kvm_caps_check(int kvm_fd, const char **ret_missing)
{
	int r;

	r = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	if (r < 0)
		return -errno;
	if (r != KVM_API_VERSION) {
		*ret_missing = "KVM_API_VERSION 12";
		return -ENOTSUP;
	}
	for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
		r = x86_kvm_cap_value(kvm_fd, required_caps[i].cap);
		if (r < 0)
			return r;
		if (r == 0) {
			*ret_missing = required_caps[i].name;
			return -ENOTSUP;
		}
	}
	return 0;
}
