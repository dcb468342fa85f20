/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/x86/cpuid.h"

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* Host-like values with stale topology that the VMM must replace. */
static const struct kvm_cpuid_entry2 intel_entries[] = {
	{ .function = 0x0, .eax = 0x1f, .ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e },
	{ .function = 0x1, .eax = 0x000906ea, .ebx = 0x0a100800,
	  .ecx = X86_CPUID_1_ECX_X2APIC | 0x1, .edx = 0x078bfbff | X86_CPUID_1_EDX_HTT },
	{ .function = 0x4, .index = 0, .flags = SIG, .eax = 0x1c004121, .ebx = 0x01c0003f },
	{ .function = 0x4, .index = 1, .flags = SIG, .eax = 0x1c004122, .ebx = 0x01c0003f },
	{ .function = 0x4, .index = 2, .flags = SIG, .eax = 0x1c004143, .ebx = 0x00c0003f },
	{ .function = 0x4, .index = 3, .flags = SIG, .eax = 0x1c03c163, .ebx = 0x03c0003f },
	{ .function = 0x4, .index = 4, .flags = SIG, .eax = 0 },
	{ .function = 0x6, .eax = X86_CPUID_6_EAX_ARAT | 0x2 | 0x80, .ecx = 0x9, .ebx = 1, .edx = 1 },
	{ .function = 0xa, .eax = 0x07300805, .ebx = 0x0, .edx = 0x603 },
	{ .function = 0xb, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 7 },
	{ .function = 0xb, .index = 1, .flags = SIG, .eax = 4, .ebx = 12, .ecx = 0x201, .edx = 7 },
	{ .function = 0x1f, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 7 },
	{ .function = 0x1f, .index = 1, .flags = SIG, .eax = 4, .ebx = 12, .ecx = 0x201, .edx = 7 },
	{ .function = 0x1f, .index = 2, .flags = SIG, .eax = 0, .ebx = 0, .ecx = 0x2, .edx = 7 },
	{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d },
	{ .function = 0x40000001, .eax = 0x01007afb, .edx = 1 },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000008, .eax = 0x3027 },
};

static const struct kvm_cpuid_entry2 amd_entries[] = {
	{ .function = 0x0, .eax = 0x10, .ebx = 0x68747541, .edx = 0x69746e65, .ecx = 0x444d4163 },
	{ .function = 0x1, .eax = 0x00a00f11, .ebx = 0x05080800, .ecx = 0x80000000, .edx = 0x178bfbff },
	{ .function = 0xb, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 5 },
	{ .function = 0x80000000, .eax = 0x80000021 },
	{ .function = 0x80000008, .eax = 0x3030, .ecx = 0x0000700f },
	{ .function = 0x8000001e, .eax = 5, .ebx = 0x102, .ecx = 0x303 },
};

static struct kvm_cpuid2 *make_supported(const struct kvm_cpuid_entry2 *e, uint32_t n)
{
	struct kvm_cpuid2 *c = x86_cpuid_alloc(n);

	cr_assert_not_null(c);
	memcpy(c->entries, e, n * sizeof(*e));
	return c;
}

static unsigned int count_function(const struct kvm_cpuid2 *c, uint32_t f)
{
	unsigned int k = 0;

	for (uint32_t i = 0; i < c->nent; i++)
		k += c->entries[i].function == f;
	return k;
}

static const struct kvm_cpuid_entry2 *must_find(const struct kvm_cpuid2 *c, uint32_t f, uint32_t idx)
{
	const struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, f, idx);

	cr_assert_not_null(e, "leaf %#x.%u missing", f, idx);
	return e;
}

static struct kvm_cpuid2 *build(const struct kvm_cpuid2 *sup, uint32_t id, uint32_t n, bool pmu)
{
	struct x86_cpuid_config cfg = { .vcpu_id = id, .nr_vcpus = n, .tsc_deadline = true, .pmu = pmu };
	struct kvm_cpuid2 *out = NULL;

