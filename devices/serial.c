/* SPDX-License-Identifier: Apache-2.0 */
/* 16550A UART model. See serial.h for the behaviour. */
#include "devices/serial.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct serial {
	struct device dev;
	pthread_mutex_t lock;    /* registers, FIFO, irq level */
	pthread_mutex_t tx_lock; /* serializes tx callbacks; taken after lock */
	struct irq_line *irq;
	serial_tx_fn tx;
	void *opaque;

	/* Registers, all under lock. */
	uint8_t ier, lcr, mcr, msr, scr, dll, dlm, fcr;
	bool overrun;     /* LSR.OE, cleared by reading LSR */
	bool thr_pending; /* THR-empty interrupt pending */
	bool irq_level;   /* what the line was last set to */
	uint8_t rx[SERIAL_FIFO_SIZE];
	unsigned int rx_head, rx_count;
};

static unsigned int serial_rx_capacity(const struct serial *s)
{
	return (s->fcr & SERIAL_FCR_ENABLE) ? SERIAL_FIFO_SIZE : 1;
}

static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & SERIAL_FCR_ENABLE) ? SERIAL_IIR_FIFO : 0;

	if ((s->ier & SERIAL_IER_RLSI) && s->overrun)
		return SERIAL_IIR_RLSI | fifo;
	if ((s->ier & SERIAL_IER_RDI) && s->rx_count > 0)
		return SERIAL_IIR_RDI | fifo;
	if ((s->ier & SERIAL_IER_THRI) && s->thr_pending)
		return SERIAL_IIR_THRI | fifo;
	if ((s->ier & SERIAL_IER_MSI) &&
	    (s->msr & (SERIAL_MSR_DCTS | SERIAL_MSR_DDSR | SERIAL_MSR_TERI | SERIAL_MSR_DDCD)))
		return SERIAL_IIR_MSI | fifo;
	return SERIAL_IIR_NO_INT | fifo;
}

/* Called with lock held: bring the line in line with the pending state. */
static void serial_update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & SERIAL_IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_line_set(s->irq, level);
	}
}

/* Modem status inputs: host side always connected, loopback mirrors MCR. */
static void serial_set_msr_inputs(struct serial *s)
{
	uint8_t in, old = s->msr, delta = 0;

	if (s->mcr & SERIAL_MCR_LOOP) {
		in = 0;
		if (s->mcr & SERIAL_MCR_RTS)
			in |= SERIAL_MSR_CTS;
		if (s->mcr & SERIAL_MCR_DTR)
			in |= SERIAL_MSR_DSR;
		if (s->mcr & SERIAL_MCR_OUT1)
			in |= SERIAL_MSR_RI;
		if (s->mcr & SERIAL_MCR_OUT2)
			in |= SERIAL_MSR_DCD;
	} else {
		in = SERIAL_MSR_DCD | SERIAL_MSR_DSR | SERIAL_MSR_CTS;
	}
	if ((old ^ in) & SERIAL_MSR_CTS)
		delta |= SERIAL_MSR_DCTS;
	if ((old ^ in) & SERIAL_MSR_DSR)
		delta |= SERIAL_MSR_DDSR;
	if ((old & SERIAL_MSR_RI) && !(in & SERIAL_MSR_RI))
		delta |= SERIAL_MSR_TERI;
	if ((old ^ in) & SERIAL_MSR_DCD)
		delta |= SERIAL_MSR_DDCD;
	s->msr = in | (old & 0x0f) | delta;
}

static void serial_rx_push(struct serial *s, uint8_t b)
{
	if (s->rx_count >= serial_rx_capacity(s)) {
		s->overrun = true;
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = b;
	s->rx_count++;
}

static uint8_t serial_rx_pop(struct serial *s)
{
	uint8_t b;

	if (s->rx_count == 0)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
	s->rx_count--;
	return b;
}

static void serial_rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
}

static uint8_t serial_read_reg(struct serial *s, uint64_t off)
{
	uint8_t v;

	switch (off) {
	case SERIAL_RBR:
		if (s->lcr & SERIAL_LCR_DLAB)
			return s->dll;
		return serial_rx_pop(s);
	case SERIAL_IER:
		if (s->lcr & SERIAL_LCR_DLAB)
			return s->dlm;
		return s->ier;
	case SERIAL_IIR:
		v = serial_iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt it reports. */
		if ((v & 0x0f) == SERIAL_IIR_THRI)
			s->thr_pending = false;
		return v;
	case SERIAL_LCR:
		return s->lcr;
	case SERIAL_MCR:
		return s->mcr;
	case SERIAL_LSR:
		v = SERIAL_LSR_THRE | SERIAL_LSR_TEMT;
		if (s->rx_count > 0)
			v |= SERIAL_LSR_DR;
		if (s->overrun)
			v |= SERIAL_LSR_OE;
		s->overrun = false;
		return v;
	case SERIAL_MSR:
		v = s->msr;
		s->msr &= 0xf0; /* reading clears the delta bits */
		return v;
	case SERIAL_SCR:
		return s->scr;
	default:
		return 0xff;
	}
}

