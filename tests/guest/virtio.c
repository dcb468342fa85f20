// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: polled virtio-pci modern transport and split virtqueues. */
#include "virtio.h"
#include "paging.h"

/* struct virtio_pci_cap (virtio 1.2, 4.1.4). */
#define VIRTIO_CAP_OFF_LEN 2
#define VIRTIO_CAP_OFF_TYPE 3
#define VIRTIO_CAP_OFF_BAR 4
#define VIRTIO_CAP_OFF_OFFSET 8
#define VIRTIO_CAP_OFF_LENGTH 12
#define VIRTIO_CAP_OFF_NOTIFY_MULT 16
#define VIRTIO_CAP_LEN 16
#define VIRTIO_NOTIFY_CAP_LEN 20
#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR 3
#define VIRTIO_CAP_DEVICE 4

#define MSIX_OFF_CTRL 2
#define MSIX_OFF_TABLE 4
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_CTRL_SIZE_MASK 0x7ff
#define MSIX_ENTRY_LEN 16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_CTRL 12
#define MSI_ADDR_BASE 0xfee00000u

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define LAPIC_ID 0x020
#define LAPIC_SVR 0x0f0
#define LAPIC_IRR 0x200
#define SVR_ENABLE 0x100
#define SVR_SPURIOUS 0xff

#define VECTOR_BULK 0x30 /* config and queues until virtq_vector_refresh() */
#define VECTOR_FIRST 0x40
#define VECTOR_LAST 0xef

#define TSC_PER_MS 4000000ull /* assume at most 4 GHz: waits are at least this long */
#define RESET_TIMEOUT_MS 2000

/* Ring pages: descriptors at 0, avail at 1 KiB, used at 2 KiB of each page. */
#define RING_DESC_OFF 0
#define RING_AVAIL_OFF 1024
#define RING_USED_OFF 2048
static uint8_t virtio_rings[VIRTIO_MAX_VQ][4096] __attribute__((aligned(4096)));

_Static_assert(sizeof(struct virtq_desc) * VIRTQ_MAX_SIZE <= RING_AVAIL_OFF, "desc");
_Static_assert(sizeof(struct virtq_avail) <= RING_USED_OFF - RING_AVAIL_OFF, "avail");
_Static_assert(sizeof(struct virtq_used) <= 4096 - RING_USED_OFF, "used");

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void virtio_vectors_init(struct virtio_vectors *vv)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	vv->lapic = base & APIC_BASE_ADDR_MASK;
	if (!vv->lapic || (base & APIC_BASE_X2APIC))
		vv->lapic = 0xfee00000;
	/* A software-disabled LAPIC drops fixed interrupts instead of latching them. */
	mmio_write32(vv->lapic + LAPIC_SVR,
		     mmio_read32(vv->lapic + LAPIC_SVR) | SVR_ENABLE | SVR_SPURIOUS);
	vv->apic_id = mmio_read32(vv->lapic + LAPIC_ID) >> 24;
	vv->next = VECTOR_FIRST;
}

static bool lapic_irr(uint64_t lapic, uint8_t vector)
{
	return mmio_read32(lapic + LAPIC_IRR + 0x10 * (vector / 32)) & (1u << (vector % 32));
}

bool virtio_pci_find(const struct pci_info *pi, uint16_t device_id, unsigned int nth,
		     struct pci_fn *ret)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		for (uint8_t fn = 0; fn < 8; fn++) {
			struct pci_fn f = { .pi = pi, .bus = 0, .dev = dev, .fn = fn };
			uint16_t vendor = pci_read16(&f, PCI_VENDOR_ID);

			if (vendor == 0xffff || vendor == 0) {
				if (fn == 0)
					break;
				continue;
			}
			if (vendor == PCI_VENDOR_VIRTIO &&
			    pci_read16(&f, PCI_DEVICE_ID) == device_id && nth-- == 0) {
				*ret = f;
				return true;
			}
			if (fn == 0 && !(pci_read8(&f, PCI_HEADER_TYPE) & 0x80))
				break;
		}
	}
	return false;
}

