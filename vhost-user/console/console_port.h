/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-console's port, without the vhost-user connection: one virtio-console
 * port (virtio 1.2, 5.3; no MULTIPORT): receiveq 0 carries host input to
 * the guest, transmitq 1 the guest's output to the host. Host input that
 * finds no posted receive buffer waits in a bounded buffer; the caller stops
 * reading its input while console_port_room() is 0.
 */
#ifndef CNH_CONSOLE_PORT_H
#define CNH_CONSOLE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vhost-user/lib/virtq.h"

#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_CONSOLE_F_SIZE 0
#define VIRTIO_CONSOLE_F_MULTIPORT 1 /* not offered */
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

#define CONSOLE_RXQ 0
#define CONSOLE_TXQ 1
#define CONSOLE_NUM_QUEUES 2
#define CONSOLE_QUEUE_SIZE 256
#define CONSOLE_PENDING_MAX 4096 /* host input held while no receive buffer is posted */

struct virtio_console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __attribute__((packed));

#define CONSOLE_CFG_EMERG_WR 8 /* offsetof emerg_wr */

/* Where the guest's output goes: writes len bytes (or drops them). */
typedef void (*console_out_fn)(void *opaque, const void *buf, size_t len);

struct console_port {
	struct vu_virtq *rxq, *txq; /* NULL while stopped */
	struct vu_elem *elem;       /* room for CONSOLE_QUEUE_SIZE buffers */
	struct virtio_console_config cfg;
	uint8_t pending[CONSOLE_PENDING_MAX]; /* ring of host input */
	size_t head, len;
	uint64_t rx_bytes, tx_bytes, dropped;
};

/* 0 or -ENOMEM. cols/rows 0: unknown. */
int console_port_init(struct console_port *p, uint16_t cols, uint16_t rows) __must_check;
void console_port_fini(struct console_port *p);

/* Free room in the pending buffer. */
size_t console_port_room(const struct console_port *p);
/* Queue host input (up to the room; the rest is dropped and counted) and flush. Bytes queued. */
size_t console_port_input(struct console_port *p, const void *buf, size_t len);
/*
 * Copy pending input into posted receive buffers (one chain may take
 * several bytes; a chain with no writable byte completes empty). Bytes
 * delivered; -EPROTO when the ring is broken.
 */
ssize_t console_port_flush_rx(struct console_port *p) __must_check;
/* Hand every transmit chain's readable bytes to out, complete it. Bytes; -EPROTO if broken. */
ssize_t console_port_drain_tx(struct console_port *p, console_out_fn out, void *opaque) __must_check;

/* New size; true when it changed (the config-change notification is due). */
bool console_port_resize(struct console_port *p, uint16_t cols, uint16_t rows);
/* Config space read (offset + len <= 256; past the struct reads 0). 0 or -EINVAL. */
int console_port_get_config(const struct console_port *p, uint8_t *buf, uint32_t offset,
			    uint32_t len) __must_check;
/* Config space write: only emerg_wr (a 4-byte write at 8) does something: its byte goes to out. */
int console_port_set_config(struct console_port *p, const uint8_t *buf, uint32_t offset,
			    uint32_t len, console_out_fn out, void *opaque) __must_check;

#endif
