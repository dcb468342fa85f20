/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>

#include "devices/rtc.h"
#include "tests/fakes/fake_dev_ctx.h"

/* 2024-02-29 15:04:05 UTC, a Thursday. */
#define FIXED_TIME 1709219045

static void fixed_clock(void *opaque, struct timespec *ts)
{
	ts->tv_sec = *(const time_t *)opaque;
	ts->tv_nsec = 0;
}

static struct fake_dev_ctx f;
static struct device *dev;
static time_t now = FIXED_TIME;

static void open_rtc(uint64_t low, uint64_t high)
{
	struct rtc_clock clock = { .now = fixed_clock, .opaque = &now };

	fake_dev_ctx_init(&f);
	cr_assert_eq(rtc_new(&f.ctx, low, high, &clock, &dev), 0);
}

static void setup(void)
{
	now = FIXED_TIME;
	open_rtc(MiB(128), 0);
}

static void teardown(void)
{
	device_destroy(dev);
	fake_dev_ctx_fini(&f);
}

static uint8_t cmos_read(uint8_t index)
{
	uint8_t v = index;

	dev->ops->write(dev, 0, &v, 1);
	dev->ops->read(dev, 1, &v, 1);
	return v;
}

static void cmos_write(uint8_t index, uint8_t val)
{
	dev->ops->write(dev, 0, &index, 1);
	dev->ops->write(dev, 1, &val, 1);
}

TestSuite(rtc, .init = setup, .fini = teardown);

Test(rtc, bcd_24h_default)
{
	cr_assert_eq(cmos_read(RTC_SECONDS), 0x05);
	cr_assert_eq(cmos_read(RTC_MINUTES), 0x04);
	cr_assert_eq(cmos_read(RTC_HOURS), 0x15);
	cr_assert_eq(cmos_read(RTC_DAY_OF_WEEK), 5, "Thursday is day 5 (Sunday = 1)");
	cr_assert_eq(cmos_read(RTC_DAY_OF_MONTH), 0x29);
	cr_assert_eq(cmos_read(RTC_MONTH), 0x02);
	cr_assert_eq(cmos_read(RTC_YEAR), 0x24);
	cr_assert_eq(cmos_read(RTC_CENTURY), 0x20);
}

Test(rtc, binary_mode)
{
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	cr_assert_eq(cmos_read(RTC_REG_B), RTC_B_24H | RTC_B_DM_BINARY);
	cr_assert_eq(cmos_read(RTC_SECONDS), 5);
	cr_assert_eq(cmos_read(RTC_HOURS), 15);
	cr_assert_eq(cmos_read(RTC_DAY_OF_MONTH), 29);
	cr_assert_eq(cmos_read(RTC_YEAR), 24);
	cr_assert_eq(cmos_read(RTC_CENTURY), 20);
}

Test(rtc, twelve_hour_mode)
{
	cmos_write(RTC_REG_B, 0); /* BCD, 12h */
	cr_assert_eq(cmos_read(RTC_HOURS), 0x80 | 0x03, "15h is 3 PM");
	cmos_write(RTC_REG_B, RTC_B_DM_BINARY);
	cr_assert_eq(cmos_read(RTC_HOURS), 0x80 | 3);
	now = FIXED_TIME - 15 * 3600; /* 00:04:05 */
	cr_assert_eq(cmos_read(RTC_HOURS), 12, "midnight is 12 AM");
	now = FIXED_TIME - 3 * 3600; /* 12:04:05 */
	cr_assert_eq(cmos_read(RTC_HOURS), 0x80 | 12, "noon is 12 PM");
	now = FIXED_TIME - 4 * 3600; /* 11:04:05 */
	cmos_write(RTC_REG_B, 0);
	cr_assert_eq(cmos_read(RTC_HOURS), 0x11);
}

Test(rtc, clock_follows_time_source)
{
	now = FIXED_TIME + 1;
	cr_assert_eq(cmos_read(RTC_SECONDS), 0x06);
	cmos_write(RTC_SECONDS, 0x30);
	cr_assert_eq(cmos_read(RTC_SECONDS), 0x06, "time writes are ignored");
}

Test(rtc, status_registers)
{
	cr_assert_eq(cmos_read(RTC_REG_A), 0x26, "UIP clear at a whole second");
	cmos_write(RTC_REG_A, 0xa6);
	cr_assert_eq(cmos_read(RTC_REG_A), 0x26, "UIP is read-only");
	cr_assert_eq(cmos_read(RTC_REG_C), 0);
	cr_assert_eq(cmos_read(RTC_REG_D), RTC_D_VRT);
	cmos_write(RTC_REG_D, 0);
	cr_assert_eq(cmos_read(RTC_REG_D), RTC_D_VRT);
}

