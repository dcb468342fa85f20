// SPDX-License-Identifier: Apache-2.0
/*
 * cnh test guest: the virtio-hostile scenario, transport-level misuse of a
 * virtio-pci function (blk-hostile in blk.c covers malformed descriptors).
 *
 * Runs every case on the first virtio-rng function and, when there is one,
 * on the first virtio-blk function (the device-configuration case needs a
 * device with configuration space). A case drives the common configuration
 * by hand: queue sizes that are not a power of two, zero or too big; queue
 * registers of a queue past num_queues; DRIVER_OK before FEATURES_OK;
 * notifications before FEATURES_OK / DRIVER_OK over garbage rings; ring
 * addresses outside guest RAM, straddling its end, in MMIO, wrapping around
 * 2^64 or misaligned (virtio 1.2, 2.7); writes past the device and common
 * configuration and to their read-only fields; PCI configuration writes to
 * 0x100-0xfff and to read-only header and capability fields; a queue
 * enabled without DRIVER_OK. Each prints
 *   cnh-test-guest: virtio-hostile: <dev>:<case> -> <outcome>, then a good request worked
 * and is followed by a reset and a normal request through virtio.c's driver:
 * rng returns bytes that are not all equal, blk reads sector 0 and finds
 * the cnh.blk.seed pattern (blk.h), which the host wrote there.
 */
#include "blk.h"
#include "scenarios.h"

#define VIRTIO_ID_RNG 4
#define H_QSIZE 8
#define H_TIMEOUT_MS 15000
#define H_QUIET_US 300000 /* how long "the device did nothing" is watched */
#define H_FAR (GiB(1024) - (64ull << 10))
#define H_WRAP 0xfffffffffffff000ull
#define H_OUT 48

#define BLK_T_IN 0
#define BLK_SECTOR 512u

/* One page of rings (desc, avail, used as in virtio.c), and request buffers. */
#define H_DESC 0
#define H_AVAIL 1024
#define H_USED 2048
static uint8_t h_ring[4096] __attribute__((aligned(4096)));
static uint8_t h_buf[BLK_SECTOR] __attribute__((aligned(64)));
static struct {
	uint32_t type, reserved;
	uint64_t sector;
	uint8_t status;
} h_blk_req __attribute__((aligned(64)));

struct hdev {
	const char *name; /* "rng" or "blk" */
	struct virtio_pci vp;
	struct virtio_vectors *vv;
	uint64_t seed;    /* blk: pattern seed of sector 0 */
	uint64_t ram_end; /* end of RAM below 4 GiB */
	uint16_t qmax;    /* queue 0's size after reset */
	char *detail;
	size_t size;
};

static uint64_t h_pa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static uint64_t h_ring_at(uint32_t off)
{
	return h_pa(h_ring) + off;
}

static uint8_t h_status(const struct hdev *hd)
{
	return virtio_pci_status(&hd->vp);
}

static void h_status_set(const struct hdev *hd, uint8_t v)
{
	mmio_write8(hd->vp.common + VCC_DEVICE_STATUS, v);
}

static void h_write64(uint64_t addr, uint64_t v)
{
	mmio_write32(addr, (uint32_t)v);
	mmio_write32(addr + 4, (uint32_t)(v >> 32));
}

static uint16_t h_qsize(const struct hdev *hd, uint16_t q)
{
	mmio_write16(hd->vp.common + VCC_QUEUE_SELECT, q);
	return mmio_read16(hd->vp.common + VCC_QUEUE_SIZE);
}

