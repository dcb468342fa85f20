/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-vCPU CPUID, derived from KVM_GET_SUPPORTED_CPUID.
 *
 * Pure: the input is never modified; the result is a new kvm_cpuid2 ready
 * for KVM_SET_CPUID2. The topology is one package of nr_vcpus cores with one
 * thread each; the vCPU index is its (x2)APIC id.
 *
 * Usage from the core:
 *   struct kvm_cpuid2 *sup = x86_cpuid_alloc(X86_CPUID_MAX_ENTRIES);
 *   ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, sup);       // once per VM
 *   struct x86_cpuid_config cfg = { .vcpu_id = i, .nr_vcpus = n,
 *       .tsc_deadline = KVM_CHECK_EXTENSION(KVM_CAP_TSC_DEADLINE_TIMER) > 0,
 *       .pmu = true };
 *   struct kvm_cpuid2 *c;
 *   r = x86_cpuid_for_vcpu(sup, &cfg, &c);
 *   ioctl(vcpu_fd, KVM_SET_CPUID2, c); free(c);
 */
#ifndef CNH_VMM_X86_CPUID_H
#define CNH_VMM_X86_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "common/util.h"

/* Room to pass to KVM_GET_SUPPORTED_CPUID (KVM answers -E2BIG if short). */
#define X86_CPUID_MAX_ENTRIES 256u

/* Leaf numbers and bits this module edits (also used by the tests). */
#define X86_CPUID_LEAF_BASIC 0x0u
#define X86_CPUID_LEAF_FEATURES 0x1u
#define X86_CPUID_LEAF_CACHE 0x4u
#define X86_CPUID_LEAF_PM 0x6u
#define X86_CPUID_LEAF_PMU 0xAu
#define X86_CPUID_LEAF_TOPO 0xBu
#define X86_CPUID_LEAF_TOPO2 0x1Fu
#define X86_CPUID_LEAF_KVM_SIG 0x40000000u
#define X86_CPUID_LEAF_KVM_FEATURES 0x40000001u
#define X86_CPUID_LEAF_EXT_MAX 0x80000000u
#define X86_CPUID_LEAF_EXT_SIZES 0x80000008u
#define X86_CPUID_LEAF_AMD_TOPO 0x8000001Eu

#define X86_CPUID_1_ECX_X2APIC (1u << 21)
#define X86_CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define X86_CPUID_1_ECX_HYPERVISOR (1u << 31)
#define X86_CPUID_1_EDX_HTT (1u << 28)
#define X86_CPUID_6_EAX_ARAT (1u << 2)

/* Leaf 0xB / 0x1F level types (ECX[15:8]). */
#define X86_TOPO_LEVEL_INVALID 0u
#define X86_TOPO_LEVEL_SMT 1u
#define X86_TOPO_LEVEL_CORE 2u

struct x86_cpuid_config {
	uint32_t vcpu_id;  /* index of this vCPU = its initial APIC id */
	uint32_t nr_vcpus; /* 1..LAYOUT_MAX_VCPUS */
	bool tsc_deadline; /* KVM_CAP_TSC_DEADLINE_TIMER: advertise the TSC-deadline timer */
	bool pmu;          /* keep leaf 0xA as KVM reports it; false hides the vPMU */
	uint8_t phys_bits; /* 0: keep KVM's 0x80000008 EAX[7:0]; else override */
};

/* calloc'd kvm_cpuid2 with room for nent entries and nent set; free() it. */
struct kvm_cpuid2 *x86_cpuid_alloc(uint32_t nent);

/*
 * Build the CPUID of one vCPU from the supported list. *ret_cpuid is a new
 * heap object (free()). -EINVAL for a bad config or a supported list without
 * leaf 0/1, -ENOMEM.
 */
int x86_cpuid_for_vcpu(const struct kvm_cpuid2 *supported, const struct x86_cpuid_config *cfg,
		       struct kvm_cpuid2 **ret_cpuid) __must_check;

/* Entry for (function, index) in c, or NULL. index is ignored for leaves
 * without KVM_CPUID_FLAG_SIGNIFCANT_INDEX. */
const struct kvm_cpuid_entry2 *x86_cpuid_find(const struct kvm_cpuid2 *c, uint32_t function,
					      uint32_t index);

/* Number of bits the APIC id reserves for n ids: ceil(log2(n)). */
unsigned int x86_cpuid_id_width(uint32_t n);

#endif
