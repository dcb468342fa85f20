/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST code port (PORT_POST, 0x80): firmware and kernels write progress
 * codes (and Linux uses it as an I/O delay). Each written byte is recorded
 * with a CLOCK_MONOTONIC timestamp and passed to an optional callback, for
 * boot timing. Reads return the last value written (0 before any).
 */
#ifndef CNH_DEVICES_POST_H
#define CNH_DEVICES_POST_H

#include <stdint.h>

#include "common/util.h"
#include "devices/device.h"

/* Called on the vCPU thread for every byte written; ts_ns is CLOCK_MONOTONIC. */
typedef void (*post_fn)(void *opaque, uint8_t value, uint64_t ts_ns);

extern const struct dev_ops post_ops;

/* cb may be NULL. Register *ret at PORT_POST, length 1; free with device_destroy(). */
int post_new(struct dev_ctx *ctx, post_fn cb, void *opaque, struct device **ret) __must_check;
/*
 * Last value written and its timestamp (0 when none yet, or when dev is not
 * a POST device). Thread-safe.
 */
uint8_t post_last(struct device *dev, uint64_t *ret_ts_ns);

#endif
