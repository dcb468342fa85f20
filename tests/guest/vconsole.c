// SPDX-License-Identifier: Apache-2.0
/*
 * cnh test guest: the virtio-console scenario (vconsole).
 *
 * Finds 1af4:1043 (one port, no MULTIPORT), reads cols/rows when
 * VIRTIO_CONSOLE_F_SIZE is offered, posts receive buffers on queue 0 and
 * writes the line "cnh-vconsole-marker <n>\n" on the transmit queue (1),
 * repeated every ~second until a line arrives from the host (a host reader
 * may connect late), then checks it: cnh.vcon.expect=<word> must be the
 * line's first word. cnh.vcon.wait=<ms> (default 60000) bounds the wait.
 * The detail reports what arrived.
 */
#include "scenarios.h"

#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_CONSOLE_F_SIZE 0
#define VCON_CFG_COLS 0
#define VCON_CFG_ROWS 2
#define VCON_RXQ 0
#define VCON_TXQ 1
#define VCON_QSIZE 8
#define VCON_RXBUFS 4
#define VCON_RXLEN 64
#define VCON_LINE_MAX 128
#define VCON_TX_TIMEOUT_MS 15000
#define VCON_RESEND_MS 1000
#define VCON_WORD_MAX 64

static uint8_t vcon_rx[VCON_RXBUFS][VCON_RXLEN] __attribute__((aligned(64)));
static char vcon_tx[64] __attribute__((aligned(64)));

static void vcon_desc(struct virtq *vq, uint16_t i, const void *buf, uint32_t len, uint16_t flags)
{
	vq->desc[i].addr = (uint64_t)(uintptr_t)buf;
	vq->desc[i].len = len;
	vq->desc[i].flags = flags;
	vq->desc[i].next = 0;
}

static bool vcon_send(struct virtio_pci *vp, unsigned int n, char *detail, size_t size)
{
	struct virtq *vq = &vp->vq[VCON_TXQ];
	uint32_t id, len;
	int l = snprintf(vcon_tx, sizeof(vcon_tx), "cnh-vconsole-marker %u\n", n);

	vcon_desc(vq, 0, vcon_tx, (uint32_t)l, 0);
	virtq_submit(vq, 0);
	if (!virtq_wait(vq, VCON_TX_TIMEOUT_MS, &id, &len) || id != 0) {
		snprintf(detail, size, "transmit: no completion of head 0 (device_status 0x%x)",
			 virtio_pci_status(vp));
		return false;
	}
	return true;
}

/* Poll the receive queue once; append what came and re-post the buffer. */
static void vcon_poll_rx(struct virtio_pci *vp, char *line, size_t *len)
{
	struct virtq *vq = &vp->vq[VCON_RXQ];
	volatile struct virtq_used_elem *e;

	while (vq->used->idx != vq->last_used) {
		uint32_t id, n;

		barrier();
		e = &vq->used->ring[vq->last_used % vq->size];
		id = e->id;
		n = e->len;
		vq->last_used++;
		if (id >= VCON_RXBUFS)
			continue;
		for (uint32_t i = 0; i < n && i < VCON_RXLEN && *len + 1 < VCON_LINE_MAX; i++)
			line[(*len)++] = (char)vcon_rx[id][i];
		line[*len] = '\0';
		virtq_submit(vq, (uint16_t)id);
	}
}

static bool vcon_has_line(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			return true;
	return false;
}

bool vconsole_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* scenarios.c */

bool vconsole_scenario(struct scenario_ctx *ctx, char *detail, size_t size)
{
	static struct virtio_pci vp;
	static char line[VCON_LINE_MAX];
	const char *expect = NULL;
	size_t expect_len = 0, len = 0, w = 0;
	uint64_t wait_ms = 60000, cols = 0, rows = 0, end, next;
	unsigned int sent = 0;
	struct pci_fn fn;

	boot_cmdline_get(ctx->bi, "cnh.vcon.expect", &expect, &expect_len);
	boot_cmdline_u64(ctx->bi, "cnh.vcon.wait", &wait_ms);
	if (!virtio_pci_find(ctx->pci, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_CONSOLE, 0, &fn)) {
		snprintf(detail, size, "no virtio-console function (1af4:%04x) on bus 0",
			 VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_CONSOLE);
		return false;
	}
	if (!virtio_pci_probe(&vp, &fn, detail, size) ||
	    !virtio_pci_init(&vp, ctx->vv,
			     (1ull << VIRTIO_CONSOLE_F_SIZE) | (1ull << VIRTIO_F_ACCESS_PLATFORM), 2,
			     VCON_QSIZE, detail, size))
		return false;
	if (virtio_has(&vp, VIRTIO_CONSOLE_F_SIZE)) {
		cols = virtio_cfg_read16(&vp, VCON_CFG_COLS);
		rows = virtio_cfg_read16(&vp, VCON_CFG_ROWS);
	}
	for (uint16_t i = 0; i < VCON_RXBUFS; i++) {
		vcon_desc(&vp.vq[VCON_RXQ], i, vcon_rx[i], VCON_RXLEN, VIRTQ_DESC_F_WRITE);
		virtq_submit(&vp.vq[VCON_RXQ], i);
	}
	line[0] = '\0';
	end = rdtsc() + wait_ms * 4000000ull;
	next = rdtsc();
	while (!vcon_has_line(line, len)) {
		if ((int64_t)(rdtsc() - next) >= 0) {
			if (!vcon_send(&vp, sent++, detail, size))
				goto fail;
			next = rdtsc() + VCON_RESEND_MS * 4000000ull;
		}
		if ((int64_t)(rdtsc() - end) > 0) {
			snprintf(detail, size, "no line from the host in %lu ms (%u markers sent, got '%s')",
				 wait_ms, sent, line);
			goto fail;
		}
		vcon_poll_rx(&vp, line, &len);
		cpu_relax();
	}
	while (w < len && line[w] != ' ' && line[w] != '\n' && line[w] != '\r')
		w++;
	if (expect && (w != expect_len || memcmp(line, expect, w))) {
		snprintf(detail, size, "got '%.*s', expected '%.*s'", (int)w, line, (int)expect_len,
			 expect);
		goto fail;
	}
	printf("cnh-test-guest: vconsole: received '%.*s'\n", (int)w, line);
	snprintf(detail, size, "got '%.*s' after %u marker(s), size %lux%lu", (int)w, line, sent,
		 cols, rows);
	virtio_pci_reset(&vp);
	return true;
fail:
	virtio_pci_reset(&vp);
	return false;
}
