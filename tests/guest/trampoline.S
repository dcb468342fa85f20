/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh test guest: application processor start-up code. smp.c copies the
 * bytes between trampoline_start and trampoline_end to a page below 1 MiB
 * and sends SIPIs with that page as the vector, so an AP starts here in real
 * mode with CS = page >> 4, IP = 0. It stays in real mode: it takes a slot
 * (lock xadd), stores its APIC id (CPUID.1:EBX[31:24]) in the slot, counts
 * itself done (lock inc) and halts with interrupts off. Everything it
 * touches is relative to CS, so the code is position independent.
 */
#include "trampoline.h"

	.section .rodata, "a"
	.code16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	mov $1, %eax
	lock xaddl %eax, TRAMPOLINE_OFF_NEXT
	mov %eax, %esi
	mov $1, %eax
	xor %ecx, %ecx
	cpuid
	shr $24, %ebx
	cmp $TRAMPOLINE_MAX_IDS, %esi
	jae 1f
	shl $2, %esi
	mov %ebx, TRAMPOLINE_OFF_IDS(%si)
1:	lock incl TRAMPOLINE_OFF_DONE
2:	cli
	hlt
	jmp 2b
	.globl trampoline_end
trampoline_end:
	.code64

	.section .note.GNU-stack, "", @progbits
