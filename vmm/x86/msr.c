/* SPDX-License-Identifier: Apache-2.0 */
/* Boot MSR values (Cloud Hypervisor's regs::setup_msrs list, as a table). */
#include <stdlib.h>
#include <string.h>

#include "vmm/x86/msr.h"

struct boot_msr {
	uint32_t index;
	uint64_t value;
};

static const struct boot_msr boot_msrs[] = {
	/* No SYSENTER/SYSCALL target until the kernel installs its own. */
	{ X86_MSR_IA32_SYSENTER_CS, 0 },
	{ X86_MSR_IA32_SYSENTER_ESP, 0 },
	{ X86_MSR_IA32_SYSENTER_EIP, 0 },
	{ X86_MSR_STAR, 0 },
	{ X86_MSR_CSTAR, 0 },
	{ X86_MSR_KERNEL_GS_BASE, 0 },
	{ X86_MSR_SYSCALL_MASK, 0 },
	{ X86_MSR_LSTAR, 0 },
	/* Every vCPU starts its TSC at 0; KVM synchronizes close writes. */
	{ X86_MSR_IA32_TSC, 0 },
	/* Fast-string REP MOVS/STOS, as firmware leaves it on real hardware. */
	{ X86_MSR_IA32_MISC_ENABLE, X86_MISC_ENABLE_FAST_STRING },
	/* MTRRs on, everything write-back unless a variable range says otherwise
	 * (no firmware runs to program them; Linux keeps the default type). */
	{ X86_MSR_MTRR_DEF_TYPE, X86_MTRR_DEF_TYPE_E | X86_MTRR_TYPE_WB },
};

_Static_assert(ARRAY_SIZE(boot_msrs) <= X86_BOOT_MSRS_MAX, "raise X86_BOOT_MSRS_MAX");

int x86_msr_boot_entries(struct kvm_msr_entry *entries, unsigned int cap, unsigned int *ret_n)
{
	if (cap < ARRAY_SIZE(boot_msrs))
		return -ENOSPC;
	for (size_t i = 0; i < ARRAY_SIZE(boot_msrs); i++) {
		memset(&entries[i], 0, sizeof(entries[i]));
		entries[i].index = boot_msrs[i].index;
		entries[i].data = boot_msrs[i].value;
	}
	*ret_n = ARRAY_SIZE(boot_msrs);
	return 0;
}

struct kvm_msrs *x86_msr_boot_alloc(void)
{
	struct kvm_msrs *m;
	unsigned int n;

	m = calloc(1, sizeof(*m) + X86_BOOT_MSRS_MAX * sizeof(m->entries[0]));
	if (!m)
		return NULL;
	if (x86_msr_boot_entries(m->entries, X86_BOOT_MSRS_MAX, &n) < 0) {
		free(m);
		return NULL;
	}
	m->nmsrs = n;
	return m;
}