/* Address of [off, off + len) in BAR bir, mapped; 0 if it does not fit. */
static uint64_t virtio_region(struct virtio_pci *vp, uint8_t bir, uint64_t off, uint64_t len)
{
	const struct pci_bar *b;

	if (bir >= PCI_NUM_BARS)
		return 0;
	b = &vp->bars[bir];
	if (!b->size || b->io || !b->addr || off > b->size || len > b->size - off)
		return 0;
	if (!paging_map_uncached(b->addr, b->size))
		return 0;
	return b->addr + off;
}

bool virtio_pci_probe(struct virtio_pci *vp, const struct pci_fn *fn, char *err, size_t size)
{
	uint8_t cap = 0;
	uint32_t table;

	memset(vp, 0, sizeof(*vp));
	vp->fn = *fn;
	for (unsigned int i = 0; i < PCI_NUM_BARS;)
		i += pci_bar_probe(fn, i, &vp->bars[i]);

	for (unsigned int n = 0; n < 32 && (cap = pci_find_cap(fn, PCI_CAP_ID_VNDR, cap)); n++) {
		uint8_t clen = pci_read8(fn, (uint16_t)(cap + VIRTIO_CAP_OFF_LEN));
		uint8_t type = pci_read8(fn, (uint16_t)(cap + VIRTIO_CAP_OFF_TYPE));
		uint8_t bar = pci_read8(fn, (uint16_t)(cap + VIRTIO_CAP_OFF_BAR));
		uint32_t off = pci_read32(fn, (uint16_t)(cap + VIRTIO_CAP_OFF_OFFSET));
		uint32_t len = pci_read32(fn, (uint16_t)(cap + VIRTIO_CAP_OFF_LENGTH));
		uint64_t addr;

		if (clen < VIRTIO_CAP_LEN)
			continue;
		/* The first capability of each type that the driver can use wins. */
		switch (type) {
		case VIRTIO_CAP_COMMON:
			if (!vp->common && len >= VCC_LEN) {
				vp->common = virtio_region(vp, bar, off, len);
				vp->common_len = vp->common ? len : 0;
			}
			break;
		case VIRTIO_CAP_NOTIFY:
			if (vp->notify_base || clen < VIRTIO_NOTIFY_CAP_LEN || len < 2)
				break;
			addr = virtio_region(vp, bar, off, len);
			if (addr) {
				vp->notify_base = addr;
				vp->notify_len = len;
				vp->notify_mult =
					pci_read32(fn, (uint16_t)(cap + VIRTIO_CAP_OFF_NOTIFY_MULT));
			}
			break;
		case VIRTIO_CAP_ISR:
			if (!vp->isr && len >= 1)
				vp->isr = virtio_region(vp, bar, off, len);
			break;
		case VIRTIO_CAP_DEVICE:
			if (!vp->device && len) {
				vp->device = virtio_region(vp, bar, off, len);
				vp->device_len = vp->device ? len : 0;
			}
			break;
		default:
			break;
		}
	}
	if (!vp->common || !vp->notify_base || !vp->isr) {
		snprintf(err, size, "virtio capabilities incomplete: common %s notify %s isr %s",
			 vp->common ? "ok" : "missing", vp->notify_base ? "ok" : "missing",
			 vp->isr ? "ok" : "missing");
		return false;
	}

	vp->msix_cap = pci_find_cap(fn, PCI_CAP_ID_MSIX, 0);
	if (!vp->msix_cap) {
		snprintf(err, size, "no MSI-X capability");
		return false;
	}
	vp->msix_entries =
		(uint16_t)((pci_read16(fn, (uint16_t)(vp->msix_cap + MSIX_OFF_CTRL)) &
			    MSIX_CTRL_SIZE_MASK) + 1);
	table = pci_read32(fn, (uint16_t)(vp->msix_cap + MSIX_OFF_TABLE));
	vp->msix_table = virtio_region(vp, table & 7, table & ~7u,
				       (uint64_t)vp->msix_entries * MSIX_ENTRY_LEN);
	if (!vp->msix_table) {
		snprintf(err, size, "MSI-X table (0x%x, %u entries) outside its BAR", table,
			 vp->msix_entries);
		return false;
	}
	return true;
}

