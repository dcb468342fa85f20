/* SPDX-License-Identifier: Apache-2.0 */
/*
 * i8042 keyboard controller, just enough for reset and probing: no keyboard
 * or mouse is attached and no interrupt is raised.
 *
 * Two ports, two bus ranges of one byte each (the bus passes offsets
 * relative to the range base, so each port has its own struct device):
 * i8042_new() gives the data port device (PORT_I8042_DATA), which owns
 * reset/destroy; i8042_cmd_device() the status/command port (PORT_I8042_CMD).
 *
 * Commands: 0x20 read / 0x60 write the command byte, 0xAA self test (0x55),
 * 0xAB keyboard interface test (0x00), 0xA7/0xA8/0xAD/0xAE disable/enable
 * aux/keyboard, 0xD0/0xD1 read/write the output port (writing it with bit 0
 * clear resets), 0xF0-0xFF pulse output lines: bit 0 clear (0xFE) requests
 * PLATFORM_REBOOT. Unknown commands and writes to the absent keyboard are
 * ignored.
 */
#ifndef CNH_DEVICES_I8042_H
#define CNH_DEVICES_I8042_H

#include "common/util.h"
#include "devices/device.h"

#define I8042_STATUS_OBF 0x01
#define I8042_STATUS_SYS 0x04
#define I8042_STATUS_CMD 0x08 /* last write went to the command port */
#define I8042_STATUS_UNLOCKED 0x10

#define I8042_CMD_READ_CTR 0x20
#define I8042_CMD_WRITE_CTR 0x60
#define I8042_CMD_AUX_DISABLE 0xa7
#define I8042_CMD_AUX_ENABLE 0xa8
#define I8042_CMD_SELF_TEST 0xaa
#define I8042_CMD_KBD_TEST 0xab
#define I8042_CMD_KBD_DISABLE 0xad
#define I8042_CMD_KBD_ENABLE 0xae
#define I8042_CMD_READ_OUTPORT 0xd0
#define I8042_CMD_WRITE_OUTPORT 0xd1
#define I8042_CMD_RESET 0xfe

extern const struct dev_ops i8042_ops;

/*
 * *ret is the data port device (register it at PORT_I8042_DATA, length 1;
 * free it with device_destroy()).
 */
int i8042_new(struct dev_ctx *ctx, struct device **ret) __must_check;
/*
 * The status/command port device of the same controller (register it at
 * PORT_I8042_CMD, length 1). NULL when dev is not an i8042 data device.
 * It has no reset/destroy: the data device owns the instance.
 */
struct device *i8042_cmd_device(struct device *dev);

#endif
