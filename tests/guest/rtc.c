// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: CMOS access and RTC decoding. */
#include "rtc.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_DISABLE 0x80

#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_MDAY 0x07
#define RTC_MON 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_CENTURY 0x32
#define REG_A_UIP 0x80
#define REG_B_24H 0x02
#define REG_B_BINARY 0x04
#define HOUR_PM 0x80

#define RTC_TOLERANCE 120

uint8_t cmos_read(uint8_t index)
{
	outb(CMOS_INDEX, CMOS_NMI_DISABLE | (index & 0x7f));
	return inb(CMOS_DATA);
}

void cmos_write(uint8_t index, uint8_t value)
{
	outb(CMOS_INDEX, CMOS_NMI_DISABLE | (index & 0x7f));
	outb(CMOS_DATA, value);
}

static unsigned int bcd(uint8_t v, bool binary)
{
	return binary ? v : (unsigned int)((v >> 4) * 10 + (v & 0x0f));
}

struct rtc_raw {
	uint8_t sec, min, hour, mday, mon, year, century;
};

static void rtc_read_raw(struct rtc_raw *r)
{
	/* Bounded: a clock stuck in update must not hang the guest. */
	for (unsigned int i = 0; i < 1000000 && (cmos_read(RTC_REG_A) & REG_A_UIP); i++)
		cpu_relax();
	r->sec = cmos_read(RTC_SEC);
	r->min = cmos_read(RTC_MIN);
	r->hour = cmos_read(RTC_HOUR);
	r->mday = cmos_read(RTC_MDAY);
	r->mon = cmos_read(RTC_MON);
	r->year = cmos_read(RTC_YEAR);
	r->century = cmos_read(RTC_CENTURY);
}

void rtc_read(struct rtc_time *t)
{
	struct rtc_raw a, b;
	uint8_t regb;
	bool binary;
	unsigned int century;

	rtc_read_raw(&a);
	for (int i = 0; i < 5; i++) {
		rtc_read_raw(&b);
		if (!memcmp(&a, &b, sizeof(a)))
			break;
		a = b;
	}
	regb = cmos_read(RTC_REG_B);
	binary = regb & REG_B_BINARY;

	t->sec = bcd(a.sec, binary);
	t->min = bcd(a.min, binary);
	t->hour = bcd(a.hour & (uint8_t)~HOUR_PM, binary);
	if (!(regb & REG_B_24H)) {
		/* 12-hour mode: 12 AM is 0h, 12 PM is 12h. */
		if (t->hour == 12)
			t->hour = 0;
		if (a.hour & HOUR_PM)
			t->hour += 12;
	}
	t->mday = bcd(a.mday, binary);
	t->mon = bcd(a.mon, binary);
	century = bcd(a.century, binary);
	if (century < 19 || century > 99)
		century = 20;
	t->year = century * 100 + bcd(a.year, binary);
}

uint64_t rtc_to_unix(const struct rtc_time *t)
{
	/* Days from civil (proleptic Gregorian), shifted so March is month 0. */
	int64_t y = (int64_t)t->year - (t->mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = ((int64_t)t->mon + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)t->mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return (uint64_t)(days * 86400 + t->hour * 3600 + t->min * 60 + t->sec);
}

uint64_t rtc_now(void)
{
	struct rtc_time t;

	rtc_read(&t);
	return rtc_to_unix(&t);
}

static bool rtc_sane(const struct rtc_time *t)
{
	return t->sec < 60 && t->min < 60 && t->hour < 24 && t->mday >= 1 &&
	       t->mday <= 31 && t->mon >= 1 && t->mon <= 12 && t->year >= 2000 &&
	       t->year <= 2099;
}

bool rtc_selftest(bool have_expected, uint64_t expected, char *detail, size_t size)
{
	struct rtc_time t;
	uint64_t now;
	int64_t delta;

	rtc_read(&t);
	now = rtc_to_unix(&t);
	if (!rtc_sane(&t)) {
		snprintf(detail, size, "insane fields %u-%u-%u %u:%u:%u regB=0x%x",
			 t.year, t.mon, t.mday, t.hour, t.min, t.sec,
			 cmos_read(RTC_REG_B));
		return false;
	}
	if (!have_expected) {
		snprintf(detail, size, "%04u-%02u-%02u %02u:%02u:%02u unix=%lu (no cnh.time)",
			 t.year, t.mon, t.mday, t.hour, t.min, t.sec, now);
		return true;
	}
	delta = (int64_t)(now - expected);
	snprintf(detail, size, "%04u-%02u-%02u %02u:%02u:%02u unix=%lu delta=%lds",
		 t.year, t.mon, t.mday, t.hour, t.min, t.sec, now, delta);
	return delta >= -RTC_TOLERANCE && delta <= RTC_TOLERANCE;
}
