/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 16550A UART (COM1 at PORT_SERIAL_COM1, PORT_SERIAL_LEN ports, IRQ_SERIAL_COM1).
 *
 * Transmission is instantaneous: a byte written to THR is handed to the tx
 * callback at once, so THRE and TEMT are always set. Received bytes come
 * from the main loop through serial_rx(), which accepts only what fits in
 * the RX FIFO (16 bytes, 1 in 16450 mode) and lets the caller retry later,
 * so host input never overruns; OE is set only by loopback overflow.
 *
 * The interrupt line is level: high while an enabled condition is pending
 * (line status, received data, THR empty, modem status), low otherwise.
 * OUT2 does not gate the line (as QEMU and Firecracker): it is stored and
 * reflected as DCD in loopback mode.
 *
 * Accesses wider than one byte are split into byte accesses at consecutive
 * offsets, as an ISA bus would; offsets past the 8 registers read 0xff.
 */
#ifndef CNH_DEVICES_SERIAL_H
#define CNH_DEVICES_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "devices/device.h"

#define SERIAL_FIFO_SIZE 16
#define SERIAL_NR_REGS 8

/* Register offsets. */
#define SERIAL_RBR 0 /* read, DLAB=0 */
#define SERIAL_THR 0 /* write, DLAB=0 */
#define SERIAL_DLL 0 /* DLAB=1 */
#define SERIAL_IER 1 /* DLAB=0 */
#define SERIAL_DLM 1 /* DLAB=1 */
#define SERIAL_IIR 2 /* read */
#define SERIAL_FCR 2 /* write */
#define SERIAL_LCR 3
#define SERIAL_MCR 4
#define SERIAL_LSR 5
#define SERIAL_MSR 6
#define SERIAL_SCR 7

#define SERIAL_IER_RDI 0x01  /* received data available */
#define SERIAL_IER_THRI 0x02 /* THR empty */
#define SERIAL_IER_RLSI 0x04 /* receiver line status */
#define SERIAL_IER_MSI 0x08  /* modem status */

#define SERIAL_IIR_NO_INT 0x01
#define SERIAL_IIR_MSI 0x00
#define SERIAL_IIR_THRI 0x02
#define SERIAL_IIR_RDI 0x04
#define SERIAL_IIR_RLSI 0x06
#define SERIAL_IIR_FIFO 0xc0

#define SERIAL_FCR_ENABLE 0x01
#define SERIAL_FCR_CLEAR_RX 0x02
#define SERIAL_FCR_CLEAR_TX 0x04

#define SERIAL_LCR_DLAB 0x80

#define SERIAL_MCR_DTR 0x01
#define SERIAL_MCR_RTS 0x02
#define SERIAL_MCR_OUT1 0x04
#define SERIAL_MCR_OUT2 0x08
#define SERIAL_MCR_LOOP 0x10

#define SERIAL_LSR_DR 0x01
#define SERIAL_LSR_OE 0x02
#define SERIAL_LSR_THRE 0x20
#define SERIAL_LSR_TEMT 0x40

#define SERIAL_MSR_DCTS 0x01
#define SERIAL_MSR_DDSR 0x02
#define SERIAL_MSR_TERI 0x04
#define SERIAL_MSR_DDCD 0x08
#define SERIAL_MSR_CTS 0x10
#define SERIAL_MSR_DSR 0x20
#define SERIAL_MSR_RI 0x40
#define SERIAL_MSR_DCD 0x80

/*
 * Output callback. Called on the vCPU thread that wrote THR, with the device
 * lock NOT held (serial_rx may run meanwhile) but with a tx lock held, so
 * calls are serialized and in guest order. It must not call back into the
 * same serial device's register accessors.
 */
typedef void (*serial_tx_fn)(void *opaque, const uint8_t *buf, size_t len);

struct serial;

extern const struct dev_ops serial_ops;

/*
 * Create a UART raising GSI gsi through ctx. tx may be NULL (output
 * discarded). The device starts in its power-on state.
 */
int serial_new(struct dev_ctx *ctx, unsigned int gsi, serial_tx_fn tx, void *opaque,
	       struct serial **ret) __must_check;
struct device *serial_device(struct serial *s);
/* Same as device_destroy(serial_device(s)); accepts NULL. */
void serial_free(struct serial *s);

/*
 * Feed host input into the RX FIFO (or drop it while in loopback mode,
 * where the line is disconnected: all of it counts as accepted). Returns how
 * many bytes were taken; the rest must be retried later. Thread-safe.
 */
size_t serial_rx(struct serial *s, const uint8_t *buf, size_t len);
/* Free room in the RX FIFO right now. Thread-safe. */
size_t serial_rx_room(struct serial *s);

#endif
