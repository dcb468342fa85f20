/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KVM system and VM file descriptors: capability checks, VM creation
 * with the in-kernel irqchip, memory slots and the supported CPUID list.
 *
 * Interrupt controller: cnh uses the *full* in-kernel irqchip
 * (KVM_CREATE_IRQCHIP: PIC, IOAPIC and LAPICs in KVM). Legacy devices raise
 * GSIs with KVM_IRQ_LINE; MSI-X arrives through irqfds and GSI routing. The
 * alternative, a split irqchip (KVM_CAP_SPLIT_IRQCHIP: only the LAPICs in
 * KVM, IOAPIC and PIC in user space), buys nothing for a VMM without legacy
 * PCI INTx and costs a user-space IOAPIC on the interrupt path, so cnh does
 * not use it.
 */
#ifndef CNH_VMM_KVM_H
#define CNH_VMM_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

struct kvm {
	int sys_fd; /* /dev/kvm */
	int vm_fd;
	int vcpu_mmap_size;
	unsigned int max_vcpus;
	unsigned int nr_memslots;
	struct kvm_cpuid2 *supported_cpuid; /* KVM_GET_SUPPORTED_CPUID */
};

/*
 * Open /dev/kvm (or path), check the API version and the capabilities cnh
 * needs, create the VM with its irqchip, TSS and identity map. On failure
 * writes a one-line reason into err.
 */
int kvm_open(struct kvm *kvm, const char *path, char *err, size_t errlen) __must_check;
void kvm_close(struct kvm *kvm);

int kvm_set_memslot(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva) __must_check;
/* Assert (level=1) or deassert a GSI on the in-kernel irqchip. */
int kvm_irq_line(struct kvm *kvm, uint32_t gsi, int level);

#endif
