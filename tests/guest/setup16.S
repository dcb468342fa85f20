/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: real-mode setup code of the bzImage, for BIOS loaders
 * (QEMU/SeaBIOS linuxboot, GRUB's linux16) that use the 16-bit boot
 * protocol. cnh uses the 64-bit entry and never runs this.
 *
 * mkbzimage.py places these bytes at setup offset SETUP16_OFF (linked
 * there) and a short jump to it at 0x200. The loader enters at
 * CS = base_seg + 0x20, IP = 0 with DS = ES = SS = base_seg, so data labels
 * are DS-relative offsets into the setup area and jumps are relative.
 *
 * We build a zero page at base + ZP_OFF (header copied from 0x1f1, e820 from
 * INT 15h/E820; no RSDP: the kernel scans the BIOS area), switch to 32-bit
 * protected mode with flat segments and jump to code32_start (0x100000) with
 * ESI = zero page, as the 32-bit boot protocol prescribes.
 */

#define ZP_OFF 0x8000
#define ZP_E820_ENTRIES 0x1e8
#define ZP_E820_TABLE 0x2d0
#define ZP_HDR 0x1f1
#define HDR_END 0x280		/* = SETUP16_OFF: header copied up to here */
#define E820_MAX 128
#define SMAP 0x534d4150
#define KERNEL_CODE32 0x100000
#define SEL_CODE32 0x10
#define SEL_DATA 0x18

	.code16
	.section .text, "ax"
	.globl setup16_start
setup16_start:
	cli
	cld
	mov %ds, %ax
	mov %ax, %es
	mov %ax, %ss
	mov $ZP_OFF - 0x10, %sp

	mov $ZP_OFF, %di
	mov $2048, %cx
	xor %ax, %ax
	rep stosw
	mov $ZP_HDR, %si
	mov $ZP_OFF + ZP_HDR, %di
	mov $HDR_END - ZP_HDR, %cx
	rep movsb

	xor %ebx, %ebx
	mov $ZP_OFF + ZP_E820_TABLE, %di
1:	mov $0xe820, %eax
	mov $SMAP, %edx
	mov $20, %ecx
	int $0x15
	jc 2f
	cmp $SMAP, %eax
	jne 2f
	incb ZP_OFF + ZP_E820_ENTRIES
	add $20, %di
	test %ebx, %ebx
	jz 2f
	cmpb $E820_MAX, ZP_OFF + ZP_E820_ENTRIES
	jb 1b
2:	cli
	in $0x92, %al		/* fast A20 */
	or $2, %al
	and $0xfe, %al
	out %al, $0x92

	xor %eax, %eax
	mov %ds, %ax
	shl $4, %eax
	mov %eax, %esi
	add $ZP_OFF, %esi
	add $gdt16, %eax
	mov %eax, gdt16_desc + 2
	lgdtl gdt16_desc
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	ljmpl $SEL_CODE32, $KERNEL_CODE32

	.align 8
gdt16:
	.quad 0
	.quad 0
	.quad 0x00cf9b000000ffff	/* SEL_CODE32 */
	.quad 0x00cf93000000ffff	/* SEL_DATA */
gdt16_end:
gdt16_desc:
	.word gdt16_end - gdt16 - 1
	.long 0				/* linear base, patched at run time */

	.section .note.GNU-stack, "", @progbits
