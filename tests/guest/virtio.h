/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: a polled virtio-pci (modern, virtio 1.2) driver core:
 * capability parsing, the initialisation sequence, split virtqueues in
 * guest RAM and MSI-X programming. Interrupts stay disabled; completions
 * are found by polling the used ring and MSI-X delivery is checked in the
 * LAPIC IRR instead of by taking the interrupt.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include "pci.h"

#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + virtio device id */
#define VIRTIO_ID_BLOCK 2

#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33 /* no IOMMU here: addresses stay guest-physical */

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

/* struct virtio_pci_common_cfg (virtio 1.2, 4.1.4.3): offsets in the common region. */
#define VCC_DEVICE_FEATURE_SELECT 0
#define VCC_DEVICE_FEATURE 4
#define VCC_DRIVER_FEATURE_SELECT 8
#define VCC_DRIVER_FEATURE 12
#define VCC_MSIX_CONFIG 16
#define VCC_NUM_QUEUES 18
#define VCC_DEVICE_STATUS 20
#define VCC_CONFIG_GENERATION 21
#define VCC_QUEUE_SELECT 22
#define VCC_QUEUE_SIZE 24
#define VCC_QUEUE_MSIX_VECTOR 26
#define VCC_QUEUE_ENABLE 28
#define VCC_QUEUE_NOTIFY_OFF 30
#define VCC_QUEUE_DESC 32
#define VCC_QUEUE_DRIVER 40
#define VCC_QUEUE_DEVICE 48
#define VCC_LEN 56

#define VIRTIO_MAX_VQ 8 /* net: 3 pairs + the control queue */
#define VIRTQ_MAX_SIZE 64
#define VIRTIO_NO_VECTOR 0xffff

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[VIRTQ_MAX_SIZE];
	uint16_t used_event;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[VIRTQ_MAX_SIZE];
	uint16_t avail_event;
};

struct virtq {
	uint16_t index; /* queue number */
	uint16_t size;  /* as programmed, power of two <= VIRTQ_MAX_SIZE */
	uint16_t vector; /* MSI-X vector table entry, VIRTIO_NO_VECTOR if none */
	uint8_t cpu_vector; /* x86 vector the table entry raises */
	uint16_t avail_idx; /* next avail->idx to publish */
	uint16_t last_used;
	uint64_t notify; /* address of this queue's notify register */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
};

struct virtio_pci {
	struct pci_fn fn;
	struct pci_bar bars[PCI_NUM_BARS];
	uint64_t common, notify_base, isr, device; /* MMIO addresses of the regions */
	uint32_t common_len, notify_mult, notify_len, device_len; /* as the capabilities say */
	uint8_t msix_cap;
	uint16_t msix_entries;
	uint64_t msix_table;
	uint64_t lapic;
	uint32_t apic_id; /* MSI destination: this CPU's LAPIC */
	uint64_t offered, features;
	uint16_t num_queues; /* as the common configuration reports */
	unsigned int nvq;
	struct virtq vq[VIRTIO_MAX_VQ];
};

/* Vectors handed out so far: each MSI-X check uses a vector never raised before. */
struct virtio_vectors {
	uint64_t lapic;
	uint32_t apic_id;
	unsigned int next; /* next unused x86 vector */
};

/* Map and enable the LAPIC; vectors start at 0x40. */
void virtio_vectors_init(struct virtio_vectors *vv);

/* The nth (0-based) function with this vendor/device id on bus 0; false if none. */
bool virtio_pci_find(const struct pci_info *pi, uint16_t device_id, unsigned int nth,
		     struct pci_fn *ret);

/* Size the BARs, find the common/notify/ISR/device regions and MSI-X; map them. */
bool virtio_pci_probe(struct virtio_pci *vp, const struct pci_fn *fn, char *err, size_t size);

/*
 * Reset, ACKNOWLEDGE, DRIVER, negotiate (want & offered, VERSION_1 required),
 * FEATURES_OK (re-read), MSI-X on, nvq queues of at most qsize entries,
 * config and queue vectors all on one shared x86 vector (0x30), DRIVER_OK. One device at a time: the
 * rings live in one static arena.
 */
bool virtio_pci_init(struct virtio_pci *vp, struct virtio_vectors *vv, uint64_t want,
		     unsigned int nvq, uint16_t qsize, char *err, size_t size);
/* Write 0 to device_status and wait for it to read back 0. */
bool virtio_pci_reset(struct virtio_pci *vp);
uint8_t virtio_pci_status(const struct virtio_pci *vp);
bool virtio_has(const struct virtio_pci *vp, unsigned int bit);

/* Device-specific configuration, read with the access widths the spec requires. */
uint8_t virtio_cfg_read8(const struct virtio_pci *vp, uint32_t off);
uint16_t virtio_cfg_read16(const struct virtio_pci *vp, uint32_t off);
uint32_t virtio_cfg_read32(const struct virtio_pci *vp, uint32_t off);
/* A 64-bit field as two 32-bit reads, retried until config_generation is stable. */
uint64_t virtio_cfg_read64(const struct virtio_pci *vp, uint32_t off);

/* Publish descriptor head 'head' (the caller filled vq->desc) and notify. */
void virtq_submit(struct virtq *vq, uint16_t head);
/*
 * Wait up to timeout_ms for the next used entry; true with its id/len.
 * Polls; never enables interrupts.
 */
bool virtq_wait(struct virtq *vq, uint64_t timeout_ms, uint32_t *ret_id, uint32_t *ret_len);
/*
 * Point the queue's MSI-X table entry at a fresh x86 vector (masked while
 * rewritten). Devices may signal spuriously when queues start; a vector
 * nothing has used yet makes "pending after the first completion" mean
 * something.
 */
bool virtq_vector_refresh(struct virtio_pci *vp, struct virtio_vectors *vv, struct virtq *vq);
/* Is the queue's vector pending in this CPU's LAPIC IRR? */
bool virtq_irr_pending(const struct virtio_pci *vp, const struct virtq *vq);

#endif
