/* SPDX-License-Identifier: Apache-2.0 */
/* cnh test guest: 16550 UART on COM1 (0x3f8), polled. */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#include "lib.h"

#define SERIAL_PORT 0x3f8

/* Program 115200 8N1 with FIFOs enabled and interrupts off. */
void serial_init(void);
void serial_putc(char c);
/* Write a string; "\n" becomes "\r\n". */
void serial_puts(const char *s);
/* Scenario "serial": scratch register and a loopback round trip. */
bool serial_selftest(char *detail, size_t size);

#endif