uint8_t virtio_pci_status(const struct virtio_pci *vp)
{
	return mmio_read8(vp->common + VCC_DEVICE_STATUS);
}

static void virtio_status_set(const struct virtio_pci *vp, uint8_t bits)
{
	mmio_write8(vp->common + VCC_DEVICE_STATUS, (uint8_t)(virtio_pci_status(vp) | bits));
}

bool virtio_pci_reset(struct virtio_pci *vp)
{
	uint64_t end;

	mmio_write8(vp->common + VCC_DEVICE_STATUS, 0);
	end = rdtsc() + RESET_TIMEOUT_MS * TSC_PER_MS;
	while (virtio_pci_status(vp) != 0) {
		if ((int64_t)(rdtsc() - end) > 0)
			return false;
		cpu_relax();
	}
	vp->nvq = 0;
	return true;
}

bool virtio_has(const struct virtio_pci *vp, unsigned int bit)
{
	return bit < 64 && (vp->features & (1ull << bit));
}

static void msix_entry_set(const struct virtio_pci *vp, uint16_t entry, uint8_t cpu_vector)
{
	uint64_t e = vp->msix_table + (uint64_t)entry * MSIX_ENTRY_LEN;

	mmio_write32(e + MSIX_ENTRY_CTRL, 1); /* masked while rewritten */
	mmio_write32(e + MSIX_ENTRY_ADDR_LO, MSI_ADDR_BASE | (vp->apic_id << 12));
	mmio_write32(e + MSIX_ENTRY_ADDR_HI, 0);
	mmio_write32(e + MSIX_ENTRY_DATA, cpu_vector); /* fixed, edge */
	mmio_write32(e + MSIX_ENTRY_CTRL, 0);          /* unmasked */
}

static bool vector_alloc(struct virtio_vectors *vv, uint8_t *ret)
{
	if (vv->next > VECTOR_LAST)
		return false;
	*ret = (uint8_t)vv->next++;
	return true;
}

static void write64_split(uint64_t addr, uint64_t v)
{
	mmio_write32(addr, (uint32_t)v);
	mmio_write32(addr + 4, (uint32_t)(v >> 32));
}

static bool virtq_setup(struct virtio_pci *vp, uint16_t q,
			uint16_t qsize, char *err, size_t size)
{
	struct virtq *vq = &vp->vq[q];
	uint8_t *ring = virtio_rings[q];
	uint16_t max, sz, notify_off;
	uint64_t notify_at;

	mmio_write16(vp->common + VCC_QUEUE_SELECT, q);
	max = mmio_read16(vp->common + VCC_QUEUE_SIZE);
	if (!max) {
		snprintf(err, size, "queue %u: queue_size 0 (not available)", q);
		return false;
	}
	sz = max < qsize ? max : qsize;
	if (sz > VIRTQ_MAX_SIZE)
		sz = VIRTQ_MAX_SIZE;
	while (sz & (sz - 1))
		sz &= (uint16_t)(sz - 1); /* split rings: a power of two */

	memset(ring, 0, 4096);
	memset(vq, 0, sizeof(*vq));
	vq->index = q;
	vq->size = sz;
	vq->desc = (volatile struct virtq_desc *)(ring + RING_DESC_OFF);
	vq->avail = (volatile struct virtq_avail *)(ring + RING_AVAIL_OFF);
	vq->used = (volatile struct virtq_used *)(ring + RING_USED_OFF);

	vq->vector = (uint16_t)(q + 1); /* table entry 0 is the config vector */
	vq->cpu_vector = VECTOR_BULK;
	msix_entry_set(vp, vq->vector, vq->cpu_vector);

	mmio_write16(vp->common + VCC_QUEUE_SIZE, sz);
	mmio_write16(vp->common + VCC_QUEUE_MSIX_VECTOR, vq->vector);
	if (mmio_read16(vp->common + VCC_QUEUE_MSIX_VECTOR) != vq->vector) {
		snprintf(err, size, "queue %u: queue_msix_vector %u not accepted (reads %u)", q,
			 vq->vector, mmio_read16(vp->common + VCC_QUEUE_MSIX_VECTOR));
		return false;
	}
	write64_split(vp->common + VCC_QUEUE_DESC, (uint64_t)(uintptr_t)vq->desc);
	write64_split(vp->common + VCC_QUEUE_DRIVER, (uint64_t)(uintptr_t)vq->avail);
	write64_split(vp->common + VCC_QUEUE_DEVICE, (uint64_t)(uintptr_t)vq->used);

	notify_off = mmio_read16(vp->common + VCC_QUEUE_NOTIFY_OFF);
	notify_at = (uint64_t)notify_off * vp->notify_mult;
	if (notify_at + 2 > vp->notify_len) {
		snprintf(err, size, "queue %u: notify offset %u * %u outside the notify region (%u)",
			 q, notify_off, vp->notify_mult, vp->notify_len);
		return false;
	}
	vq->notify = vp->notify_base + notify_at;
	mmio_write16(vp->common + VCC_QUEUE_ENABLE, 1);
	return true;
}

