// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: on-demand uncached 2 MiB identity mappings. */
#include "paging.h"

#define PT_PRESENT 0x001ull
#define PT_RW 0x002ull
#define PT_PWT 0x008ull
#define PT_PCD 0x010ull
#define PT_PS 0x080ull
#define PT_ADDR_MASK 0x000ffffffffff000ull
#define PAGE_2M (1ull << 21)
#define PAGING_POOL_PAGES 16

/* Table pages handed out by paging_alloc(), zeroed by the entry code (bss). */
static uint64_t paging_pool[PAGING_POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned int paging_pool_used;

static uint64_t *paging_alloc(void)
{
	if (paging_pool_used >= PAGING_POOL_PAGES)
		return NULL;
	return paging_pool[paging_pool_used++];
}

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

/* Next-level table under entry *e, created if absent; NULL for a large page or no memory. */
static uint64_t *paging_next(uint64_t *e)
{
	uint64_t *t;

	if (*e & PT_PRESENT)
		return (*e & PT_PS) ? NULL : phys(*e & PT_ADDR_MASK);
	t = paging_alloc();
	if (!t)
		return NULL;
	memset(t, 0, 4096);
	*e = (uint64_t)(uintptr_t)t | PT_PRESENT | PT_RW;
	return t;
}

/* Identity-map [addr, addr + size) with 2 MiB pages carrying cache bits 'cache'. */
static bool paging_map(uint64_t addr, uint64_t size, uint64_t cache)
{
	uint64_t *pml4 = phys(read_cr3() & PT_ADDR_MASK);
	uint64_t a, end = addr + size;

	if (!size || end < addr || end > PAGING_MAX_ADDR)
		return false;
	for (a = addr & ~(PAGE_2M - 1); a < end; a += PAGE_2M) {
		uint64_t *pml4e = &pml4[(a >> 39) & 511];
		uint64_t *pdpt, *pd, *pdpte;

		pdpt = paging_next(pml4e);
		if (!pdpt)
			return false;
		pdpte = &pdpt[(a >> 30) & 511];
		if ((*pdpte & (PT_PRESENT | PT_PS)) == (PT_PRESENT | PT_PS)) {
			/* A 1 GiB page: give it the attributes as a whole. */
			*pdpte = (*pdpte & ~(PT_PCD | PT_PWT)) | cache;
			continue;
		}
		pd = paging_next(pdpte);
		if (!pd)
			return false;
		pd[(a >> 21) & 511] = a | PT_PRESENT | PT_RW | PT_PS | cache;
	}
	write_cr3(read_cr3()); /* flush the TLB (no global pages in use) */
	return true;
}

bool paging_map_uncached(uint64_t addr, uint64_t size)
{
	return paging_map(addr, size, PT_PCD | PT_PWT);
}

bool paging_map_cached(uint64_t addr, uint64_t size)
{
	return paging_map(addr, size, 0);
}