/* Returns true and sets *out when the write transmits a byte. */
static bool serial_write_reg(struct serial *s, uint64_t off, uint8_t v, uint8_t *out)
{
	uint8_t old;

	switch (off) {
	case SERIAL_THR:
		if (s->lcr & SERIAL_LCR_DLAB) {
			s->dll = v;
			return false;
		}
		/* The byte leaves at once: THR is empty again. */
		s->thr_pending = true;
		if (s->mcr & SERIAL_MCR_LOOP) {
			serial_rx_push(s, v);
			return false;
		}
		*out = v;
		return true;
	case SERIAL_IER:
		if (s->lcr & SERIAL_LCR_DLAB) {
			s->dlm = v;
			return false;
		}
		old = s->ier;
		s->ier = v & 0x0f;
		/* Enabling THRI with THR empty raises it (the guest's tx kick). */
		if ((s->ier & SERIAL_IER_THRI) && !(old & SERIAL_IER_THRI))
			s->thr_pending = true;
		return false;
	case SERIAL_FCR:
		if ((v ^ s->fcr) & SERIAL_FCR_ENABLE)
			serial_rx_clear(s); /* toggling FIFO mode empties the FIFOs */
		if (v & SERIAL_FCR_CLEAR_RX)
			serial_rx_clear(s);
		s->fcr = v & 0xc9; /* keep enable, DMA mode and trigger level */
		return false;
	case SERIAL_LCR:
		s->lcr = v;
		return false;
	case SERIAL_MCR:
		s->mcr = v & 0x1f;
		serial_set_msr_inputs(s);
		return false;
	case SERIAL_LSR:
	case SERIAL_MSR:
		return false; /* read-only (factory test writes ignored) */
	case SERIAL_SCR:
		s->scr = v;
		return false;
	default:
		return false;
	}
}

static void serial_read(struct device *dev, uint64_t offset, void *data, unsigned int size)
{
	struct serial *s = container_of(dev, struct serial, dev);
	uint8_t *p = data;
	unsigned int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < size; i++)
		p[i] = offset + i < SERIAL_NR_REGS ? serial_read_reg(s, offset + i) : 0xff;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(struct device *dev, uint64_t offset, const void *data, unsigned int size)
{
	struct serial *s = container_of(dev, struct serial, dev);
	const uint8_t *p = data;
	uint8_t out[8];
	size_t n = 0;
	unsigned int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < size && i < sizeof(out); i++) {
		if (offset + i < SERIAL_NR_REGS && serial_write_reg(s, offset + i, p[i], &out[n]))
			n++;
	}
	serial_update_irq(s);
	if (n == 0 || !s->tx) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	/* Keep guest order across vCPUs without holding the register lock. */
	pthread_mutex_lock(&s->tx_lock);
	pthread_mutex_unlock(&s->lock);
	s->tx(s->opaque, out, n);
	pthread_mutex_unlock(&s->tx_lock);
}

/* Power-on state; called with lock held (or before publication). */
static void serial_reset_locked(struct serial *s)
{
	s->ier = 0;
	s->lcr = 0x03; /* 8N1 */
	s->mcr = 0;
	s->msr = SERIAL_MSR_DCD | SERIAL_MSR_DSR | SERIAL_MSR_CTS;
	s->scr = 0;
	s->dll = 0x0c; /* 9600 baud */
	s->dlm = 0;
	s->fcr = 0;
	s->overrun = false;
	s->thr_pending = false;
	serial_rx_clear(s);
	serial_update_irq(s);
}

static void serial_reset(struct device *dev)
{
	struct serial *s = container_of(dev, struct serial, dev);

	pthread_mutex_lock(&s->lock);
	serial_reset_locked(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_destroy(struct device *dev)
{
	struct serial *s;

	if (!dev)
		return;
	s = container_of(dev, struct serial, dev);
	pthread_mutex_destroy(&s->tx_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const struct dev_ops serial_ops = {
	.name = "serial",
	.read = serial_read,
	.write = serial_write,
	.reset = serial_reset,
	.destroy = serial_destroy,
};

int serial_new(struct dev_ctx *ctx, unsigned int gsi, serial_tx_fn tx, void *opaque,
	       struct serial **ret)
{
	struct serial *s;

	if (!ret)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dev.ops = &serial_ops;
	s->dev.ctx = ctx;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->tx_lock, NULL);
	s->irq = ctx && ctx->irq ? ctx->irq(ctx, gsi) : NULL;
	s->tx = tx;
	s->opaque = opaque;
	/* Line starts low; only record changes from there. */
	s->irq_level = false;
	serial_reset_locked(s);
	*ret = s;
	return 0;
}

struct device *serial_device(struct serial *s)
{
	return s ? &s->dev : NULL;
}

void serial_free(struct serial *s)
{
	if (s)
		serial_destroy(&s->dev);
}

size_t serial_rx(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	if (!s || !buf)
		return 0;
	pthread_mutex_lock(&s->lock);
	if (s->mcr & SERIAL_MCR_LOOP) {
		n = len; /* line disconnected in loopback: input is lost */
	} else {
		while (n < len && s->rx_count < serial_rx_capacity(s))
			serial_rx_push(s, buf[n++]);
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t serial_rx_room(struct serial *s)
{
	size_t r;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	r = (s->mcr & SERIAL_MCR_LOOP) ? SIZE_MAX : serial_rx_capacity(s) - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return r;
}
