/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The legacy device types, in one explicit const array (no constructor
 * tricks): drives --help listings and name validation. The VMM still calls
 * each type's own constructor, since their parameters differ.
 */
#ifndef CNH_DEVICES_REGISTRY_H
#define CNH_DEVICES_REGISTRY_H

#include <stddef.h>

#include "devices/device.h"

struct registry_entry {
	const char *name;        /* equals ops->name */
	const char *description; /* one line for --help */
	const struct dev_ops *ops;
};

/* The whole table; *ret_n gets its length. */
const struct registry_entry *registry_entries(size_t *ret_n);
/* Entry by name, NULL when unknown. */
const struct registry_entry *registry_find(const char *name);

#endif
