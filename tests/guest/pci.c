// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: PCI configuration access, BAR sizing, capability walks. */
#include "pci.h"
#include "paging.h"

#define PCI_CF8_ADDR 0xcf8
#define PCI_CF8_DATA 0xcfc
#define PCI_CF8_ENABLE 0x80000000u

#define MCFG_OFF_ENTRIES 44
#define MCFG_ENTRY_LEN 16

#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM_TYPE_64 0x4
#define PCI_BAR_MEM_PREFETCH 0x8
#define PCI_BAR_IO_MASK 0xfffffffcu
#define PCI_BAR_MEM_MASK 0xfffffff0u

#define PCI_CAP_MIN 0x40
#define PCI_CAP_MAX_WALK 48 /* (256 - 64) / 4 */
#define PCI_EXT_CAP_START 0x100
#define PCI_EXT_CAP_MAX_WALK 960 /* (4096 - 256) / 4 */
#define PCI_CFG_SPACE 256
#define PCI_CFG_SPACE_EXP 4096

#define MSIX_OFF_CTRL 2
#define MSIX_OFF_TABLE 4
#define MSIX_OFF_PBA 8
#define MSIX_CTRL_SIZE_MASK 0x7ff
#define MSIX_BIR_MASK 0x7u
#define MSIX_ENTRY_LEN 16

/* virtio_pci_cap: cfg_type at +3, bar +4, offset +8, length +12. */
#define VIRTIO_CAP_OFF_TYPE 3
#define VIRTIO_CAP_OFF_BAR 4
#define VIRTIO_CAP_OFF_OFFSET 8
#define VIRTIO_CAP_OFF_LENGTH 12
#define VIRTIO_CAP_MIN_LEN 16
#define VIRTIO_CAP_PCI_CFG 5

#define PCI_MAX_CHECKED_BARS 64

void pci_init(const struct acpi_info *ai, struct pci_info *pi)
{
	const uint8_t *mcfg;
	uint32_t len;

	memset(pi, 0, sizeof(*pi));
	if (!ai || !ai->mcfg)
		return;
	mcfg = phys(ai->mcfg);
	len = get_le32(mcfg + 4);
	if (len > 4096)
		len = 4096;
	for (uint32_t off = MCFG_OFF_ENTRIES; off + MCFG_ENTRY_LEN <= len; off += MCFG_ENTRY_LEN) {
		const uint8_t *e = mcfg + off;
		uint64_t base = get_le64(e);

		/* Segment 0 covering bus 0; the base is that of bus 0. */
		if (get_le16(e + 8) != 0 || e[10] != 0 || e[11] < e[10] || !base ||
		    (base & 0xfffff))
			continue;
		if (!paging_map_uncached(base, MiB(1)))
			continue;
		pi->ecam = base;
		pi->bus_start = e[10];
		pi->bus_end = e[11];
		return;
	}
}

static uint64_t pci_ecam_addr(const struct pci_fn *f, uint16_t off)
{
	return f->pi->ecam + ((uint64_t)f->bus << 20) + ((uint64_t)f->dev << 15) +
	       ((uint64_t)f->fn << 12) + off;
}

static void pci_cf8_select(const struct pci_fn *f, uint16_t off)
{
	outl(PCI_CF8_ADDR, PCI_CF8_ENABLE | ((uint32_t)f->bus << 16) | ((uint32_t)f->dev << 11) |
				   ((uint32_t)f->fn << 8) | (off & 0xfc));
}

/* Outside what the mechanism reaches: reads give all ones, writes are dropped. */
static bool pci_off_ok(const struct pci_fn *f, uint16_t off, unsigned int width)
{
	uint16_t limit = f->pi->ecam ? PCI_CFG_SPACE_EXP : PCI_CFG_SPACE;

	return off % width == 0 && off + width <= limit && f->dev < 32 && f->fn < 8 &&
	       (!f->pi->ecam || f->bus == 0);
}

