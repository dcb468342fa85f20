// SPDX-License-Identifier: Apache-2.0
/*
 * Device scenarios: one entry per scenario name in scenarios.c, each
 * implemented in its own file. A scenario reads its parameters from the
 * command line (boot_cmdline_get/boot_cmdline_u64 on ctx->bi), drives its
 * device, writes a one-line detail and returns pass/fail; main.c prints the
 * TEST line.
 */
#ifndef CNH_GUEST_SCENARIOS_H
#define CNH_GUEST_SCENARIOS_H

#include "acpi.h"
#include "boot.h"
#include "lib.h"
#include "pci.h"
#include "virtio.h"

struct scenario_ctx {
	const struct boot_info *bi;
	const struct acpi_info *ai; /* NULL when ACPI discovery failed */
	const struct pci_info *pci;
	struct virtio_vectors *vv; /* fresh MSI-X vectors for IRR checks */
	uint64_t ram_end; /* end of the highest e820 RAM range below 4 GiB */
};

struct scenario {
	const char *name;
	bool (*run)(struct scenario_ctx *ctx, char *detail, size_t size);
};

extern const struct scenario device_scenarios[];
extern const size_t device_scenarios_n;

#endif
