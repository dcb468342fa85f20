/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MSI-X for a PCI function: the capability, the vector table and the PBA
 * (both in one of the function's BARs), the function mask and per-vector
 * masks, and delivery through the hypervisor (struct pci_hv): each vector
 * has an eventfd bound to an MSI route by an irqfd while it is unmasked.
 * Signalling the eventfd (a vhost-user back-end's call fd) interrupts the
 * guest with no VMM thread involved.
 *
 * A masked vector has its irqfd unbound, so a signal leaves the eventfd
 * readable: the PBA reports it as pending, and unmasking rebinds the irqfd
 * and delivers it once.
 */
#ifndef CNH_VMM_PCI_MSIX_H
#define CNH_VMM_PCI_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"
#include "vmm/pci/pci.h"

#define MSIX_MAX_VECTORS 2048
#define MSIX_ENTRY_SIZE 16
#define MSIX_CAP_LEN 12
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_FMASK 0x4000
#define MSIX_VECTOR_MASKED 0x1

struct msix_vector {
	uint32_t addr_lo, addr_hi, data, ctrl; /* the table entry */
	int fd;                                /* eventfd, non-blocking */
	uint32_t gsi;
	bool has_gsi;
	bool routed;        /* the route holds (r_addr, r_data) */
	uint64_t r_addr;
	uint32_t r_data;
	bool irqfd;         /* fd bound to gsi */
	bool pending;       /* consumed from fd but not delivered */
};

struct msix {
	pthread_mutex_t lock;
	struct pci_hv *hv;
	struct pci_dev *pdev;
	uint8_t cap;          /* capability offset in config space */
	unsigned int bar;
	uint32_t table_off;   /* in the BAR */
	uint32_t pba_off;
	unsigned int nvec;
	struct msix_vector *vec;
	bool enabled, fmask;
};

static inline uint32_t msix_table_size(unsigned int nvec)
{
	return nvec * MSIX_ENTRY_SIZE;
}

static inline uint32_t msix_pba_size(unsigned int nvec)
{
	return ALIGN_UP(nvec, 64u) / 8;
}

/*
 * Add the capability to pdev (table at table_off and PBA at pba_off in BAR
 * bar, both 8-byte aligned) and create nvec eventfds. All vectors start
 * masked. -EINVAL, -ENOSPC, -ENOMEM or an eventfd error.
 */
int msix_init(struct msix *m, struct pci_dev *pdev, struct pci_hv *hv, unsigned int nvec,
	      unsigned int bar, uint32_t table_off, uint32_t pba_off) __must_check;
/* Unbind and close everything; accepts a zeroed or half-built struct. */
void msix_fini(struct msix *m);

/* The function's config_written hook calls this for every write; cheap when off the capability. */
void msix_config_written(struct msix *m, uint32_t off, uint32_t size);
/* Accesses at off relative to the table / PBA start; anything outside reads as ones. */
void msix_table_read(struct msix *m, uint32_t off, void *data, unsigned int size);
void msix_table_write(struct msix *m, uint32_t off, const void *data, unsigned int size);
void msix_pba_read(struct msix *m, uint32_t off, void *data, unsigned int size);

/* The eventfd that raises vector v (a queue's call fd), -1 when v is out of range. */
int msix_vector_fd(const struct msix *m, unsigned int v);
/* Raise vector v from the VMM (pending while masked). */
void msix_notify(struct msix *m, unsigned int v);

#endif
