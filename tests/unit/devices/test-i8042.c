/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>

#include "devices/i8042.h"
#include "tests/fakes/fake_dev_ctx.h"

static struct fake_dev_ctx f;
static struct device *data_dev, *cmd_dev;

static void setup(void)
{
	fake_dev_ctx_init(&f);
	cr_assert_eq(i8042_new(&f.ctx, &data_dev), 0);
	cmd_dev = i8042_cmd_device(data_dev);
	cr_assert_not_null(cmd_dev);
}

static void teardown(void)
{
	device_destroy(data_dev);
	fake_dev_ctx_fini(&f);
}

static uint8_t status(void)
{
	uint8_t v;

	cmd_dev->ops->read(cmd_dev, 0, &v, 1);
	return v;
}

static void command(uint8_t c)
{
	cmd_dev->ops->write(cmd_dev, 0, &c, 1);
}

static uint8_t data_read(void)
{
	uint8_t v;

	data_dev->ops->read(data_dev, 0, &v, 1);
	return v;
}

static void data_write(uint8_t v)
{
	data_dev->ops->write(data_dev, 0, &v, 1);
}

TestSuite(i8042, .init = setup, .fini = teardown);

Test(i8042, status_empty)
{
	cr_assert_eq(status() & (I8042_STATUS_OBF | 0x02), 0, "nothing to read, ready for input");
}

Test(i8042, reset_command_reboots)
{
	command(I8042_CMD_RESET);
	cr_assert_eq(fake_events(&f), 1);
	cr_assert_eq(fake_event(&f, 0), PLATFORM_REBOOT);
}

Test(i8042, pulse_without_reset_bit_does_nothing)
{
	command(0xff);
	command(0xf1);
	cr_assert_eq(fake_events(&f), 0);
}

Test(i8042, reset_on_data_port_is_not_a_command)
{
	data_write(0xfe);
	cr_assert_eq(fake_events(&f), 0);
}

Test(i8042, self_test)
{
	command(I8042_CMD_SELF_TEST);
	cr_assert(status() & I8042_STATUS_OBF);
	cr_assert(status() & I8042_STATUS_SYS);
	cr_assert_eq(data_read(), 0x55);
	cr_assert_eq(status() & I8042_STATUS_OBF, 0, "reading data empties the buffer");
}

Test(i8042, command_byte_round_trip)
{
	command(I8042_CMD_WRITE_CTR);
	data_write(0x47);
	command(I8042_CMD_READ_CTR);
	cr_assert_eq(data_read(), 0x47);
	command(I8042_CMD_KBD_DISABLE);
	command(I8042_CMD_READ_CTR);
	cr_assert_eq(data_read(), 0x57);
	command(I8042_CMD_KBD_ENABLE);
	command(I8042_CMD_READ_CTR);
	cr_assert_eq(data_read(), 0x47);
	cr_assert_eq(fake_events(&f), 0);
}

Test(i8042, output_port_reset_line)
{
	command(I8042_CMD_READ_OUTPORT);
	cr_assert_eq(data_read() & 1, 1);
	command(I8042_CMD_WRITE_OUTPORT);
	data_write(0x03);
	cr_assert_eq(fake_events(&f), 0);
	command(I8042_CMD_WRITE_OUTPORT);
	data_write(0x02);
	cr_assert_eq(fake_events(&f), 1);
	cr_assert_eq(fake_event(&f, 0), PLATFORM_REBOOT);
}

Test(i8042, cmd_device_only_for_i8042)
{
	cr_assert_null(i8042_cmd_device(cmd_dev));
	cr_assert_null(i8042_cmd_device(NULL));
}

Test(i8042, any_offset_any_size)
{
	for (unsigned int size = 1; size <= 8; size *= 2) {
		for (uint64_t off = 0; off < 4; off++) {
			uint64_t v = 0x1122334455667711ULL;

			data_dev->ops->write(data_dev, off, &v, size);
			data_dev->ops->read(data_dev, off, &v, size);
			v = 0x11;
			cmd_dev->ops->write(cmd_dev, off, &v, size);
			cmd_dev->ops->read(cmd_dev, off, &v, size);
		}
	}
	cr_assert_eq(fake_events(&f), 0);
}
