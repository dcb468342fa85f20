/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>

#include "devices/acpi_pm.h"
#include "devices/ged.h"
#include "devices/post.h"
#include "devices/registry.h"
#include "tests/fakes/fake_dev_ctx.h"

static struct fake_dev_ctx f;
static struct device *dev;

static void setup(void)
{
	fake_dev_ctx_init(&f);
	cr_assert_eq(acpi_pm_new(&f.ctx, &dev), 0);
}

static void teardown(void)
{
	device_destroy(dev);
	fake_dev_ctx_fini(&f);
}

static void wr(uint64_t off, uint8_t v)
{
	dev->ops->write(dev, off, &v, 1);
}

static uint8_t rd(uint64_t off)
{
	uint8_t v;

	dev->ops->read(dev, off, &v, 1);
	return v;
}

static uint8_t slp(unsigned int typ, bool en)
{
	return (uint8_t)(typ << ACPI_PM_SLP_TYP_SHIFT | (en ? ACPI_PM_SLP_EN : 0));
}

TestSuite(acpi_pm, .init = setup, .fini = teardown);

Test(acpi_pm, s5_powers_off)
{
	wr(ACPI_PM_REG_SLEEP_CONTROL, slp(ACPI_PM_SLP_TYP_S5, true));
	cr_assert_eq(fake_events(&f), 1);
	cr_assert_eq(fake_event(&f, 0), PLATFORM_POWEROFF);
}

Test(acpi_pm, s5_without_slp_en_ignored)
{
	wr(ACPI_PM_REG_SLEEP_CONTROL, slp(ACPI_PM_SLP_TYP_S5, false));
	cr_assert_eq(fake_events(&f), 0);
}

Test(acpi_pm, other_sleep_types_wake_at_once)
{
	cr_assert_eq(rd(ACPI_PM_REG_SLEEP_STATUS), 0);
	for (unsigned int typ = 0; typ < 8; typ++) {
		if (typ != ACPI_PM_SLP_TYP_S5)
			wr(ACPI_PM_REG_SLEEP_CONTROL, slp(typ, true));
	}
	cr_assert_eq(fake_events(&f), 0);
	cr_assert_eq(rd(ACPI_PM_REG_SLEEP_STATUS), ACPI_PM_WAK_STS);
	wr(ACPI_PM_REG_SLEEP_STATUS, 0x00);
	cr_assert_eq(rd(ACPI_PM_REG_SLEEP_STATUS), ACPI_PM_WAK_STS, "writing 0 keeps it");
	wr(ACPI_PM_REG_SLEEP_STATUS, ACPI_PM_WAK_STS);
	cr_assert_eq(rd(ACPI_PM_REG_SLEEP_STATUS), 0, "write 1 to clear");
}

Test(acpi_pm, reset_register)
{
	wr(ACPI_PM_REG_RESET, 0x02);
	cr_assert_eq(fake_events(&f), 0);
	wr(ACPI_PM_REG_RESET, ACPI_PM_RESET_VALUE);
	cr_assert_eq(fake_events(&f), 1);
	cr_assert_eq(fake_event(&f, 0), PLATFORM_REBOOT);
}

Test(acpi_pm, any_offset_any_size)
{
	for (unsigned int size = 1; size <= 8; size *= 2) {
		for (uint64_t off = 0; off < 8; off++) {
			uint64_t v = 0;

			dev->ops->write(dev, off, &v, size);
			dev->ops->read(dev, off, &v, size);
		}
	}
	cr_assert_eq(fake_events(&f), 0);
}

/* ---- GED ---- */

#define GED_GSI 5

static struct ged *g;

static void ged_setup(void)
{
	fake_dev_ctx_init(&f);
	cr_assert_eq(ged_new(&f.ctx, GED_GSI, &g), 0);
	dev = ged_device(g);
}

TestSuite(ged, .init = ged_setup, .fini = teardown);

static uint32_t ged_read32(uint64_t off)
{
	uint32_t v;

	dev->ops->read(dev, off, &v, 4);
	return v;
}

