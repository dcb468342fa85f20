// SPDX-License-Identifier: Apache-2.0
/*
 * cnh test guest: the virtio-rng scenario (rng).
 *
 * Finds 1af4:1044, brings it up with one queue, asks for RNG_TOTAL bytes
 * in requests of RNG_CHUNK bytes (each split over two writable
 * descriptors), and checks every completion: used id, 0 < len <= buffer,
 * bytes not all equal; then two further 64-byte reads must differ. A
 * chain whose only buffer is device-readable must complete with length 0.
 * cnh.rng.index=<n> picks the n-th virtio-rng function.
 */
#include "scenarios.h"

#define VIRTIO_ID_RNG 4
#define RNG_QSIZE 8
#define RNG_TOTAL 4096u
#define RNG_CHUNK 1024u
#define RNG_TIMEOUT_MS 15000

static uint8_t rng_buf[RNG_CHUNK] __attribute__((aligned(64)));
static uint8_t rng_cmp[2][64] __attribute__((aligned(64)));

static uint64_t rng_pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void rng_desc(struct virtq *vq, uint16_t i, const void *buf, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	vq->desc[i].addr = rng_pa(buf);
	vq->desc[i].len = len;
	vq->desc[i].flags = flags;
	vq->desc[i].next = next;
}

/* Submit head 0 and wait; its used length out. */
static bool rng_wait(struct virtio_pci *vp, uint32_t max, uint32_t *ret_len, char *detail,
		     size_t size)
{
	uint32_t id, len;

	virtq_submit(&vp->vq[0], 0);
	if (!virtq_wait(&vp->vq[0], RNG_TIMEOUT_MS, &id, &len)) {
		snprintf(detail, size, "no completion in %u ms (device_status 0x%x)", RNG_TIMEOUT_MS,
			 virtio_pci_status(vp));
		return false;
	}
	if (id != 0 || len > max) {
		snprintf(detail, size, "used id %u len %u (expected id 0, len <= %u)", id, len, max);
		return false;
	}
	*ret_len = len;
	return true;
}

static bool rng_all_equal(const uint8_t *b, uint32_t len)
{
	for (uint32_t i = 1; i < len; i++)
		if (b[i] != b[0])
			return false;
	return true;
}

bool rng_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* scenarios.c */

bool rng_scenario(struct scenario_ctx *ctx, char *detail, size_t size)
{
	static struct virtio_pci vp;
	struct virtq *vq = &vp.vq[0];
	uint64_t index = 0;
	uint32_t got = 0, requests = 0, len;
	struct pci_fn fn;

	boot_cmdline_u64(ctx->bi, "cnh.rng.index", &index);
	if (!virtio_pci_find(ctx->pci, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_RNG, (unsigned int)index,
			     &fn)) {
		snprintf(detail, size, "no virtio-rng function #%lu (1af4:%04x) on bus 0", index,
			 VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_RNG);
		return false;
	}
	if (!virtio_pci_probe(&vp, &fn, detail, size) ||
	    !virtio_pci_init(&vp, ctx->vv, 1ull << VIRTIO_F_ACCESS_PLATFORM, 1, RNG_QSIZE, detail,
			     size))
		return false;
	while (got < RNG_TOTAL) {
		memset(rng_buf, 0, sizeof(rng_buf));
		rng_desc(vq, 0, rng_buf, RNG_CHUNK / 2, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
		rng_desc(vq, 1, rng_buf + RNG_CHUNK / 2, RNG_CHUNK / 2, VIRTQ_DESC_F_WRITE, 0);
		if (!rng_wait(&vp, RNG_CHUNK, &len, detail, size))
			goto fail;
		requests++;
		if (len == 0) {
			snprintf(detail, size, "request %u: 0 bytes", requests);
			goto fail;
		}
		if (len >= 16 && rng_all_equal(rng_buf, len)) {
			snprintf(detail, size, "request %u: %u bytes all 0x%02x", requests, len,
				 rng_buf[0]);
			goto fail;
		}
		got += len;
		if (requests > 4 * RNG_TOTAL / 16) {
			snprintf(detail, size, "only %u bytes in %u requests", got, requests);
			goto fail;
		}
	}
	for (unsigned int i = 0; i < 2; i++) {
		rng_desc(vq, 0, rng_cmp[i], sizeof(rng_cmp[i]), VIRTQ_DESC_F_WRITE, 0);
		if (!rng_wait(&vp, sizeof(rng_cmp[i]), &len, detail, size))
			goto fail;
		if (len != sizeof(rng_cmp[i])) {
			snprintf(detail, size, "64-byte read %u returned %u bytes", i, len);
			goto fail;
		}
	}
	if (!memcmp(rng_cmp[0], rng_cmp[1], sizeof(rng_cmp[0]))) {
		snprintf(detail, size, "two 64-byte reads returned the same bytes");
		goto fail;
	}
	/* A chain with nothing to write into completes empty. */
	rng_desc(vq, 0, rng_buf, 16, 0, 0);
	if (!rng_wait(&vp, 0, &len, detail, size))
		goto fail;
	snprintf(detail, size, "%u bytes in %u requests, reads differ, read-only chain len 0", got,
		 requests);
	virtio_pci_reset(&vp);
	return true;
fail:
	virtio_pci_reset(&vp);
	return false;
}
