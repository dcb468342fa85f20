/* SPDX-License-Identifier: Apache-2.0 */
/* ACPI Generic Event Device event register. See ged.h. */
#include "devices/ged.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct ged {
	struct device dev;
	pthread_mutex_t lock;
	struct irq_line *irq;
	uint32_t pending;
	bool level;
};

static void ged_update_irq(struct ged *g)
{
	bool level = g->pending != 0;

	if (level != g->level) {
		g->level = level;
		irq_line_set(g->irq, level);
	}
}

static void ged_read(struct device *dev, uint64_t offset, void *data, unsigned int size)
{
	struct ged *g = container_of(dev, struct ged, dev);
	uint8_t *p = data;
	uint64_t v = 0;
	unsigned int i;

	pthread_mutex_lock(&g->lock);
	if (offset == GED_REG_EVENT && size >= 4) {
		v = g->pending;
		g->pending = 0;
		ged_update_irq(g);
	} else if (offset < 4) {
		v = g->pending >> (offset * 8);
	}
	pthread_mutex_unlock(&g->lock);
	for (i = 0; i < size; i++)
		p[i] = i < 8 ? (uint8_t)(v >> (i * 8)) : 0;
}

static void ged_write(struct device *dev, uint64_t offset, const void *data, unsigned int size)
{
}

static void ged_reset(struct device *dev)
{
	struct ged *g = container_of(dev, struct ged, dev);

	pthread_mutex_lock(&g->lock);
	g->pending = 0;
	ged_update_irq(g);
	pthread_mutex_unlock(&g->lock);
}

static void ged_destroy(struct device *dev)
{
	struct ged *g;

	if (!dev)
		return;
	g = container_of(dev, struct ged, dev);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

const struct dev_ops ged_ops = {
	.name = "ged",
	.read = ged_read,
	.write = ged_write,
	.reset = ged_reset,
	.destroy = ged_destroy,
};

int ged_new(struct dev_ctx *ctx, unsigned int gsi, struct ged **ret)
{
	struct ged *g;

	if (!ret)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->dev.ops = &ged_ops;
	g->dev.ctx = ctx;
	pthread_mutex_init(&g->lock, NULL);
	g->irq = ctx && ctx->irq ? ctx->irq(ctx, gsi) : NULL;
	*ret = g;
	return 0;
}

struct device *ged_device(struct ged *g)
{
	return g ? &g->dev : NULL;
}

void ged_free(struct ged *g)
{
	if (g)
		ged_destroy(&g->dev);
}

void ged_notify(struct ged *g, uint32_t event_bits)
{
	if (!g || !event_bits)
		return;
	pthread_mutex_lock(&g->lock);
	g->pending |= event_bits;
	ged_update_irq(g);
	pthread_mutex_unlock(&g->lock);
}
