/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PCI segment 0, bus 0: the root (host bridge at 00:00.0, configuration
 * access through ECAM and the 0xCF8/0xCFC ports) and the PCI function
 * abstraction: a 4 KiB configuration space with per-byte write masks,
 * memory BARs allocated from the 32- and 64-bit windows, and a capability
 * list.
 *
 * BAR decoding: the root registers one forwarding device per MMIO window on
 * the VMM's MMIO bus and keeps the BARs on a bus of its own. Moving a BAR
 * (the guest rewriting its address, or toggling the command register's
 * memory-enable bit) re-registers it there and calls the function's
 * bar_remap() hook (ioeventfds). The VMM bus is never re-registered from a
 * vCPU thread, which would deadlock: bus dispatch holds its read lock.
 * A BAR is decoded only while memory decoding is on and it lies entirely
 * inside one of the windows (the ACPI PCI0._CRS ranges).
 *
 * Locking: configuration accesses take the root's lock; BAR accesses take
 * the bar bus's read lock and then whatever lock the function uses. A
 * function must not take the root's lock from its BAR handlers.
 */
#ifndef CNH_VMM_PCI_PCI_H
#define CNH_VMM_PCI_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"
#include "devices/bus.h"
#include "devices/device.h"

#define PCI_CFG_SIZE 4096
#define PCI_CFG_LEGACY_SIZE 256
#define PCI_NUM_SLOTS 32
#define PCI_NUM_BARS 6

/* Type 0 header registers. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_BAR_MEM_TYPE_64 0x04
#define PCI_BAR_MEM_PREFETCH 0x08
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CAP_START 0x40

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09

/* The host bridge, with Cloud Hypervisor's ids. */
#define PCI_HOST_BRIDGE_VENDOR 0x8086
#define PCI_HOST_BRIDGE_DEVICE 0x0d57
#define PCI_CLASS_BRIDGE_HOST 0x060000

struct pci_dev;
struct pci_root;

/*
 * What the PCI layer needs from the hypervisor: MSI routes, irqfds and
 * ioeventfds. vmm/pci/pci_kvm.c implements it with KVM ioctls; unit tests
 * use a recorder. Calls come from vCPU threads and the main thread.
 */
struct pci_hv;
struct pci_hv_ops {
	/* Reserve a GSI for an MSI route (no route programmed yet). */
	int (*msi_gsi_alloc)(struct pci_hv *hv, uint32_t *ret_gsi);
	void (*msi_gsi_free)(struct pci_hv *hv, uint32_t gsi);
	/* Point gsi at the MSI message (addr, data) and commit the routing table. */
	int (*msi_route)(struct pci_hv *hv, uint32_t gsi, uint64_t addr, uint32_t data);
	/* Bind (or unbind) eventfd fd to raise gsi (KVM_IRQFD). */
	int (*irqfd)(struct pci_hv *hv, uint32_t gsi, int fd, bool assign);
	/* Signal fd on any write to the MMIO address addr (KVM_IOEVENTFD). */
	int (*ioeventfd)(struct pci_hv *hv, uint64_t addr, int fd, bool assign);
};

struct pci_hv {
	const struct pci_hv_ops *ops;
};

enum pci_bar_type {
	PCI_BAR_NONE = 0,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64, /* takes two BAR slots: n and n+1 */
};

struct pci_dev_ops {
	const char *name;
	/* Access to BAR bar at offset off (inside its size); size is 1, 2, 4 or 8. */
	void (*bar_read)(struct pci_dev *pdev, unsigned int bar, uint64_t off, void *data,
			 unsigned int size);
	void (*bar_write)(struct pci_dev *pdev, unsigned int bar, uint64_t off, const void *data,
			  unsigned int size);
	/* Optional: BAR bar is now decoded at addr (mapped) or no longer decoded. */
	void (*bar_remap)(struct pci_dev *pdev, unsigned int bar, uint64_t addr, bool mapped);
	/* Optional: refresh cfg[off, off+size) before a configuration read. */
	void (*config_read)(struct pci_dev *pdev, uint32_t off, uint32_t size);
	/* Optional: cfg[off, off+size) was written (after the write masks). */
	void (*config_written)(struct pci_dev *pdev, uint32_t off, uint32_t size);
};

struct pci_bar {
	enum pci_bar_type type; /* NONE also for the upper half of a 64-bit BAR */
	bool prefetchable;
	uint64_t size;          /* power of two, >= 4 KiB */
	bool mapped;            /* registered on the root's bar bus */
	uint64_t mapped_addr;
	struct device bus_dev;  /* what the bar bus dispatches to */
	struct pci_dev *pdev;
	unsigned int index;
};