Test(rtc, nmi_bit_ignored_in_index)
{
	uint8_t v = 0x80 | RTC_YEAR;

	dev->ops->write(dev, 0, &v, 1);
	dev->ops->read(dev, 1, &v, 1);
	cr_assert_eq(v, 0x24);
}

Test(rtc, nvram_survives_reset)
{
	for (unsigned int i = 0x40; i < 0x50; i++)
		cmos_write((uint8_t)i, (uint8_t)(i ^ 0x5a));
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_UIE);
	device_reset(dev);
	for (unsigned int i = 0x40; i < 0x50; i++)
		cr_assert_eq(cmos_read((uint8_t)i), i ^ 0x5a);
	cr_assert_eq(cmos_read(RTC_REG_B), RTC_B_24H, "reset clears interrupt enables only");
	cr_assert_eq(cmos_read(0x7f), 0);
	cmos_write(0x7f, 0xee);
	device_reset(dev);
	cr_assert_eq(cmos_read(0x7f), 0xee);
}

Test(rtc, memory_registers_128m)
{
	cr_assert_eq(cmos_read(RTC_BASE_MEM_LO) | cmos_read(RTC_BASE_MEM_HI) << 8, 640);
	cr_assert_eq(cmos_read(RTC_EXT_MEM_LO) | cmos_read(RTC_EXT_MEM_HI) << 8, 0xffff,
		     "127 MiB in KiB caps at 0xffff");
	cr_assert_eq(cmos_read(RTC_EXT_MEM2_LO) | cmos_read(RTC_EXT_MEM2_HI) << 8, 0xffff);
	cr_assert_eq(cmos_read(RTC_MEM_16M_LO) | cmos_read(RTC_MEM_16M_HI) << 8,
		     (128 - 16) * 16);
	cr_assert_eq(cmos_read(RTC_MEM_4G_LO), 0);
	cr_assert_eq(cmos_read(RTC_MEM_4G_MID), 0);
	cr_assert_eq(cmos_read(RTC_MEM_4G_HI), 0);
}

Test(rtc, memory_registers_small)
{
	device_destroy(dev);
	fake_dev_ctx_fini(&f);
	open_rtc(MiB(8), 0);
	cr_assert_eq(cmos_read(RTC_EXT_MEM_LO) | cmos_read(RTC_EXT_MEM_HI) << 8, 7 * 1024);
	cr_assert_eq(cmos_read(RTC_MEM_16M_LO) | cmos_read(RTC_MEM_16M_HI) << 8, 0);
}

Test(rtc, memory_registers_6g)
{
	device_destroy(dev);
	fake_dev_ctx_fini(&f);
	open_rtc(GiB(3), GiB(3));
	cr_assert_eq(cmos_read(RTC_EXT_MEM_LO) | cmos_read(RTC_EXT_MEM_HI) << 8, 0xffff);
	cr_assert_eq(cmos_read(RTC_MEM_16M_LO) | cmos_read(RTC_MEM_16M_HI) << 8,
		     (3072 - 16) * 16);
	cr_assert_eq(cmos_read(RTC_MEM_4G_LO) | cmos_read(RTC_MEM_4G_MID) << 8 |
			     cmos_read(RTC_MEM_4G_HI) << 16,
		     3072 * 16);
}

Test(rtc, any_offset_any_size)
{
	uint64_t v;

	for (uint64_t off = 0; off < 8; off++) {
		for (unsigned int size = 1; size <= 8; size *= 2) {
			v = 0xffffffffffffffffULL;
			dev->ops->write(dev, off, &v, size);
			dev->ops->read(dev, off, &v, size);
		}
	}
	/* Every index, including 0x7f and what bit 7 masks. */
	for (unsigned int i = 0; i < 256; i++)
		(void)cmos_read((uint8_t)i);
	v = 0;
	dev->ops->read(dev, 2, &v, 4);
	cr_assert_eq(v, 0xffffffffULL);
}

static void realtime_setup(void)
{
	fake_dev_ctx_init(&f);
	cr_assert_eq(rtc_new(&f.ctx, MiB(64), 0, NULL, &dev), 0);
}

Test(rtc_realtime, year_matches_host, .init = realtime_setup, .fini = teardown)
{
	time_t t = time(NULL);
	struct tm tm;
	uint8_t year;

	gmtime_r(&t, &tm);
	year = cmos_read(RTC_YEAR);
	cr_assert_eq(year, ((tm.tm_year % 100) / 10) << 4 | (tm.tm_year % 10));
}

Test(rtc_args, rejects_bad_arguments)
{
	struct device *d;
	struct rtc_clock bad = { 0 };

	cr_assert_eq(rtc_new(NULL, GiB(5), 0, NULL, &d), -EINVAL);
	cr_assert_eq(rtc_new(NULL, MiB(1), 0, &bad, &d), -EINVAL);
}