uint32_t pci_read32(const struct pci_fn *f, uint16_t off)
{
	if (!pci_off_ok(f, off, 4))
		return 0xffffffff;
	if (f->pi->ecam)
		return mmio_read32(pci_ecam_addr(f, off));
	pci_cf8_select(f, off);
	return inl(PCI_CF8_DATA);
}

uint16_t pci_read16(const struct pci_fn *f, uint16_t off)
{
	if (!pci_off_ok(f, off, 2))
		return 0xffff;
	if (f->pi->ecam)
		return mmio_read16(pci_ecam_addr(f, off));
	pci_cf8_select(f, off);
	return inw((uint16_t)(PCI_CF8_DATA + (off & 2)));
}

uint8_t pci_read8(const struct pci_fn *f, uint16_t off)
{
	if (!pci_off_ok(f, off, 1))
		return 0xff;
	if (f->pi->ecam)
		return mmio_read8(pci_ecam_addr(f, off));
	pci_cf8_select(f, off);
	return inb((uint16_t)(PCI_CF8_DATA + (off & 3)));
}

void pci_write32(const struct pci_fn *f, uint16_t off, uint32_t v)
{
	if (!pci_off_ok(f, off, 4))
		return;
	if (f->pi->ecam) {
		mmio_write32(pci_ecam_addr(f, off), v);
		return;
	}
	pci_cf8_select(f, off);
	outl(PCI_CF8_DATA, v);
}

void pci_write16(const struct pci_fn *f, uint16_t off, uint16_t v)
{
	if (!pci_off_ok(f, off, 2))
		return;
	if (f->pi->ecam) {
		mmio_write16(pci_ecam_addr(f, off), v);
		return;
	}
	pci_cf8_select(f, off);
	outw((uint16_t)(PCI_CF8_DATA + (off & 2)), v);
}

static uint64_t lowest_bit(uint64_t v)
{
	return v & (~v + 1);
}

unsigned int pci_bar_probe(const struct pci_fn *f, unsigned int i, struct pci_bar *ret)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	uint16_t cmd = pci_read16(f, PCI_COMMAND);
	uint32_t lo, hi = 0, rb_lo, rb_hi = 0;
	unsigned int slots = 1;

	memset(ret, 0, sizeof(*ret));
	lo = pci_read32(f, off);
	ret->io = lo & PCI_BAR_IO;
	ret->is64 = !ret->io && (lo & 0x6) == PCI_BAR_MEM_TYPE_64 && i + 1 < PCI_NUM_BARS;
	ret->prefetch = !ret->io && (lo & PCI_BAR_MEM_PREFETCH);
	if (ret->is64) {
		slots = 2;
		hi = pci_read32(f, off + 4);
	}

	pci_write16(f, PCI_COMMAND, cmd & (uint16_t)~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	pci_write32(f, off, 0xffffffff);
	rb_lo = pci_read32(f, off);
	pci_write32(f, off, lo);
	if (ret->is64) {
		pci_write32(f, off + 4, 0xffffffff);
		rb_hi = pci_read32(f, off + 4);
		pci_write32(f, off + 4, hi);
	}
	pci_write16(f, PCI_COMMAND, cmd);

	if (ret->io) {
		/* Upper 16 bits may be hardwired to zero on x86. */
		ret->size = lowest_bit(rb_lo & PCI_BAR_IO_MASK);
		ret->addr = lo & PCI_BAR_IO_MASK;
	} else {
		ret->size = lowest_bit(((uint64_t)rb_hi << 32) | (rb_lo & PCI_BAR_MEM_MASK));
		ret->addr = ((uint64_t)hi << 32) | (lo & PCI_BAR_MEM_MASK);
	}
	return slots;
}

bool pci_bar_move64(const struct pci_fn *f, unsigned int i, uint64_t addr)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	uint16_t cmd = pci_read16(f, PCI_COMMAND);
	struct pci_bar b;

	if (pci_bar_probe(f, i, &b) != 2 || !b.size || (addr & (b.size - 1)))
		return false;
	pci_write16(f, PCI_COMMAND, cmd & (uint16_t)~PCI_COMMAND_MEMORY);
	pci_write32(f, off, (uint32_t)addr | (pci_read32(f, off) & ~PCI_BAR_MEM_MASK));
	pci_write32(f, off + 4, (uint32_t)(addr >> 32));
	pci_write16(f, PCI_COMMAND, cmd);
	return true;
}

