/* SPDX-License-Identifier: Apache-2.0 */
/* Lay the ACPI tables out in guest memory and write them there. */
#include "vmm/acpi/acpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/acpi/tables.h"
#include "vmm/layout.h"

/* Tables start on 16-byte boundaries (the RSDP must; the rest look tidy). */
#define ACPI_TABLE_ALIGN 16

int acpi_config_check(const struct acpi_config *cfg)
{
	uint64_t ecam_start, ecam_len;

	if (!cfg || cfg->ncpus == 0 || cfg->ncpus > LAYOUT_MAX_VCPUS)
		return -EINVAL;
	if (cfg->bus_start > cfg->bus_end || !IS_ALIGNED(cfg->ecam_base, MiB(1)))
		return -EINVAL;
	/* The ECAM reservation is a Memory32Fixed: below 4 GiB. */
	ecam_start = cfg->ecam_base + ((uint64_t)cfg->bus_start << 20);
	ecam_len = (uint64_t)(cfg->bus_end - cfg->bus_start + 1) << 20;
	if (range_overflows(cfg->ecam_base, MiB(256)) || ecam_start + ecam_len > GiB(4))
		return -EINVAL;
	if (cfg->mmio32_size == 0 || cfg->mmio32_base + cfg->mmio32_size > GiB(4) ||
	    range_overflows(cfg->mmio32_base, cfg->mmio32_size))
		return -EINVAL;
	if (cfg->mmio64_size && range_overflows(cfg->mmio64_base, cfg->mmio64_size))
		return -EINVAL;
	return 0;
}

void acpi_tables_fini(struct acpi_tables *t)
{
	if (!t)
		return;
	for (unsigned int i = 0; i < ACPI_NTABLES; i++) {
		free(t->t[i].data);
		t->t[i].data = NULL;
		t->t[i].len = 0;
	}
}

/* Move a finished builder into blob i at *next, advancing *next. */
static int acpi_place(struct acpi_tables *t, enum acpi_table_id id, const char *sig,
		      struct aml *a, uint64_t *next, uint64_t limit)
{
	struct acpi_blob *b = &t->t[id];
	uint64_t at = ALIGN_UP(*next, ACPI_TABLE_ALIGN);

	if (at < *next || at > limit || a->len > limit - at)
		return -ENOSPC;
	snprintf(b->sig, sizeof(b->sig), "%s", sig);
	b->gpa = at;
	b->data = a->buf;
	b->len = a->len;
	/* Ownership of the bytes moved to the blob. */
	aml_init(a);
	*next = at + b->len;
	return 0;
}

int acpi_tables_build(struct acpi_tables *t, const struct acpi_config *cfg, uint64_t base,
		      uint64_t limit)
{
	uint64_t next, entries[3];
	struct aml a;
	int r;

	memset(t, 0, sizeof(*t));
	aml_init(&a);
	r = acpi_config_check(cfg);
	if (r < 0)
		return r;
	if (!IS_ALIGNED(base, ACPI_TABLE_ALIGN) || base >= limit)
		return -EINVAL;

	/* RSDP first at base; its XSDT pointer is patched in last. */
	next = base + ACPI_RSDP_LEN;

	r = acpi_dsdt_build(cfg, &a);
	if (r < 0)
		goto fail;
	r = acpi_place(t, ACPI_DSDT, "DSDT", &a, &next, limit);
	if (r < 0)
		goto fail;

	r = acpi_fadt_build(t->t[ACPI_DSDT].gpa, &a);
	if (r < 0)
		goto fail;
	r = acpi_place(t, ACPI_FADT, "FACP", &a, &next, limit);
	if (r < 0)
		goto fail;

	r = acpi_madt_build(cfg, &a);
	if (r < 0)
		goto fail;
	r = acpi_place(t, ACPI_MADT, "APIC", &a, &next, limit);
	if (r < 0)
		goto fail;

	r = acpi_mcfg_build(cfg, &a);
	if (r < 0)
		goto fail;
	r = acpi_place(t, ACPI_MCFG, "MCFG", &a, &next, limit);
	if (r < 0)
		goto fail;

	entries[0] = t->t[ACPI_FADT].gpa;
	entries[1] = t->t[ACPI_MADT].gpa;
	entries[2] = t->t[ACPI_MCFG].gpa;
	r = acpi_xsdt_build(entries, ARRAY_SIZE(entries), &a);
	if (r < 0)
		goto fail;
	r = acpi_place(t, ACPI_XSDT, "XSDT", &a, &next, limit);
	if (r < 0)
		goto fail;

	next = base;
	r = acpi_rsdp_build(t->t[ACPI_XSDT].gpa, &a);
	if (r < 0)
		goto fail;
	r = acpi_place(t, ACPI_RSDP, "RSD PTR ", &a, &next, limit);
	if (r < 0)
		goto fail;
	t->rsdp = base;
	return 0;
fail:
	aml_fini(&a);
	acpi_tables_fini(t);
	return r;
}

int acpi_build(const struct guest_mem *gm, uint64_t base, uint64_t limit,
	       const struct acpi_config *cfg, uint64_t *ret_rsdp)
{
	struct acpi_tables t;
	int r;

	r = acpi_tables_build(&t, cfg, base, limit);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < ACPI_NTABLES; i++) {
		r = gm_write(gm, t.t[i].gpa, t.t[i].data, t.t[i].len);
		if (r < 0)
			goto out;
	}
	*ret_rsdp = t.rsdp;
out:
	acpi_tables_fini(&t);
	return r;
}
