/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/layout.h"
#include "vmm/x86/regs.h"

#define RAM_SIZE MiB(1)
#define FILL 0xaa

static struct guest_mem gm;
static void *ram;

static void setup_ram(uint64_t size)
{
	const uint64_t gpa = 0;
	uint64_t sz = size;

	ram = malloc(size);
	cr_assert_not_null(ram);
	memset(ram, FILL, size);
	cr_assert_eq(gm_init_from_buffers(&gm, &gpa, &ram, &sz, 1), 0);
}

static void setup(void)
{
	setup_ram(RAM_SIZE);
}

static void teardown(void)
{
	gm_fini(&gm);
	free(ram);
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;

	cr_assert_eq(gm_read(&gm, gpa, &v, sizeof(v)), 0);
	return v;
}

/* Walk the 4-level tables like the MMU: PML4 -> PDPT -> PD (2 MiB page). */
static uint64_t translate(uint64_t cr3, uint64_t va)
{
	const uint64_t addr_mask = 0x000ffffffffff000ull;
	uint64_t e;

	e = rd64(cr3 + 8 * ((va >> 39) & 0x1ff));
	cr_assert(e & X86_PTE_P, "PML4E present for %#lx", va);
	e = rd64((e & addr_mask) + 8 * ((va >> 30) & 0x1ff));
	cr_assert(e & X86_PTE_P, "PDPTE present for %#lx", va);
	cr_assert_eq(e & X86_PTE_PS, 0, "PDPTE points to a PD");
	e = rd64((e & addr_mask) + 8 * ((va >> 21) & 0x1ff));
	cr_assert(e & X86_PTE_P, "PDE present for %#lx", va);
	cr_assert(e & X86_PTE_RW);
	cr_assert(e & X86_PTE_PS, "2 MiB page");
	return (e & 0x000fffffffe00000ull) | (va & 0x1fffff);
}

TestSuite(regs, .init = setup, .fini = teardown);

Test(regs, long64_segments)
{
	struct kvm_segment code, data, tr;

	x86_regs_boot_segments(X86_BOOT_LONG64, &code, &data, &tr);
	cr_assert_eq(code.selector, 0x10);
	cr_assert_eq(code.type, 0xb);
	cr_assert_eq(code.present, 1);
	cr_assert_eq(code.s, 1);
	cr_assert_eq(code.l, 1);
	cr_assert_eq(code.db, 0, "D must be clear in 64-bit code");
	cr_assert_eq(code.g, 1);
	cr_assert_eq(code.dpl, 0);
	cr_assert_eq(code.base, 0);
	cr_assert_eq(data.selector, 0x18);
	cr_assert_eq(data.type, 0x3);
	cr_assert_eq(data.present, 1);
	cr_assert_eq(data.s, 1);
	cr_assert_eq(data.db, 1);
	cr_assert_eq(data.l, 0);
	cr_assert_eq(data.limit, 0xffffffffu);
	cr_assert_eq(tr.type, 0xb, "busy TSS");
	cr_assert_eq(tr.s, 0);
	cr_assert_eq(tr.present, 1);
	cr_assert_eq(tr.unusable, 0);
}

Test(regs, pvh_segments)
{
	struct kvm_segment code, data, tr;

	x86_regs_boot_segments(X86_BOOT_PVH32, &code, &data, &tr);
	cr_assert_eq(code.selector, 0x10);
	cr_assert_eq(code.type, 0xb);
	cr_assert_eq(code.l, 0);
	cr_assert_eq(code.db, 1, "32-bit code");
	cr_assert_eq(code.g, 1);
	cr_assert_eq(code.limit, 0xffffffffu);
	cr_assert_eq(data.selector, 0x18);
	cr_assert_eq(data.type, 0x3);
	cr_assert_eq(data.db, 1);
	cr_assert_eq(tr.type, 0xb, "32-bit busy TSS");
	cr_assert_eq(tr.s, 0);
	cr_assert_eq(tr.present, 1);
}

