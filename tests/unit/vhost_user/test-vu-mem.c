/* SPDX-License-Identifier: Apache-2.0 */
/* Memory table: mapping, overlap rules, translation edge cases. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "vhost-user/lib/vu_mem.h"

static int fd = -1;
static struct vu_mem mem;

static void setup(void)
{
	fd = memfd_create("t", MFD_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 4 * 65536), 0);
	vu_mem_init(&mem);
}

static void teardown(void)
{
	vu_mem_fini(&mem);
	closep(&fd);
}

TestSuite(vu_mem, .init = setup, .fini = teardown);

static struct vhost_user_mem_region reg(uint64_t gpa, uint64_t size, uint64_t uva, uint64_t off)
{
	return (struct vhost_user_mem_region){ gpa, size, uva, off };
}

/* Two adjacent regions backed by different parts of one memfd. */
static void two_regions(void)
{
	struct vhost_user_mem_region a = reg(0x0, 65536, 0x7000000000, 0);
	struct vhost_user_mem_region b = reg(0x10000, 65536, 0x8000000000, 2 * 65536);

	cr_assert_eq(vu_mem_add(&mem, &a, fd), 0);
	cr_assert_eq(vu_mem_add(&mem, &b, fd), 0);
}

Test(vu_mem, translate_both_spaces_and_offset)
{
	char *p, *q;

	two_regions();
	p = vu_mem_translate(&mem, VU_ADDR_GPA, 0x10010, 16);
	q = vu_mem_translate(&mem, VU_ADDR_UVA, 0x8000000010, 16);
	cr_assert_not_null(p);
	cr_assert_eq(p, q, "same byte through GPA and UVA");
	memcpy(p, "x", 1);
	{
		char c = 0;

		cr_assert_eq(pread(fd, &c, 1, 2 * 65536 + 0x10), 1);
		cr_assert_eq(c, 'x', "mmap_offset honoured");
	}
}

Test(vu_mem, translate_region_edges)
{
	two_regions();
	cr_assert_not_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0, 65536), "whole region");
	cr_assert_not_null(vu_mem_translate(&mem, VU_ADDR_GPA, 65535, 1), "last byte");
	cr_assert_not_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x1ffff, 1), "last byte of the second");
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x20000, 1), "just past the end");
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x1ffff, 2), "runs off the end");
}

Test(vu_mem, translate_refuses_straddling)
{
	two_regions();
	/* Adjacent in guest-physical space, separate mappings: never one pointer. */
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0xfff0, 32));
}

Test(vu_mem, translate_refuses_overflow_and_empty)
{
	struct vhost_user_mem_region top = reg(0xffffffffffff0000ULL, 0xf000, 0x9000000000, 0);

	two_regions();
	cr_assert_eq(vu_mem_add(&mem, &top, fd), 0);
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x100, 0), "empty range");
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, UINT64_MAX, 2), "wraps");
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0xffffffffffff0000ULL, UINT64_MAX), "huge length");
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x10, UINT64_MAX - 8), "length wraps");
	cr_assert_not_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0xffffffffffff0000ULL, 0xf000));
}

Test(vu_mem, translate_unmapped)
{
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0, 1), "empty table");
	two_regions();
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x100000, 1));
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_UVA, 0x10, 1), "GPA is not a UVA");
}

Test(vu_mem, add_rejects_overlap_and_bad_regions)
{
	struct vhost_user_mem_region r;

	two_regions();
	r = reg(0x8000, 65536, 0xa000000000, 0);
	cr_assert_eq(vu_mem_add(&mem, &r, fd), -EINVAL, "GPA overlap");
	r = reg(0x100000, 65536, 0x7000008000, 0);
	cr_assert_eq(vu_mem_add(&mem, &r, fd), -EINVAL, "UVA overlap");
	r = reg(0x100000, 0, 0xa000000000, 0);
	cr_assert_eq(vu_mem_add(&mem, &r, fd), -EINVAL, "empty");
	r = reg(UINT64_MAX - 10, 65536, 0xa000000000, 0);
	cr_assert_eq(vu_mem_add(&mem, &r, fd), -EINVAL, "GPA overflow");
	r = reg(0x100000, 65536, 0xa000000000, 0);
	cr_assert_eq(vu_mem_add(&mem, &r, -1), -EBADF);
	cr_assert_eq(mem.nregions, 2);
}

