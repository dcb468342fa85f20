/* SPDX-License-Identifier: Apache-2.0 */
/* cnh test guest: wake the application processors listed in the MADT. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "acpi.h"

/* Scenario "smp": INIT-SIPI-SIPI every enabled AP, wait for each to report. */
bool smp_selftest(const struct acpi_info *ai, bool have_cpus, uint64_t cpus,
		  char *detail, size_t size);

#endif
