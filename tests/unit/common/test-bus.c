/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <string.h>

#include "devices/bus.h"

struct rec_dev {
	struct device dev;
	uint64_t last_off;
	unsigned int last_size;
	uint32_t last_val;
	int reads, writes;
};

static void rec_read(struct device *d, uint64_t off, void *data, unsigned int size)
{
	struct rec_dev *r = container_of(d, struct rec_dev, dev);

	r->reads++;
	r->last_off = off;
	r->last_size = size;
	memset(data, 0xab, size);
}

static void rec_write(struct device *d, uint64_t off, const void *data, unsigned int size)
{
	struct rec_dev *r = container_of(d, struct rec_dev, dev);

	r->writes++;
	r->last_off = off;
	r->last_size = size;
	r->last_val = 0;
	memcpy(&r->last_val, data, MIN(size, 4u));
}

static const struct dev_ops rec_ops = { .name = "rec", .read = rec_read, .write = rec_write };

Test(bus, dispatch_and_bounds)
{
	struct bus b;
	struct rec_dev a = { .dev.ops = &rec_ops }, c = { .dev.ops = &rec_ops };
	uint32_t v = 0x12345678;
	uint8_t buf[4];

	bus_init(&b, "test");
	cr_assert_eq(bus_register(&b, 0x100, 8, &a.dev), 0);
	cr_assert_eq(bus_register(&b, 0x10, 4, &c.dev), 0);
	cr_assert_eq(bus_register(&b, 0x104, 8, &c.dev), -EEXIST, "overlap");
	cr_assert_eq(bus_register(&b, 0xfc, 8, &c.dev), -EEXIST, "overlap from below");
	cr_assert_eq(bus_register(&b, UINT64_MAX, 2, &c.dev), -EINVAL, "wraps");
	cr_assert_eq(bus_register(&b, 0x200, 0, &c.dev), -EINVAL, "empty");

	cr_assert_eq(bus_write(&b, 0x104, &v, 4), 0);
	cr_assert_eq(a.writes, 1);
	cr_assert_eq(a.last_off, 4);
	cr_assert_eq(a.last_val, 0x12345678);
	cr_assert_eq(bus_read(&b, 0x12, buf, 2), 0);
	cr_assert_eq(c.reads, 1);
	cr_assert_eq(c.last_off, 2);

	/* An access straddling the end of a range is not dispatched. */
	cr_assert_eq(bus_write(&b, 0x106, &v, 4), -ENOENT);
	cr_assert_eq(a.writes, 1);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(bus_read(&b, 0x50, buf, 4), -ENOENT);
	cr_assert_eq(buf[0], 0xff, "unclaimed reads float high");

	cr_assert_eq(bus_unregister(&b, 0x100), 0);
	cr_assert_eq(bus_write(&b, 0x104, &v, 4), -ENOENT);
	cr_assert_eq(bus_unregister(&b, 0x100), -ENOENT);
	bus_fini(&b);
}

Test(bus, many_ranges_sorted)
{
	static struct bus b;
	static struct rec_dev d[BUS_MAX_RANGES];
	uint8_t x = 1;

	bus_init(&b, "many");
	for (int i = BUS_MAX_RANGES - 1; i >= 0; i--) {
		d[i].dev.ops = &rec_ops;
		cr_assert_eq(bus_register(&b, (uint64_t)i * 16, 16, &d[i].dev), 0);
	}
	cr_assert_eq(bus_register(&b, 0x100000, 1, &d[0].dev), -ENOSPC);
	for (int i = 0; i < BUS_MAX_RANGES; i++) {
		cr_assert_eq(bus_write(&b, (uint64_t)i * 16 + 15, &x, 1), 0);
		cr_assert_eq(d[i].writes, 1, "range %d", i);
		cr_assert_eq(d[i].last_off, 15);
	}
	bus_fini(&b);
}
