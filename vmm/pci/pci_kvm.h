/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct pci_hv on KVM: the VM's one GSI routing table, irqfds and
 * ioeventfds. The routing table keeps KVM's default routes for GSIs 0-23
 * (IOAPIC pins 0-23, PIC pins for 0-15, as KVM_CREATE_IRQCHIP sets them up)
 * and adds an MSI route per GSI allocated from 24 upward; every change is
 * committed whole with KVM_SET_GSI_ROUTING. One instance per VM, shared by
 * every PCI function.
 */
#ifndef CNH_VMM_PCI_PCI_KVM_H
#define CNH_VMM_PCI_PCI_KVM_H

#include <linux/kvm.h>
#include <pthread.h>

#include "vmm/pci/pci.h"

#define PCI_KVM_GSI_BASE 24   /* first MSI GSI; 0-23 are the IOAPIC's */
#define PCI_KVM_MAX_MSI 1024  /* MSI routes per VM */

struct pci_kvm_msi {
	bool used;
	bool routed;
	uint64_t addr;
	uint32_t data;
};

struct pci_kvm {
	struct pci_hv hv;
	int vm_fd; /* not owned */
	pthread_mutex_t lock;
	struct pci_kvm_msi msi[PCI_KVM_MAX_MSI]; /* GSI PCI_KVM_GSI_BASE + index */
	bool ioeventfd_any_len;
};

int pci_kvm_new(int vm_fd, struct pci_kvm **ret) __must_check;
/* Accepts NULL. irqfds and ioeventfds must have been unbound by their owners. */
void pci_kvm_free(struct pci_kvm *pk);

/*
 * Build the routing table for the current MSI routes (default IOAPIC/PIC
 * entries first). Returns a malloc'd table; exposed for unit tests.
 */
int pci_kvm_build_routing(const struct pci_kvm *pk, struct kvm_irq_routing **ret) __must_check;

#endif