uint8_t pci_find_cap(const struct pci_fn *f, uint8_t id, uint8_t after)
{
	uint8_t ptr;

	if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = after ? pci_read8(f, (uint16_t)(after + 1)) : pci_read8(f, PCI_CAP_PTR);
	for (unsigned int n = 0; n < PCI_CAP_MAX_WALK; n++) {
		ptr &= 0xfc;
		if (ptr < PCI_CAP_MIN)
			return 0;
		if (pci_read8(f, ptr) == id)
			return ptr;
		ptr = pci_read8(f, (uint16_t)(ptr + 1));
	}
	return 0;
}

struct pci_check {
	char *detail;
	size_t size;
	bool failed;
	struct pci_bar bars[PCI_MAX_CHECKED_BARS]; /* memory and I/O BARs seen so far */
	unsigned int nbars;
};

static void pci_fail(struct pci_check *c, const struct pci_fn *f, const char *what,
		     uint64_t v)
{
	if (c->failed)
		return;
	c->failed = true;
	snprintf(c->detail, c->size, "%02x:%02x.%x: %s (0x%lx)", f->bus, f->dev, f->fn, what, v);
}

/* Does [off, off + len) lie inside an implemented memory BAR of this function? */
static bool pci_in_bar(const struct pci_bar *bars, uint8_t bir, uint64_t off, uint64_t len)
{
	const struct pci_bar *b;

	if (bir >= PCI_NUM_BARS)
		return false;
	b = &bars[bir];
	return b->size && !b->io && off <= b->size && len <= b->size - off;
}

/* Standard capability list: bounded, no revisits, pointers in range. */
static void pci_check_caps(struct pci_check *c, const struct pci_fn *f,
			   const struct pci_bar *bars, char *line, size_t lsize)
{
	uint64_t seen[4] = { 0 }; /* one bit per dword of config space */
	size_t pos = strlen(line);
	uint8_t ptr;
	unsigned int n;

	if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	ptr = pci_read8(f, PCI_CAP_PTR);
	for (n = 0; n <= PCI_CAP_MAX_WALK; n++) {
		uint8_t id, raw = ptr;

		if (!raw)
			break;
		ptr &= 0xfc;
		if (ptr < PCI_CAP_MIN) {
			pci_fail(c, f, "capability pointer below 0x40", raw);
			return;
		}
		if (seen[ptr >> 6] & (1ull << ((ptr >> 2) & 63))) {
			pci_fail(c, f, "capability list loops back to", ptr);
			return;
		}
		seen[ptr >> 6] |= 1ull << ((ptr >> 2) & 63);
		id = pci_read8(f, ptr);
		if (pos + 4 < lsize)
			pos += (size_t)snprintf(line + pos, lsize - pos, "%s%02x", n ? "," : " caps ", id);
		if (id == PCI_CAP_ID_MSIX) {
			uint16_t ctrl = pci_read16(f, (uint16_t)(ptr + MSIX_OFF_CTRL));
			uint32_t table = pci_read32(f, (uint16_t)(ptr + MSIX_OFF_TABLE));
			uint32_t pba = pci_read32(f, (uint16_t)(ptr + MSIX_OFF_PBA));
			uint32_t entries = (ctrl & MSIX_CTRL_SIZE_MASK) + 1u;

			if (!pci_in_bar(bars, table & MSIX_BIR_MASK, table & ~MSIX_BIR_MASK,
					(uint64_t)entries * MSIX_ENTRY_LEN))
				pci_fail(c, f, "MSI-X table outside its BAR", table);
			if (!pci_in_bar(bars, pba & MSIX_BIR_MASK, pba & ~MSIX_BIR_MASK,
					(entries + 63) / 64 * 8))
				pci_fail(c, f, "MSI-X PBA outside its BAR", pba);
		}
		if (id == PCI_CAP_ID_VNDR && pci_read16(f, PCI_VENDOR_ID) == PCI_VENDOR_VIRTIO) {
			uint8_t clen = pci_read8(f, (uint16_t)(ptr + 2));
			uint8_t type = pci_read8(f, (uint16_t)(ptr + VIRTIO_CAP_OFF_TYPE));
			uint8_t bar = pci_read8(f, (uint16_t)(ptr + VIRTIO_CAP_OFF_BAR));
			uint32_t off = pci_read32(f, (uint16_t)(ptr + VIRTIO_CAP_OFF_OFFSET));
			uint32_t len = pci_read32(f, (uint16_t)(ptr + VIRTIO_CAP_OFF_LENGTH));

			if (clen < VIRTIO_CAP_MIN_LEN || ptr + clen > PCI_CFG_SPACE)
				pci_fail(c, f, "virtio capability with bad cap_len", clen);
			else if (type != VIRTIO_CAP_PCI_CFG && bar < PCI_NUM_BARS &&
				 !pci_in_bar(bars, bar, off, len))
				pci_fail(c, f, "virtio capability region outside its BAR", type);
		}
		ptr = pci_read8(f, (uint16_t)(ptr + 1));
	}
	if (n > PCI_CAP_MAX_WALK)
		pci_fail(c, f, "capability list does not end", n);
}

