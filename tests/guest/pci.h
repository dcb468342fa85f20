/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: PCI configuration access (ECAM from the ACPI MCFG, else
 * the 0xCF8/0xCFC ports), BAR sizing, capability lists, and the "pci"
 * scenario that walks bus 0.
 */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include "acpi.h"

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST 0x0010

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09

#define PCI_VENDOR_VIRTIO 0x1af4
#define PCI_NUM_BARS 6

struct pci_info {
	uint64_t ecam; /* bus 0 base, or 0 to use the 0xCF8 ports */
	uint8_t bus_start, bus_end;
};

/* One function on bus 0 (ECAM or ports, as pci_info says). */
struct pci_fn {
	const struct pci_info *pi;
	uint8_t bus, dev, fn;
};

struct pci_bar {
	uint64_t addr; /* as programmed */
	uint64_t size; /* 0: the BAR is absent */
	bool io, is64, prefetch;
};

/* ECAM from the MCFG (segment 0), mapped uncached; else the ports. */
void pci_init(const struct acpi_info *ai, struct pci_info *pi);

uint32_t pci_read32(const struct pci_fn *f, uint16_t off);
uint16_t pci_read16(const struct pci_fn *f, uint16_t off);
uint8_t pci_read8(const struct pci_fn *f, uint16_t off);
void pci_write32(const struct pci_fn *f, uint16_t off, uint32_t v);
void pci_write16(const struct pci_fn *f, uint16_t off, uint16_t v);

/*
 * Size BAR i (save, write all ones, read back, restore; decoding off while
 * sizing). Returns the BAR slots it occupies (2 for a 64-bit BAR, else 1).
 */
unsigned int pci_bar_probe(const struct pci_fn *f, unsigned int i, struct pci_bar *ret);
/* Reprogram 64-bit memory BAR i to addr (decoding off meanwhile); false if not one. */
bool pci_bar_move64(const struct pci_fn *f, unsigned int i, uint64_t addr);
/*
 * Offset of the first capability with this id after 'after' (0: from the
 * start of the list), or 0. Bounded and loop-safe.
 */
uint8_t pci_find_cap(const struct pci_fn *f, uint8_t id, uint8_t after);

/* Scenario "pci"; expect_virtio < 0 when cnh.pci was not given. */
bool pci_selftest(const struct pci_info *pi, int64_t expect_virtio, char *detail,
		  size_t size);

#endif
