/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/fakes/fake_guest_mem.h"

#include <string.h>
#include <sys/mman.h>

int fake_guest_mem_init(struct fake_guest_mem *g, uint64_t gpa, uint64_t size, uint64_t uva)
{
	struct vhost_user_mem_region r = { gpa, size, uva, 0 };
	int ret;

	memset(g, 0, sizeof(*g));
	vu_mem_init(&g->mem);
	g->gpa = gpa;
	g->size = size;
	g->uva = uva;
	g->fd = memfd_create("fake-guest", MFD_CLOEXEC);
	if (g->fd < 0)
		return -errno;
	if (ftruncate(g->fd, (off_t)size) < 0)
		goto fail_errno;
	g->local = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (g->local == MAP_FAILED) {
		g->local = NULL;
		goto fail_errno;
	}
	ret = vu_mem_add(&g->mem, &r, g->fd);
	if (ret < 0)
		goto fail;
	return 0;
fail_errno:
	ret = -errno;
fail:
	fake_guest_mem_fini(g);
	return ret;
}

void fake_guest_mem_fini(struct fake_guest_mem *g)
{
	vu_mem_fini(&g->mem);
	if (g->local)
		munmap(g->local, g->size);
	g->local = NULL;
	closep(&g->fd);
}

void *fake_gpa(struct fake_guest_mem *g, uint64_t gpa)
{
	/* The back-end's own mapping, so pointers compare equal to what it returns. */
	return vu_mem_translate(&g->mem, VU_ADDR_GPA, gpa, 1);
}

int fake_vring_init(struct fake_vring *r, struct fake_guest_mem *g, struct vu_virtq *vq, uint16_t num,
		    uint64_t gpa)
{
	memset(r, 0, sizeof(*r));
	r->g = g;
	r->vq = vq;
	r->num = num;
	r->desc_gpa = gpa;
	r->avail_gpa = gpa + VIRTQ_DESC_BYTES(num);
	r->used_gpa = ALIGN_UP(r->avail_gpa + VIRTQ_AVAIL_BYTES(num), 4);
	r->desc = fake_gpa(g, r->desc_gpa);
	r->avail = fake_gpa(g, r->avail_gpa);
	r->used = fake_gpa(g, r->used_gpa);
	memset(r->desc, 0, r->used_gpa + VIRTQ_USED_BYTES(num) - gpa);

	vu_virtq_init(vq, 0, &g->mem);
	vq->size = num;
	vq->desc_uva = r->desc_gpa - g->gpa + g->uva;
	vq->avail_uva = r->avail_gpa - g->gpa + g->uva;
	vq->used_uva = r->used_gpa - g->gpa + g->uva;
	vq->addr_set = true;
	return vu_virtq_map(vq);
}

void fake_desc_at(struct fake_guest_mem *g, uint64_t table_gpa, uint16_t i, uint64_t addr, uint32_t len,
		  uint16_t flags, uint16_t next)
{
	struct virtq_desc *d = (struct virtq_desc *)fake_gpa(g, table_gpa) + i;

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

void fake_desc(struct fake_vring *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	fake_desc_at(r->g, r->desc_gpa, i, addr, len, flags, next);
}

void fake_avail_add(struct fake_vring *r, uint16_t head)
{
	r->avail->ring[r->avail->idx % r->num] = head;
	__atomic_store_n(&r->avail->idx, (uint16_t)(r->avail->idx + 1), __ATOMIC_RELEASE);
}

void fake_set_used_event(struct fake_vring *r, uint16_t v)
{
	r->avail->ring[r->num] = v;
}

uint16_t fake_get_avail_event(struct fake_vring *r)
{
	return *(uint16_t *)&r->used->ring[r->num];
}
