/* SPDX-License-Identifier: Apache-2.0 */
/* cnh test guest: CMOS RAM and the MC146818 real-time clock (ports 0x70/0x71). */
#ifndef GUEST_RTC_H
#define GUEST_RTC_H

#include "lib.h"

struct rtc_time {
	unsigned int sec, min, hour, mday, mon, year; /* year is full, e.g. 2025 */
};

uint8_t cmos_read(uint8_t index);
void cmos_write(uint8_t index, uint8_t value);
/* Read a consistent time (UIP clear, read twice until equal), decoded. */
void rtc_read(struct rtc_time *t);
uint64_t rtc_to_unix(const struct rtc_time *t);
/* Seconds since the epoch now, for coarse timeouts. */
uint64_t rtc_now(void);
/* Scenario "rtc": compare with the host's launch time when have_expected. */
bool rtc_selftest(bool have_expected, uint64_t expected, char *detail, size_t size);

#endif