	cr_assert_eq(x86_cpuid_for_vcpu(sup, &cfg, &out), 0);
	cr_assert_not_null(out);
	return out;
}

/* Expected core-level shift: bits needed for n ids. */
static unsigned int expected_width(uint32_t n)
{
	static const unsigned int w[] = { 0, 0, 1, 2, 2, 3, 3, 3, 3 };

	cr_assert_lt(n, ARRAY_SIZE(w));
	return w[n];
}

static void check_topology_leaf(const struct kvm_cpuid2 *c, uint32_t f, uint32_t id, uint32_t n)
{
	const struct kvm_cpuid_entry2 *e;
	unsigned int width = expected_width(n);

	cr_assert_eq(count_function(c, f), 3, "leaf %#x: 3 subleaves", f);
	e = must_find(c, f, 0);
	cr_assert(e->flags & SIG);
	cr_assert_eq(e->eax & 0x1f, 0, "SMT shift");
	cr_assert_eq(e->ebx & 0xffff, 1, "one thread per core");
	cr_assert_eq(e->ecx, (X86_TOPO_LEVEL_SMT << 8) | 0);
	cr_assert_eq(e->edx, id);
	e = must_find(c, f, 1);
	cr_assert_eq(e->eax & 0x1f, width, "core shift for n=%u", n);
	cr_assert_eq(e->ebx & 0xffff, n);
	cr_assert_eq(e->ecx, (X86_TOPO_LEVEL_CORE << 8) | 1);
	cr_assert_eq(e->edx, id);
	e = must_find(c, f, 2);
	cr_assert_eq(e->ebx, 0);
	cr_assert_eq(e->ecx, 2, "invalid level ends the list");
	cr_assert_eq(e->edx, id);
}

Test(cpuid, intel_topology_1_2_4_vcpus)
{
	struct kvm_cpuid2 *sup = make_supported(intel_entries, ARRAY_SIZE(intel_entries));
	const uint32_t counts[] = { 1, 2, 4 };

	for (size_t k = 0; k < ARRAY_SIZE(counts); k++) {
		uint32_t n = counts[k];

		for (uint32_t id = 0; id < n; id++) {
			struct kvm_cpuid2 *c = build(sup, id, n, true);
			const struct kvm_cpuid_entry2 *e = must_find(c, 1, 0);

			cr_assert_eq(e->ebx >> 24, id, "initial APIC id");
			cr_assert_eq((e->ebx >> 16) & 0xff, n, "logical processor count");
			cr_assert_eq(e->ebx & 0xffff, 0x0800, "CLFLUSH size kept");
			cr_assert_eq(!!(e->edx & X86_CPUID_1_EDX_HTT), n > 1, "HTT iff n > 1");
			cr_assert(e->ecx & X86_CPUID_1_ECX_HYPERVISOR);
			cr_assert(e->ecx & X86_CPUID_1_ECX_TSC_DEADLINE);
			cr_assert(e->ecx & X86_CPUID_1_ECX_X2APIC, "x2APIC kept");
			cr_assert_eq(e->eax, 0x000906ea);

			for (uint32_t s = 0; s < 4; s++) {
				e = must_find(c, 4, s);
				uint32_t level = (e->eax >> 5) & 7;
				cr_assert_eq(e->eax >> 26, n - 1, "cores per package - 1");
				cr_assert_eq((e->eax >> 14) & 0xfff, level == 3 ? n - 1 : 0,
					     "threads sharing L%u", level);
				cr_assert_eq(e->eax & 0x3fff, intel_entries[2 + s].eax & 0x3fff);
			}
			cr_assert_eq(must_find(c, 4, 4)->eax, 0, "null cache level untouched");

			check_topology_leaf(c, 0xb, id, n);
			check_topology_leaf(c, 0x1f, id, n);
			free(c);
		}
	}
	free(sup);
}

