/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ELF64 x86_64 kernels booted through PVH: PT_LOAD segments go to p_paddr,
 * the 32-bit entry comes from the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY in a
 * PT_NOTE segment. Parsing is pure; loading checks every segment against
 * guest RAM before writing anything.
 */
#ifndef CNH_VMM_BOOT_ELF64_H
#define CNH_VMM_BOOT_ELF64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "vmm/memory.h"

#define ELF64_MAX_LOADS 16
#define ELF64_MAX_PHDRS 256

struct elf64_segment {
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t paddr;
	uint64_t memsz;  /* >= filesz; the rest is zeroed */
};

struct elf64_image {
	unsigned int n_loads;
	struct elf64_segment loads[ELF64_MAX_LOADS]; /* non-empty PT_LOADs, file order */
	uint64_t pvh_entry;                          /* 32-bit PVH entry point */
	uint64_t start, end;                         /* lowest/highest loaded address (end exclusive) */
};

/* True if buf starts with the ELF magic. */
bool elf64_is_elf(const void *buf, size_t len);

/*
 * Parse an x86_64 ELF64 executable in buf[0..len): program headers and PT_LOAD
 * segments bounded by the file, and the PVH entry note. -ENOEXEC / -EINVAL
 * with a one-line reason (no file name) in err.
 */
int elf64_parse(const void *buf, size_t len, struct elf64_image *ret, char *err,
		size_t errlen) __must_check;

/*
 * Check that every segment lies in guest RAM at or above 1 MiB (clear of the
 * boot structures), then copy them and zero their bss. buf/len must be what
 * img was parsed from. -EFAULT with a reason in err.
 */
int elf64_load(const struct guest_mem *gm, const void *buf, size_t len,
	       const struct elf64_image *img, char *err, size_t errlen) __must_check;

#endif
