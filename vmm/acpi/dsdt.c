/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DSDT: PCI root bridge, motherboard resources (ECAM), COM1, the power
 * button, the Generic Event Device that signals it, processors and \_S5.
 *
 *   Scope (\_SB) {
 *     Device (PCI0)  PNP0A08/PNP0A03, _SEG, _BBN, _UID, _CRS (bus range,
 *                    0xCF8 config ports, I/O window, 32/64-bit MMIO windows)
 *     Device (MBRD)  PNP0C02 reserving the ECAM area (Linux wants MCFG space
 *                    reserved by e820 or by a motherboard resource)
 *     Device (COM1)  PNP0501
 *     Device (PWRB)  PNP0C0C
 *     Device (GED_)  ACPI0013, GDAT register, _EVT -> Notify (PWRB, 0x80)
 *     Device (C000) .. ACPI0007 per vCPU, _UID = MADT processor UID
 *   }
 *   Name (_S5_, Package { ACPI_SLP_TYP_S5, 0, 0, 0 })
 */
#include <stdio.h>

#include "devices/ged.h" /* GED_EVENT_* bits of the GDAT register */
#include "vmm/acpi/tables.h"
#include "vmm/layout.h"

static void dsdt_pci0(struct aml *a, const struct acpi_config *cfg)
{
	struct aml res;
	size_t dev;

	dev = aml_device_begin(a, "PCI0");
	aml_name_eisaid(a, "_HID", "PNP0A08");
	aml_name_eisaid(a, "_CID", "PNP0A03");
	aml_name_int(a, "_SEG", 0);
	aml_name_int(a, "_BBN", cfg->bus_start);
	aml_name_int(a, "_UID", 0);

	aml_init(&res);
	aml_res_word_bus(&res, cfg->bus_start, cfg->bus_end);
	aml_res_io(&res, 0xcf8, 0xcf8, 1, 8);
	aml_res_word_io(&res, 0x1000, 0xffff);
	aml_res_dword_memory(&res, AML_MEM_NONCACHEABLE, true, (uint32_t)cfg->mmio32_base,
			     (uint32_t)(cfg->mmio32_base + cfg->mmio32_size - 1));
	if (cfg->mmio64_size)
		aml_res_qword_memory(&res, AML_MEM_NONCACHEABLE, true, cfg->mmio64_base,
				     cfg->mmio64_base + cfg->mmio64_size - 1);
	aml_name(a, "_CRS");
	aml_resource_template(a, &res);
	aml_fini(&res);
	aml_end(a, dev);
}

static void dsdt_mbrd(struct aml *a, const struct acpi_config *cfg)
{
	uint64_t start = cfg->ecam_base + ((uint64_t)cfg->bus_start << 20);
	uint64_t size = (uint64_t)(cfg->bus_end - cfg->bus_start + 1) << 20;
	struct aml res;
	size_t dev;

	dev = aml_device_begin(a, "MBRD");
	aml_name_eisaid(a, "_HID", "PNP0C02");
	aml_name_int(a, "_UID", 0);
	aml_init(&res);
	aml_res_mem32_fixed(&res, true, (uint32_t)start, (uint32_t)size);
	aml_name(a, "_CRS");
	aml_resource_template(a, &res);
	aml_fini(&res);
	aml_end(a, dev);
}

static void dsdt_com1(struct aml *a)
{
	struct aml res;
	size_t dev;

	dev = aml_device_begin(a, "COM1");
	aml_name_eisaid(a, "_HID", "PNP0501");
	aml_name_int(a, "_UID", 1);
	aml_init(&res);
	aml_res_io(&res, PORT_SERIAL_COM1, PORT_SERIAL_COM1, 1, PORT_SERIAL_LEN);
	aml_res_irq_noflags(&res, IRQ_SERIAL_COM1);
	aml_name(a, "_CRS");
	aml_resource_template(a, &res);
	aml_fini(&res);
	aml_end(a, dev);
}

static void dsdt_pwrb(struct aml *a)
{
	size_t dev = aml_device_begin(a, "PWRB");

	aml_name_eisaid(a, "_HID", "PNP0C0C");
	aml_name_int(a, "_UID", 0);
	aml_end(a, dev);
}

static void dsdt_ged(struct aml *a)
{
	struct aml res;
	size_t dev, field, method, cond;

	dev = aml_device_begin(a, "GED_");
	aml_name_string(a, "_HID", "ACPI0013");
	aml_name_int(a, "_UID", 0);
	/*
	 * Level, active high: devices/ged.c holds the line up from ged_notify()
	 * until _EVT reads GDAT (Cloud Hypervisor pulses an edge instead).
	 */
	aml_init(&res);
	aml_res_interrupt(&res, AML_IRQ_CONSUMER, IRQ_GED);
	aml_name(a, "_CRS");
	aml_resource_template(a, &res);
	aml_fini(&res);

	aml_op_region(a, "GDST", AML_SYSTEM_MEMORY, LAYOUT_GED_START, LAYOUT_GED_SIZE);
	field = aml_field_begin(a, "GDST", AML_FIELD_DWORD_ACC);
	aml_field_unit(a, "GDAT", 32);
	aml_end(a, field);

	/* Method (_EVT, 1, Serialized) */
	method = aml_method_begin(a, "_EVT", 1, true);
	/* Store (GDAT, Local0) */
	aml_op_store(a);
	aml_ref(a, "GDAT");
	aml_local(a, 0);
	/* If (LEqual (And (Local0, 1, Zero), 1)) */
	cond = aml_if_begin(a);
	aml_op_lequal(a);
	aml_op_and(a);
	aml_local(a, 0);
	aml_int(a, GED_EVENT_POWER_BUTTON);
	aml_null_target(a);
	aml_int(a, GED_EVENT_POWER_BUTTON);
	/*   Notify (\_SB.PWRB, 0x80): power button pressed */
	aml_op_notify(a);
	aml_ref(a, "\\_SB.PWRB");
	aml_int(a, 0x80);
	aml_end(a, cond);
	aml_end(a, method);
	aml_end(a, dev);
}

static void dsdt_cpus(struct aml *a, unsigned int ncpus)
{
	for (unsigned int i = 0; i < ncpus; i++) {
		char name[8];
		size_t dev;

		/* Cloud Hypervisor's naming: C000..C0FD fits 254 vCPUs in a NameSeg. */
		snprintf(name, sizeof(name), "C%03X", i & 0xfff);
		dev = aml_device_begin(a, name);
		aml_name_string(a, "_HID", "ACPI0007");
		aml_name_int(a, "_UID", i);
		aml_end(a, dev);
	}
}

int acpi_dsdt_build(const struct acpi_config *cfg, struct aml *out)
{
	size_t sb, pkg;
	int r = acpi_config_check(cfg);

	if (r < 0)
		return r;
	/* Revision 2+: integers are 64 bits wide. */
	acpi_sdt_begin(out, "DSDT", 6);

	sb = aml_scope_begin(out, "\\_SB");
	dsdt_pci0(out, cfg);
	dsdt_mbrd(out, cfg);
	dsdt_com1(out);
	dsdt_pwrb(out);
	dsdt_ged(out);
	dsdt_cpus(out, cfg->ncpus);
	aml_end(out, sb);

	aml_name(out, "\\_S5");
	pkg = aml_package_begin(out, 4);
	aml_int(out, ACPI_SLP_TYP_S5);
	aml_int(out, 0);
	aml_int(out, 0);
	aml_int(out, 0);
	aml_end(out, pkg);

	return acpi_sdt_finish(out);
}
