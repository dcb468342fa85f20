/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/lib/vu_mem.h"

#include <limits.h>
#include <string.h>
#include <sys/mman.h>

void vu_mem_init(struct vu_mem *mem)
{
	memset(mem, 0, sizeof(*mem));
}

static void vu_mem_region_unmap(struct vu_mem_region *r)
{
	if (r->map_base)
		munmap(r->map_base, r->map_len);
	memset(r, 0, sizeof(*r));
}

void vu_mem_fini(struct vu_mem *mem)
{
	if (!mem)
		return;
	for (unsigned int i = 0; i < mem->nregions && i < VU_MEM_MAX_SLOTS; i++)
		vu_mem_region_unmap(&mem->regions[i]);
	mem->nregions = 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Check r against the table (no overlap in either address space). */
static int vu_mem_check(const struct vu_mem *mem, const struct vhost_user_mem_region *r)
{
	if (r->memory_size == 0 || range_overflows(r->guest_phys_addr, r->memory_size) ||
	    range_overflows(r->userspace_addr, r->memory_size) || range_overflows(r->mmap_offset, r->memory_size))
		return -EINVAL;
	/* Ranges that end exactly at 2^64 are refused too: keeps "end" representable. */
	if (r->guest_phys_addr + r->memory_size == 0 || r->userspace_addr + r->memory_size == 0)
		return -EINVAL;
	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct vu_mem_region *o = &mem->regions[i];

		if (ranges_overlap(o->gpa, o->size, r->guest_phys_addr, r->memory_size) ||
		    ranges_overlap(o->uva, o->size, r->userspace_addr, r->memory_size))
			return -EINVAL;
	}
	return 0;
}

static int vu_mem_map(struct vu_mem_region *out, const struct vhost_user_mem_region *r, int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t aligned = ALIGN_DOWN(r->mmap_offset, (uint64_t)page);
	uint64_t skew = r->mmap_offset - aligned;
	void *p;

	if (fd < 0)
		return -EBADF;
	if (r->memory_size > SIZE_MAX - skew)
		return -EINVAL;
	p = mmap(NULL, r->memory_size + skew, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd,
		 (off_t)aligned);
	if (p == MAP_FAILED)
		return -errno;
	*out = (struct vu_mem_region){
		.gpa = r->guest_phys_addr,
		.size = r->memory_size,
		.uva = r->userspace_addr,
		.mmap_offset = r->mmap_offset,
		.host = (char *)p + skew,
		.map_base = p,
		.map_len = r->memory_size + skew,
	};
	return 0;
}

int vu_mem_add(struct vu_mem *mem, const struct vhost_user_mem_region *r, int fd)
{
	int ret;

	for (unsigned int i = 0; i < mem->nregions; i++) {
		struct vu_mem_region *o = &mem->regions[i];

		if (o->gpa == r->guest_phys_addr && o->size == r->memory_size &&
		    o->uva == r->userspace_addr && o->mmap_offset == r->mmap_offset) {
			if (fd < 0)
				return -EBADF;
			if (o->refs == UINT_MAX)
				return -EINVAL;
			o->refs++;
			return 0;
		}
	}
	if (mem->nregions >= VU_MEM_MAX_SLOTS)
		return -ENOSPC;
	ret = vu_mem_check(mem, r);
	if (ret < 0)
		return ret;
	ret = vu_mem_map(&mem->regions[mem->nregions], r, fd);
	if (ret < 0)
		return ret;
	mem->regions[mem->nregions].refs = 1;
	mem->nregions++;
	return 0;
}

int vu_mem_remove(struct vu_mem *mem, const struct vhost_user_mem_region *r)
{
	for (unsigned int i = 0; i < mem->nregions; i++) {
		struct vu_mem_region *o = &mem->regions[i];

		if (o->gpa != r->guest_phys_addr || o->size != r->memory_size || o->uva != r->userspace_addr)
			continue;
		if (o->refs > 1) {
			o->refs--;
			return 0;
		}
		vu_mem_region_unmap(o);
		mem->nregions--;
		if (i != mem->nregions) {
			*o = mem->regions[mem->nregions];
			memset(&mem->regions[mem->nregions], 0, sizeof(*o));
		}
		return 0;
	}
	return -ENOENT;
}

int vu_mem_set_table(struct vu_mem *mem, const struct vhost_user_mem_region *regions, const int *fds,
		     unsigned int n)
{
	struct vu_mem next;
	int ret = 0;

	if (n > VU_MEM_MAX_SLOTS)
		return -EINVAL;
	vu_mem_init(&next);
	for (unsigned int i = 0; i < n; i++) {
		ret = vu_mem_add(&next, &regions[i], fds[i]);
		if (ret < 0)
			goto fail;
	}
	vu_mem_fini(mem);
	*mem = next;
	return 0;
fail:
	vu_mem_fini(&next);
	return ret;
}

void *vu_mem_translate(const struct vu_mem *mem, enum vu_addr_space space, uint64_t addr, uint64_t len)
{
	if (len == 0 || range_overflows(addr, len))
		return NULL;
	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct vu_mem_region *r = &mem->regions[i];
		uint64_t base = space == VU_ADDR_GPA ? r->gpa : r->uva;
		uint64_t off;

		if (addr < base)
			continue;
		off = addr - base;
		if (off >= r->size)
			continue;
		/* Found the region holding addr: the whole range must fit in it. */
		if (len > r->size - off)
			return NULL;
		return (char *)r->host + off;
	}
	return NULL;
}
