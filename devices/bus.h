/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An address bus: non-overlapping [base, base+len) ranges mapped to devices.
 * One instance for port I/O and one for MMIO. Lookups happen on vCPU threads
 * concurrently; registration takes a write lock (hotplug later).
 * Each device serializes its own state.
 */
#ifndef CNH_DEVICES_BUS_H
#define CNH_DEVICES_BUS_H

#include <pthread.h>
#include <stdint.h>

#include "common/util.h"
#include "devices/device.h"

#define BUS_MAX_RANGES 256

struct bus_range {
	uint64_t base;
	uint64_t len;
	struct device *dev;
};

struct bus {
	const char *name;
	pthread_rwlock_t lock;
	unsigned int n;
	struct bus_range ranges[BUS_MAX_RANGES]; /* sorted by base */
};

void bus_init(struct bus *bus, const char *name);
void bus_fini(struct bus *bus);
/* -EEXIST on overlap, -ENOSPC when full, -EINVAL on an empty or wrapping range. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len, struct device *dev) __must_check;
int bus_unregister(struct bus *bus, uint64_t base) __must_check;
/*
 * Dispatch an access. Returns 0 when a device handled it, -ENOENT when no
 * device covers [addr, addr+size): reads then return all ones.
 */
int bus_read(struct bus *bus, uint64_t addr, void *data, unsigned int size);
int bus_write(struct bus *bus, uint64_t addr, const void *data, unsigned int size);

#endif
