/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/boot/e820.h"

#include "vmm/layout.h"

struct e820_range {
	uint64_t start;
	uint64_t end; /* exclusive */
};

/* Never RAM, sorted by start. */
static const struct e820_range e820_holes[] = {
	{ LAYOUT_EBDA_START, LAYOUT_ACPI_END },
	{ LAYOUT_PCI_HOLE_START, LAYOUT_PCI_HOLE_END },
};

static const struct e820_range e820_reserved[] = {
	{ LAYOUT_EBDA_START, 0xa0000ULL },
	{ LAYOUT_ACPI_START, LAYOUT_ACPI_END },
	{ LAYOUT_PCI_ECAM_START, LAYOUT_PCI_ECAM_START + LAYOUT_PCI_ECAM_SIZE },
};

static int e820_push(struct e820_entry *e, unsigned int max, unsigned int *n, uint64_t start,
		     uint64_t end, uint32_t type)
{
	if (end <= start)
		return 0;
	if (*n >= max)
		return -E2BIG;
	e[*n] = (struct e820_entry){ .addr = start, .size = end - start, .type = type };
	(*n)++;
	return 0;
}

static void e820_sort(struct e820_entry *e, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		struct e820_entry cur = e[i];
		unsigned int j = i;

		while (j > 0 && e[j - 1].addr > cur.addr) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = cur;
	}
}

int e820_build(const struct guest_mem *gm, struct e820_entry *ret_entries, unsigned int max,
	       unsigned int *ret_n)
{
	struct e820_entry tmp[E820_MAX_ENTRIES];
	unsigned int n = 0, out = 0;
	int r;

	for (unsigned int i = 0; i < gm->n; i++) {
		uint64_t cur = gm->regions[i].gpa;
		uint64_t end = cur + gm->regions[i].size;

		for (size_t h = 0; h < ARRAY_SIZE(e820_holes); h++) {
			const struct e820_range *hole = &e820_holes[h];

			if (hole->end <= cur || hole->start >= end)
				continue;
			r = e820_push(tmp, E820_MAX_ENTRIES, &n, cur, hole->start, E820_RAM);
			if (r < 0)
				return r;
			cur = MAX(cur, hole->end);
		}
		r = e820_push(tmp, E820_MAX_ENTRIES, &n, cur, end, E820_RAM);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(e820_reserved); i++) {
		r = e820_push(tmp, E820_MAX_ENTRIES, &n, e820_reserved[i].start,
			      e820_reserved[i].end, E820_RESERVED);
		if (r < 0)
			return r;
	}
	e820_sort(tmp, n);
	for (unsigned int i = 0; i < n; i++) {
		struct e820_entry *prev = out ? &tmp[out - 1] : NULL;

		if (prev && prev->type == tmp[i].type && prev->addr + prev->size == tmp[i].addr) {
			prev->size += tmp[i].size;
			continue;
		}
		tmp[out++] = tmp[i];
	}
	if (out > max)
		return -E2BIG;
	for (unsigned int i = 0; i < out; i++)
		ret_entries[i] = tmp[i];
	*ret_n = out;
	return 0;
}
