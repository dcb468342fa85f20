/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boot register state (conventions of Cloud Hypervisor's arch regs.rs and
 * gdt.rs; values from boot.rst and the PVH ABI).
 *
 * The GDT has four slots, exactly the 32 bytes layout.h leaves between
 * LAYOUT_BOOT_GDT and LAYOUT_BOOT_IDT: null, unused, code (0x10), data
 * (0x18). TR gets its hidden state (a busy TSS) straight through
 * KVM_SET_SREGS with the null selector, as the CPU's own reset state has it;
 * the guest never reloads it from this table (the kernel installs its own
 * GDT and TSS first), so no descriptor is spent on it.
 */
#include <string.h>

#include "vmm/layout.h"
#include "vmm/x86/regs.h"

#define PAGE_SIZE 4096u
#define PT_ENTRIES 512u
#define BOOT_PD_COUNT 4u /* 4 x 1 GiB */
#define BOOT_IDT_BYTES 8u

#define TSS_LIMIT 0x67u /* 104-byte 32/64-bit TSS */

void x86_regs_boot_segments(enum x86_boot_mode mode, struct kvm_segment *ret_code,
			    struct kvm_segment *ret_data, struct kvm_segment *ret_tr)
{
	const bool long64 = mode == X86_BOOT_LONG64;

	*ret_code = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffffu,
		.selector = X86_BOOT_SEL_CODE,
		.type = X86_SEG_TYPE_CODE_XR,
		.present = 1,
		.dpl = 0,
		.db = long64 ? 0 : 1, /* D must be 0 when L is 1 */
		.s = 1,
		.l = long64 ? 1 : 0,
		.g = 1,
	};
	*ret_data = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffffu,
		.selector = X86_BOOT_SEL_DATA,
		.type = X86_SEG_TYPE_DATA_RW,
		.present = 1,
		.db = 1,
		.s = 1,
		.g = 1,
	};
	*ret_tr = (struct kvm_segment){
		.base = 0,
		.limit = TSS_LIMIT,
		.selector = 0,
		.type = X86_SEG_TYPE_TSS_BUSY,
		.present = 1,
		.s = 0,
		.g = 0,
	};
}