/* Reset, ACKNOWLEDGE, DRIVER, driver features VERSION_1 only (not FEATURES_OK). */
static bool h_begin(struct hdev *hd, bool version_1)
{
	uint64_t c = hd->vp.common;

	if (!virtio_pci_reset(&hd->vp))
		return false;
	h_status_set(hd, VIRTIO_STATUS_ACKNOWLEDGE);
	h_status_set(hd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_write32(c + VCC_DRIVER_FEATURE_SELECT, 0);
	mmio_write32(c + VCC_DRIVER_FEATURE, 0);
	mmio_write32(c + VCC_DRIVER_FEATURE_SELECT, 1);
	mmio_write32(c + VCC_DRIVER_FEATURE, version_1 ? 1u << (VIRTIO_F_VERSION_1 - 32) : 0);
	return true;
}

static bool h_features_ok(const struct hdev *hd)
{
	h_status_set(hd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK);
	return h_status(hd) & VIRTIO_STATUS_FEATURES_OK;
}

static uint8_t h_driver_ok(const struct hdev *hd)
{
	h_status_set(hd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	return h_status(hd);
}

/* Queue 0 of H_QSIZE at these ring addresses, no MSI-X vector, enabled. */
static void h_queue(const struct hdev *hd, uint64_t desc, uint64_t avail, uint64_t used)
{
	uint64_t c = hd->vp.common;

	mmio_write16(c + VCC_QUEUE_SELECT, 0);
	mmio_write16(c + VCC_QUEUE_SIZE, H_QSIZE);
	h_write64(c + VCC_QUEUE_DESC, desc);
	h_write64(c + VCC_QUEUE_DRIVER, avail);
	h_write64(c + VCC_QUEUE_DEVICE, used);
	mmio_write16(c + VCC_QUEUE_ENABLE, 1);
}

/* A struct virtq over h_ring for queue 0 as h_queue() set it up. */
static void h_vq(const struct hdev *hd, struct virtq *vq)
{
	uint16_t noff;

	mmio_write16(hd->vp.common + VCC_QUEUE_SELECT, 0);
	noff = mmio_read16(hd->vp.common + VCC_QUEUE_NOTIFY_OFF);
	memset(vq, 0, sizeof(*vq));
	vq->size = H_QSIZE;
	vq->vector = VIRTIO_NO_VECTOR;
	vq->notify = hd->vp.notify_base + (uint64_t)noff * hd->vp.notify_mult;
	vq->desc = (volatile struct virtq_desc *)(h_ring + H_DESC);
	vq->avail = (volatile struct virtq_avail *)(h_ring + H_AVAIL);
	vq->used = (volatile struct virtq_used *)(h_ring + H_USED);
}

static void h_desc(struct virtq *vq, uint16_t i, const volatile void *buf, uint32_t len,
		   uint16_t flags)
{
	vq->desc[i].addr = h_pa(buf);
	vq->desc[i].len = len;
	vq->desc[i].flags = flags;
	vq->desc[i].next = (uint16_t)(i + 1);
}

/*
 * One normal request on vq: rng fills 64 bytes that are not all equal, blk
 * reads sector 0 and finds the pattern. False with hd->detail set.
 */
static bool h_request(struct hdev *hd, struct virtq *vq)
{
	bool blk = hd->name[0] == 'b';
	uint32_t id, len;

	memset(h_buf, 0, sizeof(h_buf));
	if (blk) {
		h_blk_req.type = BLK_T_IN;
		h_blk_req.reserved = 0;
		h_blk_req.sector = 0;
		h_blk_req.status = 0xff;
		h_desc(vq, 0, &h_blk_req, 16, VIRTQ_DESC_F_NEXT);
		h_desc(vq, 1, h_buf, BLK_SECTOR, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
		h_desc(vq, 2, &h_blk_req.status, 1, VIRTQ_DESC_F_WRITE);
	} else {
		h_desc(vq, 0, h_buf, 64, VIRTQ_DESC_F_WRITE);
	}
	virtq_submit(vq, 0);
	if (!virtq_wait(vq, H_TIMEOUT_MS, &id, &len)) {
		snprintf(hd->detail, hd->size, "no completion in %u ms (device_status 0x%x)",
			 H_TIMEOUT_MS, h_status(hd));
		return false;
	}
	if (id != 0 || len == 0 || len > (blk ? BLK_SECTOR + 1 : 64)) {
		snprintf(hd->detail, hd->size, "used id %u len %u", id, len);
		return false;
	}
	if (blk) {
		if (h_blk_req.status != 0) {
			snprintf(hd->detail, hd->size, "read of sector 0: status %u", h_blk_req.status);
			return false;
		}
		for (uint32_t i = 0; i < BLK_SECTOR; i++) {
			if (h_buf[i] != blk_pattern_byte(hd->seed, 0, i)) {
				snprintf(hd->detail, hd->size,
					 "sector 0 byte %u is 0x%02x, pattern seed %lu has 0x%02x", i,
					 h_buf[i], hd->seed, blk_pattern_byte(hd->seed, 0, i));
				return false;
			}
		}
		return true;
	}
	for (uint32_t i = 1; i < len; i++)
		if (h_buf[i] != h_buf[0])
			return true;
	snprintf(hd->detail, hd->size, "%u random bytes all 0x%02x", len, h_buf[0]);
	return false;
}

/* Did the device touch the used ring within H_QUIET_US? */
static bool h_used_quiet(void)
{
	volatile struct virtq_used *u = (volatile struct virtq_used *)(h_ring + H_USED);

	for (unsigned int t = 0; t < H_QUIET_US / 1000; t++) {
		if (u->idx != 0 || u->ring[0].len != 0)
			return false;
		udelay(1000);
	}
	return true;
}

/* ---- cases: each writes its outcome and returns whether it is acceptable ---- */

/* queue_size written with v must read back as the maximum. */
static bool h_qsize_refused(struct hdev *hd, uint16_t v, char *out, size_t size)
{
	uint16_t got;

	if (!h_begin(hd, true))
		return false;
	mmio_write16(hd->vp.common + VCC_QUEUE_SELECT, 0);
	mmio_write16(hd->vp.common + VCC_QUEUE_SIZE, v);
	got = h_qsize(hd, 0);
	if (got != hd->qmax) {
		snprintf(out, size, "accepted(%u)", got);
		return false;
	}
	snprintf(out, size, "refused");
	return true;
}

static bool case_qsize_100(struct hdev *hd, char *out, size_t size)
{
	return h_qsize_refused(hd, 100, out, size);
}

static bool case_qsize_0(struct hdev *hd, char *out, size_t size)
{
	return h_qsize_refused(hd, 0, out, size);
}

static bool case_qsize_over(struct hdev *hd, char *out, size_t size)
{
	uint16_t twice = hd->qmax < 0x8000 ? (uint16_t)(hd->qmax << 1) : 0xffff;

	return h_qsize_refused(hd, twice, out, size) && h_qsize_refused(hd, 0xffff, out, size);
}

/* Registers of queues num_queues and 0xffff: reads 0, writes go nowhere. */
static bool case_qsel_oob(struct hdev *hd, char *out, size_t size)
{
	uint64_t c = hd->vp.common;
	uint16_t nq = mmio_read16(c + VCC_NUM_QUEUES);
	const uint16_t sel[2] = { nq, 0xffff };

	if (!h_begin(hd, true))
		return false;
	for (unsigned int i = 0; i < 2; i++) {
		mmio_write16(c + VCC_QUEUE_SELECT, sel[i]);
		mmio_write16(c + VCC_QUEUE_SIZE, H_QSIZE);
		h_write64(c + VCC_QUEUE_DESC, h_ring_at(H_DESC));
		mmio_write16(c + VCC_QUEUE_ENABLE, 1);
		if (mmio_read16(c + VCC_QUEUE_SIZE) || mmio_read16(c + VCC_QUEUE_ENABLE) ||
		    mmio_read32(c + VCC_QUEUE_DESC)) {
			snprintf(out, size, "stored(q%u)", sel[i]);
			return false;
		}
	}
	if (h_qsize(hd, 0) != hd->qmax) {
		snprintf(out, size, "leaked-to-q0");
		return false;
	}
	snprintf(out, size, "ignored");
	return true;
}

/* DRIVER_OK without FEATURES_OK, and FEATURES_OK without VERSION_1. */
static bool case_status_order(struct hdev *hd, char *out, size_t size)
{
	if (!h_begin(hd, true))
		return false;
	h_queue(hd, h_ring_at(H_DESC), h_ring_at(H_AVAIL), h_ring_at(H_USED));
	h_status_set(hd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_DRIVER_OK);
	if (h_status(hd) & VIRTIO_STATUS_DRIVER_OK) {
		snprintf(out, size, "driver-ok-accepted");
		return false;
	}
	if (!h_begin(hd, false))
		return false;
	if (h_features_ok(hd)) {
		snprintf(out, size, "no-version-1-accepted");
		return false;
	}
	snprintf(out, size, "refused");
	return true;
}

/*
 * Garbage in the rings, queue 0 and queue num_queues notified before
 * FEATURES_OK and before DRIVER_OK: the used ring stays untouched. Then
 * the rings are cleaned, DRIVER_OK, and a request on them works.
 */
static bool case_notify_early(struct hdev *hd, char *out, size_t size)
{
	volatile struct virtq_avail *av = (volatile struct virtq_avail *)(h_ring + H_AVAIL);
	uint16_t nq = mmio_read16(hd->vp.common + VCC_NUM_QUEUES);
	uint64_t beyond = hd->vp.notify_base + (uint64_t)nq * hd->vp.notify_mult;
	struct virtq vq;

	if (!h_begin(hd, true))
		return false;
	memset(h_ring, 0xa5, H_USED);
	memset(h_ring + H_USED, 0, sizeof(h_ring) - H_USED);
	av->idx = 5;
	h_queue(hd, h_ring_at(H_DESC), h_ring_at(H_AVAIL), h_ring_at(H_USED));
	h_vq(hd, &vq);
	for (int phase = 0; phase < 2; phase++) {
		mb();
		mmio_write16(vq.notify, 0);
		mmio_write16(beyond, nq);
		if (!h_used_quiet()) {
			snprintf(out, size, "processed-before-%s", phase ? "driver-ok" : "features-ok");
			return false;
		}
		if (!phase && !h_features_ok(hd)) {
			snprintf(hd->detail, hd->size, "FEATURES_OK refused (status 0x%x)", h_status(hd));
			return false;
		}
	}
	memset(h_ring, 0, sizeof(h_ring));
	mb();
	if (h_driver_ok(hd) != (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)) {
		snprintf(out, size, "status-0x%x", h_status(hd));
		return false;
	}
	if (!h_request(hd, &vq)) {
		snprintf(out, size, "dead-after-driver-ok");
		return false;
	}
	snprintf(out, size, "ignored");
	return true;
}

/* Zeroed h_ring, FEATURES_OK, queue 0 at these addresses, DRIVER_OK; the status out. */
static bool h_start(struct hdev *hd, uint64_t desc, uint64_t avail, uint64_t used, struct virtq *vq,
		    uint8_t *ret_status)
{
	if (!h_begin(hd, true) || !h_features_ok(hd))
		return false;
	memset(h_ring, 0, sizeof(h_ring));
	h_queue(hd, desc, avail, used);
	h_vq(hd, vq);
	*ret_status = h_driver_ok(hd);
	return true;
}

/* DRIVER_OK with these ring addresses: the device must need a reset. */
static bool h_bad_rings(struct hdev *hd, uint64_t desc, uint64_t avail, uint64_t used, char *out,
			size_t size)
{
	struct virtq vq;
	uint8_t st;

	if (!h_start(hd, desc, avail, used, &vq, &st))
		return false;
	mmio_write16(vq.notify, 0); /* a kick into a queue that never started */
	if (!(st & VIRTIO_STATUS_NEEDS_RESET)) {
		snprintf(out, size, "live(0x%x)", st);
		return false;
	}
	snprintf(out, size, "reset");
	return true;
}

static bool case_ring_far(struct hdev *hd, char *out, size_t size)
{
	return h_bad_rings(hd, H_FAR, H_FAR + 0x1000, H_FAR + 0x2000, out, size);
}

static bool case_desc_far(struct hdev *hd, char *out, size_t size)
{
	return h_bad_rings(hd, H_FAR, h_ring_at(H_AVAIL), h_ring_at(H_USED), out, size);
}

static bool case_used_far(struct hdev *hd, char *out, size_t size)
{
	return h_bad_rings(hd, h_ring_at(H_DESC), h_ring_at(H_AVAIL), H_FAR, out, size);
}

/* 16 * 8 descriptor bytes from 64 bytes before the end of RAM. */
static bool case_desc_edge(struct hdev *hd, char *out, size_t size)
{
	return h_bad_rings(hd, hd->ram_end - 64, h_ring_at(H_AVAIL), h_ring_at(H_USED), out, size);
}

/* 6 + 8 * 8 used-ring bytes from 16 bytes before the end of RAM. */
static bool case_used_edge(struct hdev *hd, char *out, size_t size)
{
	return h_bad_rings(hd, h_ring_at(H_DESC), h_ring_at(H_AVAIL), hd->ram_end - 16, out, size);
}

/* The descriptor table on the device's own registers. */
static bool case_desc_mmio(struct hdev *hd, char *out, size_t size)
{
	return h_bad_rings(hd, hd->vp.common, h_ring_at(H_AVAIL), h_ring_at(H_USED), out, size);
}

/* addr + length wraps around 2^64. */
static bool case_avail_wrap(struct hdev *hd, char *out, size_t size)
{
	return h_bad_rings(hd, h_ring_at(H_DESC), H_WRAP + 0xff0, h_ring_at(H_USED), out, size);
}

/*
 * Misaligned rings (the driver MUST align them, 2.7): the device may refuse
 * (reset) or serve them; either way nothing may crash. "served" means a
 * request on the misaligned rings completed.
 */
static bool h_misaligned(struct hdev *hd, uint32_t desc, uint32_t avail, uint32_t used, char *out,
			 size_t size)
{
	struct virtq vq;
	uint8_t st;

	if (!h_start(hd, h_ring_at(desc), h_ring_at(avail), h_ring_at(used), &vq, &st))
		return false;
	vq.desc = (volatile struct virtq_desc *)(h_ring + desc);
	vq.avail = (volatile struct virtq_avail *)(h_ring + avail);
	vq.used = (volatile struct virtq_used *)(h_ring + used);
	if (st & VIRTIO_STATUS_NEEDS_RESET) {
		snprintf(out, size, "reset");
		return true;
	}
	if (h_request(hd, &vq)) {
		snprintf(out, size, "served");
		return true;
	}
	/* No completion: the device must say so now, not hang silently. */
	st = h_status(hd);
	snprintf(out, size, st & VIRTIO_STATUS_NEEDS_RESET ? "reset-later" : "ign(0x%x)", st);
	return st & VIRTIO_STATUS_NEEDS_RESET;
}

static bool case_desc_misaligned(struct hdev *hd, char *out, size_t size)
{
	return h_misaligned(hd, H_DESC + 8, H_AVAIL, H_USED, out, size);
}

static bool case_avail_misaligned(struct hdev *hd, char *out, size_t size)
{
	return h_misaligned(hd, H_DESC, H_AVAIL + 1, H_USED, out, size);
}

static bool case_used_misaligned(struct hdev *hd, char *out, size_t size)
{
	return h_misaligned(hd, H_DESC, H_AVAIL, H_USED + 2, out, size);
}

/* "unchanged" if the n bytes at MMIO base still equal snap, else "changed@<offset>". */
static bool h_unchanged(uint64_t base, const uint8_t *snap, uint32_t n, char *out, size_t size)
{
	for (uint32_t i = 0; i < n; i++) {
		if (mmio_read8(base + i) != snap[i]) {
			snprintf(out, size, "changed@%u", i);
			return false;
		}
	}
	snprintf(out, size, "unchanged");
	return true;
}

/*
 * Ones written at the end of a structure of len bytes in every width,
 * straddling its end, past it, and at the end of its 4 KiB window.
 */
static void h_write_past(uint64_t base, uint32_t len)
{
	mmio_write8(base + len, 0xff);
	mmio_write16(base + len, 0xffff);
	mmio_write32(base + len, 0xffffffff);
	mmio_write64(base + len, ~0ull);
	mmio_write16(base + len - 1, 0xffff);
	mmio_write32(base + len - 2, 0xffffffff);
	mmio_write64(base + len - 4, ~0ull);
	mmio_write32(base + len + 0x40, 0xffffffff);
	mmio_write32(base + 0xffc, 0xffffffff);
}

/* Writes past the device configuration, straddling its end, and to offset 0. */
static bool case_cfg_device(struct hdev *hd, char *out, size_t size)
{
	static uint8_t snap[256];
	uint64_t d = hd->vp.device;
	uint32_t n = hd->vp.device_len;

	if (!d) {
		snprintf(out, size, "n/a");
		return true;
	}
	if (!h_begin(hd, true))
		return false;
	if (n > sizeof(snap))
		n = sizeof(snap);
	for (uint32_t i = 0; i < n; i++)
		snap[i] = mmio_read8(d + i);
	h_write_past(d, hd->vp.device_len);
	mmio_write32(d, 0xffffffff); /* blk: capacity, read-only */
	return h_unchanged(d, snap, n, out, size);
}

/* Read-only common fields and writes past the common configuration. */
static bool case_cfg_common(struct hdev *hd, char *out, size_t size)
{
	static uint8_t snap[2][VCC_LEN + 8];
	uint64_t c = hd->vp.common;
	uint32_t n = hd->vp.common_len < sizeof(snap[0]) ? hd->vp.common_len : sizeof(snap[0]);

	if (!h_begin(hd, true))
		return false;
	mmio_write16(c + VCC_QUEUE_SELECT, 0);
	for (uint32_t sel = 0; sel < 2; sel++) {
		mmio_write32(c + VCC_DEVICE_FEATURE_SELECT, sel);
		for (uint32_t i = 0; i < n; i++)
			snap[sel][i] = mmio_read8(c + i);
		mmio_write32(c + VCC_DEVICE_FEATURE, sel ? 0 : 0xffffffff);
	}
	mmio_write16(c + VCC_NUM_QUEUES, 0x7fff);
	mmio_write16(c + VCC_QUEUE_NOTIFY_OFF, 0x1234);
	mmio_write8(c + VCC_CONFIG_GENERATION, 0x5a);
	h_write_past(c, hd->vp.common_len);
	for (uint32_t sel = 2; sel-- > 0;) {
		mmio_write32(c + VCC_DEVICE_FEATURE_SELECT, sel);
		if (!h_unchanged(c, snap[sel], n, out, size))
			return false;
	}
	return true;
}

/*
 * PCI configuration space: all of 0x100-0xfff, the read-only header dwords
 * and the common-configuration capability written with ones.
 */
static bool case_cfg_pci(struct hdev *hd, char *out, size_t size)
{
	static uint32_t snap[1024];
	const struct pci_fn *fn = &hd->vp.fn;
	static const uint16_t ro[] = { 0x00, 0x08, 0x2c, 0x34 };
	uint8_t cap = 0;

	if (!h_begin(hd, true))
		return false;
	for (uint16_t off = 0; off < 0x1000; off += 4)
		snap[off / 4] = pci_read32(fn, off);
	for (uint16_t off = 0x100; off < 0x1000; off += 4)
		pci_write32(fn, off, 0xffffffff);
	for (unsigned int i = 0; i < ARRAY_SIZE(ro); i++)
		pci_write32(fn, ro[i], 0xa5a5a5a5);
	while ((cap = pci_find_cap(fn, PCI_CAP_ID_VNDR, cap)))
		if (pci_read8(fn, (uint16_t)(cap + 3)) == 1) /* common configuration */
			break;
	for (uint16_t i = 0; cap && i < 16; i += 4)
		pci_write32(fn, (uint16_t)(cap + i), 0xffffffff);
	for (uint16_t off = 0; off < 0x1000; off += 4) {
		uint32_t v = pci_read32(fn, off);

		if ((off >= 0x100 || off == 0x00 || off == 0x08 || off == 0x2c || off == 0x34 ||
		     (cap && off >= cap && off < cap + 16)) &&
		    v != snap[off / 4]) {
			snprintf(out, size, "changed@0x%x", off);
			return false;
		}
	}
	snprintf(out, size, "unchanged");
	return true;
}

/* Queues enabled (good rings, then far ones) but no DRIVER_OK: reset completes. */
static bool case_enable_no_driver_ok(struct hdev *hd, char *out, size_t size)
{
	for (int far = 0; far < 2; far++) {
		if (!h_begin(hd, true) || !h_features_ok(hd))
			return false;
		memset(h_ring, 0, sizeof(h_ring));
		if (far)
			h_queue(hd, H_FAR, H_FAR, H_FAR);
		else
			h_queue(hd, h_ring_at(H_DESC), h_ring_at(H_AVAIL), h_ring_at(H_USED));
		if (!virtio_pci_reset(&hd->vp)) {
			snprintf(out, size, "reset-hangs(0x%x)", h_status(hd));
			return false;
		}
		if (h_qsize(hd, 0) != hd->qmax ||
		    mmio_read16(hd->vp.common + VCC_QUEUE_ENABLE) != 0) {
			snprintf(out, size, "queue-not-reset");
			return false;
		}
	}
	snprintf(out, size, "reset-ok");
	return true;
}

static const struct {
	const char *name;
	bool (*run)(struct hdev *hd, char *out, size_t size);
} h_cases[] = {
	{ "qsize-100", case_qsize_100 },
	{ "qsize-0", case_qsize_0 },
	{ "qsize-over", case_qsize_over },
	{ "qsel-oob", case_qsel_oob },
	{ "status-order", case_status_order },
	{ "notify-early", case_notify_early },
	{ "ring-far", case_ring_far },
	{ "desc-far", case_desc_far },
	{ "used-far", case_used_far },
	{ "desc-edge", case_desc_edge },
	{ "used-edge", case_used_edge },
	{ "desc-mmio", case_desc_mmio },
	{ "avail-wrap", case_avail_wrap },
	{ "desc-misaligned", case_desc_misaligned },
	{ "avail-misaligned", case_avail_misaligned },
	{ "used-misaligned", case_used_misaligned },
	{ "cfg-device", case_cfg_device },
	{ "cfg-common", case_cfg_common },
	{ "cfg-pci", case_cfg_pci },
	{ "enable-no-driver-ok", case_enable_no_driver_ok },
};

/* Reset, initialise with virtio.c's driver, one good request, reset. */
static bool h_recover(struct hdev *hd)
{
	bool ok;

	if (!virtio_pci_reset(&hd->vp)) {
		snprintf(hd->detail, hd->size, "device_status stays 0x%x after reset", h_status(hd));
		return false;
	}
	if (!virtio_pci_init(&hd->vp, hd->vv, 0, 1, H_QSIZE, hd->detail, hd->size))
		return false;
	ok = h_request(hd, &hd->vp.vq[0]);
	if (!virtio_pci_reset(&hd->vp) && ok) {
		snprintf(hd->detail, hd->size, "device_status stays 0x%x after the final reset",
			 h_status(hd));
		ok = false;
	}
	return ok;
}

/* Every case on one device; *ret_n counts the cases run. */
static bool h_device(struct hdev *hd, unsigned int *ret_n)
{
	char out[H_OUT], why[160];

	for (unsigned int i = 0; i < ARRAY_SIZE(h_cases); i++) {
		bool ok;

		hd->detail[0] = '\0';
		snprintf(out, sizeof(out), "?");
		ok = h_cases[i].run(hd, out, sizeof(out));
		if (!ok && !hd->detail[0])
			snprintf(hd->detail, hd->size, "-> %s", out);
		snprintf(why, sizeof(why), "%s", hd->detail);
		if (!h_recover(hd)) {
			printf("cnh-test-guest: virtio-hostile: %s:%s -> %s, then the good request "
			       "failed: %s\n", hd->name, h_cases[i].name, out, hd->detail);
			return false;
		}
		printf("cnh-test-guest: virtio-hostile: %s:%s -> %s, then a good request worked\n",
		       hd->name, h_cases[i].name, out);
		if (!ok) {
			snprintf(hd->detail, hd->size, "%s:%s: %s", hd->name, h_cases[i].name, why);
			return false;
		}
		(*ret_n)++;
	}
	return true;
}

bool hostile_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* scenarios.c */

bool hostile_scenario(struct scenario_ctx *ctx, char *detail, size_t size)
{
	static struct hdev devs[2];
	static const struct {
		const char *name;
		uint16_t id;
	} kinds[2] = { { "rng", VIRTIO_ID_RNG }, { "blk", VIRTIO_ID_BLOCK } };
	unsigned int n = 0, ndev = 0;

	for (unsigned int k = 0; k < 2; k++) {
		struct hdev *hd = &devs[k];
		struct pci_fn fn;

		if (!virtio_pci_find(ctx->pci, VIRTIO_PCI_DEVICE_BASE + kinds[k].id, 0, &fn)) {
			if (k == 0) {
				snprintf(detail, size, "no virtio-rng function on bus 0");
				return false;
			}
			continue;
		}
		memset(hd, 0, sizeof(*hd));
		hd->name = kinds[k].name;
		hd->vv = ctx->vv;
		hd->ram_end = ctx->ram_end;
		hd->detail = detail;
		hd->size = size;
		boot_cmdline_u64(ctx->bi, "cnh.blk.seed", &hd->seed);
		if (!virtio_pci_probe(&hd->vp, &fn, detail, size))
			return false;
		/* Decoding and bus mastering on, as virtio_pci_init() would. */
		pci_write16(&fn, PCI_COMMAND, (uint16_t)(pci_read16(&fn, PCI_COMMAND) |
							 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
		if (!virtio_pci_reset(&hd->vp)) {
			snprintf(detail, size, "%s: device_status stays 0x%x after reset", hd->name,
				 h_status(hd));
			return false;
		}
		hd->qmax = h_qsize(hd, 0);
		if (!hd->ram_end || hd->qmax < H_QSIZE) {
			snprintf(detail, size, "%s: queue 0 max %u, RAM end 0x%lx", hd->name, hd->qmax,
				 hd->ram_end);
			return false;
		}
		/* The case's own problem is in detail; the recovery's replaces it. */
		if (!h_device(hd, &n))
			return false;
		ndev++;
	}
	snprintf(detail, size, "%u cases on %u device(s), each followed by a good request", n, ndev);
	return true;
}
