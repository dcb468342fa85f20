/* SPDX-License-Identifier: Apache-2.0 */
/* POST code port. See post.h. */
#include "devices/post.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct post {
	struct device dev;
	pthread_mutex_t lock;
	post_fn cb;
	void *opaque;
	uint8_t last;
	uint64_t last_ns;
};

static uint64_t post_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void post_read(struct device *dev, uint64_t offset, void *data, unsigned int size)
{
	struct post *p = container_of(dev, struct post, dev);
	uint8_t *b = data;
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < size; i++)
		b[i] = offset + i == 0 ? p->last : 0xff;
	pthread_mutex_unlock(&p->lock);
}

static void post_write(struct device *dev, uint64_t offset, const void *data, unsigned int size)
{
	struct post *p = container_of(dev, struct post, dev);
	uint64_t ns;
	uint8_t v;

	if (offset != 0 || size == 0)
		return;
	v = *(const uint8_t *)data;
	ns = post_now_ns();
	pthread_mutex_lock(&p->lock);
	p->last = v;
	p->last_ns = ns;
	pthread_mutex_unlock(&p->lock);
	if (p->cb)
		p->cb(p->opaque, v, ns);
}

static void post_destroy(struct device *dev)
{
	struct post *p;

	if (!dev)
		return;
	p = container_of(dev, struct post, dev);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const struct dev_ops post_ops = {
	.name = "post",
	.read = post_read,
	.write = post_write,
	.reset = NULL, /* the last code survives a reboot, as on a POST card */
	.destroy = post_destroy,
};

int post_new(struct dev_ctx *ctx, post_fn cb, void *opaque, struct device **ret)
{
	struct post *p;

	if (!ret)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dev.ops = &post_ops;
	p->dev.ctx = ctx;
	pthread_mutex_init(&p->lock, NULL);
	p->cb = cb;
	p->opaque = opaque;
	*ret = &p->dev;
	return 0;
}

uint8_t post_last(struct device *dev, uint64_t *ret_ts_ns)
{
	struct post *p;
	uint8_t v;

	if (!dev || dev->ops != &post_ops) {
		if (ret_ts_ns)
			*ret_ts_ns = 0;
		return 0;
	}
	p = container_of(dev, struct post, dev);
	pthread_mutex_lock(&p->lock);
	v = p->last;
	if (ret_ts_ns)
		*ret_ts_ns = p->last_ns;
	pthread_mutex_unlock(&p->lock);
	return v;
}
