/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86_64 kernel loading: a bzImage through the Linux 64-bit boot protocol, or
 * an ELF vmlinux through PVH. boot_load() writes the kernel, the initramfs,
 * the command line and the boot parameters (zero page or hvm_start_info, each
 * with the e820 map) into guest memory at the addresses of vmm/layout.h.
 *
 * Entry state the caller sets up from boot_info:
 *  BOOT_LINUX64: long mode, identity-mapped page tables, RIP = entry,
 *                RSI = params_gpa (zero page).
 *  BOOT_PVH:     32-bit protected mode, paging off, EIP = entry,
 *                EBX = params_gpa (hvm_start_info).
 */
#ifndef CNH_VMM_BOOT_BOOT_H
#define CNH_VMM_BOOT_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "vmm/memory.h"

enum boot_protocol {
	BOOT_LINUX64, /* bzImage, 64-bit entry */
	BOOT_PVH,     /* ELF vmlinux with a PVH note, 32-bit entry */
};

struct boot_config {
	const char *kernel_path;
	const char *initramfs_path; /* NULL: none */
	const char *cmdline;        /* NULL: "" */
	uint64_t rsdp_gpa;          /* 0: no ACPI */
};

struct boot_info {
	enum boot_protocol protocol;
	uint64_t entry;        /* guest-physical entry (bzImage: load address + 0x200) */
	uint64_t params_gpa;   /* zero page (RSI) or hvm_start_info (EBX) */
	uint64_t kernel_start; /* range the kernel occupies (bzImage: load + init_size) */
	uint64_t kernel_end;   /* exclusive */
	uint64_t initramfs_gpa; /* 0 if none */
	uint64_t initramfs_size;
};

/*
 * Load kernel (+initramfs, cmdline, boot params/start info with e820) into
 * guest memory. On failure return -errno and write a one-line message naming
 * the file into err; ret is written only on success.
 */
int boot_load(const struct guest_mem *gm, const struct boot_config *cfg, struct boot_info *ret,
	      char *err, size_t errlen) __must_check;

#endif
