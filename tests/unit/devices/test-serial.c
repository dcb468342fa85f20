/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "devices/serial.h"
#include "tests/fakes/fake_dev_ctx.h"

#define GSI 4

static struct fake_dev_ctx f;
static struct serial *s;
static struct device *dev;
static uint8_t txbuf[256];
static size_t txlen;
static unsigned int txcalls;

static void tx_record(void *opaque, const uint8_t *buf, size_t len)
{
	cr_assert_eq(opaque, &txlen);
	txcalls++;
	for (size_t i = 0; i < len && txlen < sizeof(txbuf); i++)
		txbuf[txlen++] = buf[i];
}

static void setup(void)
{
	fake_dev_ctx_init(&f);
	txlen = 0;
	txcalls = 0;
	cr_assert_eq(serial_new(&f.ctx, GSI, tx_record, &txlen, &s), 0);
	dev = serial_device(s);
}

static void teardown(void)
{
	device_destroy(dev);
	fake_dev_ctx_fini(&f);
}

static uint8_t rd(uint64_t off)
{
	uint8_t v = 0x5a;

	dev->ops->read(dev, off, &v, 1);
	return v;
}

static void wr(uint64_t off, uint8_t v)
{
	dev->ops->write(dev, off, &v, 1);
}

TestSuite(serial, .init = setup, .fini = teardown);

Test(serial, power_on_state)
{
	cr_assert_eq(rd(SERIAL_IIR), SERIAL_IIR_NO_INT);
	cr_assert_eq(rd(SERIAL_LSR), SERIAL_LSR_THRE | SERIAL_LSR_TEMT);
	cr_assert_eq(rd(SERIAL_IER), 0);
	cr_assert_eq(rd(SERIAL_LCR), 0x03);
	cr_assert_eq(rd(SERIAL_MSR) & 0xf0, SERIAL_MSR_DCD | SERIAL_MSR_DSR | SERIAL_MSR_CTS);
	cr_assert_not(fake_irq_level(&f, GSI));
	cr_assert_eq(fake_irq_sets(&f, GSI), 0);
}

Test(serial, dlab_switches_divisor_latch)
{
	wr(SERIAL_IER, 0x05);
	wr(SERIAL_LCR, 0x83);
	wr(SERIAL_DLL, 0x01);
	wr(SERIAL_DLM, 0x02);
	cr_assert_eq(rd(SERIAL_DLL), 0x01);
	cr_assert_eq(rd(SERIAL_DLM), 0x02);
	cr_assert_eq(txlen, 0, "a DLL write is not a transmission");
	wr(SERIAL_LCR, 0x03);
	cr_assert_eq(rd(SERIAL_IER), 0x05, "IER untouched by DLM writes");
	/* RBR is back: empty FIFO. */
	cr_assert_eq(rd(SERIAL_LSR) & SERIAL_LSR_DR, 0);
	wr(SERIAL_LCR, 0x83);
	cr_assert_eq(rd(SERIAL_DLL), 0x01, "divisor kept");
}

Test(serial, scratch_register)
{
	wr(SERIAL_SCR, 0xa5);
	cr_assert_eq(rd(SERIAL_SCR), 0xa5);
}

Test(serial, tx_goes_to_callback)
{
	const char *msg = "hello";

	for (size_t i = 0; i < strlen(msg); i++)
		wr(SERIAL_THR, (uint8_t)msg[i]);
	cr_assert_eq(txlen, 5);
	cr_assert_arr_eq(txbuf, msg, 5);
	cr_assert_eq(rd(SERIAL_LSR) & (SERIAL_LSR_THRE | SERIAL_LSR_TEMT),
		     SERIAL_LSR_THRE | SERIAL_LSR_TEMT);
}

Test(serial, wide_write_is_split_into_bytes)
{
	uint32_t v = 0x0000ab41; /* THR='A', IER=0xab&0x0f */

	dev->ops->write(dev, 0, &v, 2);
	cr_assert_eq(txlen, 1);
	cr_assert_eq(txbuf[0], 'A');
	cr_assert_eq(rd(SERIAL_IER), 0x0b);
}

