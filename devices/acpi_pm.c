/* SPDX-License-Identifier: Apache-2.0 */
/* ACPI hardware-reduced sleep/reset registers. See acpi_pm.h. */
#include "devices/acpi_pm.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct acpi_pm {
	struct device dev;
	pthread_mutex_t lock;
	uint8_t sleep_status;
};

static void acpi_pm_read(struct device *dev, uint64_t offset, void *data, unsigned int size)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, dev);
	uint8_t *p = data;
	unsigned int i;

	pthread_mutex_lock(&pm->lock);
	for (i = 0; i < size; i++) {
		if (offset + i == ACPI_PM_REG_SLEEP_STATUS)
			p[i] = pm->sleep_status;
		else if (offset + i < ACPI_PM_NR_REGS)
			p[i] = 0; /* control and reset are write-only */
		else
			p[i] = 0xff;
	}
	pthread_mutex_unlock(&pm->lock);
}

static void acpi_pm_write(struct device *dev, uint64_t offset, const void *data, unsigned int size)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, dev);
	const uint8_t *p = data;
	bool poweroff = false, reboot = false;
	unsigned int i;
	uint8_t typ;

	pthread_mutex_lock(&pm->lock);
	for (i = 0; i < size; i++) {
		switch (offset + i) {
		case ACPI_PM_REG_SLEEP_CONTROL:
			if (!(p[i] & ACPI_PM_SLP_EN))
				break;
			typ = (p[i] & ACPI_PM_SLP_TYP_MASK) >> ACPI_PM_SLP_TYP_SHIFT;
			if (typ == ACPI_PM_SLP_TYP_S5)
				poweroff = true;
			else
				pm->sleep_status |= ACPI_PM_WAK_STS; /* woke at once */
			break;
		case ACPI_PM_REG_SLEEP_STATUS:
			pm->sleep_status &= (uint8_t)~(p[i] & ACPI_PM_WAK_STS);
			break;
		case ACPI_PM_REG_RESET:
			if (p[i] == ACPI_PM_RESET_VALUE)
				reboot = true;
			break;
		default:
			break;
		}
	}
	pthread_mutex_unlock(&pm->lock);
	if (!dev->ctx || !dev->ctx->platform_event)
		return;
	if (poweroff)
		dev->ctx->platform_event(dev->ctx, PLATFORM_POWEROFF);
	else if (reboot)
		dev->ctx->platform_event(dev->ctx, PLATFORM_REBOOT);
}

static void acpi_pm_reset(struct device *dev)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, dev);

	pthread_mutex_lock(&pm->lock);
	pm->sleep_status = 0;
	pthread_mutex_unlock(&pm->lock);
}

static void acpi_pm_destroy(struct device *dev)
{
	struct acpi_pm *pm;

	if (!dev)
		return;
	pm = container_of(dev, struct acpi_pm, dev);
	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

const struct dev_ops acpi_pm_ops = {
	.name = "acpi-pm",
	.read = acpi_pm_read,
	.write = acpi_pm_write,
	.reset = acpi_pm_reset,
	.destroy = acpi_pm_destroy,
};

int acpi_pm_new(struct dev_ctx *ctx, struct device **ret)
{
	struct acpi_pm *pm;

	if (!ret)
		return -EINVAL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->dev.ops = &acpi_pm_ops;
	pm->dev.ctx = ctx;
	pthread_mutex_init(&pm->lock, NULL);
	*ret = &pm->dev;
	return 0;
}
