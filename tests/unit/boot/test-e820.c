/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>

#include "vmm/boot/e820.h"
#include "vmm/layout.h"

/* Regions are never touched by the builder: no host memory needed. */
static void e820_test_gm(struct guest_mem *gm, const uint64_t *gpas, const uint64_t *sizes,
			 unsigned int n)
{
	void *bufs[GM_MAX_REGIONS] = { 0 };

	cr_assert_eq(gm_init_from_buffers(gm, gpas, bufs, sizes, n), 0);
}

static void e820_expect(const struct e820_entry *e, unsigned int n, const struct e820_entry *want,
			unsigned int want_n)
{
	cr_assert_eq(n, want_n, "got %u entries, want %u", n, want_n);
	for (unsigned int i = 0; i < n; i++) {
		cr_expect_eq(e[i].addr, want[i].addr, "entry %u addr 0x%llx want 0x%llx", i,
			     (unsigned long long)e[i].addr, (unsigned long long)want[i].addr);
		cr_expect_eq(e[i].size, want[i].size, "entry %u size 0x%llx want 0x%llx", i,
			     (unsigned long long)e[i].size, (unsigned long long)want[i].size);
		cr_expect_eq(e[i].type, want[i].type, "entry %u type", i);
	}
}

Test(e820, small_vm)
{
	const uint64_t gpas[] = { 0 }, sizes[] = { MiB(512) };
	const struct e820_entry want[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x400, E820_RESERVED },
		{ 0xe0000, 0x20000, E820_RESERVED },
		{ 0x100000, MiB(512) - 0x100000, E820_RAM },
		{ 0xe0000000, 0x10000000, E820_RESERVED },
	};
	struct e820_entry e[E820_MAX_ENTRIES];
	struct guest_mem gm;
	unsigned int n = 0;

	e820_test_gm(&gm, gpas, sizes, 1);
	cr_assert_eq(e820_build(&gm, e, E820_MAX_ENTRIES, &n), 0);
	e820_expect(e, n, want, ARRAY_SIZE(want));
}

Test(e820, ram_above_4g)
{
	const uint64_t gpas[] = { 0, GiB(4) }, sizes[] = { GiB(3), GiB(5) };
	const struct e820_entry want[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x400, E820_RESERVED },
		{ 0xe0000, 0x20000, E820_RESERVED },
		{ 0x100000, GiB(3) - 0x100000, E820_RAM },
		{ 0xe0000000, 0x10000000, E820_RESERVED },
		{ GiB(4), GiB(5), E820_RAM },
	};
	struct e820_entry e[E820_MAX_ENTRIES];
	struct guest_mem gm;
	unsigned int n = 0;

	e820_test_gm(&gm, gpas, sizes, 2);
	cr_assert_eq(e820_build(&gm, e, E820_MAX_ENTRIES, &n), 0);
	e820_expect(e, n, want, ARRAY_SIZE(want));
}

/* The real allocator's layout (memfds, MAP_NORESERVE: nothing is touched). */
Test(e820, gm_init_8g)
{
	struct e820_entry e[E820_MAX_ENTRIES];
	struct guest_mem gm;
	unsigned int n = 0;

	cr_assert_eq(gm_init(&gm, GiB(8), false), 0);
	cr_assert_eq(e820_build(&gm, e, E820_MAX_ENTRIES, &n), 0);
	cr_assert_eq(n, 6);
	cr_expect_eq(e[3].addr, 0x100000);
	cr_expect_eq(e[3].addr + e[3].size, LAYOUT_PCI_HOLE_START);
	cr_expect_eq(e[5].addr, LAYOUT_RAM_64BIT_START);
	cr_expect_eq(e[5].size, GiB(5));
	cr_expect_eq(e[5].type, E820_RAM);
	for (unsigned int i = 1; i < n; i++)
		cr_expect_geq(e[i].addr, e[i - 1].addr + e[i - 1].size, "sorted, disjoint");
	gm_fini(&gm);
}

/* Adjacent regions merge; RAM overlapping the PCI hole is cut out. */
Test(e820, merge_and_hole)
{
	const uint64_t gpas[] = { 0, MiB(64), GiB(3) - MiB(16) },
		       sizes[] = { MiB(64), MiB(64), MiB(32) };
	struct e820_entry e[E820_MAX_ENTRIES];
	struct guest_mem gm;
	unsigned int n = 0;

	e820_test_gm(&gm, gpas, sizes, 3);
	cr_assert_eq(e820_build(&gm, e, E820_MAX_ENTRIES, &n), 0);
	cr_assert_eq(n, 6);
	cr_expect_eq(e[3].addr, 0x100000);
	cr_expect_eq(e[3].size, MiB(128) - 0x100000, "two regions merged");
	cr_expect_eq(e[4].addr, GiB(3) - MiB(16));
	cr_expect_eq(e[4].size, MiB(16), "stops at the PCI hole");
	cr_expect_eq(e[5].type, E820_RESERVED);
}

Test(e820, too_many_entries)
{
	const uint64_t gpas[] = { 0 }, sizes[] = { MiB(64) };
	struct e820_entry e[4];
	struct guest_mem gm;
	unsigned int n = 99;

	e820_test_gm(&gm, gpas, sizes, 1);
	cr_assert_eq(e820_build(&gm, e, 4, &n), -E2BIG);
	cr_expect_eq(n, 99, "not written on failure");
}
