/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-vCPU CPUID. Starts from what KVM supports and edits only what a VMM
 * must decide: identity (APIC id, topology), the hypervisor leaves, and a
 * few features nothing behind them emulates. Conventions follow Cloud
 * Hypervisor (arch/src/x86_64/mod.rs) and Firecracker's normalization.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/layout.h"
#include "vmm/x86/cpuid.h"

/* Entries we may add: 3 for 0xB, 3 for 0x1F, 2 KVM leaves, slack. */
#define CPUID_EXTRA_ENTRIES 16u

/* Vendor signatures in leaf 0 (EBX, EDX, ECX order spells the name). */
#define SIG_AMD_EBX 0x68747541u /* "Auth" */
#define SIG_AMD_EDX 0x69746e65u /* "enti" */
#define SIG_AMD_ECX 0x444d4163u /* "cAMD" */
#define SIG_HYGON_EBX 0x6f677948u /* "Hygo" */
#define SIG_HYGON_EDX 0x6e65476eu /* "nGen" */
#define SIG_HYGON_ECX 0x656e6975u /* "uine" */

/* "KVMKVMKVM\0\0\0" as EBX, ECX, EDX. */
#define KVM_SIG_EBX 0x4b4d564bu
#define KVM_SIG_ECX 0x564b4d56u
#define KVM_SIG_EDX 0x0000004du

#define KVM_HINTS_REALTIME_BIT 0

struct cpuid_buf {
	struct kvm_cpuid2 *c;
	uint32_t cap;
};

struct kvm_cpuid2 *x86_cpuid_alloc(uint32_t nent)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + (size_t)nent * sizeof(c->entries[0]));
	if (c)
		c->nent = nent;
	return c;
}

unsigned int x86_cpuid_id_width(uint32_t n)
{
	unsigned int w = 0;

	while (w < 32 && (1ull << w) < n)
		w++;
	return w;
}

