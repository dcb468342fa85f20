/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "vmm/x86/msr.h"

static const struct kvm_msr_entry *find(const struct kvm_msr_entry *e, unsigned int n, uint32_t idx)
{
	for (unsigned int i = 0; i < n; i++)
		if (e[i].index == idx)
			return &e[i];
	return NULL;
}

Test(msr, boot_list_values)
{
	static const uint32_t zero[] = {
		X86_MSR_IA32_SYSENTER_CS, X86_MSR_IA32_SYSENTER_ESP, X86_MSR_IA32_SYSENTER_EIP,
		X86_MSR_STAR, X86_MSR_LSTAR, X86_MSR_CSTAR, X86_MSR_SYSCALL_MASK,
		X86_MSR_KERNEL_GS_BASE, X86_MSR_IA32_TSC,
	};
	struct kvm_msr_entry e[X86_BOOT_MSRS_MAX];
	const struct kvm_msr_entry *m;
	unsigned int n = 0;

	cr_assert_eq(x86_msr_boot_entries(e, ARRAY_SIZE(e), &n), 0);
	cr_assert_eq(n, ARRAY_SIZE(zero) + 2);
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++) {
		m = find(e, n, zero[i]);
		cr_assert_not_null(m, "MSR %#x missing", zero[i]);
		cr_assert_eq(m->data, 0, "MSR %#x", zero[i]);
	}
	m = find(e, n, 0x1a0);
	cr_assert_not_null(m);
	cr_assert_eq(m->data, 1, "fast strings");
	m = find(e, n, 0x2ff);
	cr_assert_not_null(m);
	cr_assert_eq(m->data, 0x806, "MTRRs enabled, default WB");
	for (unsigned int i = 0; i < n; i++) {
		cr_assert_eq(e[i].reserved, 0);
		for (unsigned int j = i + 1; j < n; j++)
			cr_assert_neq(e[i].index, e[j].index, "duplicate MSR");
	}
}

Test(msr, too_small)
{
	struct kvm_msr_entry e[4];
	unsigned int n = 99;

	cr_assert_eq(x86_msr_boot_entries(e, ARRAY_SIZE(e), &n), -ENOSPC);
	cr_assert_eq(n, 99, "count untouched on error");
}

Test(msr, alloc)
{
	struct kvm_msrs *m = x86_msr_boot_alloc();

	cr_assert_not_null(m);
	cr_assert_eq(m->nmsrs, 11);
	cr_assert_eq(m->pad, 0);
	cr_assert_eq(m->entries[m->nmsrs - 1].index, X86_MSR_MTRR_DEF_TYPE);
	free(m);
}
