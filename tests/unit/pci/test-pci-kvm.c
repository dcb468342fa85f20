/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "vmm/pci/pci_kvm.h"

/* The table must start with KVM's default irqchip routes for GSIs 0-23. */
Test(pci_kvm, default_routes_then_msi)
{
	struct pci_kvm *pk;
	struct kvm_irq_routing *t;
	unsigned int ioapic = 0, pic = 0;

	/* fd -1: no KVM; only the table builder and the allocator are used. */
	cr_assert_eq(pci_kvm_new(-1, &pk), 0);
	pk->msi[3] = (struct pci_kvm_msi){ .used = true, .routed = true, .addr = 0xfee01000, .data = 0x45 };
	pk->msi[5] = (struct pci_kvm_msi){ .used = true }; /* allocated, no route yet */
	cr_assert_eq(pci_kvm_build_routing(pk, &t), 0);
	cr_assert_eq(t->nr, 24 + 16 + 1);
	for (unsigned int i = 0; i < 40; i++) {
		const struct kvm_irq_routing_entry *e = &t->entries[i];

		cr_assert_eq(e->type, KVM_IRQ_ROUTING_IRQCHIP);
		cr_assert_lt(e->gsi, 24);
		if (e->u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC) {
			cr_assert_eq(e->u.irqchip.pin, e->gsi);
			ioapic++;
		} else {
			cr_assert_lt(e->gsi, 16);
			cr_assert_eq(e->u.irqchip.irqchip,
				     e->gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE);
			cr_assert_eq(e->u.irqchip.pin, e->gsi % 8);
			pic++;
		}
	}
	cr_assert_eq(ioapic, 24);
	cr_assert_eq(pic, 16);
	cr_assert_eq(t->entries[40].type, KVM_IRQ_ROUTING_MSI);
	cr_assert_eq(t->entries[40].gsi, PCI_KVM_GSI_BASE + 3);
	cr_assert_eq(t->entries[40].u.msi.address_lo, 0xfee01000);
	cr_assert_eq(t->entries[40].u.msi.data, 0x45);
	free(t);
	pci_kvm_free(pk);
}

Test(pci_kvm, gsi_allocation)
{
	struct pci_kvm *pk;
	uint32_t a, b;

	cr_assert_eq(pci_kvm_new(-1, &pk), 0);
	cr_assert_eq(pk->hv.ops->msi_gsi_alloc(&pk->hv, &a), 0);
	cr_assert_eq(pk->hv.ops->msi_gsi_alloc(&pk->hv, &b), 0);
	cr_assert_eq(a, 24);
	cr_assert_eq(b, 25);
	pk->hv.ops->msi_gsi_free(&pk->hv, a);
	cr_assert_eq(pk->hv.ops->msi_gsi_alloc(&pk->hv, &b), 0);
	cr_assert_eq(b, 24, "freed GSIs are reused");
	/* a route on an unknown GSI is refused before any ioctl */
	cr_assert_eq(pk->hv.ops->msi_route(&pk->hv, 3, 0xfee00000, 0), -EINVAL);
	cr_assert_eq(pk->hv.ops->msi_route(&pk->hv, 30, 0xfee00000, 0), -ENOENT);
	pci_kvm_free(pk);
}