Test(serial, rx_fills_fifo_and_backpressures)
{
	uint8_t in[20];

	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)('a' + i);
	wr(SERIAL_FCR, SERIAL_FCR_ENABLE);
	cr_assert_eq(serial_rx_room(s), SERIAL_FIFO_SIZE);
	cr_assert_eq(serial_rx(s, in, sizeof(in)), SERIAL_FIFO_SIZE);
	cr_assert_eq(serial_rx_room(s), 0);
	cr_assert_eq(serial_rx(s, in, 1), 0, "full FIFO takes nothing");
	cr_assert_eq(rd(SERIAL_LSR) & (SERIAL_LSR_DR | SERIAL_LSR_OE), SERIAL_LSR_DR,
		     "host input never overruns");
	for (unsigned int i = 0; i < SERIAL_FIFO_SIZE; i++)
		cr_assert_eq(rd(SERIAL_RBR), in[i]);
	cr_assert_eq(rd(SERIAL_LSR) & SERIAL_LSR_DR, 0);
}

Test(serial, rx_without_fifo_holds_one_byte)
{
	uint8_t in[2] = { 'x', 'y' };

	cr_assert_eq(serial_rx(s, in, 2), 1);
	cr_assert_eq(rd(SERIAL_RBR), 'x');
	cr_assert_eq(serial_rx(s, in + 1, 1), 1);
	cr_assert_eq(rd(SERIAL_RBR), 'y');
}

Test(serial, fcr_clear_rx)
{
	uint8_t in[3] = { 1, 2, 3 };

	wr(SERIAL_FCR, SERIAL_FCR_ENABLE);
	cr_assert_eq(serial_rx(s, in, 3), 3);
	wr(SERIAL_FCR, SERIAL_FCR_ENABLE | SERIAL_FCR_CLEAR_RX);
	cr_assert_eq(rd(SERIAL_LSR) & SERIAL_LSR_DR, 0);
	cr_assert_eq(rd(SERIAL_IIR), SERIAL_IIR_FIFO | SERIAL_IIR_NO_INT,
		     "FIFO-enabled IIR has bits 0xC0");
}

Test(serial, loopback_overflow_sets_oe)
{
	wr(SERIAL_FCR, SERIAL_FCR_ENABLE);
	wr(SERIAL_MCR, SERIAL_MCR_LOOP);
	for (unsigned int i = 0; i < SERIAL_FIFO_SIZE + 1; i++)
		wr(SERIAL_THR, (uint8_t)i);
	cr_assert_eq(txlen, 0, "loopback does not transmit");
	cr_assert_eq(rd(SERIAL_LSR) & (SERIAL_LSR_DR | SERIAL_LSR_OE), SERIAL_LSR_DR | SERIAL_LSR_OE);
	cr_assert_eq(rd(SERIAL_LSR) & SERIAL_LSR_OE, 0, "reading LSR clears OE");
	for (unsigned int i = 0; i < SERIAL_FIFO_SIZE; i++)
		cr_assert_eq(rd(SERIAL_RBR), i, "the 17th byte was lost, not the first ones");
	cr_assert_eq(rd(SERIAL_LSR) & SERIAL_LSR_DR, 0);
}

