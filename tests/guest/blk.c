// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: virtio-blk scenarios (blk, blk-hostile). */
#include "blk.h"

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12

/* struct virtio_blk_config offsets. */
#define BLK_CFG_CAPACITY 0
#define BLK_CFG_SIZE_MAX 8
#define BLK_CFG_SEG_MAX 12
#define BLK_CFG_BLK_SIZE 20
#define BLK_CFG_NUM_QUEUES 34

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define STATUS_UNTOUCHED 0xff

#define SECTOR 512u
#define PATTERN_SECTORS 8u
#define BLK_BUF (PATTERN_SECTORS * SECTOR)
#define BLK_QSIZE 16
#define IO_TIMEOUT_MS 15000
#define IRR_TIMEOUT_MS 2000
#define HOSTILE_WAIT_MS 3000
#define HOSTILE_QSIZE 8
#define SETTLE_US 200000

struct blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* Per-queue request memory; one request in flight per queue. */
struct blk_qbuf {
	uint8_t data[BLK_BUF];
	struct blk_req_hdr hdr;
	uint8_t status;
};
static struct blk_qbuf blk_bufs[VIRTIO_MAX_VQ] __attribute__((aligned(4096)));
static struct virtq_desc blk_indirect[4 * VIRTQ_MAX_SIZE] __attribute__((aligned(16)));

struct blk_dev {
	struct virtio_pci vp;
	uint64_t capacity;
	uint32_t seg_max; /* data descriptors per request we may use */
	char *detail;
	size_t size;
};

