/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MC146818 CMOS RTC at PORT_RTC (index port +0, data port +1).
 *
 * - Index writes ignore bit 7 (NMI disable); the index port reads back the
 *   current index.
 * - Time registers 0x00, 0x02, 0x04, 0x06-0x09 and the century (0x32) are
 *   computed from the time source (CLOCK_REALTIME by default, UTC) on every
 *   read, in BCD or binary and 12/24h as register B says. Guest writes to
 *   them are ignored (the host clock is the reference).
 * - Register A: UIP reads set only during the last 244 us of each second, so
 *   it never sticks. Register B is writable. Register C reads 0 (no
 *   interrupts are generated). Register D reads VRT (0x80).
 * - Everything else of the 128 bytes is NVRAM: guest-writable, kept across
 *   device reset (guest reboot). Reset clears the interrupt enables of B.
 * - Memory size registers are filled at creation (see rtc_new).
 *
 * Accesses wider than a byte are split into byte accesses.
 */
#ifndef CNH_DEVICES_RTC_H
#define CNH_DEVICES_RTC_H

#include <stdint.h>
#include <time.h>

#include "common/util.h"
#include "devices/device.h"

#define RTC_NVRAM_SIZE 128

#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_BASE_MEM_LO 0x15
#define RTC_BASE_MEM_HI 0x16
#define RTC_EXT_MEM_LO 0x17
#define RTC_EXT_MEM_HI 0x18
#define RTC_EXT_MEM2_LO 0x30
#define RTC_EXT_MEM2_HI 0x31
#define RTC_CENTURY 0x32
#define RTC_MEM_16M_LO 0x34 /* 64 KiB units between 16 MiB and the PCI hole */
#define RTC_MEM_16M_HI 0x35
#define RTC_MEM_4G_LO 0x5b  /* 64 KiB units above 4 GiB, 3 bytes */
#define RTC_MEM_4G_MID 0x5c
#define RTC_MEM_4G_HI 0x5d

#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_D_VRT 0x80

/* A time source: fill *ts with the current UTC wall-clock time. */
struct rtc_clock {
	void (*now)(void *opaque, struct timespec *ts);
	void *opaque;
};

extern const struct dev_ops rtc_ops;

/*
 * low_ram_end: end of RAM below the PCI hole (guest-physical, bytes, at most
 * 4 GiB); high_ram_size: bytes of RAM from 4 GiB. Fills the memory size
 * registers. clock: copied; NULL means CLOCK_REALTIME (tests pass a fixed
 * one). Free with device_destroy().
 */
int rtc_new(struct dev_ctx *ctx, uint64_t low_ram_end, uint64_t high_ram_size,
	    const struct rtc_clock *clock, struct device **ret) __must_check;

#endif