/* PCIe extended capabilities (ECAM only): bounded, forward-only, no revisits. */
static void pci_check_ext_caps(struct pci_check *c, const struct pci_fn *f, char *line,
			       size_t lsize)
{
	size_t pos = strlen(line);
	uint16_t off = PCI_EXT_CAP_START, prev = 0;
	unsigned int n;

	if (!f->pi->ecam)
		return;
	for (n = 0; n <= PCI_EXT_CAP_MAX_WALK; n++) {
		uint32_t h = pci_read32(f, off);

		if (h == 0 || h == 0xffffffff)
			break;
		if (pos + 6 < lsize)
			pos += (size_t)snprintf(line + pos, lsize - pos, "%s%04x", n ? "," : " ext ",
						h & 0xffff);
		prev = off;
		off = (uint16_t)(h >> 20);
		if (!off)
			break;
		if (off < PCI_EXT_CAP_START || (off & 3) || off <= prev) {
			/* Forward-only is not required by PCIe, but a loop is a bug. */
			if (off <= prev && off >= PCI_EXT_CAP_START && !(off & 3))
				pci_fail(c, f, "extended capability list goes backwards to", off);
			else
				pci_fail(c, f, "bad extended capability pointer", off);
			return;
		}
	}
	if (n > PCI_EXT_CAP_MAX_WALK)
		pci_fail(c, f, "extended capability list does not end", n);
}

static bool pci_ranges_overlap(const struct pci_bar *a, const struct pci_bar *b)
{
	return a->io == b->io && a->addr < b->addr + b->size && b->addr < a->addr + a->size;
}

static void pci_check_bars(struct pci_check *c, const struct pci_fn *f, unsigned int nbars,
			   struct pci_bar *bars, char *line, size_t lsize)
{
	size_t pos = strlen(line);