static uint64_t pa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void desc_set(volatile struct virtq_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Build header [+ data in up to seg_max pieces] + status at descriptor 0 and publish it. */
static void blk_submit(struct blk_dev *b, unsigned int q, uint32_t type, uint64_t sector,
		       uint32_t len)
{
	struct virtq *vq = &b->vp.vq[q];
	struct blk_qbuf *buf = &blk_bufs[q];
	uint16_t dflags = type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;
	uint32_t nseg = len ? (len > SECTOR && b->seg_max >= 2 ? 2 : 1) : 0;
	uint16_t d = 1;

	buf->hdr.type = type;
	buf->hdr.reserved = 0;
	buf->hdr.sector = sector;
	buf->status = STATUS_UNTOUCHED;
	desc_set(&vq->desc[0], pa(&buf->hdr), sizeof(buf->hdr), VIRTQ_DESC_F_NEXT, 1);
	for (uint32_t s = 0, off = 0; s < nseg; s++, d++) {
		/* Two segments split on a sector boundary. */
		uint32_t part = nseg == 1 ? len : s == 0 ? (len / 2 / SECTOR) * SECTOR : len - off;

		if (!part)
			part = len - off;
		desc_set(&vq->desc[d], pa(buf->data + off), part, dflags | VIRTQ_DESC_F_NEXT,
			 (uint16_t)(d + 1));
		off += part;
	}
	desc_set(&vq->desc[d], pa(&buf->status), 1, VIRTQ_DESC_F_WRITE, 0);
	virtq_submit(vq, 0);
}

/* Wait for queue q's request; status byte out, false (detail set) on a transport problem. */
static bool blk_complete(struct blk_dev *b, unsigned int q, uint32_t writable, uint8_t *ret)
{
	struct virtq *vq = &b->vp.vq[q];
	uint32_t id, len;

	if (!virtq_wait(vq, IO_TIMEOUT_MS, &id, &len)) {
		snprintf(b->detail, b->size, "queue %u: no completion in %u ms (device_status 0x%x)",
			 q, IO_TIMEOUT_MS, virtio_pci_status(&b->vp));
		return false;
	}
	if (id != 0) {
		snprintf(b->detail, b->size, "queue %u: used id %u, expected head 0", q, id);
		return false;
	}
	if (len > writable) {
		snprintf(b->detail, b->size, "queue %u: used len %u > %u writable bytes", q, len,
			 writable);
		return false;
	}
	if (blk_bufs[q].status == STATUS_UNTOUCHED) {
		snprintf(b->detail, b->size, "queue %u: request completed without a status byte", q);
		return false;
	}
	*ret = blk_bufs[q].status;
	return true;
}

static uint32_t blk_writable(uint32_t type, uint32_t len)
{
	return (type == VIRTIO_BLK_T_OUT || type == VIRTIO_BLK_T_FLUSH ? 0 : len) + 1;
}

static bool blk_rw(struct blk_dev *b, unsigned int q, uint32_t type, uint64_t sector,
		   uint32_t len, uint8_t *ret)
{
	blk_submit(b, q, type, sector, len);
	return blk_complete(b, q, blk_writable(type, len), ret);
}

static void blk_fill(uint8_t *buf, uint64_t seed, uint64_t sector)
{
	for (uint32_t s = 0; s < PATTERN_SECTORS; s++)
		for (uint32_t i = 0; i < SECTOR; i++)
			buf[s * SECTOR + i] = blk_pattern_byte(seed, sector + s, i);
}

/* First mismatching byte offset, or -1. */
static int64_t blk_compare(const uint8_t *buf, uint64_t seed, uint64_t sector)
{
	for (uint32_t s = 0; s < PATTERN_SECTORS; s++)
		for (uint32_t i = 0; i < SECTOR; i++)
			if (buf[s * SECTOR + i] != blk_pattern_byte(seed, sector + s, i))
				return (int64_t)(s * SECTOR + i);
	return -1;
}

static bool blk_open(const struct pci_info *pi, struct virtio_vectors *vv,
		     const struct blk_opts *o, unsigned int nq, uint16_t qsize, struct blk_dev *b)
{
	struct pci_fn fn;
	uint64_t want = (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
			(1ull << VIRTIO_BLK_F_RO) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
			(1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_MQ) |
			(1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_ACCESS_PLATFORM);

	if (!virtio_pci_find(pi, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_BLOCK, (unsigned int)o->index,
			     &fn)) {
		snprintf(b->detail, b->size, "no virtio-blk function #%lu (1af4:%04x) on bus 0",
			 o->index, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_BLOCK);
		return false;
	}
	if (o->bar64) {
		/* Development aid: force the 64-bit BARs high to exercise on-demand paging. */
		uint64_t at = o->bar64;

		for (unsigned int i = 0; i + 1 < PCI_NUM_BARS; i++) {
			struct pci_bar bar;

			if (pci_bar_probe(&fn, i, &bar) == 2 && bar.size) {
				at = (at + bar.size - 1) & ~(bar.size - 1);
				if (pci_bar_move64(&fn, i, at))
					at += bar.size;
				i++;
			}
		}
	}
	if (!virtio_pci_probe(&b->vp, &fn, b->detail, b->size))
		return false;
	if (!b->vp.device) {
		snprintf(b->detail, b->size, "no device configuration capability");
		return false;
	}
	if (!virtio_pci_init(&b->vp, vv, want, nq, qsize, b->detail, b->size))
		return false;
	b->capacity = virtio_cfg_read64(&b->vp, BLK_CFG_CAPACITY);
	b->seg_max = 1;
	if (virtio_has(&b->vp, VIRTIO_BLK_F_SEG_MAX))
		b->seg_max = virtio_cfg_read32(&b->vp, BLK_CFG_SEG_MAX);
	return true;
}

/* Device offers MQ with at least this many queues? */
static unsigned int blk_device_queues(struct blk_dev *b)
{
	if (!(b->vp.offered & (1ull << VIRTIO_BLK_F_MQ)))
		return 1;
	return virtio_cfg_read16(&b->vp, BLK_CFG_NUM_QUEUES);
}

/*
 * The first completion on a queue must leave its (never used before)
 * vector pending in the IRR: interrupts are off, so it stays there.
 */
static bool blk_irr_wait(struct blk_dev *b, unsigned int q)
{
	uint64_t end = rdtsc() + IRR_TIMEOUT_MS * 4000000ull;

	while (!virtq_irr_pending(&b->vp, &b->vp.vq[q])) {
		if ((int64_t)(rdtsc() - end) > 0) {
			snprintf(b->detail, b->size,
				 "queue %u: MSI-X vector 0x%x not pending in LAPIC IRR after completion",
				 q, b->vp.vq[q].cpu_vector);
			return false;
		}
		cpu_relax();
	}
	return true;
}

static bool blk_expect(struct blk_dev *b, const char *what, uint8_t got, uint8_t want)
{
	if (got == want)
		return true;
	snprintf(b->detail, b->size, "%s: status %u, expected %u", what, got, want);
	return false;
}

/* Scenario body once the device is up with nq queues. */
static bool blk_io(struct blk_dev *b, struct virtio_vectors *vv, const struct blk_opts *o,
		   unsigned int nq, char *id, bool *flushed)
{
	uint64_t tail = b->capacity - PATTERN_SECTORS;
	unsigned int qt = nq - 1; /* the tail range goes through the last queue */
	uint8_t st, st2;
	int64_t bad;

	/*
	 * Let start-up interrupts (legal, if spurious) land, then give each
	 * queue a vector nothing has raised yet.
	 */
	udelay(SETTLE_US);
	for (unsigned int q = 0; q < nq; q++) {
		struct virtq *vq = &b->vp.vq[q];
		unsigned int tries = 0;

		do {
			if (tries++ == 3) {
				snprintf(b->detail, b->size,
					 "queue %u: fresh vectors keep turning pending without requests (last 0x%x)",
					 q, vq->cpu_vector);
				return false;
			}
			if (!virtq_vector_refresh(&b->vp, vv, vq)) {
				snprintf(b->detail, b->size, "queue %u: out of x86 vectors", q);
				return false;
			}
		} while (virtq_irr_pending(&b->vp, vq));
	}

	/* Writes: head range on queue 0, tail range on the last queue, in flight together. */
	blk_fill(blk_bufs[0].data, o->seed, 0);
	if (qt)
		blk_fill(blk_bufs[qt].data, o->seed, tail);
	blk_submit(b, 0, VIRTIO_BLK_T_OUT, 0, BLK_BUF);
	if (qt)
		blk_submit(b, qt, VIRTIO_BLK_T_OUT, tail, BLK_BUF);
	if (!blk_complete(b, 0, 1, &st))
		return false;
	if (!blk_irr_wait(b, 0))
		return false;
	if (qt) {
		if (!blk_complete(b, qt, 1, &st2))
			return false;
		if (!blk_irr_wait(b, qt))
			return false;
	} else {
		blk_fill(blk_bufs[0].data, o->seed, tail);
		if (!blk_rw(b, 0, VIRTIO_BLK_T_OUT, tail, BLK_BUF, &st2))
			return false;
	}
	if (o->ro) {
		if (!blk_expect(b, "write to read-only disk (sectors 0-7)", st, VIRTIO_BLK_S_IOERR) ||
		    !blk_expect(b, "write to read-only disk (tail)", st2, VIRTIO_BLK_S_IOERR))
			return false;
	} else {
		if (!blk_expect(b, "write sectors 0-7", st, VIRTIO_BLK_S_OK) ||
		    !blk_expect(b, "write tail sectors", st2, VIRTIO_BLK_S_OK))
			return false;
	}

	*flushed = false;
	if (!o->ro && virtio_has(&b->vp, VIRTIO_BLK_F_FLUSH)) {
		if (!blk_rw(b, 0, VIRTIO_BLK_T_FLUSH, 0, 0, &st) ||
		    !blk_expect(b, "flush", st, VIRTIO_BLK_S_OK))
			return false;
		*flushed = true;
	}

	/* Read back crossed over: head range on the last queue, tail on queue 0. */
	memset(blk_bufs[qt].data, 0, BLK_BUF);
	if (!blk_rw(b, qt, VIRTIO_BLK_T_IN, 0, BLK_BUF, &st) ||
	    !blk_expect(b, "read sectors 0-7", st, VIRTIO_BLK_S_OK))
		return false;
	bad = blk_compare(blk_bufs[qt].data, o->seed, 0);
	if (!o->ro && bad >= 0) {
		snprintf(b->detail, b->size, "sectors 0-7 read back differ at byte %ld: 0x%02x",
			 bad, blk_bufs[qt].data[bad]);
		return false;
	}
	memset(blk_bufs[0].data, 0, BLK_BUF);
	if (!blk_rw(b, 0, VIRTIO_BLK_T_IN, tail, BLK_BUF, &st) ||
	    !blk_expect(b, "read tail sectors", st, VIRTIO_BLK_S_OK))
		return false;
	bad = blk_compare(blk_bufs[0].data, o->seed, tail);
	if (!o->ro && bad >= 0) {
		snprintf(b->detail, b->size, "sectors %lu-%lu read back differ at byte %ld: 0x%02x",
			 tail, tail + PATTERN_SECTORS - 1, bad, blk_bufs[0].data[bad]);
		return false;
	}

	memset(blk_bufs[0].data, 0, VIRTIO_BLK_ID_BYTES);
	if (!blk_rw(b, 0, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, &st) ||
	    !blk_expect(b, "GET_ID", st, VIRTIO_BLK_S_OK))
		return false;
	for (unsigned int i = 0; i < VIRTIO_BLK_ID_BYTES; i++) {
		char c = (char)blk_bufs[0].data[i];

		if (!c)
			break;
		id[i] = c >= 0x20 && c < 0x7f ? c : '?';
		id[i + 1] = '\0';
	}
	return true;
}

bool blk_selftest(const struct pci_info *pi, struct virtio_vectors *vv,
		  const struct blk_opts *o, char *detail, size_t size)
{
	struct blk_dev b = { .detail = detail, .size = size };
	char id[VIRTIO_BLK_ID_BYTES + 1] = "";
	unsigned int nq = o->queues ? (unsigned int)o->queues : 1;
	unsigned int devq;
	bool flushed = false, ok;

	if (nq > VIRTIO_MAX_VQ) {
		snprintf(detail, size, "cnh.blk.queues=%u: this driver handles at most %u", nq,
			 VIRTIO_MAX_VQ);
		return false;
	}
	/* Bring it up once with one queue to learn the MQ offer, then with nq. */
	if (!blk_open(pi, vv, o, 1, BLK_QSIZE, &b))
		return false;
	devq = blk_device_queues(&b);
	if (nq > 1 && devq < nq) {
		snprintf(detail, size, "cnh.blk.queues=%u but device offers %s num_queues %u", nq,
			 (b.vp.offered & (1ull << VIRTIO_BLK_F_MQ)) ? "MQ with" : "no MQ,", devq);
		virtio_pci_reset(&b.vp);
		return false;
	}
	if (nq > 1 && !virtio_pci_init(&b.vp, vv, b.vp.features, nq, BLK_QSIZE, detail, size))
		return false;

	if (o->ro != !!(b.vp.offered & (1ull << VIRTIO_BLK_F_RO))) {
		snprintf(detail, size, "VIRTIO_BLK_F_RO %s, cnh.blk.ro=%d",
			 o->ro ? "not offered" : "offered", o->ro);
		virtio_pci_reset(&b.vp);
		return false;
	}
	if (o->have_sectors && b.capacity != o->sectors) {
		snprintf(detail, size, "capacity %lu sectors, expected %lu", b.capacity, o->sectors);
		virtio_pci_reset(&b.vp);
		return false;
	}
	if (b.capacity < 2 * PATTERN_SECTORS) {
		snprintf(detail, size, "capacity %lu sectors is too small", b.capacity);
		virtio_pci_reset(&b.vp);
		return false;
	}
	if (!b.seg_max) {
		snprintf(detail, size, "VIRTIO_BLK_F_SEG_MAX with seg_max 0");
		virtio_pci_reset(&b.vp);
		return false;
	}

	ok = blk_io(&b, vv, o, nq, id, &flushed);
	if (ok) {
		size_t n = (size_t)snprintf(detail, size,
			"capacity %lu sectors, blk_size %u, %u queue%s (device %u), features 0x%lx, id '%s', %s seed %lu sectors 0-7,%lu-%lu%s, msix",
			b.capacity,
			virtio_has(&b.vp, VIRTIO_BLK_F_BLK_SIZE) ?
				virtio_cfg_read32(&b.vp, BLK_CFG_BLK_SIZE) : SECTOR,
			nq, nq > 1 ? "s" : "", devq, b.vp.features, id,
			o->ro ? "read-only, writes refused for" : "wrote+read back", o->seed,
			b.capacity - PATTERN_SECTORS, b.capacity - 1, flushed ? ", flushed" : "");

		for (unsigned int q = 0; q < nq && n < size; q++)
			n += (size_t)snprintf(detail + n, size - n, " q%u:0x%x", q,
					      b.vp.vq[q].cpu_vector);
		if (n < size)
			snprintf(detail + n, size - n, " pending in IRR");
	}
	/* Leave no queue pointing into our rings. */
	if (!virtio_pci_reset(&b.vp) && ok) {
		snprintf(detail, size, "device_status stays 0x%x after the final reset",
			 virtio_pci_status(&b.vp));
		ok = false;
	}
	return ok;
}

/* ---- blk-hostile ---------------------------------------------------------- */

enum hostile_case {
	H_LOOP2,        /* header -> data -> header */
	H_LOOP_DATA,    /* header -> data1 -> data2 -> data1 (loop misses the head) */
	H_LOOP_ALL,     /* every descriptor chained, the last back to the head */
	H_NEXT_OOB,     /* next index far beyond the queue size */
	H_HDR_OOB,      /* request header outside RAM */
	H_ADDR_OOB,     /* data buffer outside RAM */
	H_ADDR_EDGE,    /* data buffer straddling the end of RAM */
	H_LEN_HUGE,     /* data length near 4 GiB */
	H_NO_STATUS,    /* header only, nowhere to put a status */
	H_STATUS_RO,    /* status descriptor not device-writable */
	H_IND_LONG,     /* indirect table with a chain longer than the queue */
	H_IND_LOOP,     /* indirect table whose chain loops */
	H_PAST_CAP,     /* read crossing the end of the disk */
	H_IDX_JUMP,     /* avail->idx advanced by more than the queue size */
	H_COUNT,
};

static const struct {
	const char *name;
	bool ok_allowed; /* the spec only binds the driver: serving it is fine */
} hostile_cases[H_COUNT] = {
	[H_LOOP2] = { "loop2", false },        [H_LOOP_DATA] = { "loop-data", false },
	[H_LOOP_ALL] = { "loop-all", false },  [H_NEXT_OOB] = { "next-oob", false },
	[H_HDR_OOB] = { "hdr-oob", false },    [H_ADDR_OOB] = { "addr-oob", false },
	[H_ADDR_EDGE] = { "addr-edge", false }, [H_LEN_HUGE] = { "len-huge", false },
	[H_NO_STATUS] = { "no-status", false }, [H_STATUS_RO] = { "status-ro", false },
	[H_IND_LONG] = { "ind-long", true },   [H_IND_LOOP] = { "ind-loop", false },
	[H_PAST_CAP] = { "past-cap", false },  [H_IDX_JUMP] = { "idx-jump", true },
};

#define OUTSIDE_RAM 0xffffff0000ull /* 1 TiB - 64 KiB: no RAM, no BAR */

/* Build the hostile request at head 0 of queue 0 and publish it; false if not applicable. */
static bool hostile_submit(struct blk_dev *b, enum hostile_case hc, uint64_t ram_end)
{
	struct virtq *vq = &b->vp.vq[0];
	struct blk_qbuf *buf = &blk_bufs[0];
	volatile struct virtq_desc *d = vq->desc;
	uint64_t hdr = pa(&buf->hdr), data = pa(buf->data), status = pa(&buf->status);
	const uint16_t N = VIRTQ_DESC_F_NEXT, W = VIRTQ_DESC_F_WRITE;
	uint16_t qs = vq->size;

	buf->hdr.type = VIRTIO_BLK_T_IN;
	buf->hdr.reserved = 0;
	buf->hdr.sector = 0;
	buf->status = STATUS_UNTOUCHED;
	/* The usual shape, then bent by the case. */
	desc_set(&d[0], hdr, sizeof(buf->hdr), N, 1);
	desc_set(&d[1], data, SECTOR, W | N, 2);
	desc_set(&d[2], status, 1, W, 0);

	switch (hc) {
	case H_LOOP2:
		desc_set(&d[1], data, SECTOR, W | N, 0);
		break;
	case H_LOOP_DATA:
		desc_set(&d[2], data + SECTOR, SECTOR, W | N, 1);
		break;
	case H_LOOP_ALL:
		for (uint16_t i = 1; i < qs; i++)
			desc_set(&d[i], data + (i - 1) % PATTERN_SECTORS * SECTOR, SECTOR, W | N,
				 (uint16_t)((i + 1) % qs));
		break;
	case H_NEXT_OOB:
		desc_set(&d[0], hdr, sizeof(buf->hdr), N, 0x1234);
		break;
	case H_HDR_OOB:
		desc_set(&d[0], OUTSIDE_RAM, sizeof(buf->hdr), N, 1);
		break;
	case H_ADDR_OOB:
		desc_set(&d[1], OUTSIDE_RAM, SECTOR, W | N, 2);
		break;
	case H_ADDR_EDGE:
		if (ram_end < MiB(16))
			return false;
		desc_set(&d[1], ram_end - SECTOR / 2, SECTOR, W | N, 2);
		break;
	case H_LEN_HUGE:
		if (ram_end < MiB(16))
			return false;
		desc_set(&d[1], ram_end - MiB(1), 0xfffffe00u, W | N, 2);
		break;
	case H_NO_STATUS:
		desc_set(&d[0], hdr, sizeof(buf->hdr), 0, 0);
		break;
	case H_STATUS_RO:
		desc_set(&d[2], status, 1, 0, 0);
		break;
	case H_IND_LONG:
	case H_IND_LOOP: {
		unsigned int n = hc == H_IND_LONG ? 2u * qs + 2 : 3;

		if (!virtio_has(&b->vp, VIRTIO_F_INDIRECT_DESC) || n > ARRAY_SIZE(blk_indirect))
			return false;
		desc_set(&blk_indirect[0], hdr, sizeof(buf->hdr), N, 1);
		for (unsigned int i = 1; i + 1 < n; i++)
			desc_set(&blk_indirect[i], data + (i - 1) * (BLK_BUF / (n - 2)),
				 BLK_BUF / (n - 2), W | N, (uint16_t)(i + 1));
		desc_set(&blk_indirect[n - 1], status, 1, W, 0);
		if (hc == H_IND_LOOP)
			desc_set(&blk_indirect[1], data, SECTOR, W | N, 0);
		mb();
		desc_set(&d[0], pa(blk_indirect), n * sizeof(struct virtq_desc),
			 VIRTQ_DESC_F_INDIRECT, 0);
		break;
	}
	case H_PAST_CAP:
		buf->hdr.sector = b->capacity - 2;
		desc_set(&d[1], data, BLK_BUF, W | N, 2);
		break;
	case H_IDX_JUMP:
		/* Every ring slot names head 0; claim qs + 3 new entries at once. */
		for (uint16_t i = 0; i < qs; i++)
			vq->avail->ring[i] = 0;
		barrier();
		vq->avail_idx = (uint16_t)(vq->avail_idx + qs + 3);
		vq->avail->idx = vq->avail_idx;
		mb();
		mmio_write16(vq->notify, vq->index);
		return true;
	case H_COUNT:
		return false;
	}
	virtq_submit(vq, 0);
	return true;
}

/* What the device did with it: "ok", "err<status>", "nostat", "reset" or "ign". */
static void hostile_outcome(struct blk_dev *b, char *out, size_t size, bool *ret_ok)
{
	struct virtq *vq = &b->vp.vq[0];
	uint64_t end = rdtsc() + HOSTILE_WAIT_MS * 4000000ull;

	*ret_ok = false;
	for (;;) {
		if (vq->used->idx != vq->last_used) {
			uint8_t st = blk_bufs[0].status;

			if (st == VIRTIO_BLK_S_OK)
				*ret_ok = true;
			if (st == STATUS_UNTOUCHED)
				snprintf(out, size, "nostat");
			else
				snprintf(out, size, "%s%u", st ? "err" : "ok", st);
			return;
		}
		if (virtio_pci_status(&b->vp) & VIRTIO_STATUS_NEEDS_RESET) {
			snprintf(out, size, "reset");
			return;
		}
		if ((int64_t)(rdtsc() - end) > 0) {
			snprintf(out, size, "ign");
			return;
		}
		cpu_relax();
	}
}

bool blk_hostile_selftest(const struct pci_info *pi, struct virtio_vectors *vv,
			  const struct blk_opts *o, char *detail, size_t size)
{
	struct blk_dev b = { .detail = detail, .size = size };
	char summary[320];
	size_t n = 0;
	unsigned int good = 0, ran = 0;

	summary[0] = '\0';
	if (!blk_open(pi, vv, o, 1, HOSTILE_QSIZE, &b))
		return false;
	for (unsigned int hc = 0; hc < H_COUNT; hc++) {
		char out[16];
		bool served_ok;
		uint8_t st;

		if (hc && !virtio_pci_init(&b.vp, vv, b.vp.features, 1, HOSTILE_QSIZE, detail, size)) {
			/* detail says why; prefix the case that broke it */
			printf("cnh-test-guest: blk-hostile: re-init before %s failed\n",
			       hostile_cases[hc].name);
			return false;
		}
		if (!hostile_submit(&b, (enum hostile_case)hc, o->ram_end)) {
			snprintf(out, sizeof(out), "n/a");
		} else {
			ran++;
			hostile_outcome(&b, out, sizeof(out), &served_ok);
			if (served_ok && !hostile_cases[hc].ok_allowed && !o->lenient) {
				snprintf(detail, size, "%s: device completed it with status OK",
					 hostile_cases[hc].name);
				virtio_pci_reset(&b.vp);
				return false;
			}
		}
		/* Survival: a reset must finish, and a clean request must then work. */
		if (!virtio_pci_reset(&b.vp)) {
			snprintf(detail, size, "after %s (%s): device_status stays 0x%x after reset",
				 hostile_cases[hc].name, out, virtio_pci_status(&b.vp));
			return false;
		}
		if (!virtio_pci_init(&b.vp, vv, b.vp.features, 1, HOSTILE_QSIZE, detail, size))
			return false;
		if (!blk_rw(&b, 0, VIRTIO_BLK_T_IN, 0, BLK_BUF, &st))
			return false;
		if (st != VIRTIO_BLK_S_OK) {
			snprintf(detail, size, "after %s (%s): good read got status %u",
				 hostile_cases[hc].name, out, st);
			virtio_pci_reset(&b.vp);
			return false;
		}
		good++;
		printf("cnh-test-guest: blk-hostile: %s -> %s, then a good read worked\n",
		       hostile_cases[hc].name, out);
		if (n < sizeof(summary))
			n += (size_t)snprintf(summary + n, sizeof(summary) - n, "%s%s=%s",
					      hc ? " " : "", hostile_cases[hc].name, out);
		/* The good request left the device running: reset before the next case. */
		if (!virtio_pci_reset(&b.vp)) {
			snprintf(detail, size, "after %s: reset failed", hostile_cases[hc].name);
			return false;
		}
	}
	snprintf(detail, size, "%u cases, %u good requests after reset: %s", ran, good, summary);
	return true;
}
