/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: ACPI table discovery and validation, MADT CPU list, and
 * power-off / reset through the FADT.
 */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include "boot.h"

#define ACPI_MAX_TABLES 32
#define ACPI_MAX_CPUS 256

struct acpi_info {
	uint64_t rsdp;
	uint64_t xsdt; /* 0 if the RSDP has none (ACPI 1.0 RSDT only) */
	uint64_t rsdt;
	unsigned int ntables;
	uint64_t tables[ACPI_MAX_TABLES]; /* as listed by XSDT (or RSDT) */
	uint64_t fadt, dsdt, madt, mcfg;
};

/* Locate the RSDP (boot info, else the BIOS areas) and the root table. */
bool acpi_init(const struct boot_info *bi, struct acpi_info *ai, char *err, size_t size);
/* Address of the first table with this signature, or 0. */
uint64_t acpi_find(const struct acpi_info *ai, const char *sig);
/*
 * Enabled local APIC ids listed in the MADT (types 0 and 9) into ids[max];
 * returns the count (which may exceed max), or -1 without a MADT.
 */
int acpi_madt_cpus(const struct acpi_info *ai, uint32_t *ids, unsigned int max);
/* Scenario "acpi". */
bool acpi_selftest(const struct acpi_info *ai, bool have_cpus, uint64_t cpus,
		   char *detail, size_t size);
/* Power off through the FADT; returns only on failure, with err set. */
void acpi_poweroff(const struct acpi_info *ai, char *err, size_t size);
/* Reset through FADT RESET_REG (i8042 if none); returns only on failure. */
void acpi_reset(const struct acpi_info *ai, char *err, size_t size);

#endif
