/* SPDX-License-Identifier: Apache-2.0 */
/* cnh test guest: layout of the AP trampoline page (shared by C and asm). */
#ifndef GUEST_TRAMPOLINE_H
#define GUEST_TRAMPOLINE_H

/*
 * Physical page the trampoline is copied to. vmm/layout.h uses 0x500,
 * 0x6000-0xefff (boot info, zero page, boot page tables) and 0x20000
 * (command line); 0x10000 is free, is RAM and is 4 KiB aligned. The SIPI
 * vector is this address >> 12.
 */
#define TRAMPOLINE_PADDR 0x10000
#define TRAMPOLINE_OFF_NEXT 0x400 /* u32: next free slot (lock xadd) */
#define TRAMPOLINE_OFF_DONE 0x404 /* u32: APs finished (lock inc) */
#define TRAMPOLINE_OFF_IDS 0x800  /* u32[TRAMPOLINE_MAX_IDS]: APIC ids */
#define TRAMPOLINE_MAX_IDS 256

#ifndef __ASSEMBLER__
extern const char trampoline_start[], trampoline_end[];
#endif

#endif
