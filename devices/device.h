/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emulated legacy devices. A device type is a const ops table listed in the
 * registry (devices/registry.c); an instance is realized with a context the
 * VMM provides: interrupt lines and platform callbacks. devices/ never sees
 * KVM: everything it needs from the VMM comes through struct dev_ctx.
 */
#ifndef CNH_DEVICES_DEVICE_H
#define CNH_DEVICES_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

/* An interrupt line; the VMM implements it (KVM_IRQ_LINE, irqfd, a fake). */
struct irq_line {
	void (*set_level)(struct irq_line *line, bool level);
};

static inline void irq_line_set(struct irq_line *line, bool level)
{
	if (line && line->set_level)
		line->set_level(line, level);
}

/* Platform actions a device may request; the VMM implements them. */
enum platform_event {
	PLATFORM_POWEROFF, /* ACPI S5 */
	PLATFORM_REBOOT,   /* i8042 reset, ACPI reset register */
};

struct dev_ctx {
	/* Request a power-off or reboot. Called from a vCPU thread. */
	void (*platform_event)(struct dev_ctx *ctx, enum platform_event ev);
	/* Interrupt line for GSI n (legacy IRQ), NULL when none. */
	struct irq_line *(*irq)(struct dev_ctx *ctx, unsigned int gsi);
};

struct device;

struct dev_ops {
	const char *name;
	/* Access width is 1, 2, 4 or 8; offset is relative to the range base. */
	void (*read)(struct device *dev, uint64_t offset, void *data, unsigned int size);
	void (*write)(struct device *dev, uint64_t offset, const void *data, unsigned int size);
	/* Return to power-on state (guest reboot). Persistent state survives. */
	void (*reset)(struct device *dev);
	/* Free the instance; accepts half-built devices. */
	void (*destroy)(struct device *dev);
};

/* Embedded at the start of every device's state. */
struct device {
	const struct dev_ops *ops;
	struct dev_ctx *ctx;
};

static inline void device_reset(struct device *dev)
{
	if (dev && dev->ops->reset)
		dev->ops->reset(dev);
}

static inline void device_destroy(struct device *dev)
{
	if (dev && dev->ops->destroy)
		dev->ops->destroy(dev);
}

#endif