Test(serial, loopback_maps_mcr_to_msr)
{
	uint8_t msr;

	rd(SERIAL_MSR); /* clear deltas */
	wr(SERIAL_MCR, SERIAL_MCR_LOOP);
	msr = rd(SERIAL_MSR);
	cr_assert_eq(msr & 0xf0, 0, "nothing driven in loopback");
	cr_assert_eq(msr & 0x0f, SERIAL_MSR_DCTS | SERIAL_MSR_DDSR | SERIAL_MSR_DDCD);
	wr(SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_RTS);
	cr_assert_eq(rd(SERIAL_MSR), SERIAL_MSR_CTS | SERIAL_MSR_DCTS);
	wr(SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_DTR);
	cr_assert_eq(rd(SERIAL_MSR), SERIAL_MSR_DSR | SERIAL_MSR_DCTS | SERIAL_MSR_DDSR);
	wr(SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_OUT1);
	cr_assert_eq(rd(SERIAL_MSR), SERIAL_MSR_RI | SERIAL_MSR_DDSR);
	wr(SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_OUT2);
	cr_assert_eq(rd(SERIAL_MSR), SERIAL_MSR_DCD | SERIAL_MSR_TERI | SERIAL_MSR_DDCD);
	cr_assert_eq(rd(SERIAL_MCR), SERIAL_MCR_LOOP | SERIAL_MCR_OUT2);
	/* Loopback echo through the FIFO. */
	wr(SERIAL_THR, 0x42);
	cr_assert_eq(rd(SERIAL_RBR), 0x42);
	/* Leaving loopback: host side connected again. */
	wr(SERIAL_MCR, 0);
	cr_assert_eq(rd(SERIAL_MSR) & 0xf0, SERIAL_MSR_DCD | SERIAL_MSR_DSR | SERIAL_MSR_CTS);
}

Test(serial, loopback_drops_host_input)
{
	uint8_t b = 'z';

	wr(SERIAL_MCR, SERIAL_MCR_LOOP);
	cr_assert_eq(serial_rx(s, &b, 1), 1);
	cr_assert_eq(rd(SERIAL_LSR) & SERIAL_LSR_DR, 0);
}

Test(serial, thre_interrupt_and_level)
{
	wr(SERIAL_IER, SERIAL_IER_THRI);
	cr_assert(fake_irq_level(&f, GSI), "enabling THRI with THR empty raises it");
	cr_assert_eq(rd(SERIAL_IIR), SERIAL_IIR_THRI);
	cr_assert_not(fake_irq_level(&f, GSI), "reading IIR acknowledges THRE");
	cr_assert_eq(rd(SERIAL_IIR), SERIAL_IIR_NO_INT);
	wr(SERIAL_THR, 'a');
	cr_assert(fake_irq_level(&f, GSI), "THR empty again after the write");
	cr_assert_eq(fake_irq_raises(&f, GSI), 2);
	wr(SERIAL_IER, 0);
	cr_assert_not(fake_irq_level(&f, GSI), "disabled source lowers the line");
}

Test(serial, rdi_interrupt_follows_fifo)
{
	uint8_t in[2] = { 'a', 'b' };

	wr(SERIAL_FCR, SERIAL_FCR_ENABLE);
	wr(SERIAL_IER, SERIAL_IER_RDI);
	cr_assert_not(fake_irq_level(&f, GSI));
	cr_assert_eq(serial_rx(s, in, 2), 2);
	cr_assert(fake_irq_level(&f, GSI));
	cr_assert_eq(rd(SERIAL_IIR), SERIAL_IIR_FIFO | SERIAL_IIR_RDI);
	cr_assert(fake_irq_level(&f, GSI), "IIR read does not ack RDI");
	rd(SERIAL_RBR);
	cr_assert(fake_irq_level(&f, GSI));
	rd(SERIAL_RBR);
	cr_assert_not(fake_irq_level(&f, GSI), "empty FIFO lowers the line");
	cr_assert_eq(fake_irq_raises(&f, GSI), 1);
	cr_assert_eq(fake_irq_sets(&f, GSI), 2, "only transitions are signalled");
}

