/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/fakes/fake_dev_ctx.h"

#include <stdlib.h>
#include <string.h>

static void fake_irq_set_level(struct irq_line *line, bool level)
{
	struct fake_irq *irq = container_of(line, struct fake_irq, line);
	struct fake_dev_ctx *f = irq->owner;

	pthread_mutex_lock(&f->lock);
	if (level && !irq->level)
		irq->n_raises++;
	irq->level = level;
	irq->n_sets++;
	if (irq->n_history < FAKE_IRQ_HISTORY)
		irq->history[irq->n_history] = level;
	irq->n_history++;
	pthread_mutex_unlock(&f->lock);
}

static struct irq_line *fake_ctx_irq(struct dev_ctx *ctx, unsigned int gsi)
{
	struct fake_dev_ctx *f = container_of(ctx, struct fake_dev_ctx, ctx);

	if (gsi >= FAKE_DEV_CTX_GSIS || f->no_irq[gsi])
		return NULL;
	return &f->irqs[gsi].line;
}

static void fake_ctx_platform_event(struct dev_ctx *ctx, enum platform_event ev)
{
	struct fake_dev_ctx *f = container_of(ctx, struct fake_dev_ctx, ctx);

	pthread_mutex_lock(&f->lock);
	if (f->n_events < FAKE_EVENTS_MAX)
		f->events[f->n_events++] = ev;
	pthread_mutex_unlock(&f->lock);
}

void fake_dev_ctx_init(struct fake_dev_ctx *f)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->ctx.irq = fake_ctx_irq;
	f->ctx.platform_event = fake_ctx_platform_event;
	for (i = 0; i < FAKE_DEV_CTX_GSIS; i++) {
		f->irqs[i].line.set_level = fake_irq_set_level;
		f->irqs[i].owner = f;
		f->irqs[i].gsi = i;
	}
}

void fake_dev_ctx_fini(struct fake_dev_ctx *f)
{
	if (f)
		pthread_mutex_destroy(&f->lock);
}

bool fake_irq_level(struct fake_dev_ctx *f, unsigned int gsi)
{
	bool r;

	if (gsi >= FAKE_DEV_CTX_GSIS)
		return false;
	pthread_mutex_lock(&f->lock);
	r = f->irqs[gsi].level;
	pthread_mutex_unlock(&f->lock);
	return r;
}

unsigned int fake_irq_raises(struct fake_dev_ctx *f, unsigned int gsi)
{
	unsigned int r;

	if (gsi >= FAKE_DEV_CTX_GSIS)
		return 0;
	pthread_mutex_lock(&f->lock);
	r = f->irqs[gsi].n_raises;
	pthread_mutex_unlock(&f->lock);
	return r;
}

unsigned int fake_irq_sets(struct fake_dev_ctx *f, unsigned int gsi)
{
	unsigned int r;

	if (gsi >= FAKE_DEV_CTX_GSIS)
		return 0;
	pthread_mutex_lock(&f->lock);
	r = f->irqs[gsi].n_sets;
	pthread_mutex_unlock(&f->lock);
	return r;
}

void fake_irq_clear_history(struct fake_dev_ctx *f, unsigned int gsi)
{
	if (gsi >= FAKE_DEV_CTX_GSIS)
		return;
	pthread_mutex_lock(&f->lock);
	f->irqs[gsi].n_sets = 0;
	f->irqs[gsi].n_raises = 0;
	f->irqs[gsi].n_history = 0;
	pthread_mutex_unlock(&f->lock);
}

unsigned int fake_events(struct fake_dev_ctx *f)
{
	unsigned int r;

	pthread_mutex_lock(&f->lock);
	r = f->n_events;
	pthread_mutex_unlock(&f->lock);
	return r;
}

enum platform_event fake_event(struct fake_dev_ctx *f, unsigned int i)
{
	enum platform_event r;

	pthread_mutex_lock(&f->lock);
	if (i >= f->n_events)
		abort();
	r = f->events[i];
	pthread_mutex_unlock(&f->lock);
	return r;
}