bool virtio_pci_init(struct virtio_pci *vp, struct virtio_vectors *vv, uint64_t want,
		     unsigned int nvq, uint16_t qsize, char *err, size_t size)
{
	const struct pci_fn *fn = &vp->fn;
	uint16_t ctrl;

	vp->apic_id = vv->apic_id;
	vp->lapic = vv->lapic;
	if (nvq > VIRTIO_MAX_VQ || nvq + 1u > vp->msix_entries) {
		snprintf(err, size, "%u queues need %u MSI-X entries, device has %u (driver max %u)",
			 nvq, nvq + 1, vp->msix_entries, VIRTIO_MAX_VQ);
		return false;
	}
	/* Bus mastering and MSI-X on, INTx off: the device may DMA and signal. */
	pci_write16(fn, PCI_COMMAND, (uint16_t)(pci_read16(fn, PCI_COMMAND) | PCI_COMMAND_MEMORY |
						 PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE));
	ctrl = pci_read16(fn, (uint16_t)(vp->msix_cap + MSIX_OFF_CTRL));
	pci_write16(fn, (uint16_t)(vp->msix_cap + MSIX_OFF_CTRL),
		    (uint16_t)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL));

	if (!virtio_pci_reset(vp)) {
		snprintf(err, size, "device_status stays 0x%x after reset", virtio_pci_status(vp));
		return false;
	}
	virtio_status_set(vp, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_status_set(vp, VIRTIO_STATUS_DRIVER);

	mmio_write32(vp->common + VCC_DEVICE_FEATURE_SELECT, 0);
	vp->offered = mmio_read32(vp->common + VCC_DEVICE_FEATURE);
	mmio_write32(vp->common + VCC_DEVICE_FEATURE_SELECT, 1);
	vp->offered |= (uint64_t)mmio_read32(vp->common + VCC_DEVICE_FEATURE) << 32;
	if (!(vp->offered & (1ull << VIRTIO_F_VERSION_1))) {
		virtio_status_set(vp, VIRTIO_STATUS_FAILED);
		snprintf(err, size, "device features 0x%lx lack VERSION_1", vp->offered);
		return false;
	}
	vp->features = (want & vp->offered) | (1ull << VIRTIO_F_VERSION_1);
	mmio_write32(vp->common + VCC_DRIVER_FEATURE_SELECT, 0);
	mmio_write32(vp->common + VCC_DRIVER_FEATURE, (uint32_t)vp->features);
	mmio_write32(vp->common + VCC_DRIVER_FEATURE_SELECT, 1);
	mmio_write32(vp->common + VCC_DRIVER_FEATURE, (uint32_t)(vp->features >> 32));
	virtio_status_set(vp, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_pci_status(vp) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_status_set(vp, VIRTIO_STATUS_FAILED);
		snprintf(err, size, "device refused features 0x%lx (offered 0x%lx)", vp->features,
			 vp->offered);
		return false;
	}

	msix_entry_set(vp, 0, VECTOR_BULK);
	mmio_write16(vp->common + VCC_MSIX_CONFIG, 0);
	if (mmio_read16(vp->common + VCC_MSIX_CONFIG) != 0) {
		snprintf(err, size, "config_msix_vector 0 not accepted");
		return false;
	}
	vp->num_queues = mmio_read16(vp->common + VCC_NUM_QUEUES);
	if (nvq > vp->num_queues) {
		snprintf(err, size, "want %u queues, common config has num_queues %u", nvq,
			 vp->num_queues);
		return false;
	}
	for (uint16_t q = 0; q < nvq; q++) {
		if (!virtq_setup(vp, q, qsize, err, size)) {
			virtio_status_set(vp, VIRTIO_STATUS_FAILED);
			return false;
		}
	}
	vp->nvq = nvq;
	virtio_status_set(vp, VIRTIO_STATUS_DRIVER_OK);
	if (virtio_pci_status(vp) & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		snprintf(err, size, "device_status 0x%x after DRIVER_OK", virtio_pci_status(vp));
		return false;
	}
	return true;
}