Test(cpuid, input_is_not_modified)
{
	struct kvm_cpuid2 *sup = make_supported(intel_entries, ARRAY_SIZE(intel_entries));
	struct kvm_cpuid2 *c = build(sup, 1, 2, false);

	cr_assert_eq(sup->nent, ARRAY_SIZE(intel_entries));
	cr_assert_eq(memcmp(sup->entries, intel_entries, sizeof(intel_entries)), 0);
	free(c);
	free(sup);
}

Test(cpuid, power_and_pmu)
{
	struct kvm_cpuid2 *sup = make_supported(intel_entries, ARRAY_SIZE(intel_entries));
	struct kvm_cpuid2 *c = build(sup, 0, 1, true);
	const struct kvm_cpuid_entry2 *e = must_find(c, 6, 0);

	cr_assert_eq(e->eax, X86_CPUID_6_EAX_ARAT, "only ARAT survives");
	cr_assert_eq(e->ebx | e->ecx | e->edx, 0, "no EPB/HWP/thermal");
	e = must_find(c, 0xa, 0);
	cr_assert_eq(e->eax, 0x07300805, "vPMU kept when asked");
	free(c);

	c = build(sup, 0, 1, false);
	e = must_find(c, 0xa, 0);
	cr_assert_eq(e->eax | e->ebx | e->ecx | e->edx, 0, "vPMU hidden");
	free(c);
	free(sup);
}

Test(cpuid, tsc_deadline_follows_config)
{
	struct kvm_cpuid2 *sup = make_supported(intel_entries, ARRAY_SIZE(intel_entries));
	struct x86_cpuid_config cfg = { .vcpu_id = 0, .nr_vcpus = 1, .tsc_deadline = false };
	struct kvm_cpuid2 *c;

	sup->entries[1].ecx |= X86_CPUID_1_ECX_TSC_DEADLINE;
	cr_assert_eq(x86_cpuid_for_vcpu(sup, &cfg, &c), 0);
	cr_assert_eq(must_find(c, 1, 0)->ecx & X86_CPUID_1_ECX_TSC_DEADLINE, 0);
	free(c);
	free(sup);
}

Test(cpuid, kvm_leaves)
{
	struct kvm_cpuid2 *sup = make_supported(intel_entries, ARRAY_SIZE(intel_entries));
	struct kvm_cpuid2 *c = build(sup, 0, 2, true);
	const struct kvm_cpuid_entry2 *e = must_find(c, 0x40000000, 0);
	char sig[13] = { 0 };

	memcpy(sig, &e->ebx, 4);
	memcpy(sig + 4, &e->ecx, 4);
	memcpy(sig + 8, &e->edx, 4);
	cr_assert_eq(memcmp(sig, "KVMKVMKVM\0\0\0", 12), 0);
	cr_assert_eq(e->eax, 0x40000001);
	e = must_find(c, 0x40000001, 0);
	cr_assert_eq(e->eax, 0x01007afb, "features as supported");
	cr_assert_eq(e->edx, 0, "no realtime hint");
	free(c);
	free(sup);
}

Test(cpuid, kvm_leaves_added_when_absent_and_no_1f)
{
	/* Drop 0x1f and both KVM leaves; max basic leaf 0xd. */
	struct kvm_cpuid_entry2 e[ARRAY_SIZE(intel_entries)];
	uint32_t n = 0;
	struct kvm_cpuid2 *sup, *c;

	for (size_t i = 0; i < ARRAY_SIZE(intel_entries); i++) {
		uint32_t f = intel_entries[i].function;
		if (f == 0x1f || f == 0x40000000 || f == 0x40000001)
			continue;
		e[n++] = intel_entries[i];
	}
	e[0].eax = 0xd;
	sup = make_supported(e, n);
	c = build(sup, 2, 3, true);
	cr_assert_eq(count_function(c, 0x1f), 0, "no 0x1f invented");
	check_topology_leaf(c, 0xb, 2, 3);
	cr_assert_eq(must_find(c, 0x40000000, 0)->eax, 0x40000001);
	cr_assert_eq(must_find(c, 0x40000000, 0)->ebx, 0x4b4d564b);
	cr_assert_eq(must_find(c, 0x40000001, 0)->eax, 0, "no PV features invented");
	free(c);
	free(sup);
}