Test(regs, long64_tables_in_memory)
{
	cr_assert_eq(x86_regs_write_boot_tables(&gm, X86_BOOT_LONG64), 0);

	/* GDT bytes: null, unused, 64-bit code, data. */
	cr_assert_eq(rd64(LAYOUT_BOOT_GDT + 0x00), 0);
	cr_assert_eq(rd64(LAYOUT_BOOT_GDT + 0x08), 0);
	cr_assert_eq(rd64(LAYOUT_BOOT_GDT + 0x10), 0x00af9b000000ffffull);
	cr_assert_eq(rd64(LAYOUT_BOOT_GDT + 0x18), 0x00cf93000000ffffull);
	cr_assert_eq(rd64(LAYOUT_BOOT_IDT), 0, "empty IDT");
	cr_assert_eq(((uint8_t *)ram)[LAYOUT_BOOT_IDT + 8], FILL, "nothing past the IDT");
	cr_assert_eq(((uint8_t *)ram)[LAYOUT_BOOT_GDT - 1], FILL, "nothing before the GDT");

	cr_assert_eq(rd64(LAYOUT_PML4), LAYOUT_PDPT | 3);
	cr_assert_eq(rd64(LAYOUT_PML4 + 8), 0, "rest of PML4 cleared");
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(rd64(LAYOUT_PDPT + 8 * i), (LAYOUT_PD + 0x1000 * i) | 3);
	cr_assert_eq(rd64(LAYOUT_PDPT + 8 * 4), 0, "nothing above 4 GiB");
	cr_assert_eq(rd64(LAYOUT_PD), 0x83, "0 -> 0, P|RW|PS");
	cr_assert_eq(rd64(LAYOUT_PD + 8), 0x200083, "2 MiB");
	cr_assert_eq(rd64(LAYOUT_PD + 3 * 0x1000), 0xc0000083ull, "3 GiB");
	cr_assert_eq(rd64(LAYOUT_PD + 3 * 0x1000 + 8 * 511), 0xffe00083ull, "last 2 MiB below 4 GiB");

	static const uint64_t va[] = { 0, 0x1234, MiB(2), MiB(16) + 0x10, GiB(1),
				       GiB(3) + MiB(3), LAYOUT_LAPIC_START, GiB(4) - 1 };
	for (size_t i = 0; i < ARRAY_SIZE(va); i++)
		cr_assert_eq(translate(LAYOUT_PML4, va[i]), va[i], "identity %#lx", va[i]);
}

Test(regs, pvh_tables_in_memory)
{
	cr_assert_eq(x86_regs_write_boot_tables(&gm, X86_BOOT_PVH32), 0);
	cr_assert_eq(rd64(LAYOUT_BOOT_GDT + 0x10), 0x00cf9b000000ffffull, "32-bit code");
	cr_assert_eq(rd64(LAYOUT_BOOT_GDT + 0x18), 0x00cf93000000ffffull);
	cr_assert_eq(((uint8_t *)ram)[LAYOUT_PML4], FILL, "no page tables for PVH");
}

Test(regs, tables_outside_ram)
{
	teardown();
	setup_ram(0x1000); /* GDT fits, page tables do not */
	cr_assert_eq(x86_regs_write_boot_tables(&gm, X86_BOOT_PVH32), 0);
	cr_assert_eq(x86_regs_write_boot_tables(&gm, X86_BOOT_LONG64), -EFAULT);
	cr_assert_eq(x86_regs_write_boot_tables(&gm, (enum x86_boot_mode)7), -EINVAL);
}

Test(regs, gdt_entry_encoding)
{
	struct kvm_segment s = { .base = 0x12345678, .limit = 0xabcde, .type = 0x9, .present = 1,
				 .s = 0, .dpl = 3, .avl = 1, .g = 0 };

	cr_assert_eq(x86_regs_gdt_entry(&s), 0x121ae9345678bcdeull);
}

Test(regs, long64_sregs)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.apic_base = 0xfee00900;
	s.interrupt_bitmap[0] = 5;
	x86_regs_boot_sregs(&s, X86_BOOT_LONG64);
	cr_assert_eq(s.cr0, X86_CR0_PE | X86_CR0_PG | X86_CR0_ET | X86_CR0_NE);
	cr_assert_eq(s.cr0 & (3ull << 29), 0, "caches enabled (CD/NW clear)");
	cr_assert_eq(s.cr4, X86_CR4_PAE);
	cr_assert_eq(s.cr3, LAYOUT_PML4);
	cr_assert_eq(s.efer, X86_EFER_LME | X86_EFER_LMA);
	cr_assert_eq(s.gdt.base, LAYOUT_BOOT_GDT);
	cr_assert_eq(s.gdt.limit, 31);
	cr_assert_eq(s.idt.base, LAYOUT_BOOT_IDT);
	cr_assert_eq(s.idt.limit, 0);
	cr_assert_eq(s.cs.selector, 0x10);
	cr_assert_eq(s.cs.l, 1);
	cr_assert_eq(s.ds.selector, 0x18);
	cr_assert_eq(s.es.selector, 0x18);
	cr_assert_eq(s.ss.selector, 0x18);
	cr_assert_eq(s.ss.db, 1);
	cr_assert_eq(s.tr.type, 0xb);
	cr_assert_eq(s.apic_base, 0xfee00900, "APIC base kept");
	cr_assert_eq(s.interrupt_bitmap[0], 5);
}

