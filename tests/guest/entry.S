/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: entry points. All of them end in long64_common with
 * EDI = boot mode and ESI = physical address of the loader's boot info.
 *
 *   startup_32   payload offset 0x000 (code32_start): Linux 32-bit boot
 *                protocol, ESI = struct boot_params, paging off.
 *   startup_64   payload offset 0x200: Linux 64-bit boot protocol, long mode
 *                on with identity tables covering us, RSI = boot_params.
 *                Also the ELF e_entry.
 *   pvh_start32  XEN_ELFNOTE_PHYS32_ENTRY: 32-bit protected mode, paging off,
 *                EBX = struct hvm_start_info.
 *
 * The image is linked for 0x100000 and is not relocatable: startup_64 checks
 * that it runs where it was linked and otherwise says so on COM1 and halts.
 * Every path builds its own page tables (first 4 GiB identity mapped with
 * 2 MiB pages, 3-4 GiB uncached for MMIO), its own GDT and a stack.
 */

#define BOOT_MODE_PVH 1
#define BOOT_MODE_LINUX32 2
#define BOOT_MODE_LINUX64 3

#define SEL_CODE32 0x08
#define SEL_CODE64 0x10
#define SEL_DATA 0x18

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100

#define PTE_PRESENT_RW 0x003
#define PDE_2M 0x083		/* present, writable, 2 MiB page */
#define PDE_UNCACHED 0x018	/* PWT | PCD */
#define PD_ENTRIES 2048		/* 4 GiB / 2 MiB */
#define PD_FIRST_MMIO 1536	/* 3 GiB / 2 MiB: PCI hole, ECAM, IOAPIC, LAPIC */

#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .text.head, "ax"
	.code32
	.globl startup_32
startup_32:
	cli
	cld
	mov $BOOT_MODE_LINUX32, %edi
	jmp enter_long_mode

	.org 0x200, 0xcc
	.code64
	.globl startup_64
startup_64:
	cli
	cld
	mov %rsi, %r12
	/* Not relocatable: refuse to run anywhere but the link address. */
	lea startup_64(%rip), %rax
	mov $startup_64, %ecx
	cmp %rax, %rcx
	jne bad_load_address

	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	xor %ecx, %ecx
1:	mov %rcx, %rax
	shl $21, %rax
	or $PDE_2M, %rax
	cmp $PD_FIRST_MMIO, %ecx
	jb 2f
	or $PDE_UNCACHED, %rax
2:	mov %rax, boot_pd(, %rcx, 8)
	inc %ecx
	cmp $PD_ENTRIES, %ecx
	jb 1b
	mov $boot_pd + PTE_PRESENT_RW, %eax
	mov %rax, boot_pdpt
	add $4096, %eax
	mov %rax, boot_pdpt + 8
	add $4096, %eax
	mov %rax, boot_pdpt + 16
	add $4096, %eax
	mov %rax, boot_pdpt + 24
	mov $boot_pdpt + PTE_PRESENT_RW, %eax
	mov %rax, boot_pml4
	mov $boot_pml4, %eax
	mov %rax, %cr3

	lgdt gdt_desc
	push $SEL_CODE64
	lea 3f(%rip), %rax
	push %rax
	lretq
3:	mov $BOOT_MODE_LINUX64, %edi
	mov %r12, %rsi
	jmp long64_common

bad_load_address:
	lea bad_load_msg(%rip), %rsi
4:	lodsb
	test %al, %al
	jz 6f
	mov %al, %bl
	mov $0x3fd, %dx		/* LSR: wait for THRE */
5:	inb %dx, %al
	test $0x20, %al
	jz 5b
	mov %bl, %al
	mov $0x3f8, %dx
	outb %al, %dx
	jmp 4b
6:	cli
	hlt
	jmp 6b

	.section .text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov $BOOT_MODE_PVH, %edi
	mov %ebx, %esi
	/* fall through */

/* 32-bit protected mode, paging off, flat segments; EDI/ESI preserved. */
enter_long_mode:
	mov %edi, %ebp
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $PDE_2M, %eax
	cmp $PD_FIRST_MMIO, %ecx
	jb 2f
	or $PDE_UNCACHED, %eax
2:	mov %eax, boot_pd(, %ecx, 8)
	inc %ecx
	cmp $PD_ENTRIES, %ecx
	jb 1b
	mov $boot_pd + PTE_PRESENT_RW, %eax
	mov %eax, boot_pdpt
	add $4096, %eax
	mov %eax, boot_pdpt + 8
	add $4096, %eax
	mov %eax, boot_pdpt + 16
	add $4096, %eax
	mov %eax, boot_pdpt + 24
	movl $boot_pdpt + PTE_PRESENT_RW, boot_pml4

	lgdt gdt_desc
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0
	mov %ebp, %edi
	ljmp $SEL_CODE64, $long64_common

	.code64
long64_common:
	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %esp
	mov %edi, %edi
	mov %esi, %esi
	xor %ebp, %ebp
	call guest_main
7:	cli
	hlt
	jmp 7b

	.section .rodata, "a"
	.align 16
gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* SEL_CODE32 */
	.quad 0x00af9b000000ffff	/* SEL_CODE64 */
	.quad 0x00cf93000000ffff	/* SEL_DATA */
gdt_end:
	.align 8
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt
bad_load_msg:
	.asciz "cnh-test-guest: FATAL: startup_64 not at its link address 0x100200 (relocatable_kernel=0, loader must honour pref_address)\r\n"

	.section .note.Xen, "a"
	.align 4
	.long 4				/* namesz */
	.long 8				/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.align 4
	.quad pvh_start32		/* Linux also emits an 8-byte value */
	.align 4

	.section .bss, "aw", @nobits
	.align 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096 * 4
	.align 16
boot_stack:
	.skip 65536
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
