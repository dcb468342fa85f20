/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-layout ACPI tables: RSDP, XSDT, FADT, MADT, MCFG (ACPI 6.x chapter 5
 * and the PCI Firmware spec for MCFG). Layouts follow the spec tables;
 * values follow what Cloud Hypervisor gives its guests.
 */
#include <string.h>

#include "vmm/acpi/tables.h"
#include "vmm/layout.h"

uint8_t acpi_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

static void sdt_put32(struct aml *out, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		out->buf[off + i] = (uint8_t)(v >> (8 * i));
}

void acpi_sdt_begin(struct aml *out, const char sig[4], uint8_t revision)
{
	char table_id[8] = { 'C', 'N', 'H', sig[0], sig[1], sig[2], sig[3], ' ' };

	aml_bytes(out, sig, 4);
	aml_le32(out, 0); /* length, patched by acpi_sdt_finish */
	aml_byte(out, revision);
	aml_byte(out, 0); /* checksum, patched */
	aml_bytes(out, ACPI_OEM_ID, 6);
	aml_bytes(out, table_id, 8);
	aml_le32(out, 1); /* OEM revision */
	aml_bytes(out, ACPI_CREATOR_ID, 4);
	aml_le32(out, 1); /* creator revision */
}

int acpi_sdt_finish(struct aml *out)
{
	if (aml_error(out))
		return aml_error(out);
	if (out->len < ACPI_HEADER_LEN || out->len > UINT32_MAX)
		return -EINVAL;
	sdt_put32(out, 4, (uint32_t)out->len);
	out->buf[9] = 0;
	out->buf[9] = (uint8_t)(0x100 - acpi_checksum(out->buf, out->len));
	return 0;
}

/* Generic Address Structure (ACPI 6.x 5.2.3.2). */
static void acpi_gas(struct aml *out, uint8_t space, uint8_t bit_width, uint8_t access,
		     uint64_t address)
{
	aml_byte(out, space);
	aml_byte(out, bit_width);
	aml_byte(out, 0); /* bit offset */
	aml_byte(out, access);
	aml_le64(out, address);
}

static void acpi_zeros(struct aml *out, size_t n)
{
	static const uint8_t zero[64];

	while (n) {
		size_t k = MIN(n, sizeof(zero));

		aml_bytes(out, zero, k);
		n -= k;
	}
}

int acpi_fadt_build(uint64_t dsdt_gpa, struct aml *out)
{
	/* IA-PC boot flags as Cloud Hypervisor/Firecracker guests see them, minus
	 * "MSI not supported" (we have MSI-X): no VGA, leave ASPM alone. No 8042
	 * flag: the i8042 port only implements reset, there is no keyboard. */
	const uint16_t iapc = IAPC_BOOT_VGA_NOT_PRESENT | IAPC_BOOT_PCIE_ASPM_CONTROLS;
	const uint32_t flags = FADT_F_WBINVD | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
			       FADT_F_RESET_REG_SUP | FADT_F_HW_REDUCED_ACPI;

	acpi_sdt_begin(out, "FACP", 6);
	/* 36..108: FACS, DSDT (32-bit), SCI, SMI and the PM blocks: all unused in
	 * hardware-reduced mode. The DSDT is given by X_DSDT only. */
	acpi_zeros(out, FADT_OFF_IAPC_BOOT_ARCH - ACPI_HEADER_LEN);
	aml_le16(out, iapc);
	aml_byte(out, 0); /* reserved */
	aml_le32(out, flags);
	acpi_gas(out, ACPI_GAS_SYSTEM_IO, 8, ACPI_GAS_ACCESS_BYTE, PORT_ACPI_PM + ACPI_PM_RESET);
	aml_byte(out, ACPI_RESET_VALUE);
	aml_le16(out, 0); /* ARM boot arch */
	aml_byte(out, 3); /* FADT minor version: ACPI 6.3 */
	aml_le64(out, 0); /* X_FIRMWARE_CTRL: no FACS */
	aml_le64(out, dsdt_gpa);
	/* X_PM1a_EVT .. X_GPE1: eight unused GAS. */
	acpi_zeros(out, 8 * 12);
	acpi_gas(out, ACPI_GAS_SYSTEM_IO, 8, ACPI_GAS_ACCESS_BYTE,
		 PORT_ACPI_PM + ACPI_PM_SLEEP_CONTROL);
	acpi_gas(out, ACPI_GAS_SYSTEM_IO, 8, ACPI_GAS_ACCESS_BYTE,
		 PORT_ACPI_PM + ACPI_PM_SLEEP_STATUS);
	aml_bytes(out, ACPI_HYPERVISOR_ID, 8);
	if (!aml_error(out) && out->len != ACPI_FADT_LEN)
		return -EINVAL;
	return acpi_sdt_finish(out);
}