/* QEMU's multiqueue net: one vhost_dev per pair on one connection, each adds the same regions. */
Test(vu_mem, identical_region_is_referenced_not_remapped)
{
	struct vhost_user_mem_region a = reg(0x0, 65536, 0x7000000000, 0);
	void *p;

	two_regions();
	p = vu_mem_translate(&mem, VU_ADDR_GPA, 0x10, 1);
	cr_assert_eq(vu_mem_add(&mem, &a, fd), 0, "second ADD_MEM_REG of the same region");
	cr_assert_eq(mem.nregions, 2);
	cr_assert_eq(vu_mem_translate(&mem, VU_ADDR_GPA, 0x10, 1), p, "same mapping");
	a.mmap_offset = 65536;
	cr_assert_eq(vu_mem_add(&mem, &a, fd), -EINVAL, "same range, other offset: an overlap");
	a.mmap_offset = 0;
	cr_assert_eq(vu_mem_remove(&mem, &a), 0);
	cr_assert_eq(vu_mem_translate(&mem, VU_ADDR_GPA, 0x10, 1), p, "one reference left");
	cr_assert_eq(vu_mem_remove(&mem, &a), 0);
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x10, 1), "last reference unmaps");
	cr_assert_eq(vu_mem_remove(&mem, &a), -ENOENT);
	cr_assert_eq(mem.nregions, 1);
}

Test(vu_mem, unaligned_mmap_offset)
{
	struct vhost_user_mem_region r = reg(0x0, 4096, 0x7000000000, 65536 + 100);
	char c = 0, *p;

	cr_assert_eq(vu_mem_add(&mem, &r, fd), 0);
	p = vu_mem_translate(&mem, VU_ADDR_GPA, 0, 1);
	cr_assert_not_null(p);
	*p = 'q';
	cr_assert_eq(pread(fd, &c, 1, 65536 + 100), 1);
	cr_assert_eq(c, 'q');
}

Test(vu_mem, slots_are_bounded)
{
	for (unsigned int i = 0; i < VU_MEM_MAX_SLOTS; i++) {
		struct vhost_user_mem_region r = reg(i * 0x10000ULL, 4096, 0x7000000000ULL + i * 0x10000ULL, 0);

		cr_assert_eq(vu_mem_add(&mem, &r, fd), 0);
	}
	{
		struct vhost_user_mem_region r = reg(0x1000000, 4096, 0x9000000000ULL, 0);

		cr_assert_eq(vu_mem_add(&mem, &r, fd), -ENOSPC);
	}
}

Test(vu_mem, remove_region)
{
	struct vhost_user_mem_region a = reg(0x0, 65536, 0x7000000000, 0);
	struct vhost_user_mem_region wrong = reg(0x0, 4096, 0x7000000000, 0);

	two_regions();
	cr_assert_eq(vu_mem_remove(&mem, &wrong), -ENOENT, "size must match");
	cr_assert_eq(vu_mem_remove(&mem, &a), 0);
	cr_assert_eq(mem.nregions, 1);
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0, 1));
	cr_assert_not_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x10000, 1));
	cr_assert_eq(vu_mem_remove(&mem, &a), -ENOENT);
}

Test(vu_mem, set_table_is_all_or_nothing)
{
	struct vhost_user_mem_region regs[2] = { reg(0x100000, 4096, 0x7100000000, 0),
						 reg(0x100800, 4096, 0x7200000000, 0) }; /* overlap */
	int fds[2] = { fd, fd };

	two_regions();
	cr_assert_eq(vu_mem_set_table(&mem, regs, fds, 2), -EINVAL);
	cr_assert_eq(mem.nregions, 2, "old table kept");
	cr_assert_not_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0, 1));
	regs[1].guest_phys_addr = 0x200000;
	cr_assert_eq(vu_mem_set_table(&mem, regs, fds, 2), 0);
	cr_assert_eq(mem.nregions, 2);
	cr_assert_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0, 1), "old table gone");
	cr_assert_not_null(vu_mem_translate(&mem, VU_ADDR_GPA, 0x200000, 4096));
}
