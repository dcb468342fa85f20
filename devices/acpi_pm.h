/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACPI hardware-reduced sleep and reset registers (FADT SLEEP_CONTROL_REG,
 * SLEEP_STATUS_REG, RESET_REG), one byte each, at PORT_ACPI_PM (the offsets
 * and values below equal vmm/layout.h's ACPI_PM_* / ACPI_RESET_VALUE /
 * ACPI_SLP_TYP_S5, which devices/ may not include).
 *
 * - Sleep control: a write with SLP_EN (bit 5) and SLP_TYP (bits 2-4) == S5
 *   requests PLATFORM_POWEROFF. The DSDT offers only \_S5; any other sleep type
 *   "wakes" at once, setting WAK_STS so that OSPM's wait ends.
 *   Reads return 0.
 * - Sleep status: WAK_STS (bit 7), write 1 to clear.
 * - Reset: writing ACPI_PM_RESET_VALUE requests PLATFORM_REBOOT.
 * Wider accesses are split into byte accesses.
 */
#ifndef CNH_DEVICES_ACPI_PM_H
#define CNH_DEVICES_ACPI_PM_H

#include "common/util.h"
#include "devices/device.h"

#define ACPI_PM_REG_SLEEP_CONTROL 0
#define ACPI_PM_REG_SLEEP_STATUS 1
#define ACPI_PM_REG_RESET 2
#define ACPI_PM_NR_REGS 4
#define ACPI_PM_RESET_VALUE 0x01
#define ACPI_PM_SLP_TYP_S5 5
#define ACPI_PM_SLP_EN 0x20
#define ACPI_PM_SLP_TYP_SHIFT 2
#define ACPI_PM_SLP_TYP_MASK 0x1c
#define ACPI_PM_WAK_STS 0x80

extern const struct dev_ops acpi_pm_ops;

/* Register *ret at PORT_ACPI_PM, PORT_ACPI_PM_LEN; free with device_destroy(). */
int acpi_pm_new(struct dev_ctx *ctx, struct device **ret) __must_check;

#endif