int acpi_madt_build(const struct acpi_config *cfg, struct aml *out)
{
	int r = acpi_config_check(cfg);

	if (r < 0)
		return r;
	acpi_sdt_begin(out, "APIC", 5);
	aml_le32(out, (uint32_t)LAYOUT_LAPIC_START);
	/* No PCAT_COMPAT: a hardware-reduced guest does not use the 8259s. */
	aml_le32(out, 0);
	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		aml_byte(out, MADT_LOCAL_APIC);
		aml_byte(out, 8);
		aml_byte(out, (uint8_t)i); /* ACPI processor UID, matches CPU _UID */
		aml_byte(out, (uint8_t)i); /* APIC id */
		aml_le32(out, 1);          /* enabled */
	}
	aml_byte(out, MADT_IO_APIC);
	aml_byte(out, 12);
	aml_byte(out, 0); /* IOAPIC id */
	aml_byte(out, 0);
	aml_le32(out, (uint32_t)LAYOUT_IOAPIC_START);
	aml_le32(out, 0); /* GSI base */
	/*
	 * No interrupt source overrides: KVM's default GSI routing is the
	 * identity for ISA IRQs (a 0->2 override would point Linux at a pin KVM
	 * does not drive).
	 */
	aml_byte(out, MADT_LOCAL_APIC_NMI);
	aml_byte(out, 6);
	aml_byte(out, 0xff); /* all processors */
	aml_le16(out, 0);    /* flags: conforms to the bus */
	aml_byte(out, 1);    /* LINT1 */
	return acpi_sdt_finish(out);
}

int acpi_mcfg_build(const struct acpi_config *cfg, struct aml *out)
{
	int r = acpi_config_check(cfg);

	if (r < 0)
		return r;
	acpi_sdt_begin(out, "MCFG", 1);
	aml_le64(out, 0); /* reserved */
	aml_le64(out, cfg->ecam_base);
	aml_le16(out, 0); /* segment */
	aml_byte(out, cfg->bus_start);
	aml_byte(out, cfg->bus_end);
	aml_le32(out, 0);
	return acpi_sdt_finish(out);
}

int acpi_xsdt_build(const uint64_t *entries, unsigned int n, struct aml *out)
{
	acpi_sdt_begin(out, "XSDT", 1);
	for (unsigned int i = 0; i < n; i++)
		aml_le64(out, entries[i]);
	return acpi_sdt_finish(out);
}

int acpi_rsdp_build(uint64_t xsdt_gpa, struct aml *out)
{
	aml_bytes(out, "RSD PTR ", 8);
	aml_byte(out, 0); /* checksum of the first 20 bytes */
	aml_bytes(out, ACPI_OEM_ID, 6);
	aml_byte(out, 2);  /* revision: ACPI 2.0+ */
	aml_le32(out, 0);  /* RSDT address: none, XSDT only */
	aml_le32(out, ACPI_RSDP_LEN);
	aml_le64(out, xsdt_gpa);
	aml_byte(out, 0); /* extended checksum */
	acpi_zeros(out, 3);
	if (aml_error(out))
		return aml_error(out);
	if (out->len != ACPI_RSDP_LEN)
		return -EINVAL;
	out->buf[8] = (uint8_t)(0x100 - acpi_checksum(out->buf, 20));
	out->buf[32] = (uint8_t)(0x100 - acpi_checksum(out->buf, ACPI_RSDP_LEN));
	return 0;
}
