/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>

#include "vmm/layout.h"
#include "vmm/memory.h"

Test(memory, layout_below_hole)
{
	struct guest_mem gm;

	cr_assert_eq(gm_init(&gm, MiB(128), false), 0);
	cr_assert_eq(gm.n, 1);
	cr_assert_eq(gm.regions[0].gpa, 0);
	cr_assert_eq(gm_low_end(&gm), MiB(128));
	cr_assert_eq(gm_high_end(&gm), MiB(128));
	cr_assert_geq(gm.regions[0].fd, 0, "memfd backed");
	gm_fini(&gm);
}

Test(memory, layout_split_around_hole)
{
	struct guest_mem gm;
	uint32_t v = 0xdeadbeef, back = 0;

	/* MAP_NORESERVE memfds: costs nothing until touched. */
	cr_assert_eq(gm_init(&gm, GiB(5), false), 0);
	cr_assert_eq(gm.n, 2);
	cr_assert_eq(gm_low_end(&gm), LAYOUT_PCI_HOLE_START);
	cr_assert_eq(gm.regions[1].gpa, LAYOUT_RAM_64BIT_START);
	cr_assert_eq(gm.regions[1].size, GiB(5) - LAYOUT_PCI_HOLE_START);
	cr_assert_eq(gm_high_end(&gm), LAYOUT_RAM_64BIT_START + GiB(2));
	cr_assert_eq(gm.ram_size, GiB(5));
	cr_assert_null(gm_ptr(&gm, LAYOUT_PCI_HOLE_START, 1), "the hole is not RAM");
	cr_assert_null(gm_ptr(&gm, LAYOUT_PCI_HOLE_START - 2, 4), "straddles into the hole");
	cr_assert_eq(gm_write(&gm, LAYOUT_RAM_64BIT_START + 16, &v, 4), 0);
	cr_assert_eq(gm_read(&gm, LAYOUT_RAM_64BIT_START + 16, &back, 4), 0);
	cr_assert_eq(back, v);
	cr_assert_eq(gm_write(&gm, gm_high_end(&gm) - 2, &v, 4), -EFAULT);
	cr_assert_null(gm_ptr(&gm, UINT64_MAX - 1, 4), "wrapping range");
	gm_fini(&gm);
}

Test(memory, rejects_bad_sizes)
{
	struct guest_mem gm;

	cr_assert_eq(gm_init(&gm, KiB(4), false), -EINVAL);
	cr_assert_eq(gm_init(&gm, MiB(16) + 1, false), -EINVAL);
	cr_assert_eq(gm_init(&gm, MiB(17), true), -EINVAL, "hugepages need 2 MiB multiples");
}

Test(memory, buffers)
{
	static uint8_t a[4096], b[4096];
	uint64_t gpas[] = { 0, 0x10000 };
	void *bufs[] = { a, b };
	uint64_t sizes[] = { sizeof(a), sizeof(b) };
	struct guest_mem gm;

	cr_assert_eq(gm_init_from_buffers(&gm, gpas, bufs, sizes, 2), 0);
	cr_assert_eq(gm_ptr(&gm, 0x10010, 8), b + 0x10);
	cr_assert_null(gm_ptr(&gm, 0x1000, 1));
	cr_assert_null(gm_ptr(&gm, 0xfff, 2));
	gpas[1] = 0x800;
	cr_assert_eq(gm_init_from_buffers(&gm, gpas, bufs, sizes, 2), -EINVAL, "overlap");
}