Test(cpuid, amd_topology)
{
	struct kvm_cpuid2 *sup = make_supported(amd_entries, ARRAY_SIZE(amd_entries));
	const uint32_t counts[] = { 1, 2, 4 };

	for (size_t k = 0; k < ARRAY_SIZE(counts); k++) {
		uint32_t n = counts[k];

		for (uint32_t id = 0; id < n; id++) {
			struct kvm_cpuid2 *c = build(sup, id, n, true);
			const struct kvm_cpuid_entry2 *e;

			e = must_find(c, 1, 0);
			cr_assert_eq(e->ebx >> 24, id);
			cr_assert_eq((e->ebx >> 16) & 0xff, n);
			e = must_find(c, 0x80000008, 0);
			cr_assert_eq(e->ecx & 0xff, n - 1, "NC");
			cr_assert_eq((e->ecx >> 12) & 0xf, expected_width(n), "ApicIdSize");
			cr_assert_eq(e->eax, 0x3030, "address sizes kept");
			e = must_find(c, 0x8000001e, 0);
			cr_assert_eq(e->eax, id, "extended APIC id");
			cr_assert_eq(e->ebx & 0xff, id, "core id");
			cr_assert_eq((e->ebx >> 8) & 0xff, 0, "one thread per core");
			cr_assert_eq(e->ecx, 0, "one node");
			check_topology_leaf(c, 0xb, id, n);
			free(c);
		}
	}
	free(sup);
}

Test(cpuid, phys_bits_override)
{
	struct kvm_cpuid2 *sup = make_supported(intel_entries, ARRAY_SIZE(intel_entries));
	struct x86_cpuid_config cfg = { .vcpu_id = 0, .nr_vcpus = 1, .phys_bits = 39 };
	struct kvm_cpuid2 *c;

	cr_assert_eq(x86_cpuid_for_vcpu(sup, &cfg, &c), 0);
	cr_assert_eq(must_find(c, 0x80000008, 0)->eax, 0x3027 - 0x27 + 39);
	cr_assert_eq(must_find(c, 0x80000008, 0)->ecx, 0, "Intel: ECX untouched");
	free(c);
	free(sup);
}

Test(cpuid, bad_config)
{
	struct kvm_cpuid2 *sup = make_supported(intel_entries, ARRAY_SIZE(intel_entries));
	struct x86_cpuid_config cfg = { .vcpu_id = 2, .nr_vcpus = 2 };
	struct kvm_cpuid2 *c = NULL;

	cr_assert_eq(x86_cpuid_for_vcpu(sup, &cfg, &c), -EINVAL, "id >= count");
	cfg.vcpu_id = 0;
	cfg.nr_vcpus = 0;
	cr_assert_eq(x86_cpuid_for_vcpu(sup, &cfg, &c), -EINVAL, "no vCPUs");
	cfg.nr_vcpus = 255;
	cr_assert_eq(x86_cpuid_for_vcpu(sup, &cfg, &c), -EINVAL, "above LAYOUT_MAX_VCPUS");
	cfg.nr_vcpus = 1;
	sup->entries[1].function = 0x2; /* no leaf 1 */
	cr_assert_eq(x86_cpuid_for_vcpu(sup, &cfg, &c), -EINVAL, "no leaf 1");
	cr_assert_null(c, "nothing returned on error");
	free(sup);
}

Test(cpuid, id_width)
{
	cr_assert_eq(x86_cpuid_id_width(1), 0);
	cr_assert_eq(x86_cpuid_id_width(2), 1);
	cr_assert_eq(x86_cpuid_id_width(3), 2);
	cr_assert_eq(x86_cpuid_id_width(4), 2);
	cr_assert_eq(x86_cpuid_id_width(5), 3);
	cr_assert_eq(x86_cpuid_id_width(254), 8);
}