/* Embedded in a function's state; initialize with pci_dev_init(). */
struct pci_dev {
	const struct pci_dev_ops *ops;
	struct pci_root *root; /* set by pci_root_add */
	unsigned int slot;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];   /* bits the guest may write */
	uint8_t w1cmask[PCI_CFG_SIZE]; /* bits the guest clears by writing 1 */
	struct pci_bar bars[PCI_NUM_BARS];
	uint8_t last_cap; /* offset of the last capability, 0 when none */
	uint16_t cap_end; /* first free byte for the next capability */
};

/* Header type 0 with the ids; class_code is 24 bits (class, subclass, prog-if). */
void pci_dev_init(struct pci_dev *pdev, const struct pci_dev_ops *ops, uint16_t vendor,
		  uint16_t device, uint32_t class_code, uint8_t revision, uint16_t subsys_vendor,
		  uint16_t subsys_id);
/* Declare BAR n: size a power of two >= 4 KiB. -EINVAL on a bad index, type or size. */
int pci_dev_add_bar(struct pci_dev *pdev, unsigned int n, enum pci_bar_type type, uint64_t size,
		    bool prefetchable) __must_check;
/*
 * Append a capability of len bytes (cap[0] is its id; cap[1], the next
 * pointer, is filled in) to the list, 4-byte aligned, in the first 256
 * bytes. Read-only to the guest until pci_dev_set_wmask(). -ENOSPC.
 */
int pci_dev_add_cap(struct pci_dev *pdev, const void *cap, uint8_t len, uint8_t *ret_off) __must_check;
/* Make the bits of mask (size 1, 2 or 4 bytes, little endian) at off guest-writable. */
void pci_dev_set_wmask(struct pci_dev *pdev, uint32_t off, uint32_t mask, unsigned int size);

/* Little-endian accessors on the config array; out-of-range offsets read 0 / are ignored. */
uint32_t pci_cfg_get(const struct pci_dev *pdev, uint32_t off, unsigned int size);
void pci_cfg_set(struct pci_dev *pdev, uint32_t off, uint32_t val, unsigned int size);
/* Current guest-programmed address of BAR n (both halves for 64-bit BARs). */
uint64_t pci_dev_bar_addr(const struct pci_dev *pdev, unsigned int n);

struct pci_root_config {
	uint64_t ecam_base; /* LAYOUT_PCI_ECAM_START; one bus decoded */
	uint64_t ecam_size;
	uint16_t pio_base;  /* 0xcf8; 8 ports */
	uint64_t mmio32_base, mmio32_size;
	uint64_t mmio64_base, mmio64_size; /* size 0: no 64-bit window */
};

struct pci_root {
	struct pci_root_config cfg;
	pthread_mutex_t lock; /* configuration space and BAR mapping */
	uint32_t cf8;         /* CONFIG_ADDRESS */
	struct pci_dev host_bridge;
	struct pci_dev *slots[PCI_NUM_SLOTS];
	uint64_t next32, next64; /* BAR allocation cursors */
	struct bus bar_bus;
	struct device ecam_dev, pio_dev, win32_dev, win64_dev;
	struct bus *mmio, *pio; /* attached to, NULL when detached */
};

/* The root with its host bridge at slot 0; not attached to any bus yet. */
int pci_root_new(const struct pci_root_config *cfg, struct pci_root **ret) __must_check;
/* Accepts NULL; detaches first. Functions must have been removed. */
void pci_root_free(struct pci_root *root);
/* Register ECAM and the windows on mmio, CONFIG_ADDRESS/DATA on pio. */
int pci_root_attach(struct pci_root *root, struct bus *mmio, struct bus *pio) __must_check;
void pci_root_detach(struct pci_root *root);
/*
 * Plug pdev in at slot (function 0) and allocate its BARs from the windows
 * (64-bit BARs from the 64-bit window when there is one). The BARs are
 * programmed but not decoded until the guest enables memory decoding.
 * -EBUSY for a taken slot, -ENOSPC when a window is full.
 */
int pci_root_add(struct pci_root *root, struct pci_dev *pdev, unsigned int slot) __must_check;
/* Unmap pdev's BARs and unplug it. */
void pci_root_remove(struct pci_root *root, struct pci_dev *pdev);

/* Configuration access to bus 0 (ECAM offset form: dev << 15 | fn << 12 | reg). */
void pci_root_cfg_read(struct pci_root *root, uint32_t addr, void *data, unsigned int size);
void pci_root_cfg_write(struct pci_root *root, uint32_t addr, const void *data, unsigned int size);

#endif
