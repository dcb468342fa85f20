/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boot register state of the boot vCPU (and the reset state the others need
 * in the LAPIC), as pure functions over the <linux/kvm.h> structs.
 *
 * Two entry modes:
 * - X86_BOOT_LONG64: Linux 64-bit boot protocol (boot.rst "64-bit BOOT
 *   PROTOCOL"): long mode, paging on with an identity map of the first
 *   4 GiB, __BOOT_CS = 0x10, __BOOT_DS = 0x18, RSI = zero page.
 * - X86_BOOT_PVH32: Xen PVH ABI: 32-bit protected mode, paging off, flat
 *   segments (same selectors), EBX = hvm_start_info.
 *
 * The core maps its boot protocol enum onto x86_boot_mode and calls, for the
 * boot vCPU:
 *   x86_regs_write_boot_tables(gm, mode);        // GDT, IDT, page tables
 *   KVM_GET_SREGS; x86_regs_boot_sregs(&s, mode); KVM_SET_SREGS
 *   x86_regs_boot_regs(&r, mode, entry, info);   KVM_SET_REGS
 *   x86_regs_boot_fpu(&f);                       KVM_SET_FPU
 * and for every vCPU:
 *   KVM_GET_LAPIC; x86_lapic_set_lint(&l);       KVM_SET_LAPIC
 */
#ifndef CNH_VMM_X86_REGS_H
#define CNH_VMM_X86_REGS_H

#include <stdint.h>
#include <linux/kvm.h>

#include "common/util.h"
#include "vmm/memory.h"

enum x86_boot_mode {
	X86_BOOT_LONG64,
	X86_BOOT_PVH32,
};

/* GDT selectors (Linux's __BOOT_CS / __BOOT_DS, also used for PVH). */
#define X86_BOOT_SEL_CODE 0x10u
#define X86_BOOT_SEL_DATA 0x18u
#define X86_BOOT_GDT_ENTRIES 4u /* null, unused, code, data: 32 bytes */

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_ET (1ull << 4)
#define X86_CR0_NE (1ull << 5)
#define X86_CR0_PG (1ull << 31)
#define X86_CR4_PAE (1ull << 5)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_RFLAGS_RESERVED 0x2ull

/* Page-table entry bits. */
#define X86_PTE_P (1ull << 0)
#define X86_PTE_RW (1ull << 1)
#define X86_PTE_PS (1ull << 7)

/* Segment types (kvm_segment.type), accessed bit included. */
#define X86_SEG_TYPE_CODE_XR 0xbu /* execute/read, accessed */
#define X86_SEG_TYPE_DATA_RW 0x3u /* read/write, accessed */
#define X86_SEG_TYPE_TSS_BUSY 0xbu /* busy 32-bit (or, in long mode, 64-bit) TSS */

#define X86_APIC_LVT_LINT0 0x350u
#define X86_APIC_LVT_LINT1 0x360u
#define X86_APIC_DM_MASK 0x700u
#define X86_APIC_DM_NMI 0x400u
#define X86_APIC_DM_EXTINT 0x700u

/* The segment descriptors of mode: code, data and task register. */
void x86_regs_boot_segments(enum x86_boot_mode mode, struct kvm_segment *ret_code,
			    struct kvm_segment *ret_data, struct kvm_segment *ret_tr);

/* Encode a kvm_segment as an 8-byte GDT descriptor (non-system or TSS). */
uint64_t x86_regs_gdt_entry(const struct kvm_segment *seg);

/*
 * Write the boot GDT at LAYOUT_BOOT_GDT, an 8-byte empty IDT at
 * LAYOUT_BOOT_IDT and, for X86_BOOT_LONG64, the page tables (PML4 at
 * LAYOUT_PML4, PDPT at LAYOUT_PDPT, 4 PDs from LAYOUT_PD) identity-mapping
 * 0..4 GiB with 2 MiB pages. -EFAULT if any of it is not RAM, -EINVAL for a
 * bad mode.
 */
int x86_regs_write_boot_tables(const struct guest_mem *gm, enum x86_boot_mode mode) __must_check;

/*
 * Edit sregs (as read by KVM_GET_SREGS) for mode: segments, GDT/IDT
 * registers, CR0/CR3/CR4, EFER. apic_base, CR8 and the interrupt bitmap
 * are left as they were.
 */
void x86_regs_boot_sregs(struct kvm_sregs *sregs, enum x86_boot_mode mode);

/*
 * General registers: RFLAGS 0x2, RIP = entry; LONG64: RSI = boot_info (zero
 * page), RSP = RBP = LAYOUT_BOOT_STACK; PVH32: RBX = boot_info (start info).
 */
void x86_regs_boot_regs(struct kvm_regs *regs, enum x86_boot_mode mode, uint64_t entry,
			uint64_t boot_info);

/* FPU: FCW 0x37f, MXCSR 0x1f80, everything else zero. */
void x86_regs_boot_fpu(struct kvm_fpu *fpu);

/* LVT LINT0 delivery ExtINT (legacy PIC), LINT1 NMI; other bits kept. */
void x86_lapic_set_lint(struct kvm_lapic_state *lapic);
/* Read/write a 32-bit LAPIC register in a kvm_lapic_state (offset < 0x400). */
uint32_t x86_lapic_get_reg(const struct kvm_lapic_state *lapic, uint32_t offset);
void x86_lapic_set_reg(struct kvm_lapic_state *lapic, uint32_t offset, uint32_t value);

#endif
