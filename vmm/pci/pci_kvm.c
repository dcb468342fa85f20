/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/pci/pci_kvm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/log.h"

#define TAG "pci-kvm"

/* KVM's default routing with an in-kernel irqchip: IOAPIC 0-23, PIC master 0-7, slave 8-15. */
#define PCI_KVM_IOAPIC_PINS 24
#define PCI_KVM_PIC_PINS 16
#define PCI_KVM_DEFAULT_ROUTES (PCI_KVM_IOAPIC_PINS + PCI_KVM_PIC_PINS)

int pci_kvm_build_routing(const struct pci_kvm *pk, struct kvm_irq_routing **ret)
{
	struct kvm_irq_routing *t;
	unsigned int n = 0;

	t = calloc(1, sizeof(*t) + (PCI_KVM_DEFAULT_ROUTES + PCI_KVM_MAX_MSI) * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	for (uint32_t gsi = 0; gsi < PCI_KVM_IOAPIC_PINS; gsi++) {
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi },
		};
		if (gsi < PCI_KVM_PIC_PINS)
			t->entries[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
								  : KVM_IRQCHIP_PIC_SLAVE,
					       .pin = gsi % 8 },
			};
	}
	for (unsigned int i = 0; i < PCI_KVM_MAX_MSI; i++) {
		const struct pci_kvm_msi *m = &pk->msi[i];

		if (!m->used || !m->routed)
			continue;
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = PCI_KVM_GSI_BASE + i,
			.type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = (uint32_t)m->addr,
				   .address_hi = (uint32_t)(m->addr >> 32),
				   .data = m->data },
		};
	}
	t->nr = n;
	*ret = t;
	return 0;
}

/* Lock held. */
static int pci_kvm_commit(struct pci_kvm *pk)
{
	struct kvm_irq_routing *t;
	int r = pci_kvm_build_routing(pk, &t);

	if (r < 0)
		return r;
	if (ioctl(pk->vm_fd, KVM_SET_GSI_ROUTING, t) < 0)
		r = -errno;
	free(t);
	return r;
}

static int pci_kvm_gsi_index(uint32_t gsi, unsigned int *ret)
{
	if (gsi < PCI_KVM_GSI_BASE || gsi - PCI_KVM_GSI_BASE >= PCI_KVM_MAX_MSI)
		return -EINVAL;
	*ret = gsi - PCI_KVM_GSI_BASE;
	return 0;
}

static int pci_kvm_gsi_alloc(struct pci_hv *hv, uint32_t *ret_gsi)
{
	struct pci_kvm *pk = container_of(hv, struct pci_kvm, hv);
	int r = -ENOSPC;

	pthread_mutex_lock(&pk->lock);
	for (unsigned int i = 0; i < PCI_KVM_MAX_MSI; i++) {
		if (!pk->msi[i].used) {
			pk->msi[i] = (struct pci_kvm_msi){ .used = true };
			*ret_gsi = PCI_KVM_GSI_BASE + i;
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&pk->lock);
	return r;
}

static void pci_kvm_gsi_free(struct pci_hv *hv, uint32_t gsi)
{
	struct pci_kvm *pk = container_of(hv, struct pci_kvm, hv);
	unsigned int i;

	if (pci_kvm_gsi_index(gsi, &i) < 0)
		return;
	pthread_mutex_lock(&pk->lock);
	if (pk->msi[i].routed) {
		pk->msi[i] = (struct pci_kvm_msi){ 0 };
		if (pci_kvm_commit(pk) < 0)
			log_debug(TAG, "KVM_SET_GSI_ROUTING failed on free of GSI %u", gsi);
	}
	pk->msi[i] = (struct pci_kvm_msi){ 0 };
	pthread_mutex_unlock(&pk->lock);
}

static int pci_kvm_msi_route(struct pci_hv *hv, uint32_t gsi, uint64_t addr, uint32_t data)
{
	struct pci_kvm *pk = container_of(hv, struct pci_kvm, hv);
	struct pci_kvm_msi old;
	unsigned int i;
	int r;

	if (pci_kvm_gsi_index(gsi, &i) < 0)
		return -EINVAL;
	pthread_mutex_lock(&pk->lock);
	if (!pk->msi[i].used) {
		r = -ENOENT;
		goto out;
	}
	old = pk->msi[i];
	pk->msi[i].routed = true;
	pk->msi[i].addr = addr;
	pk->msi[i].data = data;
	r = pci_kvm_commit(pk);
	if (r < 0)
		pk->msi[i] = old;
out:
	pthread_mutex_unlock(&pk->lock);
	return r;
}

static int pci_kvm_irqfd(struct pci_hv *hv, uint32_t gsi, int fd, bool assign)
{
	struct pci_kvm *pk = container_of(hv, struct pci_kvm, hv);
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(pk->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

static int pci_kvm_ioeventfd(struct pci_hv *hv, uint64_t addr, int fd, bool assign)
{
	struct pci_kvm *pk = container_of(hv, struct pci_kvm, hv);
	/* Any write width matches when KVM allows it; else the 16-bit queue index write. */
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = pk->ioeventfd_any_len ? 0 : 2,
		.fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return ioctl(pk->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static const struct pci_hv_ops pci_kvm_hv_ops = {
	.msi_gsi_alloc = pci_kvm_gsi_alloc,
	.msi_gsi_free = pci_kvm_gsi_free,
	.msi_route = pci_kvm_msi_route,
	.irqfd = pci_kvm_irqfd,
	.ioeventfd = pci_kvm_ioeventfd,
};

int pci_kvm_new(int vm_fd, struct pci_kvm **ret)
{
	struct pci_kvm *pk = calloc(1, sizeof(*pk));

	if (!pk)
		return -ENOMEM;
	pk->hv.ops = &pci_kvm_hv_ops;
	pk->vm_fd = vm_fd;
	pk->ioeventfd_any_len = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0;
	pthread_mutex_init(&pk->lock, NULL);
	*ret = pk;
	return 0;
}

void pci_kvm_free(struct pci_kvm *pk)
{
	if (!pk)
		return;
	pthread_mutex_destroy(&pk->lock);
	free(pk);
}
