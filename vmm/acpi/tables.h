/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-table builders behind acpi_tables_build(), internal to vmm/acpi and its
 * unit tests. Each appends one complete table (header, body, final length
 * and checksum) to an empty struct aml and returns 0 or -errno.
 */
#ifndef CNH_VMM_ACPI_TABLES_H
#define CNH_VMM_ACPI_TABLES_H

#include <stdint.h>

#include "vmm/acpi/acpi.h"
#include "vmm/acpi/aml.h"

#define ACPI_OEM_ID "CNHVMM"
#define ACPI_CREATOR_ID "CNH "
#define ACPI_HYPERVISOR_ID "CNHVMM  "

#define ACPI_HEADER_LEN 36
#define ACPI_RSDP_LEN 36
#define ACPI_FADT_LEN 276

/* FADT fields (ACPI 6.x table 5.9), byte offsets. */
#define FADT_OFF_IAPC_BOOT_ARCH 109
#define FADT_OFF_FLAGS 112
#define FADT_OFF_RESET_REG 116
#define FADT_OFF_RESET_VALUE 128
#define FADT_OFF_MINOR_VERSION 131
#define FADT_OFF_X_DSDT 140
#define FADT_OFF_SLEEP_CONTROL 244
#define FADT_OFF_SLEEP_STATUS 256
#define FADT_OFF_HYPERVISOR_ID 268

#define FADT_F_WBINVD (1u << 0)
#define FADT_F_PWR_BUTTON (1u << 4) /* power button is a control-method device */
#define FADT_F_SLP_BUTTON (1u << 5) /* no fixed-feature sleep button */
#define FADT_F_RESET_REG_SUP (1u << 10)
#define FADT_F_HW_REDUCED_ACPI (1u << 20)

#define IAPC_BOOT_VGA_NOT_PRESENT (1u << 2)
#define IAPC_BOOT_MSI_NOT_SUPPORTED (1u << 3)
#define IAPC_BOOT_PCIE_ASPM_CONTROLS (1u << 4)
#define IAPC_BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* Generic Address Structure address space ids and access sizes. */
#define ACPI_GAS_SYSTEM_MEMORY 0
#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_GAS_ACCESS_BYTE 1

/* MADT structure types. */
#define MADT_LOCAL_APIC 0
#define MADT_IO_APIC 1
#define MADT_LOCAL_APIC_NMI 4

/* Checks the parts of cfg every builder relies on. */
int acpi_config_check(const struct acpi_config *cfg) __must_check;

int acpi_dsdt_build(const struct acpi_config *cfg, struct aml *out) __must_check;
int acpi_fadt_build(uint64_t dsdt_gpa, struct aml *out) __must_check;
int acpi_madt_build(const struct acpi_config *cfg, struct aml *out) __must_check;
int acpi_mcfg_build(const struct acpi_config *cfg, struct aml *out) __must_check;
int acpi_xsdt_build(const uint64_t *entries, unsigned int n, struct aml *out) __must_check;
int acpi_rsdp_build(uint64_t xsdt_gpa, struct aml *out) __must_check;

/* Start a table with a standard 36-byte header (length and checksum 0). */
void acpi_sdt_begin(struct aml *out, const char sig[4], uint8_t revision);
/* Patch the length and checksum; returns aml_error(out). */
int acpi_sdt_finish(struct aml *out) __must_check;

#endif
