/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hardware-reduced ACPI tables for a cnh x86_64 guest, built at run time:
 * RSDP (revision 2), XSDT, FADT (revision 6, HW_REDUCED_ACPI), DSDT, MADT and
 * MCFG. Everything not in struct acpi_config comes from vmm/layout.h.
 *
 * acpi_tables_build() is the pure builder: it lays the tables out from a base
 * guest address and produces each one as bytes (unit tests dump and check
 * them). acpi_build() does that and copies the result into guest memory.
 */
#ifndef CNH_VMM_ACPI_ACPI_H
#define CNH_VMM_ACPI_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "vmm/memory.h"

struct acpi_config {
	unsigned int ncpus;    /* LAPIC ids and processor UIDs 0..ncpus-1, all enabled */
	uint64_t ecam_base;    /* config space of bus 0 (LAYOUT_PCI_ECAM_START) */
	uint8_t bus_start;     /* 0 */
	uint8_t bus_end;       /* 255 */
	uint64_t mmio32_base;  /* LAYOUT_PCI_MMIO32_START */
	uint64_t mmio32_size;  /* LAYOUT_PCI_MMIO32_SIZE */
	uint64_t mmio64_base;  /* 64-bit BAR window */
	uint64_t mmio64_size;  /* 0: no 64-bit window */
};

enum acpi_table_id {
	ACPI_RSDP,
	ACPI_XSDT,
	ACPI_FADT,
	ACPI_DSDT,
	ACPI_MADT,
	ACPI_MCFG,
	ACPI_NTABLES,
};

struct acpi_blob {
	char sig[9];   /* "RSD PTR ", "XSDT", "FACP", "DSDT", "APIC", "MCFG" */
	uint64_t gpa;  /* where it goes in the guest */
	uint8_t *data; /* malloc'd */
	size_t len;
};

struct acpi_tables {
	struct acpi_blob t[ACPI_NTABLES]; /* indexed by enum acpi_table_id */
	uint64_t rsdp;                    /* == t[ACPI_RSDP].gpa */
};

/*
 * Build all tables for cfg, placed at guest addresses inside [base, limit):
 * the RSDP at base (must be 16-byte aligned), the others after it.
 * -EINVAL for a bad config, -ENOSPC if they do not fit, -ENOMEM.
 */
int acpi_tables_build(struct acpi_tables *t, const struct acpi_config *cfg, uint64_t base,
		      uint64_t limit) __must_check;
/* Accepts a zeroed or half-built struct. */
void acpi_tables_fini(struct acpi_tables *t);

/*
 * Build RSDP at base and the tables after it, all inside [base, limit), and
 * write them to guest memory. Returns the RSDP address in *ret_rsdp.
 */
int acpi_build(const struct guest_mem *gm, uint64_t base, uint64_t limit,
	       const struct acpi_config *cfg, uint64_t *ret_rsdp) __must_check;

/* Byte sum used by every ACPI checksum: a valid table sums to 0. */
uint8_t acpi_checksum(const void *data, size_t len);

#endif
