/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal i8042 controller (no keyboard attached): status, a few commands, reset. See i8042.h. */
#include "devices/i8042.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct i8042 {
	struct device dev;     /* data port */
	struct device cmd_dev; /* status / command port */
	pthread_mutex_t lock;
	uint8_t ctr;     /* command byte */
	uint8_t outport; /* output port (bit 0: reset line, inverted) */
	uint8_t out;     /* output buffer */
	bool obf;
	bool last_cmd;    /* last write was to the command port */
	uint8_t pending;  /* command waiting for its data byte, 0 when none */
};

#define I8042_CTR_DEFAULT 0x30 /* both ports disabled, no interrupts */
#define I8042_CTR_SYS 0x04
#define I8042_CTR_KBD_DISABLE 0x10
#define I8042_CTR_AUX_DISABLE 0x20
#define I8042_OUTPORT_DEFAULT 0x03 /* reset line high, A20 enabled */

static void i8042_output(struct i8042 *k, uint8_t v)
{
	k->out = v;
	k->obf = true;
}

/* Called with lock held; returns true when a reboot must be requested. */
static bool i8042_command(struct i8042 *k, uint8_t cmd)
{
	k->pending = 0;
	switch (cmd) {
	case I8042_CMD_READ_CTR:
		i8042_output(k, k->ctr);
		break;
	case I8042_CMD_WRITE_CTR:
	case I8042_CMD_WRITE_OUTPORT:
		k->pending = cmd;
		break;
	case I8042_CMD_AUX_DISABLE:
		k->ctr |= I8042_CTR_AUX_DISABLE;
		break;
	case I8042_CMD_AUX_ENABLE:
		k->ctr &= (uint8_t)~I8042_CTR_AUX_DISABLE;
		break;
	case I8042_CMD_SELF_TEST:
		k->ctr |= I8042_CTR_SYS;
		i8042_output(k, 0x55);
		break;
	case I8042_CMD_KBD_TEST:
		i8042_output(k, 0x00);
		break;
	case I8042_CMD_KBD_DISABLE:
		k->ctr |= I8042_CTR_KBD_DISABLE;
		break;
	case I8042_CMD_KBD_ENABLE:
		k->ctr &= (uint8_t)~I8042_CTR_KBD_DISABLE;
		break;
	case I8042_CMD_READ_OUTPORT:
		i8042_output(k, k->outport);
		break;
	default:
		/* 0xF0-0xFF pulse output port lines low; bit 0 is the reset line. */
		if ((cmd & 0xf0) == 0xf0 && !(cmd & 0x01))
			return true;
		break;
	}
	return false;
}

/* Called with lock held; returns true when a reboot must be requested. */
static bool i8042_data(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case I8042_CMD_WRITE_CTR:
		k->ctr = v;
		return false;
	case I8042_CMD_WRITE_OUTPORT:
		k->outport = v;
		return !(v & 0x01);
	default:
		return false; /* to the keyboard, which is absent */
	}
}

static uint8_t i8042_status(const struct i8042 *k)
{
	uint8_t st = I8042_STATUS_UNLOCKED;

	if (k->obf)
		st |= I8042_STATUS_OBF;
	if (k->ctr & I8042_CTR_SYS)
		st |= I8042_STATUS_SYS;
	if (k->last_cmd)
		st |= I8042_STATUS_CMD;
	return st;
}

static void i8042_access(struct i8042 *k, bool cmd_port, bool is_write, uint8_t *p,
			 unsigned int size)
{
	bool reboot = false;
	unsigned int i;

	pthread_mutex_lock(&k->lock);
	for (i = 0; i < size; i++) {
		if (i > 0) {
			/* Bytes past the one-port range: nothing there. */
			if (!is_write)
				p[i] = 0xff;
			continue;
		}
		if (is_write) {
			k->last_cmd = cmd_port;
			reboot |= cmd_port ? i8042_command(k, p[i]) : i8042_data(k, p[i]);
		} else if (cmd_port) {
			p[i] = i8042_status(k);
		} else {
			p[i] = k->out;
			k->obf = false;
		}
	}
	pthread_mutex_unlock(&k->lock);
	if (reboot && k->dev.ctx && k->dev.ctx->platform_event)
		k->dev.ctx->platform_event(k->dev.ctx, PLATFORM_REBOOT);
}

static void i8042_data_read(struct device *dev, uint64_t offset, void *data, unsigned int size)
{
	struct i8042 *k = container_of(dev, struct i8042, dev);

	if (offset != 0) {
		for (unsigned int i = 0; i < size; i++)
			((uint8_t *)data)[i] = 0xff;
		return;
	}
	i8042_access(k, false, false, data, size);
}

static void i8042_data_write(struct device *dev, uint64_t offset, const void *data,
			     unsigned int size)
{
	struct i8042 *k = container_of(dev, struct i8042, dev);
	uint8_t b = *(const uint8_t *)data;

	if (offset == 0 && size > 0)
		i8042_access(k, false, true, &b, 1);
}

static void i8042_cmd_read(struct device *dev, uint64_t offset, void *data, unsigned int size)
{
	struct i8042 *k = container_of(dev, struct i8042, cmd_dev);

	if (offset != 0) {
		for (unsigned int i = 0; i < size; i++)
			((uint8_t *)data)[i] = 0xff;
		return;
	}
	i8042_access(k, true, false, data, size);
}

static void i8042_cmd_write(struct device *dev, uint64_t offset, const void *data,
			    unsigned int size)
{
	struct i8042 *k = container_of(dev, struct i8042, cmd_dev);
	uint8_t b = *(const uint8_t *)data;

	if (offset == 0 && size > 0)
		i8042_access(k, true, true, &b, 1);
}

static void i8042_reset_locked(struct i8042 *k)
{
	k->ctr = I8042_CTR_DEFAULT;
	k->outport = I8042_OUTPORT_DEFAULT;
	k->out = 0;
	k->obf = false;
	k->last_cmd = false;
	k->pending = 0;
}

static void i8042_reset(struct device *dev)
{
	struct i8042 *k = container_of(dev, struct i8042, dev);

	pthread_mutex_lock(&k->lock);
	i8042_reset_locked(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_destroy(struct device *dev)
{
	struct i8042 *k;

	if (!dev)
		return;
	k = container_of(dev, struct i8042, dev);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

const struct dev_ops i8042_ops = {
	.name = "i8042",
	.read = i8042_data_read,
	.write = i8042_data_write,
	.reset = i8042_reset,
	.destroy = i8042_destroy,
};

/* The command port shares the instance; lifecycle goes through i8042_ops. */
static const struct dev_ops i8042_cmd_ops = {
	.name = "i8042-cmd",
	.read = i8042_cmd_read,
	.write = i8042_cmd_write,
};

int i8042_new(struct dev_ctx *ctx, struct device **ret)
{
	struct i8042 *k;

	if (!ret)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->dev.ops = &i8042_ops;
	k->dev.ctx = ctx;
	k->cmd_dev.ops = &i8042_cmd_ops;
	k->cmd_dev.ctx = ctx;
	pthread_mutex_init(&k->lock, NULL);
	i8042_reset_locked(k);
	*ret = &k->dev;
	return 0;
}

struct device *i8042_cmd_device(struct device *dev)
{
	if (!dev || dev->ops != &i8042_ops)
		return NULL;
	return &container_of(dev, struct i8042, dev)->cmd_dev;
}
