// SPDX-License-Identifier: Apache-2.0
/*
 * cnh test guest: the virtio-pmem scenario (pmem).
 *
 * Finds 1af4:105b, reads the window {start, size} from the device config,
 * checks it (2 MiB aligned, above every e820 RAM range and above 4 GiB, not
 * overlapping RAM, cnh.pmem.size if given), maps it write-back, compares the
 * marker the host wrote at offset 0 (cnh.pmem.expect=<word>), writes the
 * pattern of cnh.pmem.seed at offset 4096, sends FLUSH and expects ret 0,
 * then an unknown request type and expects ret != 0 (cnh.pmem.strict=0
 * skips that: QEMU syncs whatever the type). After the flush it prints
 * "cnh-test-guest: pmem: flushed" and waits cnh.pmem.hold milliseconds so
 * that a host test can look at the file while the VM still runs.
 *
 * Pattern byte i (0..4095) at window offset 4096 + i:
 *	(seed + 7*i + (i >> 8)) & 0xff
 */
#include "paging.h"
#include "scenarios.h"

#define VIRTIO_ID_PMEM 27
#define PMEM_CFG_START 0
#define PMEM_CFG_SIZE 8
#define PMEM_REQ_FLUSH 0
#define PMEM_REQ_BOGUS 0x7fu
#define PMEM_ALIGN MiB(2)
#define PMEM_PATTERN_OFF 4096u
#define PMEM_PATTERN_LEN 4096u
#define PMEM_QSIZE 8
#define PMEM_TIMEOUT_MS 15000
#define PMEM_UNTOUCHED 0xa5a5a5a5u
#define PMEM_MARKER_MAX 64

struct pmem_io {
	uint32_t type;
	uint32_t pad[15];
	uint32_t ret;
};
static struct pmem_io pmem_io __attribute__((aligned(64)));

static uint8_t pmem_pattern_byte(uint64_t seed, uint32_t i)
{
	return (uint8_t)(seed + 7u * i + (i >> 8));
}

/* Send one request of 'type'; the response word out. False (detail set) on a transport problem. */
static bool pmem_request(struct virtio_pci *vp, uint32_t type, uint32_t *ret, char *detail,
			 size_t size)
{
	struct virtq *vq = &vp->vq[0];
	uint32_t id, len;

	pmem_io.type = type;
	pmem_io.ret = PMEM_UNTOUCHED;
	vq->desc[0].addr = (uint64_t)(uintptr_t)&pmem_io.type;
	vq->desc[0].len = sizeof(pmem_io.type);
	vq->desc[0].flags = VIRTQ_DESC_F_NEXT;
	vq->desc[0].next = 1;
	vq->desc[1].addr = (uint64_t)(uintptr_t)&pmem_io.ret;
	vq->desc[1].len = sizeof(pmem_io.ret);
	vq->desc[1].flags = VIRTQ_DESC_F_WRITE;
	vq->desc[1].next = 0;
	virtq_submit(vq, 0);
	if (!virtq_wait(vq, PMEM_TIMEOUT_MS, &id, &len)) {
		snprintf(detail, size, "request type %u: no completion in %u ms (device_status 0x%x)",
			 type, PMEM_TIMEOUT_MS, virtio_pci_status(vp));
		return false;
	}
	if (id != 0 || len > sizeof(pmem_io.ret)) {
		snprintf(detail, size, "request type %u: used id %u len %u (expected 0, <= 4)", type, id,
			 len);
		return false;
	}
	barrier();
	if (pmem_io.ret == PMEM_UNTOUCHED) {
		snprintf(detail, size, "request type %u: completed without a response", type);
		return false;
	}
	*ret = pmem_io.ret;
	return true;
}

/* The window must sit above all RAM and above 4 GiB, aligned, and inside what we can map. */
static bool pmem_check_window(const struct boot_info *bi, uint64_t start, uint64_t size,
			      char *detail, size_t dsize)
{
	uint64_t ram_top = 0, v;

	if (!size || start + size < start || start + size > PAGING_MAX_ADDR) {
		snprintf(detail, dsize, "window 0x%lx+0x%lx empty or out of reach", start, size);
		return false;
	}
	if (start % PMEM_ALIGN || size % PMEM_ALIGN) {
		snprintf(detail, dsize, "window 0x%lx+0x%lx not 2 MiB aligned", start, size);
		return false;
	}
	if (boot_cmdline_u64(bi, "cnh.pmem.size", &v) && v != size) {
		snprintf(detail, dsize, "size 0x%lx, expected 0x%lx (cnh.pmem.size)", size, v);
		return false;
	}
	for (unsigned int i = 0; i < bi->e820_count; i++) {
		const struct e820_entry *e = &bi->e820[i];

		if (e->addr < start + size && start < e->addr + e->size) {
			snprintf(detail, dsize, "window 0x%lx+0x%lx overlaps e820 0x%lx+0x%lx type %u",
				 start, size, e->addr, e->size, e->type);
			return false;
		}
		if (e->type == E820_RAM && e->addr + e->size > ram_top)
			ram_top = e->addr + e->size;
	}
	if (start < GiB(4) || start < ram_top) {
		snprintf(detail, dsize, "window start 0x%lx below 4 GiB or RAM end 0x%lx", start,
			 ram_top);
		return false;
	}
	return true;
}

