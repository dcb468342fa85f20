/* SPDX-License-Identifier: Apache-2.0 */
/* MC146818 CMOS RTC and NVRAM. See rtc.h for the behaviour. */
#include "devices/rtc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>


struct rtc {
	struct device dev;
	pthread_mutex_t lock;
	struct rtc_clock clock;
	uint8_t index;
	uint8_t cmos[RTC_NVRAM_SIZE];
};

/* UIP is set for this long before each second boundary (datasheet tBUC). */
#define RTC_UIP_NS 244000L

static void rtc_realtime(void *opaque, struct timespec *ts)
{
	if (clock_gettime(CLOCK_REALTIME, ts) < 0) {
		ts->tv_sec = 0;
		ts->tv_nsec = 0;
	}
}

static uint8_t rtc_to_bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static uint8_t rtc_encode(const struct rtc *rtc, unsigned int v)
{
	return (rtc->cmos[RTC_REG_B] & RTC_B_DM_BINARY) ? (uint8_t)v : rtc_to_bcd(v);
}

static uint8_t rtc_encode_hour(const struct rtc *rtc, unsigned int h)
{
	unsigned int h12;
	uint8_t pm;

	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_encode(rtc, h);
	pm = h >= 12 ? 0x80 : 0;
	h12 = h % 12;
	if (h12 == 0)
		h12 = 12;
	return rtc_encode(rtc, h12) | pm;
}

static uint8_t rtc_read_time(struct rtc *rtc, uint8_t reg)
{
	struct timespec ts;
	struct tm tm;
	time_t t;

	rtc->clock.now(rtc->clock.opaque, &ts);
	t = ts.tv_sec;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	switch (reg) {
	case RTC_SECONDS:
		return rtc_encode(rtc, (unsigned int)tm.tm_sec % 60);
	case RTC_MINUTES:
		return rtc_encode(rtc, (unsigned int)tm.tm_min);
	case RTC_HOURS:
		return rtc_encode_hour(rtc, (unsigned int)tm.tm_hour);
	case RTC_DAY_OF_WEEK:
		return rtc_encode(rtc, (unsigned int)tm.tm_wday + 1);
	case RTC_DAY_OF_MONTH:
		return rtc_encode(rtc, (unsigned int)tm.tm_mday);
	case RTC_MONTH:
		return rtc_encode(rtc, (unsigned int)tm.tm_mon + 1);
	case RTC_YEAR:
		return rtc_encode(rtc, (unsigned int)(tm.tm_year + 1900) % 100);
	case RTC_CENTURY:
		return rtc_encode(rtc, (unsigned int)(tm.tm_year + 1900) / 100 % 100);
	case RTC_REG_A:
		return (rtc->cmos[RTC_REG_A] & 0x7f) |
		       (ts.tv_nsec >= 1000000000L - RTC_UIP_NS ? RTC_A_UIP : 0);
	default:
		return 0xff;
	}
}

static bool rtc_is_clock_reg(uint8_t reg)
{
	switch (reg) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_WEEK:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
	case RTC_REG_A:
		return true;
	default:
		return false;
	}
}

static uint8_t rtc_read_data(struct rtc *rtc)
{
	uint8_t reg = rtc->index;

	if (rtc_is_clock_reg(reg))
		return rtc_read_time(rtc, reg);
	if (reg == RTC_REG_C)
		return 0; /* no interrupt flags: none are ever raised */
	if (reg == RTC_REG_D)
		return RTC_D_VRT;
	return rtc->cmos[reg];
}

static void rtc_write_data(struct rtc *rtc, uint8_t v)
{
	uint8_t reg = rtc->index;

	switch (reg) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_WEEK:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* clock follows the host; C and D are read-only */
	case RTC_REG_A:
		rtc->cmos[reg] = v & 0x7f; /* UIP is read-only */
		return;
	default:
		rtc->cmos[reg] = v;
		return;
	}
}

