/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vmm/x86/kvm_caps.h"

Test(kvm_caps, table)
{
	size_t n = 0;
	const struct x86_kvm_cap *caps = x86_kvm_caps_required(&n);
	bool irqchip = false, irqfd = false, ioeventfd = false;

	cr_assert_gt(n, 5);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(strncmp(caps[i].name, "KVM_CAP_", 8), 0, "%s", caps[i].name);
		cr_assert_not_null(caps[i].why);
		for (size_t j = i + 1; j < n; j++)
			cr_assert_neq(caps[i].cap, caps[j].cap, "duplicate %s", caps[i].name);
		irqchip |= caps[i].cap == KVM_CAP_IRQCHIP && !strcmp(caps[i].name, "KVM_CAP_IRQCHIP");
		irqfd |= caps[i].cap == KVM_CAP_IRQFD;
		ioeventfd |= caps[i].cap == KVM_CAP_IOEVENTFD;
	}
	cr_assert(irqchip && irqfd && ioeventfd);
}

Test(kvm_caps, not_a_kvm_fd)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	const char *missing = NULL;

	cr_assert_geq(fd, 0);
	cr_assert_eq(x86_kvm_caps_check(fd, &missing), -ENOTTY);
	cr_assert_null(missing);
	cr_assert_eq(x86_kvm_cap_value(fd, KVM_CAP_IRQCHIP), -ENOTTY);
	close(fd);
	cr_assert_eq(x86_kvm_cap_value(-1, KVM_CAP_IRQCHIP), -EBADF);
}
