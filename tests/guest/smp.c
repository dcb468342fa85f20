// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: xAPIC INIT-SIPI-SIPI and the AP roll call. */
#include "smp.h"
#include "rtc.h"
#include "trampoline.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)

#define LAPIC_ID 0x020
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define SVR_ENABLE 0x100
#define SVR_SPURIOUS_VECTOR 0xff
#define ICR_INIT 0x00000500
#define ICR_STARTUP 0x00000600
#define ICR_LEVEL_ASSERT 0x00004000
#define ICR_BUSY 0x00001000

#define SMP_TIMEOUT_SECONDS 20
#define ID_UNSET 0xffffffffu

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* Send one IPI; false if delivery status never clears. */
static bool lapic_ipi(uint64_t lapic, uint32_t apic_id, uint32_t icr)
{
	mmio_write32(lapic + LAPIC_ICR_HI, apic_id << 24);
	mmio_write32(lapic + LAPIC_ICR_LO, icr);
	for (unsigned int i = 0; i < 1000000; i++) {
		if (!(mmio_read32(lapic + LAPIC_ICR_LO) & ICR_BUSY))
			return true;
		cpu_relax();
	}
	return false;
}

static volatile uint32_t *tramp_u32(uint32_t off)
{
	return phys(TRAMPOLINE_PADDR + off);
}

static bool smp_wake(uint64_t lapic, uint32_t id, char *detail, size_t size)
{
	uint32_t vector = TRAMPOLINE_PADDR >> 12;

	if (!lapic_ipi(lapic, id, ICR_INIT | ICR_LEVEL_ASSERT)) {
		snprintf(detail, size, "INIT to apic %u: delivery status stuck", id);
		return false;
	}
	udelay(10000);
	for (int i = 0; i < 2; i++) {
		if (!lapic_ipi(lapic, id, ICR_STARTUP | ICR_LEVEL_ASSERT | vector)) {
			snprintf(detail, size, "SIPI to apic %u: delivery status stuck", id);
			return false;
		}
		udelay(200);
	}
	return true;
}

bool smp_selftest(const struct acpi_info *ai, bool have_cpus, uint64_t cpus,
		  char *detail, size_t size)
{
	uint32_t ids[ACPI_MAX_CPUS];
	size_t tramp_len = (size_t)(trampoline_end - trampoline_start);
	uint64_t apic_base, lapic, start, elapsed;
	uint32_t bsp, expected, done;
	int n = acpi_madt_cpus(ai, ids, ARRAY_SIZE(ids));
	size_t off;

	if (n < 0) {
		snprintf(detail, size, "no valid MADT");
		return false;
	}
	if (have_cpus && (uint64_t)n != cpus) {
		snprintf(detail, size, "MADT lists %d cpus, expected %lu", n, cpus);
		return false;
	}
	if (n > (int)ARRAY_SIZE(ids)) {
		snprintf(detail, size, "MADT lists %d cpus, more than %zu supported", n,
			 ARRAY_SIZE(ids));
		return false;
	}
	if (n == 1) {
		snprintf(detail, size, "1 cpu, nothing to wake");
		return true;
	}

	apic_base = rdmsr(MSR_APIC_BASE);
	if (!(apic_base & APIC_BASE_ENABLE) || (apic_base & APIC_BASE_X2APIC)) {
		snprintf(detail, size, "APIC_BASE msr 0x%lx: xAPIC not enabled", apic_base);
		return false;
	}
	lapic = apic_base & 0xfffff000ull;
	bsp = mmio_read32(lapic + LAPIC_ID) >> 24;
	mmio_write32(lapic + LAPIC_SVR, SVR_ENABLE | SVR_SPURIOUS_VECTOR);

	memcpy(phys(TRAMPOLINE_PADDR), trampoline_start, tramp_len);
	*tramp_u32(TRAMPOLINE_OFF_NEXT) = 0;
	*tramp_u32(TRAMPOLINE_OFF_DONE) = 0;
	for (unsigned int i = 0; i < TRAMPOLINE_MAX_IDS; i++)
		*tramp_u32(TRAMPOLINE_OFF_IDS + 4 * i) = ID_UNSET;
	__asm__ volatile("mfence" ::: "memory");

	expected = 0;
	start = rtc_now();
	for (int i = 0; i < n; i++) {
		if (ids[i] == bsp)
			continue;
		if (ids[i] > 0xfe) {
			snprintf(detail, size, "apic id %u not reachable through xAPIC", ids[i]);
			return false;
		}
		if (!smp_wake(lapic, ids[i], detail, size))
			return false;
		expected++;
	}

	do {
		for (unsigned int spin = 0; spin < 100000; spin++) {
			done = *tramp_u32(TRAMPOLINE_OFF_DONE);
			if (done >= expected)
				break;
			cpu_relax();
		}
		elapsed = rtc_now() - start;
	} while (done < expected && elapsed <= SMP_TIMEOUT_SECONDS);

	if (done != expected) {
		snprintf(detail, size, "%u of %u APs reported within %us", done, expected,
			 SMP_TIMEOUT_SECONDS);
		return false;
	}
	/* Every AP the MADT lists (except the BSP) must have reported exactly once. */
	for (int i = 0; i < n; i++) {
		unsigned int seen = 0;

		if (ids[i] == bsp)
			continue;
		for (uint32_t s = 0; s < expected; s++)
			seen += *tramp_u32(TRAMPOLINE_OFF_IDS + 4 * s) == ids[i];
		if (seen != 1) {
			snprintf(detail, size, "apic %u reported %u times", ids[i], seen);
			return false;
		}
	}
	off = (size_t)snprintf(detail, size, "bsp %u woke %u APs in ~%lus: ids", bsp,
			       expected, elapsed);
	for (uint32_t s = 0; s < expected && off + 12 < size; s++)
		off += (size_t)snprintf(detail + off, size - off, "%s%u", s ? "," : " ",
					*tramp_u32(TRAMPOLINE_OFF_IDS + 4 * s));
	return true;
}
