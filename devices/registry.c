/* SPDX-License-Identifier: Apache-2.0 */
#include "devices/registry.h"

#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/ged.h"
#include "devices/i8042.h"
#include "devices/post.h"
#include "devices/rtc.h"
#include "devices/serial.h"

/* In the order the VMM creates them. */
static const struct registry_entry registry_table[] = {
	{ "serial", "16550A UART (COM1, port 0x3f8, IRQ 4)", &serial_ops },
	{ "rtc", "MC146818 CMOS RTC and NVRAM (ports 0x70-0x71)", &rtc_ops },
	{ "i8042", "i8042 controller: reset line only (ports 0x60, 0x64)", &i8042_ops },
	{ "acpi-pm", "ACPI hardware-reduced sleep and reset registers (port 0x600)", &acpi_pm_ops },
	{ "ged", "ACPI Generic Event Device: power button (MMIO 0xfeb00000, IRQ 5)", &ged_ops },
	{ "post", "POST code port 0x80 with boot timestamps", &post_ops },
};

const struct registry_entry *registry_entries(size_t *ret_n)
{
	if (ret_n)
		*ret_n = ARRAY_SIZE(registry_table);
	return registry_table;
}

const struct registry_entry *registry_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(registry_table); i++)
		if (strcmp(registry_table[i].name, name) == 0)
			return &registry_table[i];
	return NULL;
}