static uint8_t virtio_generation(const struct virtio_pci *vp)
{
	return mmio_read8(vp->common + VCC_CONFIG_GENERATION);
}

static bool virtio_cfg_ok(const struct virtio_pci *vp, uint32_t off, uint32_t width)
{
	return vp->device && off % width == 0 && off + width <= vp->device_len;
}

uint8_t virtio_cfg_read8(const struct virtio_pci *vp, uint32_t off)
{
	return virtio_cfg_ok(vp, off, 1) ? mmio_read8(vp->device + off) : 0;
}

uint16_t virtio_cfg_read16(const struct virtio_pci *vp, uint32_t off)
{
	return virtio_cfg_ok(vp, off, 2) ? mmio_read16(vp->device + off) : 0;
}

uint32_t virtio_cfg_read32(const struct virtio_pci *vp, uint32_t off)
{
	return virtio_cfg_ok(vp, off, 4) ? mmio_read32(vp->device + off) : 0;
}

uint64_t virtio_cfg_read64(const struct virtio_pci *vp, uint32_t off)
{
	uint64_t v = 0;

	if (!virtio_cfg_ok(vp, off, 8))
		return 0;
	for (int tries = 0; tries < 16; tries++) {
		uint8_t gen = virtio_generation(vp);

		v = mmio_read32(vp->device + off) |
		    ((uint64_t)mmio_read32(vp->device + off + 4) << 32);
		if (virtio_generation(vp) == gen)
			break;
	}
	return v;
}

void virtq_submit(struct virtq *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx % vq->size] = head;
	barrier(); /* ring entry before the index that publishes it */
	vq->avail_idx++;
	vq->avail->idx = vq->avail_idx;
	mb(); /* index visible before the device is told to look */
	mmio_write16(vq->notify, vq->index);
}

bool virtq_wait(struct virtq *vq, uint64_t timeout_ms, uint32_t *ret_id, uint32_t *ret_len)
{
	uint64_t end = rdtsc() + timeout_ms * TSC_PER_MS;
	volatile struct virtq_used_elem *e;

	while (vq->used->idx == vq->last_used) {
		if ((int64_t)(rdtsc() - end) > 0)
			return false;
		cpu_relax();
	}
	barrier(); /* index before the entry it covers */
	e = &vq->used->ring[vq->last_used % vq->size];
	*ret_id = e->id;
	*ret_len = e->len;
	vq->last_used++;
	return true;
}

bool virtq_vector_refresh(struct virtio_pci *vp, struct virtio_vectors *vv, struct virtq *vq)
{
	if (vq->vector == VIRTIO_NO_VECTOR || !vector_alloc(vv, &vq->cpu_vector))
		return false;
	msix_entry_set(vp, vq->vector, vq->cpu_vector);
	return true;
}

bool virtq_irr_pending(const struct virtio_pci *vp, const struct virtq *vq)
{
	return lapic_irr(vp->lapic, vq->cpu_vector);
}