Test(serial, iir_priorities)
{
	uint8_t b = 'q';

	wr(SERIAL_FCR, SERIAL_FCR_ENABLE);
	wr(SERIAL_MCR, SERIAL_MCR_LOOP);
	for (unsigned int i = 0; i < SERIAL_FIFO_SIZE + 1; i++)
		wr(SERIAL_THR, b);
	wr(SERIAL_IER, SERIAL_IER_RDI | SERIAL_IER_THRI | SERIAL_IER_RLSI | SERIAL_IER_MSI);
	cr_assert_eq(rd(SERIAL_IIR) & 0x0f, SERIAL_IIR_RLSI, "line status first");
	rd(SERIAL_LSR);
	cr_assert_eq(rd(SERIAL_IIR) & 0x0f, SERIAL_IIR_RDI, "then received data");
	wr(SERIAL_FCR, SERIAL_FCR_ENABLE | SERIAL_FCR_CLEAR_RX);
	cr_assert_eq(rd(SERIAL_IIR) & 0x0f, SERIAL_IIR_THRI, "then THR empty");
	/* MCR change in loopback left delta bits in MSR. */
	cr_assert_eq(rd(SERIAL_IIR) & 0x0f, SERIAL_IIR_MSI, "then modem status");
	rd(SERIAL_MSR);
	cr_assert_eq(rd(SERIAL_IIR) & 0x0f, SERIAL_IIR_NO_INT);
	cr_assert_not(fake_irq_level(&f, GSI));
}

Test(serial, reset_returns_to_power_on)
{
	uint8_t b = 1;

	wr(SERIAL_IER, SERIAL_IER_RDI);
	cr_assert_eq(serial_rx(s, &b, 1), 1);
	cr_assert(fake_irq_level(&f, GSI));
	device_reset(dev);
	cr_assert_not(fake_irq_level(&f, GSI));
	cr_assert_eq(rd(SERIAL_IER), 0);
	cr_assert_eq(rd(SERIAL_LSR) & SERIAL_LSR_DR, 0);
}

Test(serial, any_offset_any_size)
{
	uint64_t v;

	for (uint64_t off = 0; off < 16; off++) {
		for (unsigned int size = 1; size <= 8; size *= 2) {
			v = 0x0123456789abcdefULL;
			dev->ops->write(dev, off, &v, size);
			dev->ops->read(dev, off, &v, size);
		}
	}
	v = 0;
	dev->ops->read(dev, 100, &v, 8);
	cr_assert_eq(v, ~0ULL, "past the registers reads all ones");
}

Test(serial, no_irq_line_is_fine)
{
	struct serial *s2;
	struct device *d2;
	uint8_t v = SERIAL_IER_THRI;

	f.no_irq[3] = true;
	cr_assert_eq(serial_new(&f.ctx, 3, NULL, NULL, &s2), 0);
	d2 = serial_device(s2);
	d2->ops->write(d2, SERIAL_IER, &v, 1);
	v = 'x';
	d2->ops->write(d2, SERIAL_THR, &v, 1);
	d2->ops->read(d2, SERIAL_IIR, &v, 1);
	cr_assert_eq(v, SERIAL_IIR_THRI);
	serial_free(s2);
}

#define STRESS_BYTES 5000

static void *stress_feeder(void *arg)
{
	struct serial *sp = arg;
	unsigned int sent = 0;

	while (sent < STRESS_BYTES) {
		uint8_t b = (uint8_t)(sent * 31);

		if (serial_rx(sp, &b, 1) == 1)
			sent++;
		else
			sched_yield();
	}
	return NULL;
}

Test(serial, rx_from_another_thread_keeps_order)
{
	pthread_t th;
	unsigned int got = 0;

	wr(SERIAL_FCR, SERIAL_FCR_ENABLE);
	wr(SERIAL_IER, SERIAL_IER_RDI);
	cr_assert_eq(pthread_create(&th, NULL, stress_feeder, s), 0);
	while (got < STRESS_BYTES) {
		if (rd(SERIAL_LSR) & SERIAL_LSR_DR) {
			uint8_t b = rd(SERIAL_RBR);

			cr_assert_eq(b, (uint8_t)(got * 31), "byte %u", got);
			got++;
		}
	}
	pthread_join(th, NULL);
	cr_assert_not(fake_irq_level(&f, GSI), "drained: line low");
}