Test(ged, notify_raises_read_clears)
{
	cr_assert_not(fake_irq_level(&f, GED_GSI));
	ged_notify(g, GED_EVENT_POWER_BUTTON);
	cr_assert(fake_irq_level(&f, GED_GSI));
	ged_notify(g, 0x4);
	cr_assert_eq(fake_irq_raises(&f, GED_GSI), 1, "still high: no second edge");
	cr_assert_eq(ged_read32(GED_REG_EVENT), 0x5);
	cr_assert_not(fake_irq_level(&f, GED_GSI));
	cr_assert_eq(ged_read32(GED_REG_EVENT), 0);
	ged_notify(g, GED_EVENT_POWER_BUTTON);
	cr_assert_eq(fake_irq_raises(&f, GED_GSI), 2);
}

Test(ged, narrow_read_peeks)
{
	uint8_t b;

	ged_notify(g, 0x0102);
	dev->ops->read(dev, 1, &b, 1);
	cr_assert_eq(b, 0x01);
	cr_assert(fake_irq_level(&f, GED_GSI), "a byte read does not acknowledge");
	cr_assert_eq(ged_read32(0), 0x0102);
}

Test(ged, reset_clears)
{
	ged_notify(g, 1);
	device_reset(dev);
	cr_assert_not(fake_irq_level(&f, GED_GSI));
	cr_assert_eq(ged_read32(0), 0);
}

Test(ged, any_offset_any_size)
{
	ged_notify(g, 1);
	for (unsigned int size = 1; size <= 8; size *= 2) {
		for (uint64_t off = 4; off < 16; off++) {
			uint64_t v = ~0ULL;

			dev->ops->write(dev, off, &v, size);
			dev->ops->read(dev, off, &v, size);
		}
	}
	cr_assert_eq(ged_read32(0), 1, "other offsets do not clear");
}

/* ---- POST port and the registry ---- */

struct post_rec {
	unsigned int n;
	uint8_t last;
	uint64_t ts;
};

static void post_cb(void *opaque, uint8_t value, uint64_t ts_ns)
{
	struct post_rec *r = opaque;

	r->n++;
	r->last = value;
	r->ts = ts_ns;
}

Test(post, records_writes)
{
	struct post_rec rec = { 0 };
	struct device *p;
	uint64_t ts;
	uint8_t v = 0x42;

	cr_assert_eq(post_new(NULL, post_cb, &rec, &p), 0);
	cr_assert_eq(post_last(p, &ts), 0);
	p->ops->write(p, 0, &v, 1);
	v = 0x43;
	p->ops->write(p, 0, &v, 1);
	cr_assert_eq(rec.n, 2);
	cr_assert_eq(rec.last, 0x43);
	cr_assert_neq(rec.ts, 0);
	cr_assert_eq(post_last(p, &ts), 0x43);
	cr_assert_eq(ts, rec.ts);
	v = 0;
	p->ops->read(p, 0, &v, 1);
	cr_assert_eq(v, 0x43);
	cr_assert_eq(post_last(NULL, NULL), 0);
	for (unsigned int size = 1; size <= 8; size *= 2) {
		uint64_t w = ~0ULL;

		p->ops->read(p, 0, &w, size);
		p->ops->read(p, 1, &w, size);
		p->ops->write(p, 1, &w, size);
	}
	cr_assert_eq(post_last(p, NULL), 0x43, "writes past the port are ignored");
	device_destroy(p);
}

Test(registry, lists_every_type)
{
	size_t n;
	const struct registry_entry *e = registry_entries(&n);
	const char *names[] = { "serial", "rtc", "i8042", "acpi-pm", "ged", "post" };

	cr_assert_eq(n, ARRAY_SIZE(names));
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(e[i].name, e[i].ops->name);
		cr_assert_not_null(e[i].description);
		cr_assert_not_null(e[i].ops->read);
		cr_assert_not_null(e[i].ops->write);
		cr_assert_not_null(e[i].ops->destroy);
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		cr_assert_not_null(registry_find(names[i]), "%s missing", names[i]);
	cr_assert_null(registry_find("nope"));
	cr_assert_eq(registry_find("ged")->ops, &ged_ops);
}
