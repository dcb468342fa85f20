// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: polled 16550 driver and its self test. */
#include "serial.h"

#define UART_RBR 0 /* DLAB=0, read */
#define UART_THR 0 /* DLAB=0, write */
#define UART_DLL 0 /* DLAB=1 */
#define UART_IER 1
#define UART_DLM 1 /* DLAB=1 */
#define UART_FCR 2 /* write */
#define UART_IIR 2 /* read */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable, clear RX and TX FIFOs */
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define DIVISOR_115200 1

/* Bound every poll so a missing UART cannot hang the guest silently. */
#define POLL_LIMIT 1000000u

void serial_init(void)
{
	outb(SERIAL_PORT + UART_IER, 0);
	outb(SERIAL_PORT + UART_LCR, LCR_DLAB);
	outb(SERIAL_PORT + UART_DLL, DIVISOR_115200 & 0xff);
	outb(SERIAL_PORT + UART_DLM, DIVISOR_115200 >> 8);
	outb(SERIAL_PORT + UART_LCR, LCR_8N1);
	outb(SERIAL_PORT + UART_FCR, FCR_ENABLE_CLEAR);
	outb(SERIAL_PORT + UART_MCR, MCR_DTR_RTS_OUT2);
}

void serial_putc(char c)
{
	for (unsigned int i = 0; i < POLL_LIMIT; i++) {
		if (inb(SERIAL_PORT + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(SERIAL_PORT + UART_THR, (uint8_t)c);
}

void serial_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

/* Drain the receive FIFO; false if it never empties. */
static bool serial_drain(void)
{
	for (unsigned int i = 0; i < 64; i++) {
		if (!(inb(SERIAL_PORT + UART_LSR) & LSR_DR))
			return true;
		(void)inb(SERIAL_PORT + UART_RBR);
	}
	return false;
}

static bool serial_loopback(uint8_t byte, uint8_t *ret)
{
	outb(SERIAL_PORT + UART_THR, byte);
	for (unsigned int i = 0; i < POLL_LIMIT; i++) {
		if (inb(SERIAL_PORT + UART_LSR) & LSR_DR) {
			*ret = inb(SERIAL_PORT + UART_RBR);
			return true;
		}
		cpu_relax();
	}
	return false;
}

bool serial_selftest(char *detail, size_t size)
{
	static const uint8_t pattern[] = { 0x5a, 0xa5, 0x00, 0xff };
	uint8_t lcr, got = 0, dll, dlm;
	bool ok = true;

	/* Divisor latch must read back what serial_init programmed. */
	lcr = inb(SERIAL_PORT + UART_LCR);
	outb(SERIAL_PORT + UART_LCR, lcr | LCR_DLAB);
	dll = inb(SERIAL_PORT + UART_DLL);
	dlm = inb(SERIAL_PORT + UART_DLM);
	outb(SERIAL_PORT + UART_LCR, lcr);
	if (lcr != LCR_8N1 || dll != (DIVISOR_115200 & 0xff) ||
	    dlm != (DIVISOR_115200 >> 8)) {
		snprintf(detail, size, "lcr=0x%x divisor=0x%x%02x, want 8N1 divisor %u",
			 lcr, dlm, dll, DIVISOR_115200);
		return false;
	}

	for (unsigned int i = 0; i < ARRAY_SIZE(pattern); i++) {
		outb(SERIAL_PORT + UART_SCR, pattern[i]);
		got = inb(SERIAL_PORT + UART_SCR);
		if (got != pattern[i]) {
			snprintf(detail, size, "scratch wrote 0x%02x read 0x%02x",
				 pattern[i], got);
			return false;
		}
	}

	/* Let the transmitter drain so the loopback byte is not mixed with output. */
	for (unsigned int i = 0; i < POLL_LIMIT; i++) {
		if (inb(SERIAL_PORT + UART_LSR) & 0x40) /* TEMT */
			break;
		cpu_relax();
	}
	outb(SERIAL_PORT + UART_MCR, MCR_DTR_RTS_OUT2 | MCR_LOOP);
	if (!serial_drain()) {
		ok = false;
		snprintf(detail, size, "receive FIFO never empties");
	}
	for (unsigned int i = 0; ok && i < ARRAY_SIZE(pattern); i++) {
		if (!serial_loopback(pattern[i], &got)) {
			snprintf(detail, size, "loopback: byte 0x%02x never received",
				 pattern[i]);
			ok = false;
		} else if (got != pattern[i]) {
			snprintf(detail, size, "loopback: sent 0x%02x received 0x%02x",
				 pattern[i], got);
			ok = false;
		}
	}
	if (ok && (inb(SERIAL_PORT + UART_LSR) & LSR_DR)) {
		snprintf(detail, size, "loopback: stray byte after round trip");
		ok = false;
	}
	outb(SERIAL_PORT + UART_MCR, MCR_DTR_RTS_OUT2);
	(void)serial_drain();
	if (ok)
		snprintf(detail, size, "scratch and loopback ok, 115200 8N1 fifo");
	return ok;
}
