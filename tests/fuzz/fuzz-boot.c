/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel images from the user: the bzImage setup-header parser and placement,
 * and the ELF64/PVH parser and loader into a small guest memory.
 */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/boot/bzimage.h"
#include "vmm/boot/elf64.h"
#include "vmm/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[4 << 20];
	struct bzimage_info bz;
	struct elf64_image elf;
	struct guest_mem gm;
	uint64_t gpa = 0, sz = sizeof(ram), load;
	void *buf = ram;
	char err[256];

	if (bzimage_parse(data, size, &bz, err, sizeof(err)) == 0)
		fuzz_ignore(bzimage_place(&bz, sizeof(ram), &load, err, sizeof(err)));
	if (elf64_is_elf(data, size) && elf64_parse(data, size, &elf, err, sizeof(err)) == 0 &&
	    gm_init_from_buffers(&gm, &gpa, &buf, &sz, 1) == 0)
		fuzz_ignore(elf64_load(&gm, data, size, &elf, err, sizeof(err)));
	return 0;
}
