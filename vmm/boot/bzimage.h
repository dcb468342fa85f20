/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bzImage setup-header parsing and zero-page construction for the Linux
 * 64-bit boot protocol (Documentation/arch/x86/boot.rst). Pure functions:
 * no files, no guest memory; boot.c does the I/O.
 */
#ifndef CNH_VMM_BOOT_BZIMAGE_H
#define CNH_VMM_BOOT_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "vmm/boot/bootparam.h"
#include "vmm/boot/e820.h"

#define BZIMAGE_MIN_VERSION 0x020c /* 2.12: xloadflags / XLF_KERNEL_64 */
#define BZIMAGE_ENTRY64_OFFSET 0x200
#define BZIMAGE_HEAP_END 0xde00   /* 0xe000 - 0x200, per boot.rst */

struct bzimage_info {
	struct bp_setup_header hdr; /* as in the file (bytes past the header end zero) */
	size_t hdr_len;             /* bytes of setup header to copy (0x202 + byte 0x201 - 0x1f1) */
	uint16_t version;           /* 0x020f for 2.15 */
	size_t setup_size;          /* file offset of the protected-mode kernel */
	size_t kernel_size;         /* protected-mode kernel bytes in the file */
	bool relocatable;
	uint64_t kernel_alignment;  /* power of two (when relocatable) */
	uint64_t pref_address;      /* 1 MiB if the header has none */
	uint64_t init_size;         /* memory the kernel needs from its load address */
	uint64_t initrd_addr_max;   /* highest address the initrd may occupy */
	uint32_t cmdline_size;      /* longest command line, without the NUL */
};

/*
 * Parse and validate the setup header of the bzImage in buf[0..len). On
 * failure return -EINVAL (or -ENOEXEC for a bad magic / version) and write
 * a one-line reason (without the file name) into err.
 */
int bzimage_parse(const void *buf, size_t len, struct bzimage_info *ret, char *err,
		  size_t errlen) __must_check;

/*
 * Pick the guest-physical load address of the protected-mode kernel:
 * pref_address if [pref, pref+init_size) lies in [1 MiB, low_end), else the
 * first kernel_alignment-aligned address at or above 1 MiB if relocatable.
 * -ENOMEM with a reason in err when it does not fit.
 */
int bzimage_place(const struct bzimage_info *bz, uint64_t low_end, uint64_t *ret_load, char *err,
		  size_t errlen) __must_check;

struct bzimage_params_in {
	uint64_t cmdline_gpa;
	uint64_t initrd_gpa; /* 0 with initrd_size 0: no initrd */
	uint64_t initrd_size;
	uint64_t rsdp_gpa;   /* 0: none */
	const struct e820_entry *e820;
	unsigned int e820_n;
};

/*
 * Build the zero page: zeroed, setup header copied from the file, loader
 * fields filled in. -E2BIG if the e820 map does not fit the zero page,
 * -EINVAL if an address does not fit its field.
 */
int bzimage_build_params(const struct bzimage_info *bz, const struct bzimage_params_in *in,
			 struct bp_boot_params *ret_bp) __must_check;

#endif