Test(regs, pvh_sregs)
{
	struct kvm_sregs s;

	memset(&s, 0xff, sizeof(s));
	x86_regs_boot_sregs(&s, X86_BOOT_PVH32);
	cr_assert_eq(s.cr0, X86_CR0_PE | X86_CR0_ET, "protected mode, no paging");
	cr_assert_eq(s.cr4, 0);
	cr_assert_eq(s.efer, 0);
	cr_assert_eq(s.cs.selector, 0x10);
	cr_assert_eq(s.cs.db, 1);
	cr_assert_eq(s.cs.l, 0);
	cr_assert_eq(s.ds.selector, 0x18);
	cr_assert_eq(s.ss.type, 0x3);
	cr_assert_eq(s.tr.s, 0);
	cr_assert_eq(s.gdt.base, LAYOUT_BOOT_GDT);
}

Test(regs, general_registers)
{
	struct kvm_regs r;

	memset(&r, 0xff, sizeof(r));
	x86_regs_boot_regs(&r, X86_BOOT_LONG64, 0x1000200, LAYOUT_ZERO_PAGE);
	cr_assert_eq(r.rip, 0x1000200);
	cr_assert_eq(r.rsi, LAYOUT_ZERO_PAGE);
	cr_assert_eq(r.rflags, 2);
	cr_assert_eq(r.rsp, LAYOUT_BOOT_STACK);
	cr_assert_eq(r.rax | r.rbx | r.rcx | r.rdx | r.rdi | r.r8 | r.r15, 0);

	memset(&r, 0xff, sizeof(r));
	x86_regs_boot_regs(&r, X86_BOOT_PVH32, 0x1000000, LAYOUT_PVH_INFO);
	cr_assert_eq(r.rip, 0x1000000);
	cr_assert_eq(r.rbx, LAYOUT_PVH_INFO);
	cr_assert_eq(r.rsi, 0);
	cr_assert_eq(r.rflags, 2);
}

Test(regs, fpu)
{
	struct kvm_fpu f;

	memset(&f, 0xff, sizeof(f));
	x86_regs_boot_fpu(&f);
	cr_assert_eq(f.fcw, 0x37f);
	cr_assert_eq(f.mxcsr, 0x1f80);
	cr_assert_eq(f.fsw, 0);
	cr_assert_eq(f.ftwx, 0);
	cr_assert_eq(f.xmm[15][15], 0);
}

Test(regs, lapic_lint)
{
	struct kvm_lapic_state l;

	memset(&l, 0, sizeof(l));
	x86_lapic_set_reg(&l, X86_APIC_LVT_LINT0, 0x10000); /* reset: masked */
	x86_lapic_set_reg(&l, X86_APIC_LVT_LINT1, 0x10000 | 0x200); /* SMI before */
	x86_lapic_set_reg(&l, 0x340, 0xdeadbeef);
	x86_lapic_set_reg(&l, 0x370, 0xcafe);
	x86_lapic_set_lint(&l);
	cr_assert_eq(x86_lapic_get_reg(&l, X86_APIC_LVT_LINT0), 0x10700, "ExtINT, mask kept");
	cr_assert_eq(x86_lapic_get_reg(&l, X86_APIC_LVT_LINT1), 0x10400, "NMI");
	cr_assert_eq((uint8_t)l.regs[0x350 + 1], 0x07, "little-endian at offset 0x350");
	cr_assert_eq(x86_lapic_get_reg(&l, 0x340), 0xdeadbeef, "neighbours untouched");
	cr_assert_eq(x86_lapic_get_reg(&l, 0x370), 0xcafe);
	cr_assert_eq(x86_lapic_get_reg(&l, 0x3fe), 0, "out of range reads 0");
}
