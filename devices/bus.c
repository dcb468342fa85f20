/* SPDX-License-Identifier: Apache-2.0 */
#include "devices/bus.h"

#include <string.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_rwlock_init(&bus->lock, NULL);
}

void bus_fini(struct bus *bus)
{
	if (!bus)
		return;
	pthread_rwlock_destroy(&bus->lock);
	bus->n = 0;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len, struct device *dev)
{
	unsigned int i;
	int r = 0;

	if (len == 0 || range_overflows(base, len) || !dev)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	if (bus->n == BUS_MAX_RANGES) {
		r = -ENOSPC;
		goto out;
	}
	for (i = 0; i < bus->n; i++) {
		struct bus_range *e = &bus->ranges[i];

		if (base <= e->base + e->len - 1 && e->base <= base + len - 1) {
			r = -EEXIST;
			goto out;
		}
		if (e->base > base)
			break;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i], (bus->n - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct bus_range){ .base = base, .len = len, .dev = dev };
	bus->n++;
out:
	pthread_rwlock_unlock(&bus->lock);
	return r;
}

int bus_unregister(struct bus *bus, uint64_t base)
{
	int r = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	for (unsigned int i = 0; i < bus->n; i++) {
		if (bus->ranges[i].base == base) {
			memmove(&bus->ranges[i], &bus->ranges[i + 1],
				(bus->n - i - 1) * sizeof(bus->ranges[0]));
			bus->n--;
			r = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return r;
}

/* Binary search for the range holding [addr, addr+size); caller holds the lock. */
static const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned int size)
{
	unsigned int lo = 0, hi = bus->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_range *e = &bus->ranges[mid];

		if (addr < e->base) {
			hi = mid;
		} else if (addr - e->base >= e->len) {
			lo = mid + 1;
		} else {
			if (size > e->len - (addr - e->base))
				return NULL;
			return e;
		}
	}
	return NULL;
}

int bus_read(struct bus *bus, uint64_t addr, void *data, unsigned int size)
{
	const struct bus_range *e;
	int r = -ENOENT;

	pthread_rwlock_rdlock(&bus->lock);
	e = bus_find(bus, addr, size);
	if (e && e->dev->ops->read) {
		e->dev->ops->read(e->dev, addr - e->base, data, size);
		r = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	if (r < 0)
		memset(data, 0xff, size);
	return r;
}

int bus_write(struct bus *bus, uint64_t addr, const void *data, unsigned int size)
{
	const struct bus_range *e;
	int r = -ENOENT;

	pthread_rwlock_rdlock(&bus->lock);
	e = bus_find(bus, addr, size);
	if (e && e->dev->ops->write) {
		e->dev->ops->write(e->dev, addr - e->base, data, size);
		r = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return r;
}
