/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACPI Generic Event Device register block (LAYOUT_GED_START, MMIO,
 * LAYOUT_GED_SIZE bytes), Cloud Hypervisor's shape: one 32-bit event
 * register at offset 0. A read of 4 or more bytes at offset 0 returns the
 * pending event bits, clears them and lowers the irq; the DSDT's _EVT method
 * reads it with a DWORD field and dispatches on the bits. Narrower reads at
 * offsets 0-3 peek at the bytes without clearing. Writes are ignored; other
 * offsets read 0.
 *
 * ged_notify() latches bits and raises the (level) irq; the line stays high
 * until the guest reads the register.
 */
#ifndef CNH_DEVICES_GED_H
#define CNH_DEVICES_GED_H

#include <stdint.h>

#include "common/util.h"
#include "devices/device.h"

#define GED_REG_EVENT 0
#define GED_EVENT_POWER_BUTTON 0x1 /* bit 0: \_SB.PWRB notify 0x80 */

struct ged;

extern const struct dev_ops ged_ops;

/* gsi: the line to raise (IRQ_GED). */
int ged_new(struct dev_ctx *ctx, unsigned int gsi, struct ged **ret) __must_check;
struct device *ged_device(struct ged *g);
void ged_free(struct ged *g);
/* Latch event bits and raise the irq. Thread-safe (main loop, API thread). */
void ged_notify(struct ged *g, uint32_t event_bits);

#endif