static bool entry_matches(const struct kvm_cpuid_entry2 *e, uint32_t function, uint32_t index)
{
	if (e->function != function)
		return false;
	return !(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index;
}

const struct kvm_cpuid_entry2 *x86_cpuid_find(const struct kvm_cpuid2 *c, uint32_t function,
					      uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (entry_matches(&c->entries[i], function, index))
			return &c->entries[i];
	return NULL;
}

static struct kvm_cpuid_entry2 *buf_find(struct cpuid_buf *b, uint32_t function, uint32_t index)
{
	return (struct kvm_cpuid_entry2 *)x86_cpuid_find(b->c, function, index);
}

static void buf_remove_function(struct cpuid_buf *b, uint32_t function)
{
	uint32_t w = 0;

	for (uint32_t r = 0; r < b->c->nent; r++)
		if (b->c->entries[r].function != function)
			b->c->entries[w++] = b->c->entries[r];
	b->c->nent = w;
}

/* Append a zeroed entry; NULL when out of room (cannot happen: sized above). */
static struct kvm_cpuid_entry2 *buf_add(struct cpuid_buf *b, uint32_t function, uint32_t index,
					uint32_t flags)
{
	struct kvm_cpuid_entry2 *e;

	if (b->c->nent >= b->cap)
		return NULL;
	e = &b->c->entries[b->c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	return e;
}

static bool vendor_is_amd(const struct kvm_cpuid_entry2 *leaf0)
{
	return (leaf0->ebx == SIG_AMD_EBX && leaf0->edx == SIG_AMD_EDX && leaf0->ecx == SIG_AMD_ECX) ||
	       (leaf0->ebx == SIG_HYGON_EBX && leaf0->edx == SIG_HYGON_EDX &&
		leaf0->ecx == SIG_HYGON_ECX);
}

/* Leaf 1: identity, HTT, hypervisor present, TSC deadline as KVM allows. */
static void patch_features(struct kvm_cpuid_entry2 *e, const struct x86_cpuid_config *cfg)
{
	uint32_t count = MIN(cfg->nr_vcpus, 0xffu);

	e->ebx = (e->ebx & 0x0000ffffu) | (count << 16) | ((cfg->vcpu_id & 0xffu) << 24);
	/* Tell the guest it runs on a hypervisor so it looks at 0x40000000. */
	e->ecx |= X86_CPUID_1_ECX_HYPERVISOR;
	/*
	 * KVM emulates the TSC-deadline timer in its LAPIC but leaves the bit
	 * out of the supported list; it is offered under a capability.
	 */
	if (cfg->tsc_deadline)
		e->ecx |= X86_CPUID_1_ECX_TSC_DEADLINE;
	else
		e->ecx &= ~X86_CPUID_1_ECX_TSC_DEADLINE;
	/* HTT: EBX[23:16] is meaningful (more than one logical processor). */
	if (cfg->nr_vcpus > 1)
		e->edx |= X86_CPUID_1_EDX_HTT;
	else
		e->edx &= ~X86_CPUID_1_EDX_HTT;
}

/* Leaf 4 (Intel deterministic cache parameters), every subleaf. */
static void patch_cache(struct cpuid_buf *b, const struct x86_cpuid_config *cfg)
{
	uint32_t cores_m1 = MIN(cfg->nr_vcpus - 1, 63u);

	for (uint32_t i = 0; i < b->c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &b->c->entries[i];
		uint32_t level, sharing_m1;

		if (e->function != X86_CPUID_LEAF_CACHE || (e->eax & 0x1f) == 0)
			continue;
		level = (e->eax >> 5) & 0x7;
		/* One thread per core: L1/L2 are private, L3 is package-wide. */
		sharing_m1 = level <= 2 ? 0 : MIN(cfg->nr_vcpus - 1, 0xfffu);
		e->eax &= ~(0xfc000000u | 0x03ffc000u);
		e->eax |= (cores_m1 << 26) | (sharing_m1 << 14);
	}
}

/*
 * Leaf 6: KVM reports only ARAT (the APIC timer keeps running in deep
 * C-states, which is true of KVM's emulated timer). Nothing behind turbo,
 * HWP, the energy-performance bias or the thermal MSRs is emulated, so
 * never let a host bit through (Firecracker clears turbo and EPB too).
 */
static void patch_power(struct kvm_cpuid_entry2 *e)
{
	e->eax &= X86_CPUID_6_EAX_ARAT;
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
}

/*
 * Leaf 0xA: architectural PMU. Cloud Hypervisor keeps what KVM reports (KVM
 * zeroes the leaf itself when its vPMU is off, enable_pmu=0). Firecracker
 * hides it; cfg->pmu chooses, so a fleet can opt out for predictable
 * migration and fewer MSR exits.
 */
static void patch_pmu(struct kvm_cpuid_entry2 *e, const struct x86_cpuid_config *cfg)
{
	if (cfg->pmu)
		return;
	e->eax = e->ebx = e->ecx = e->edx = 0;
}

/*
 * Leaves 0xB and 0x1F: x2APIC topology. Level 0 is SMT with one thread per
 * core (shift 0), level 1 is the core level holding all nr_vcpus cores;
 * subleaf 2 ends the list. EDX is the x2APIC id at every subleaf.
 */
static int set_topology_leaf(struct cpuid_buf *b, uint32_t function,
			     const struct x86_cpuid_config *cfg)
{
	const uint32_t flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	struct kvm_cpuid_entry2 *smt, *core, *end;

	buf_remove_function(b, function);
	smt = buf_add(b, function, 0, flags);
	core = buf_add(b, function, 1, flags);
	end = buf_add(b, function, 2, flags);
	if (!smt || !core || !end)
		return -ENOSPC;

	smt->eax = 0;
	smt->ebx = 1;
	smt->ecx = 0 | (X86_TOPO_LEVEL_SMT << 8);
	smt->edx = cfg->vcpu_id;

	core->eax = x86_cpuid_id_width(cfg->nr_vcpus);
	core->ebx = cfg->nr_vcpus;
	core->ecx = 1 | (X86_TOPO_LEVEL_CORE << 8);
	core->edx = cfg->vcpu_id;

	end->eax = 0;
	end->ebx = 0;
	end->ecx = 2 | (X86_TOPO_LEVEL_INVALID << 8);
	end->edx = cfg->vcpu_id;
	return 0;
}

/* AMD: 0x80000008 ECX core count and APIC id size, 0x8000001E ids. */
static void patch_amd_topology(struct cpuid_buf *b, const struct x86_cpuid_config *cfg)
{
	struct kvm_cpuid_entry2 *e;

	e = buf_find(b, X86_CPUID_LEAF_EXT_SIZES, 0);
	if (e) {
		/* ECX[15:12] ApicIdSize, ECX[7:0] NC = cores - 1. */
		e->ecx = (x86_cpuid_id_width(cfg->nr_vcpus) << 12) | ((cfg->nr_vcpus - 1) & 0xff);
	}
	e = buf_find(b, X86_CPUID_LEAF_AMD_TOPO, 0);
	if (e) {
		e->eax = cfg->vcpu_id;         /* extended APIC id */
		e->ebx = cfg->vcpu_id & 0xff;  /* core id; [15:8] threads per core - 1 = 0 */
		e->ecx = 0;                    /* node 0, one node per processor */
		e->edx = 0;
	}
}

/* 0x40000000 signature and max leaf, 0x40000001 features from the list. */
static int patch_kvm_leaves(struct cpuid_buf *b)
{
	struct kvm_cpuid_entry2 *sig, *feat;
	uint32_t max = X86_CPUID_LEAF_KVM_FEATURES;

	feat = buf_find(b, X86_CPUID_LEAF_KVM_FEATURES, 0);
	if (!feat)
		feat = buf_add(b, X86_CPUID_LEAF_KVM_FEATURES, 0, 0); /* no PV features */
	if (!feat)
		return -ENOSPC;
	/* Feature bits (EAX) are what KVM implements; EDX holds hints.
	 * KVM_HINTS_REALTIME promises dedicated physical CPUs: we do not. */
	feat->ebx = 0;
	feat->ecx = 0;
	feat->edx &= ~(1u << KVM_HINTS_REALTIME_BIT);

	sig = buf_find(b, X86_CPUID_LEAF_KVM_SIG, 0);
	if (!sig)
		sig = buf_add(b, X86_CPUID_LEAF_KVM_SIG, 0, 0);
	if (!sig)
		return -ENOSPC;
	for (uint32_t i = 0; i < b->c->nent; i++) {
		uint32_t f = b->c->entries[i].function;

		if (f > max && f < X86_CPUID_LEAF_KVM_SIG + 0x100)
			max = f;
	}
	sig->eax = max;
	sig->ebx = KVM_SIG_EBX;
	sig->ecx = KVM_SIG_ECX;
	sig->edx = KVM_SIG_EDX;
	return 0;
}

static int cpuid_check(const struct kvm_cpuid2 *supported, const struct x86_cpuid_config *cfg)
{
	if (!supported || !cfg || supported->nent > X86_CPUID_MAX_ENTRIES * 16)
		return -EINVAL;
	if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > LAYOUT_MAX_VCPUS || cfg->vcpu_id >= cfg->nr_vcpus)
		return -EINVAL;
	if (!x86_cpuid_find(supported, X86_CPUID_LEAF_BASIC, 0) ||
	    !x86_cpuid_find(supported, X86_CPUID_LEAF_FEATURES, 0))
		return -EINVAL;
	return 0;
}

int x86_cpuid_for_vcpu(const struct kvm_cpuid2 *supported, const struct x86_cpuid_config *cfg,
		       struct kvm_cpuid2 **ret_cpuid)
{
	struct cpuid_buf b = { 0 };
	struct kvm_cpuid_entry2 *e;
	uint32_t max_basic, max_ext = 0;
	bool amd;
	int r;

	r = cpuid_check(supported, cfg);
	if (r < 0)
		return r;

	b.cap = supported->nent + CPUID_EXTRA_ENTRIES;
	b.c = x86_cpuid_alloc(b.cap);
	if (!b.c)
		return -ENOMEM;
	memcpy(b.c->entries, supported->entries, supported->nent * sizeof(supported->entries[0]));
	b.c->nent = supported->nent;

	e = buf_find(&b, X86_CPUID_LEAF_BASIC, 0);
	max_basic = e->eax;
	amd = vendor_is_amd(e);
	e = buf_find(&b, X86_CPUID_LEAF_EXT_MAX, 0);
	if (e)
		max_ext = e->eax;

	patch_features(buf_find(&b, X86_CPUID_LEAF_FEATURES, 0), cfg);
	patch_cache(&b, cfg);
	e = buf_find(&b, X86_CPUID_LEAF_PM, 0);
	if (e)
		patch_power(e);
	e = buf_find(&b, X86_CPUID_LEAF_PMU, 0);
	if (e)
		patch_pmu(e, cfg);

	if (max_basic >= X86_CPUID_LEAF_TOPO) {
		r = set_topology_leaf(&b, X86_CPUID_LEAF_TOPO, cfg);
		if (r < 0)
			goto fail;
	}
	/* 0x1F only where the CPU defines it (Intel, newer parts). */
	if (max_basic >= X86_CPUID_LEAF_TOPO2 &&
	    x86_cpuid_find(supported, X86_CPUID_LEAF_TOPO2, 0)) {
		r = set_topology_leaf(&b, X86_CPUID_LEAF_TOPO2, cfg);
		if (r < 0)
			goto fail;
	}

	if (cfg->phys_bits && max_ext >= X86_CPUID_LEAF_EXT_SIZES) {
		e = buf_find(&b, X86_CPUID_LEAF_EXT_SIZES, 0);
		if (e)
			e->eax = (e->eax & 0xffffff00u) | cfg->phys_bits;
	}
	if (amd)
		patch_amd_topology(&b, cfg);

	r = patch_kvm_leaves(&b);
	if (r < 0)
		goto fail;

	*ret_cpuid = b.c;
	return 0;
fail:
	free(b.c);
	return r;
}