static void rtc_read(struct device *dev, uint64_t offset, void *data, unsigned int size)
{
	struct rtc *rtc = container_of(dev, struct rtc, dev);
	uint8_t *p = data;
	unsigned int i;

	pthread_mutex_lock(&rtc->lock);
	for (i = 0; i < size; i++) {
		if (offset + i == 0)
			p[i] = rtc->index;
		else if (offset + i == 1)
			p[i] = rtc_read_data(rtc);
		else
			p[i] = 0xff;
	}
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_write(struct device *dev, uint64_t offset, const void *data, unsigned int size)
{
	struct rtc *rtc = container_of(dev, struct rtc, dev);
	const uint8_t *p = data;
	unsigned int i;

	pthread_mutex_lock(&rtc->lock);
	for (i = 0; i < size; i++) {
		if (offset + i == 0)
			rtc->index = p[i] & 0x7f; /* bit 7: NMI disable, ignored */
		else if (offset + i == 1)
			rtc_write_data(rtc, p[i]);
	}
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_reset(struct device *dev)
{
	struct rtc *rtc = container_of(dev, struct rtc, dev);

	pthread_mutex_lock(&rtc->lock);
	rtc->index = 0;
	/* The RESET pin clears the interrupt enables; the rest is battery-backed. */
	rtc->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_destroy(struct device *dev)
{
	struct rtc *rtc;

	if (!dev)
		return;
	rtc = container_of(dev, struct rtc, dev);
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

const struct dev_ops rtc_ops = {
	.name = "rtc",
	.read = rtc_read,
	.write = rtc_write,
	.reset = rtc_reset,
	.destroy = rtc_destroy,
};

static void rtc_set16(struct rtc *rtc, uint8_t lo, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	rtc->cmos[lo] = (uint8_t)v;
	rtc->cmos[lo + 1] = (uint8_t)(v >> 8);
}

static void rtc_set_memory(struct rtc *rtc, uint64_t low_end, uint64_t high_size)
{
	uint64_t ext = 0, above16 = 0, above4g;

	if (low_end > MiB(1))
		ext = (low_end - MiB(1)) >> 10;
	if (low_end > MiB(16))
		above16 = (low_end - MiB(16)) >> 16;
	above4g = high_size >> 16;
	if (above4g > 0xffffff)
		above4g = 0xffffff;

	rtc_set16(rtc, RTC_BASE_MEM_LO, 640);
	rtc_set16(rtc, RTC_EXT_MEM_LO, ext);
	rtc_set16(rtc, RTC_EXT_MEM2_LO, ext);
	rtc_set16(rtc, RTC_MEM_16M_LO, above16);
	rtc->cmos[RTC_MEM_4G_LO] = (uint8_t)above4g;
	rtc->cmos[RTC_MEM_4G_MID] = (uint8_t)(above4g >> 8);
	rtc->cmos[RTC_MEM_4G_HI] = (uint8_t)(above4g >> 16);
}

int rtc_new(struct dev_ctx *ctx, uint64_t low_ram_end, uint64_t high_ram_size,
	    const struct rtc_clock *clock, struct device **ret)
{
	struct rtc *rtc;

	if (!ret || low_ram_end > GiB(4) || (clock && !clock->now))
		return -EINVAL;
	rtc = calloc(1, sizeof(*rtc));
	if (!rtc)
		return -ENOMEM;
	rtc->dev.ops = &rtc_ops;
	rtc->dev.ctx = ctx;
	pthread_mutex_init(&rtc->lock, NULL);
	if (clock)
		rtc->clock = *clock;
	else
		rtc->clock.now = rtc_realtime;
	rtc->cmos[RTC_REG_A] = 0x26; /* 32.768 kHz divider, 1024 Hz rate */
	rtc->cmos[RTC_REG_B] = RTC_B_24H; /* BCD, 24h */
	rtc_set_memory(rtc, low_ram_end, high_ram_size);
	*ret = &rtc->dev;
	return 0;
}
