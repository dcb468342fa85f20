/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake struct dev_ctx for device unit tests: every GSI below
 * FAKE_DEV_CTX_GSIS has an irq line that records each level change, and
 * platform events (power-off, reboot) are recorded in order. Thread-safe,
 * so tests may drive a device from several threads.
 *
 *	struct fake_dev_ctx f;
 *	fake_dev_ctx_init(&f);
 *	serial_new(&f.ctx, 4, ...);
 *	cr_assert(fake_irq_level(&f, 4));
 *	fake_dev_ctx_fini(&f);
 */
#ifndef CNH_TESTS_FAKE_DEV_CTX_H
#define CNH_TESTS_FAKE_DEV_CTX_H

#include <pthread.h>
#include <stdbool.h>

#include "devices/device.h"

#define FAKE_DEV_CTX_GSIS 24
#define FAKE_IRQ_HISTORY 256
#define FAKE_EVENTS_MAX 64

struct fake_irq {
	struct irq_line line;
	struct fake_dev_ctx *owner;
	unsigned int gsi;
	bool level;
	unsigned int n_sets;   /* every set_level call */
	unsigned int n_raises; /* low -> high transitions */
	unsigned int n_history; /* may exceed FAKE_IRQ_HISTORY; history keeps the first ones */
	bool history[FAKE_IRQ_HISTORY];
};

struct fake_dev_ctx {
	struct dev_ctx ctx;
	pthread_mutex_t lock;
	bool no_irq[FAKE_DEV_CTX_GSIS]; /* set before realize: ctx->irq returns NULL */
	struct fake_irq irqs[FAKE_DEV_CTX_GSIS];
	unsigned int n_events;
	enum platform_event events[FAKE_EVENTS_MAX];
};

void fake_dev_ctx_init(struct fake_dev_ctx *f);
void fake_dev_ctx_fini(struct fake_dev_ctx *f);

/* Current level of a GSI's line (false for out-of-range GSIs). */
bool fake_irq_level(struct fake_dev_ctx *f, unsigned int gsi);
/* Number of low -> high transitions seen on the line. */
unsigned int fake_irq_raises(struct fake_dev_ctx *f, unsigned int gsi);
/* Number of set_level calls. */
unsigned int fake_irq_sets(struct fake_dev_ctx *f, unsigned int gsi);
/* Forget the history and counters (the level stays). */
void fake_irq_clear_history(struct fake_dev_ctx *f, unsigned int gsi);

/* Number of platform events recorded, and the i-th one. */
unsigned int fake_events(struct fake_dev_ctx *f);
enum platform_event fake_event(struct fake_dev_ctx *f, unsigned int i);

#endif
