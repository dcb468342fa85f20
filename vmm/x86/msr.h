/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MSRs every vCPU gets before its first KVM_RUN (KVM_SET_MSRS). Pure.
 *
 *   struct kvm_msrs *m = x86_msr_boot_alloc();
 *   r = ioctl(vcpu_fd, KVM_SET_MSRS, m);   // returns how many were set
 *   if (r != (int)m->nmsrs) -> MSR m->entries[r].index was refused
 *   free(m);
 */
#ifndef CNH_VMM_X86_MSR_H
#define CNH_VMM_X86_MSR_H

#include <stdint.h>
#include <linux/kvm.h>

#include "common/util.h"

#define X86_MSR_IA32_TSC 0x10u
#define X86_MSR_IA32_SYSENTER_CS 0x174u
#define X86_MSR_IA32_SYSENTER_ESP 0x175u
#define X86_MSR_IA32_SYSENTER_EIP 0x176u
#define X86_MSR_IA32_MISC_ENABLE 0x1a0u
#define X86_MSR_MTRR_DEF_TYPE 0x2ffu
#define X86_MSR_STAR 0xc0000081u
#define X86_MSR_LSTAR 0xc0000082u
#define X86_MSR_CSTAR 0xc0000083u
#define X86_MSR_SYSCALL_MASK 0xc0000084u
#define X86_MSR_KERNEL_GS_BASE 0xc0000102u

#define X86_MISC_ENABLE_FAST_STRING (1ull << 0)
#define X86_MTRR_DEF_TYPE_E (1ull << 11) /* MTRRs enabled */
#define X86_MTRR_TYPE_WB 6ull

/* Upper bound of x86_msr_boot_entries()' count. */
#define X86_BOOT_MSRS_MAX 16u

/*
 * Write the boot MSR list into entries (room for cap); *ret_n = count.
 * -ENOSPC if cap is too small.
 */
int x86_msr_boot_entries(struct kvm_msr_entry *entries, unsigned int cap,
			 unsigned int *ret_n) __must_check;

/* malloc'd kvm_msrs holding the boot list (nmsrs set), or NULL; free(). */
struct kvm_msrs *x86_msr_boot_alloc(void);

#endif