	for (unsigned int i = 0; i < nbars;) {
		struct pci_bar *b = &bars[i];
		unsigned int slots = pci_bar_probe(f, i, b);

		if (i + slots > nbars) {
			pci_fail(c, f, "64-bit BAR in the last slot", i);
			return;
		}
		if (b->size) {
			if (pos + 48 < lsize)
				pos += (size_t)snprintf(line + pos, lsize - pos,
							" bar%u %s%s 0x%lx+0x%lx", i,
							b->io ? "io" : b->is64 ? "mem64" : "mem32",
							b->prefetch ? "pf" : "", b->addr, b->size);
			if (!b->addr)
				pci_fail(c, f, "implemented BAR left unassigned", i);
			if (b->addr & (b->size - 1))
				pci_fail(c, f, "BAR not naturally aligned", b->addr);
			if (b->addr + b->size < b->addr)
				pci_fail(c, f, "BAR wraps around", b->addr);
			if (!b->io && f->pi->ecam && b->addr < f->pi->ecam + ((uint64_t)f->pi->bus_end + 1) * MiB(1) &&
			    f->pi->ecam < b->addr + b->size)
				pci_fail(c, f, "BAR overlaps ECAM", b->addr);
			for (unsigned int j = 0; j < c->nbars; j++) {
				if (pci_ranges_overlap(b, &c->bars[j]))
					pci_fail(c, f, "BAR overlaps another BAR", b->addr);
			}
			if (b->addr && c->nbars < PCI_MAX_CHECKED_BARS)
				c->bars[c->nbars++] = *b;
		}
		i += slots;
	}
}

bool pci_selftest(const struct pci_info *pi, int64_t expect_virtio, char *detail, size_t size)
{
	struct pci_check c = { .detail = detail, .size = size };
	unsigned int nfn = 0, nvirtio = 0;
	uint32_t host_bridge = 0;

	printf("cnh-test-guest: pci: config access via %s", pi->ecam ? "ECAM" : "0xcf8");
	if (pi->ecam)
		printf(" at 0x%lx buses %u-%u", pi->ecam, pi->bus_start, pi->bus_end);
	printf("\n");
	for (uint8_t dev = 0; dev < 32; dev++) {
		for (uint8_t fn = 0; fn < 8; fn++) {
			struct pci_fn f = { .pi = pi, .bus = 0, .dev = dev, .fn = fn };
			struct pci_bar bars[PCI_NUM_BARS] = { 0 };
			uint16_t vendor = pci_read16(&f, PCI_VENDOR_ID);
			uint16_t device = pci_read16(&f, PCI_DEVICE_ID);
			uint32_t class = pci_read32(&f, PCI_CLASS_REVISION) >> 8;
			uint8_t hdr = pci_read8(&f, PCI_HEADER_TYPE);
			unsigned int nbars;
			char line[320];

			if (vendor == 0xffff || vendor == 0) {
				if (fn == 0)
					break;
				continue;
			}
			nfn++;
			if (vendor == PCI_VENDOR_VIRTIO && device >= 0x1000 && device <= 0x107f)
				nvirtio++;
			if (dev == 0 && fn == 0)
				host_bridge = class;
			switch (hdr & PCI_HEADER_TYPE_MASK) {
			case 0: nbars = 6; break;
			case 1: nbars = 2; break;
			default: nbars = 0; break;
			}
			snprintf(line, sizeof(line), "00:%02x.%x %04x:%04x class %06x hdr %02x", dev,
				 fn, vendor, device, class, hdr);
			pci_check_bars(&c, &f, nbars, bars, line, sizeof(line));
			pci_check_caps(&c, &f, bars, line, sizeof(line));
			pci_check_ext_caps(&c, &f, line, sizeof(line));
			printf("cnh-test-guest: pci: %s\n", line);
			if (fn == 0 && !(hdr & PCI_HEADER_MULTIFUNCTION))
				break;
		}
	}
	if (c.failed)
		return false;
	if (!nfn) {
		snprintf(detail, size, "no functions on bus 0");
		return false;
	}
	if ((host_bridge >> 8) != PCI_CLASS_BRIDGE_HOST) {
		snprintf(detail, size, "00:00.0 is not a host bridge (class %06x)", host_bridge);
		return false;
	}
	if (expect_virtio >= 0 && (uint64_t)expect_virtio != nvirtio) {
		snprintf(detail, size, "%u virtio functions, expected %ld", nvirtio, expect_virtio);
		return false;
	}
	snprintf(detail, size, "%u functions via %s, %u virtio, %u BARs, host bridge at 00:00.0",
		 nfn, pi->ecam ? "ECAM" : "0xcf8", nvirtio, c.nbars);
	return true;
}