uint64_t x86_regs_gdt_entry(const struct kvm_segment *seg)
{
	uint64_t limit = seg->g ? seg->limit >> 12 : seg->limit;
	uint64_t base = seg->base & 0xffffffffu;
	uint64_t d = 0;

	d |= limit & 0xffffu;
	d |= (base & 0xffffffu) << 16;
	d |= (uint64_t)(seg->type & 0xf) << 40;
	d |= (uint64_t)(seg->s & 1) << 44;
	d |= (uint64_t)(seg->dpl & 3) << 45;
	d |= (uint64_t)(seg->present & 1) << 47;
	d |= ((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)(seg->avl & 1) << 52;
	d |= (uint64_t)(seg->l & 1) << 53;
	d |= (uint64_t)(seg->db & 1) << 54;
	d |= (uint64_t)(seg->g & 1) << 55;
	d |= (base >> 24) << 56;
	return d;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int write_gdt_idt(const struct guest_mem *gm, enum x86_boot_mode mode)
{
	uint8_t gdt[X86_BOOT_GDT_ENTRIES * 8] = { 0 };
	uint8_t idt[BOOT_IDT_BYTES] = { 0 };
	struct kvm_segment code, data, tr;
	int r;

	_Static_assert(LAYOUT_BOOT_GDT + X86_BOOT_GDT_ENTRIES * 8 <= LAYOUT_BOOT_IDT,
		       "boot GDT overlaps the boot IDT");
	x86_regs_boot_segments(mode, &code, &data, &tr);
	put_le64(&gdt[X86_BOOT_SEL_CODE], x86_regs_gdt_entry(&code));
	put_le64(&gdt[X86_BOOT_SEL_DATA], x86_regs_gdt_entry(&data));
	r = gm_write(gm, LAYOUT_BOOT_GDT, gdt, sizeof(gdt));
	if (r < 0)
		return r;
	return gm_write(gm, LAYOUT_BOOT_IDT, idt, sizeof(idt));
}

/* PML4[0] -> PDPT, PDPT[0..3] -> PD0..3, PDn[j] -> n GiB + j * 2 MiB. */
static int write_page_tables(const struct guest_mem *gm)
{
	uint8_t page[PAGE_SIZE];
	int r;

	_Static_assert(LAYOUT_PD + BOOT_PD_COUNT * PAGE_SIZE <= LAYOUT_CMDLINE,
		       "boot page directories overlap the command line");
	memset(page, 0, sizeof(page));
	put_le64(&page[0], LAYOUT_PDPT | X86_PTE_P | X86_PTE_RW);
	r = gm_write(gm, LAYOUT_PML4, page, sizeof(page));
	if (r < 0)
		return r;

	memset(page, 0, sizeof(page));
	for (unsigned int i = 0; i < BOOT_PD_COUNT; i++)
		put_le64(&page[8 * i], (LAYOUT_PD + i * PAGE_SIZE) | X86_PTE_P | X86_PTE_RW);
	r = gm_write(gm, LAYOUT_PDPT, page, sizeof(page));
	if (r < 0)
		return r;

	for (unsigned int i = 0; i < BOOT_PD_COUNT; i++) {
		for (unsigned int j = 0; j < PT_ENTRIES; j++) {
			uint64_t addr = GiB(i) + MiB(2) * j;

			put_le64(&page[8 * j], addr | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
		}
		r = gm_write(gm, LAYOUT_PD + i * PAGE_SIZE, page, sizeof(page));
		if (r < 0)
			return r;
	}
	return 0;
}

int x86_regs_write_boot_tables(const struct guest_mem *gm, enum x86_boot_mode mode)
{
	int r;

	if (mode != X86_BOOT_LONG64 && mode != X86_BOOT_PVH32)
		return -EINVAL;
	r = write_gdt_idt(gm, mode);
	if (r < 0)
		return r;
	if (mode == X86_BOOT_LONG64)
		return write_page_tables(gm);
	return 0;
}

void x86_regs_boot_sregs(struct kvm_sregs *sregs, enum x86_boot_mode mode)
{
	struct kvm_segment code, data, tr;

	x86_regs_boot_segments(mode, &code, &data, &tr);
	sregs->cs = code;
	sregs->ds = data;
	sregs->es = data;
	sregs->fs = data;
	sregs->gs = data;
	sregs->ss = data;
	sregs->tr = tr;

	sregs->gdt.base = LAYOUT_BOOT_GDT;
	sregs->gdt.limit = X86_BOOT_GDT_ENTRIES * 8 - 1;
	sregs->idt.base = LAYOUT_BOOT_IDT;
	sregs->idt.limit = 0;

	sregs->cr2 = 0;
	if (mode == X86_BOOT_LONG64) {
		/* Caches on (CD/NW clear), native FPU errors, paging with PAE. */
		sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
		sregs->cr3 = LAYOUT_PML4;
		sregs->cr4 = X86_CR4_PAE;
		sregs->efer = X86_EFER_LME | X86_EFER_LMA;
	} else {
		/* PVH: PE set, all other writable bits clear (ET is fixed to 1). */
		sregs->cr0 = X86_CR0_PE | X86_CR0_ET;
		sregs->cr3 = 0;
		sregs->cr4 = 0;
		sregs->efer = 0;
	}
}

void x86_regs_boot_regs(struct kvm_regs *regs, enum x86_boot_mode mode, uint64_t entry,
			uint64_t boot_info)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = X86_RFLAGS_RESERVED;
	regs->rip = entry;
	if (mode == X86_BOOT_LONG64) {
		regs->rsi = boot_info;
		regs->rsp = LAYOUT_BOOT_STACK;
		regs->rbp = LAYOUT_BOOT_STACK;
	} else {
		regs->rbx = boot_info;
	}
}

void x86_regs_boot_fpu(struct kvm_fpu *fpu)
{
	memset(fpu, 0, sizeof(*fpu));
	fpu->fcw = 0x37f;     /* all x87 exceptions masked, 64-bit precision */
	fpu->mxcsr = 0x1f80;  /* all SSE exceptions masked, round to nearest */
}

uint32_t x86_lapic_get_reg(const struct kvm_lapic_state *lapic, uint32_t offset)
{
	uint32_t v = 0;

	if (offset <= sizeof(lapic->regs) - sizeof(v))
		memcpy(&v, &lapic->regs[offset], sizeof(v));
	return v;
}

void x86_lapic_set_reg(struct kvm_lapic_state *lapic, uint32_t offset, uint32_t value)
{
	if (offset <= sizeof(lapic->regs) - sizeof(value))
		memcpy(&lapic->regs[offset], &value, sizeof(value));
}

void x86_lapic_set_lint(struct kvm_lapic_state *lapic)
{
	uint32_t v;

	/* LINT0 carries the legacy PIC's INTR (virtual wire mode). */
	v = x86_lapic_get_reg(lapic, X86_APIC_LVT_LINT0);
	x86_lapic_set_reg(lapic, X86_APIC_LVT_LINT0, (v & ~X86_APIC_DM_MASK) | X86_APIC_DM_EXTINT);
	/* LINT1 is the NMI line. */
	v = x86_lapic_get_reg(lapic, X86_APIC_LVT_LINT1);
	x86_lapic_set_reg(lapic, X86_APIC_LVT_LINT1, (v & ~X86_APIC_DM_MASK) | X86_APIC_DM_NMI);
}
