/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/memory.h"

#include <linux/memfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/layout.h"

static int gm_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size, bool hugepages)
{
	struct gm_region *r = &gm->regions[gm->n];
	unsigned int flags = MFD_CLOEXEC | (hugepages ? MFD_HUGETLB | MFD_HUGE_2MB : 0);
	char name[32];
	void *p;
	int fd;

	snprintf(name, sizeof(name), "cnh-ram%u", gm->n);
	fd = memfd_create(name, flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	/* Guest RAM never goes into a core dump of the VMM. */
	madvise(p, size, MADV_DONTDUMP);
	r->gpa = gpa;
	r->size = size;
	r->hva = p;
	r->fd = fd;
	r->fd_offset = 0;
	gm->n++;
	gm->ram_size += size;
	return 0;
fail:
	{
		int err = -errno;
		close(fd);
		return err;
	}
}

int gm_init(struct guest_mem *gm, uint64_t size, bool hugepages)
{
	uint64_t low, high;
	int r;

	memset(gm, 0, sizeof(*gm));
	gm->hugepages = hugepages;
	if (size < MiB(2) || !IS_ALIGNED(size, KiB(4)))
		return -EINVAL;
	if (hugepages && !IS_ALIGNED(size, MiB(2)))
		return -EINVAL;
	low = MIN(size, LAYOUT_PCI_HOLE_START);
	high = size - low;
	r = gm_add_region(gm, 0, low, hugepages);
	if (r < 0)
		goto fail;
	if (high) {
		r = gm_add_region(gm, LAYOUT_RAM_64BIT_START, high, hugepages);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	gm_fini(gm);
	return r;
}

int gm_init_from_buffers(struct guest_mem *gm, const uint64_t *gpas, void *const *bufs,
			 const uint64_t *sizes, unsigned int n)
{
	memset(gm, 0, sizeof(*gm));
	if (n > GM_MAX_REGIONS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (range_overflows(gpas[i], sizes[i]) ||
		    (i > 0 && gpas[i] < gpas[i - 1] + sizes[i - 1]))
			return -EINVAL;
		gm->regions[i] = (struct gm_region){
			.gpa = gpas[i], .size = sizes[i], .hva = bufs[i], .fd = -1,
		};
		gm->ram_size += sizes[i];
	}
	gm->n = n;
	return 0;
}

void gm_fini(struct guest_mem *gm)
{
	if (!gm)
		return;
	for (unsigned int i = 0; i < gm->n; i++) {
		struct gm_region *r = &gm->regions[i];

		if (r->fd >= 0) {
			munmap(r->hva, r->size);
			closep(&r->fd);
		}
	}
	gm->n = 0;
	gm->ram_size = 0;
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	if (range_overflows(gpa, len))
		return NULL;
	for (unsigned int i = 0; i < gm->n; i++) {
		const struct gm_region *r = &gm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			uint64_t off = gpa - r->gpa;

			if (len > r->size - off)
				return NULL;
			return r->hva + off;
		}
	}
	return NULL;
}

int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

uint64_t gm_low_end(const struct guest_mem *gm)
{
	return gm->n ? gm->regions[0].gpa + gm->regions[0].size : 0;
}

uint64_t gm_high_end(const struct guest_mem *gm)
{
	const struct gm_region *r;

	if (!gm->n)
		return 0;
	r = &gm->regions[gm->n - 1];
	return r->gpa + r->size;
}