static bool pmem_check_marker(const struct boot_info *bi, const volatile uint8_t *win,
			      uint64_t size, char *detail, size_t dsize)
{
	const char *want;
	size_t len;

	if (!boot_cmdline_get(bi, "cnh.pmem.expect", &want, &len))
		return true;
	if (len > PMEM_MARKER_MAX || len > size) {
		snprintf(detail, dsize, "cnh.pmem.expect longer than %u bytes", PMEM_MARKER_MAX);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (win[i] != (uint8_t)want[i]) {
			snprintf(detail, dsize, "marker byte %lu is 0x%02x, expected '%c'", i, win[i],
				 want[i]);
			return false;
		}
	}
	return true;
}

static bool pmem_body(struct scenario_ctx *ctx, struct virtio_pci *vp, char *detail, size_t size)
{
	const struct boot_info *bi = ctx->bi;
	uint64_t start, wsize, seed = 0, hold = 0, strict = 1;
	volatile uint8_t *win;
	uint32_t ret, bogus = 0;

	start = virtio_cfg_read64(vp, PMEM_CFG_START);
	wsize = virtio_cfg_read64(vp, PMEM_CFG_SIZE);
	if (!pmem_check_window(bi, start, wsize, detail, size))
		return false;
	if (wsize < PMEM_PATTERN_OFF + PMEM_PATTERN_LEN) {
		snprintf(detail, size, "window of 0x%lx bytes too small for the pattern", wsize);
		return false;
	}
	if (!paging_map_cached(start, wsize)) {
		snprintf(detail, size, "cannot map window 0x%lx+0x%lx", start, wsize);
		return false;
	}
	win = (volatile uint8_t *)(uintptr_t)start;
	if (!pmem_check_marker(bi, win, wsize, detail, size))
		return false;

	boot_cmdline_u64(bi, "cnh.pmem.seed", &seed);
	boot_cmdline_u64(bi, "cnh.pmem.hold", &hold);
	boot_cmdline_u64(bi, "cnh.pmem.strict", &strict);
	for (uint32_t i = 0; i < PMEM_PATTERN_LEN; i++)
		win[PMEM_PATTERN_OFF + i] = pmem_pattern_byte(seed, i);
	mb(); /* the pattern is in memory before the device is asked to persist it */
	if (!pmem_request(vp, PMEM_REQ_FLUSH, &ret, detail, size))
		return false;
	if (ret != 0) {
		snprintf(detail, size, "flush ret 0x%x, expected 0", ret);
		return false;
	}
	printf("cnh-test-guest: pmem: flushed\n");
	if (hold)
		udelay(hold * 1000);
	for (uint32_t i = 0; i < PMEM_PATTERN_LEN; i++) {
		if (win[PMEM_PATTERN_OFF + i] != pmem_pattern_byte(seed, i)) {
			snprintf(detail, size, "pattern byte %u reads back 0x%02x", i,
				 win[PMEM_PATTERN_OFF + i]);
			return false;
		}
	}
	if (!pmem_request(vp, PMEM_REQ_BOGUS, &bogus, detail, size))
		return false;
	if (strict && bogus == 0) {
		snprintf(detail, size, "request type 0x%x answered ret 0, expected an error",
			 PMEM_REQ_BOGUS);
		return false;
	}
	snprintf(detail, size, "window 0x%lx+0x%lx, %u bytes at %u, flush ret 0, type 0x%x ret 0x%x",
		 start, wsize, PMEM_PATTERN_LEN, PMEM_PATTERN_OFF, PMEM_REQ_BOGUS, bogus);
	return true;
}

bool pmem_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* scenarios.c */

bool pmem_scenario(struct scenario_ctx *ctx, char *detail, size_t size)
{
	static struct virtio_pci vp;
	struct pci_fn fn;
	bool ok;

	if (!virtio_pci_find(ctx->pci, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_PMEM, 0, &fn)) {
		snprintf(detail, size, "no virtio-pmem function (1af4:%04x) on bus 0",
			 VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_PMEM);
		return false;
	}
	memset(&vp, 0, sizeof(vp));
	if (!virtio_pci_probe(&vp, &fn, detail, size))
		return false;
	if (!vp.device || vp.device_len < PMEM_CFG_SIZE + 8) {
		snprintf(detail, size, "device configuration missing or shorter than 16 bytes");
		return false;
	}
	if (!virtio_pci_init(&vp, ctx->vv, 1ull << VIRTIO_F_ACCESS_PLATFORM, 1, PMEM_QSIZE, detail,
			     size))
		return false;
	ok = pmem_body(ctx, &vp, detail, size);
	if (!virtio_pci_reset(&vp) && ok) {
		snprintf(detail, size, "device reset did not complete");
		ok = false;
	}
	return ok;
}
